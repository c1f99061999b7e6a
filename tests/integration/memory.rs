//! Memory scheduled like cores, at small sizes with a small budget: a task that could never fit
//! is refused, queued tasks wait until memory is given back, and the search index counts against
//! the same budget.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, api_error};

/// When `task` reached `stage`.
fn stage_at(task: &Value, stage: &str) -> DateTime<Utc> {
    task["stages"]
        .as_array()
        .and_then(|stages| stages.iter().find(|entry| entry["stage"] == stage))
        .and_then(|entry| entry["at"].as_str())
        .and_then(|at| at.parse().ok())
        .unwrap_or_else(|| panic!("no {stage} stage in {task}"))
}

#[tokio::test]
async fn a_task_that_could_never_fit_the_memory_budget_is_refused_with_what_it_needs() {
    let app = TestApp::spawn_with(|config| {
        config.max_digits = 10_000_000;
        config.memory_budget = Some(100_000_000);
    })
    .await;
    let refused = app
        .post_json("/api/tasks", &json!({ "n": 10_000_000 }))
        .await;
    assert_eq!(refused.status(), 422);
    let message = api_error(refused).await;
    // The estimate follows the measured peaks (about 192 MB at 10^7 on one thread).
    let needs = (pilane::pi::peak_memory(10_000_000, 1) as f64 / 1e6).round();
    assert!(
        message.contains(&format!(
            "π to 10,000,000 digits needs about {needs} MB of memory; this server allows 100 MB"
        )),
        "{message}"
    );
    let page = app.post_form("/tasks", "n=10000000").await;
    assert_eq!(page.status(), 422);
    let page = page.text().await.unwrap_or_default();
    assert!(page.contains("this server allows 100 MB"), "{page}");
    assert!(app.tasks().await.is_empty(), "nothing was queued");

    let id = app.submit(1_000_000).await;
    app.wait_for(id, "done").await;
}

#[tokio::test]
async fn queued_tasks_wait_for_memory_as_they_wait_for_cores() {
    // Two workers, but memory for one task of 3,000,000 digits at a time (about 55 MB each).
    let app = TestApp::spawn_with(|config| {
        config.workers = 2;
        config.max_digits = 10_000_000;
        config.memory_budget = Some(80_000_000);
    })
    .await;
    let first = app.submit(3_000_000).await;
    let second = app.submit(3_000_001).await;
    let first = app.wait_for(first, "done").await;
    let second = app.wait_for(second, "done").await;
    assert!(
        stage_at(&second, "taken") >= stage_at(&first, "stored"),
        "the second started only once the first was done:\n{first}\n{second}"
    );
}

#[tokio::test]
async fn the_search_index_holds_only_what_the_memory_budget_leaves_room_for() {
    let app = TestApp::spawn_with(|config| config.max_digits = 1_000_000).await;
    let id = app.submit(1_000_000).await;
    app.wait_for(id, "done").await;
    let (dir, url) = app.stop().await;

    // 3 MB at 5 bytes a decimal: an index of 600,000 of the 1,000,000 stored.
    let app = TestApp::spawn_on(dir, url, |config| {
        config.max_digits = 1_000_000;
        config.memory_budget = Some(3_000_000);
    })
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let answer = app.get("/api/search?q=14159").await;
        if answer.status() == 200 {
            let found: Value = answer.json().await.expect("JSON");
            assert_eq!(found["searched"], 600_000, "{found}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the index was never built"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
