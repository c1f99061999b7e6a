//! Asking for a task through the page's form, with and without htmx.

use crate::helpers::{BUSY, TestApp, busy_one_worker, stage_names};

#[tokio::test]
async fn submitting_the_form_redirects_to_the_new_task_page() {
    let app = TestApp::spawn().await;
    let response = app.post_form("/tasks", "n=1000").await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(location.starts_with("/tasks/"), "{location}");
    let page = app.text(&location).await;
    assert!(
        page.contains("π to 1,000 decimal places"),
        "the task page names its n"
    );
}

#[tokio::test]
async fn with_htmx_the_form_comes_back_cleared_with_a_link_to_the_task() {
    let app = TestApp::spawn().await;
    let response = app.post_form_htmx("/tasks", "n=1000").await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["vary"], "HX-Request");
    let fragment = response.text().await.unwrap_or_default();
    assert!(
        fragment.starts_with("<form id=\"new-task\""),
        "only the form: {fragment}"
    );
    assert!(
        fragment.contains("Queued <a href=\"/tasks/1\">task #1 (n = 1,000)</a>"),
        "{fragment}"
    );
    assert!(fragment.contains("value=\"\""), "the field is cleared");
}

#[tokio::test]
async fn every_kind_of_bad_input_gets_422_with_its_message_in_the_form_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let cases = [
        ("n=", "Enter how many digits you want"),
        ("n=0", "n must be at least 1."),
        ("n=-5", "negative"),
        ("n=abc", "whole number"),
        ("n=1.5", "whole number"),
        ("n=1000001", "at most 1,000,000"),
        ("", "Enter how many digits you want"),
    ];
    for (body, message) in cases {
        let response = app.post_form("/tasks", body).await;
        assert_eq!(response.status(), 422, "{body:?}");
        let page = response.text().await.unwrap_or_default();
        assert!(
            page.contains("class=\"error\""),
            "{body:?}: the message sits in the form"
        );
        assert!(page.contains(message), "{body:?} should say {message:?}");

        let fragment = app.post_form_htmx("/tasks", body).await;
        assert_eq!(fragment.status(), 422, "{body:?} with htmx");
        assert!(fragment.text().await.unwrap_or_default().contains(message));
    }
    assert!(app.tasks().await.is_empty(), "rejected input wrote a task");
}

#[tokio::test]
async fn what_was_typed_stays_in_the_field_next_to_the_error_escaped() {
    let app = TestApp::spawn().await;
    let response = app
        .post_form_htmx("/tasks", "n=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert_eq!(response.status(), 422);
    let fragment = response.text().await.unwrap_or_default();
    assert!(
        fragment.contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""),
        "{fragment}"
    );
    assert!(
        !fragment.contains("<script>alert"),
        "user input reached the HTML unescaped"
    );
}

#[tokio::test]
async fn submitting_an_n_that_exists_shows_that_task_instead_of_making_another() {
    let app = TestApp::spawn().await;
    let first = app.post_form("/tasks", "n=1234").await;
    let second = app.post_form("/tasks", "n=1234").await;
    assert_eq!(first.headers()["location"], second.headers()["location"]);
    let again = app.post_form_htmx("/tasks", "n=1234").await;
    assert_eq!(again.status(), 200);
    assert!(
        again
            .text()
            .await
            .unwrap_or_default()
            .contains("That n already has")
    );
    assert_eq!(app.tasks().await.len(), 1, "one task per n");
}

#[tokio::test]
async fn submitting_a_cancelled_n_again_queues_the_same_task_again() {
    let app = TestApp::spawn_with(busy_one_worker).await;
    // A large task keeps the only worker busy, so the small one stays queued and can be cancelled.
    app.submit(BUSY).await;
    let id = app.submit(5000).await;
    let cancelled = app.post_form(&format!("/tasks/{id}/cancel"), "").await;
    assert_eq!(cancelled.status(), 303);
    assert_eq!(app.task(id).await["status"], "cancelled");

    let again = app.post_form_htmx("/tasks", "n=5000").await;
    assert!(again.text().await.unwrap_or_default().contains("again"));
    let task = app.task(id).await;
    assert!(
        task["status"] == "queued" || task["status"] == "running",
        "{task}"
    );
    let stages = stage_names(&task);
    assert!(
        stages.iter().any(|s| s == "cancelled") && stages.iter().any(|s| s == "retried"),
        "{stages:?}"
    );
}
