//! The router driven in process with `oneshot`, without a server: the refusals every route shares
//! and the htmx fragment, on a database of its own and no runner (nothing computes).

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
    response::Response,
};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::router;
use crate::{
    app::{TestState, state_for_tests},
    config::{Config, Limits},
};

/// A router over a fresh SQLite file, and the token that shuts it down.
struct Fixture {
    router: Router,
    test_state: TestState,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}", dir.path().join("pilane.db").display());
    let mut config = Config::for_database(url);
    config.max_digits = 1_000;
    config.limits = Limits {
        max_queue: 10,
        ..Limits::DEFAULT
    };
    let test_state = state_for_tests(&config).await.expect("the state builds");
    Fixture {
        router: router(test_state.state.clone()),
        test_state,
        _dir: dir,
    }
}

impl Fixture {
    async fn send(&self, request: Request<Body>) -> (Response, String) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("a whole body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        (Response::from_parts(parts, Body::empty()), text)
    }

    async fn get(&self, uri: &str) -> (Response, String) {
        self.send(request("GET", uri).body(Body::empty()).expect("a request"))
            .await
    }

    /// A POST of `body`, as JSON under `/api/` and as a form elsewhere.
    async fn post(&self, uri: &str, body: impl Into<String>) -> (Response, String) {
        let content_type = if uri.starts_with("/api/") {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        let request = request("POST", uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.into()))
            .expect("a request");
        self.send(request).await
    }
}

fn request(method: &str, uri: &str) -> axum::http::request::Builder {
    Request::builder().method(method).uri(uri)
}

fn header_of(response: &Response, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_unknown_page_is_a_404_that_says_so_in_the_page_and_in_json_under_the_api() {
    let app = fixture().await;
    let (page, body) = app.get("/no/such/page").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(body.contains("There is no page at this address."), "{body}");
    assert!(body.contains("<html"), "a whole page: {body}");

    let (api, body) = app.get("/api/nothing").await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert!(header_of(&api, header::CONTENT_TYPE).starts_with("application/json"));
    assert!(
        body.contains(r#""error":"There is no page at this address.""#),
        "{body}"
    );
}

#[tokio::test]
async fn a_method_an_address_does_not_take_is_a_405_in_words() {
    let app = fixture().await;
    let (response, body) = app.get("/tasks").await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        body.contains("This address does not take a GET request."),
        "{body}"
    );
}

#[tokio::test]
async fn the_api_refuses_a_body_that_is_not_json_with_the_shape_it_wants() {
    let app = fixture().await;
    let (response, body) = app.post("/api/tasks", "n=5").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(r#"like {\"n\": 1000}"#), "{body}");
}

#[tokio::test]
async fn the_api_refuses_an_n_past_the_limit_and_takes_one_within_it() {
    let app = fixture().await;
    let n = |n: u64| format!(r#"{{"n": {n}}}"#);
    let (refused, body) = app.post("/api/tasks", n(1_001)).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (created, body) = app.post("/api/tasks", n(1_000)).await;
    assert_eq!(created.status(), StatusCode::CREATED, "{body}");
    let (again, _) = app.post("/api/tasks", n(1_000)).await;
    assert_eq!(again.status(), StatusCode::OK, "one n is one task");
}

#[tokio::test]
async fn htmx_gets_only_the_rows_of_the_table_and_caches_keep_the_two_apart() {
    let app = fixture().await;
    let (submitted, _) = app.post("/tasks", "n=42").await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);

    let htmx = request("GET", "/")
        .header("hx-request", "true")
        .body(Body::empty())
        .expect("a request");
    let (fragment, rows) = app.send(htmx).await;
    assert_eq!(fragment.status(), StatusCode::OK);
    assert!(rows.trim_start().starts_with("<tr"), "{rows}");
    assert!(!rows.contains("<html"), "{rows}");
    assert!(header_of(&fragment, header::VARY).contains("HX-Request"));

    let (page, body) = app.get("/").await;
    assert!(
        body.contains("<html") && body.contains(r#"id="task-1""#),
        "{body}"
    );
    assert!(header_of(&page, header::VARY).contains("HX-Request"));
}

#[tokio::test]
async fn while_shutting_down_every_submitting_route_says_503_and_when_to_come_back() {
    let app = fixture().await;
    app.test_state.shutdown.cancel();
    let routes = [
        ("/tasks", "n=5"),
        ("/tasks/1/retry", ""),
        ("/api/tasks", r#"{"n": 5}"#),
    ];
    for (uri, body) in routes {
        let (response, text) = app.post(uri, body).await;
        assert_eq!(
            response.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{uri}: {text}"
        );
        assert_eq!(header_of(&response, header::RETRY_AFTER), "5", "{uri}");
        assert!(text.contains("shutting down"), "{uri}: {text}");
    }
    let (listing, _) = app.get("/api/tasks").await;
    assert_eq!(
        listing.status(),
        StatusCode::OK,
        "reading is not submitting"
    );
}

#[tokio::test]
async fn the_first_page_and_the_api_list_show_a_task_submitted_after_they_were_served() {
    let app = fixture().await;
    let htmx_rows = || {
        request("GET", "/")
            .header("hx-request", "true")
            .body(Body::empty())
            .expect("a request")
    };
    let (_, page) = app.get("/").await;
    let (_, rows) = app.send(htmx_rows()).await;
    let (_, list) = app.get("/api/tasks").await;
    assert!(!page.contains(r#"id="task-1""#), "{page}");
    assert_eq!(list, "[]");

    let (created, _) = app.post("/api/tasks", r#"{"n": 42}"#).await;
    assert_eq!(created.status(), StatusCode::CREATED);

    let (_, page) = app.get("/").await;
    assert!(page.contains(r#"id="task-1""#), "{page}");
    let (response, rows_now) = app.send(htmx_rows()).await;
    assert!(
        rows_now.contains(r#"id="task-1""#) && rows != rows_now,
        "{rows_now}"
    );
    assert!(header_of(&response, header::VARY).contains("HX-Request"));
    let (response, list) = app.get("/api/tasks").await;
    assert!(header_of(&response, header::CONTENT_TYPE).starts_with("application/json"));
    assert!(list.contains(r#""id":1"#), "{list}");
}

#[tokio::test]
async fn the_first_page_is_read_once_while_nothing_changes_and_again_after_a_change() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    let app = fixture().await;
    let state = &app.test_state.state;
    let reads = AtomicUsize::new(0);
    let serve = || {
        state.first_page.page.get_or_make(&state.queries, || async {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok(axum::body::Bytes::from_static(b"the page"))
        })
    };
    for _ in 0..3 {
        assert_eq!(serve().await.expect("the page"), "the page");
    }
    assert_eq!(
        reads.load(Ordering::SeqCst),
        1,
        "read once for three visits"
    );

    app.post("/api/tasks", r#"{"n": 42}"#).await;
    serve().await.expect("the page");
    assert_eq!(
        reads.load(Ordering::SeqCst),
        2,
        "read again after the change"
    );
}
