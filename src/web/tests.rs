//! The router driven in process with `oneshot`, without a server: the refusals every route shares
//! and the htmx fragment, on a database of its own and no runner (nothing computes).

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
    response::Response,
};
use http_body_util::BodyExt;
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tower::ServiceExt;

use super::{AppState, Lifecycle, SubmitLimiter, TrustedProxies, live::LiveFeed, router};
use crate::{
    cluster::Instance,
    config::Limits,
    events::Bus,
    storage::Storage,
    tasks::{Cores, TaskLayer, TaskLimits},
};

/// A router over a fresh SQLite file, and the token that shuts it down.
struct Fixture {
    router: Router,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}", dir.path().join("pilane.db").display());
    let storage = Storage::connect(&url).await.expect("the database opens");
    storage.migrate().await.expect("migrations apply");
    let layer = TaskLayer::new(
        storage,
        Bus::default(),
        TaskLimits {
            max_digits: 1_000,
            max_queue: 10,
        },
        Cores::new(1, Some(1)),
        Instance::new(Some("oneshot".to_owned()), Duration::from_secs(30), 3),
    );
    let shutdown = CancellationToken::new();
    let state = AppState {
        live: LiveFeed::start(layer.queries.clone(), shutdown.clone(), &TaskTracker::new()),
        tasks: layer.tasks,
        queries: layer.queries,
        lifecycle: Lifecycle::new(shutdown.clone()),
        limits: Limits::DEFAULT,
        submissions: SubmitLimiter::new(&Limits::DEFAULT),
        proxies: TrustedProxies::new(&[]),
    };
    Fixture {
        router: router(state),
        shutdown,
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
    let request = request("POST", "/api/tasks")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("n=5"))
        .expect("a request");
    let (response, body) = app.send(request).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(r#"like {\"n\": 1000}"#), "{body}");
}

#[tokio::test]
async fn the_api_refuses_an_n_past_the_limit_and_takes_one_within_it() {
    let app = fixture().await;
    let post = |n: u64| {
        request("POST", "/api/tasks")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(format!(r#"{{"n": {n}}}"#)))
            .expect("a request")
    };
    let (refused, body) = app.send(post(1_001)).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (created, body) = app.send(post(1_000)).await;
    assert_eq!(created.status(), StatusCode::CREATED, "{body}");
    let (again, _) = app.send(post(1_000)).await;
    assert_eq!(again.status(), StatusCode::OK, "one n is one task");
}

#[tokio::test]
async fn htmx_gets_only_the_rows_of_the_table_and_caches_keep_the_two_apart() {
    let app = fixture().await;
    let form = request("POST", "/tasks")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("n=42"))
        .expect("a request");
    let (submitted, _) = app.send(form).await;
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
    app.shutdown.cancel();
    let routes = [
        ("/tasks", "application/x-www-form-urlencoded", "n=5"),
        ("/tasks/1/retry", "application/x-www-form-urlencoded", ""),
        ("/api/tasks", "application/json", r#"{"n": 5}"#),
    ];
    for (uri, content_type, body) in routes {
        let request = request("POST", uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .expect("a request");
        let (response, text) = app.send(request).await;
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
