//! The JSON API, as scripts use it.

use serde_json::{Value, json};

use crate::helpers::{TestApp, api_error, fixture_decimals};

#[tokio::test]
async fn posting_a_new_n_answers_201_and_the_same_n_again_200_with_the_same_task() {
    let app = TestApp::spawn().await;
    let created = app.post_json("/api/tasks", &json!({ "n": 1000 })).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap_or_default();
    let again = app.post_json("/api/tasks", &json!({ "n": 1000 })).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap_or_default();
    assert_eq!(created["id"], again["id"]);
}

#[tokio::test]
async fn a_task_has_every_documented_field_and_its_digit_once_done() {
    let app = TestApp::spawn().await;
    let id = app.submit(777).await;
    let task = app.wait_for(id, "done").await;
    for field in [
        "id",
        "n",
        "status",
        "progress",
        "phase",
        "digit",
        "error",
        "created_at",
        "started_at",
        "finished_at",
        "stages",
    ] {
        assert!(task.get(field).is_some(), "the task lacks {field}: {task}");
    }
    assert_eq!(task["n"], 777);
    assert_eq!(task["progress"], 1.0);
    assert_eq!(
        task["digit"].as_u64(),
        fixture_decimals(777)[776..].parse().ok()
    );
    assert_eq!(task["stages"][0]["stage"], "registered");
}

#[tokio::test]
async fn bad_json_input_gets_422_with_an_error_and_writes_nothing() {
    let app = TestApp::spawn().await;
    for body in [
        json!({}),
        json!({ "n": "1000" }),
        json!({ "n": -5 }),
        json!({ "n": 1.5 }),
        json!({ "n": 0 }),
        json!({ "n": 1_000_001 }),
        json!([1000]),
    ] {
        let response = app.post_json("/api/tasks", &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap_or_default();
        assert!(
            error["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{body}: {error}"
        );
    }
    let not_json = app
        .client
        .post(app.url("/api/tasks"))
        .header("content-type", "application/json")
        .body("n=5")
        .send()
        .await;
    assert_eq!(not_json.map(|r| r.status().as_u16()).ok(), Some(422));
    assert!(app.tasks().await.is_empty());
}

#[tokio::test]
async fn tasks_are_listed_newest_first_filtered_by_status_and_paged_with_before() {
    let app = TestApp::spawn().await;
    let ids = [
        app.submit(10).await,
        app.submit(20).await,
        app.submit(30).await,
    ];
    for id in ids {
        app.wait_for(id, "done").await;
    }
    let listed: Vec<Value> = app
        .get("/api/tasks?limit=2")
        .await
        .json()
        .await
        .unwrap_or_default();
    let listed: Vec<i64> = listed.iter().filter_map(|t| t["id"].as_i64()).collect();
    assert_eq!(listed, [ids[2], ids[1]]);
    let rest: Vec<Value> = app
        .get(&format!("/api/tasks?before={}", ids[1]))
        .await
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(rest.len(), 1);
    let queued: Vec<Value> = app
        .get("/api/tasks?status=queued")
        .await
        .json()
        .await
        .unwrap_or_default();
    assert!(queued.is_empty());
    assert_eq!(app.get("/api/tasks?status=bogus").await.status(), 422);
    assert_eq!(app.get("/api/tasks?limit=-1").await.status(), 422);
    assert_eq!(app.get("/api/tasks/abc").await.status(), 404);
}

#[tokio::test]
async fn the_pi_endpoint_serves_stored_digits_and_refuses_beyond_them() {
    let app = TestApp::spawn().await;
    let id = app.submit(2000).await;
    app.wait_for(id, "done").await;
    let answer: Value = app
        .get("/api/pi?start=991&count=20")
        .await
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(
        answer,
        json!({ "start": 991, "count": 20, "digits": &fixture_decimals(1010)[990..] })
    );
    assert_eq!(app.get("/api/pi?start=1990&count=20").await.status(), 416);
    assert_eq!(app.get("/api/pi?start=0").await.status(), 422);
    assert_eq!(app.get("/api/pi?count=10001").await.status(), 422);
}

#[tokio::test]
async fn health_says_live_and_ready() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/livez").await.status(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap_or_default();
    assert_eq!(body["ready"], true);
    assert_eq!(body["shutting_down"], false);
    assert!(
        body.get("queue_depth").is_some()
            && body.get("running").is_some()
            && body.get("sse_streams").is_some()
    );
}

#[tokio::test]
async fn a_number_beyond_any_integer_is_too_large_and_a_garbled_query_is_answered_in_json() {
    let app = TestApp::spawn().await;
    let huge = app
        .client
        .post(app.url("/api/tasks"))
        .header("content-type", "application/json")
        .body(r#"{"n": 18446744073709551616}"#)
        .send()
        .await
        .expect("the server answers");
    assert_eq!(huge.status(), 422);
    let error: Value = huge.json().await.unwrap_or_default();
    assert!(
        error["error"]
            .as_str()
            .is_some_and(|e| e.contains("at most")),
        "{error}"
    );

    let repeated = app.get("/api/tasks?limit=1&limit=2").await;
    assert_eq!(repeated.status(), 400);
    let error: Value = repeated.json().await.unwrap_or_default();
    assert!(error["error"].as_str().is_some_and(|e| !e.is_empty()));
}

#[tokio::test]
async fn an_n_written_as_1000_point_0_is_the_whole_number_1000_as_json_schema_counts_it() {
    let app = TestApp::spawn().await;
    let created = post_tasks(
        &app,
        &[("content-type", "application/json")],
        r#"{"n": 1000.0}"#,
    )
    .await;
    assert_eq!(created.status(), 201);
    let task: Value = created.json().await.unwrap_or_default();
    assert_eq!(task["n"], 1000);
}

#[tokio::test]
async fn a_body_not_declared_as_json_is_a_415_that_says_how_to_send_it() {
    let app = TestApp::spawn().await;
    let answer = post_tasks(&app, &[("content-type", "text/plain")], r#"{"n": 1000}"#).await;
    assert_eq!(answer.status(), 415);
    assert!(api_error(answer).await.contains("application/json"));
    assert!(app.tasks().await.is_empty());
}

#[tokio::test]
async fn a_submission_from_a_page_of_another_site_is_a_403_in_json_that_writes_nothing() {
    let app = TestApp::spawn().await;
    let headers = [
        ("content-type", "application/json"),
        ("sec-fetch-site", "cross-site"),
    ];
    let answer = post_tasks(&app, &headers, r#"{"n": 1000}"#).await;
    assert_eq!(answer.status(), 403);
    assert!(api_error(answer).await.contains("another site"));
    assert!(app.tasks().await.is_empty());
}

/// `POST /api/tasks` with exactly these headers and this body, as a script might send it.
async fn post_tasks(
    app: &TestApp,
    headers: &[(&str, &str)],
    body: &'static str,
) -> reqwest::Response {
    let mut request = app.client.post(app.url("/api/tasks")).body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("the server answers")
}
