//! Starting, stopping and surviving a crash, with the real binary where signals matter.

use std::time::Duration;

use pilane::{
    domain::DigitCount,
    storage::{Claim, Fit, Storage},
};

use crate::{
    binary::Binary,
    helpers::{TestApp, stage_names, test_database},
};

#[tokio::test]
async fn a_task_left_running_by_a_dead_process_completes_after_a_start() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = test_database(dir.path()).await;
    // What a killed process leaves behind: a task claimed and never finished, its lease run out.
    let storage = Storage::connect(&url).await.expect("the database opens");
    storage.migrate().await.expect("migrations apply");
    let n = DigitCount::new(1500, 1_000_000).expect("a valid count");
    let submitted = storage
        .submit(n, u64::MAX)
        .await
        .expect("the database takes the task, and an empty queue has room");
    let claimed = storage
        .claim_next("a-dead-process", Duration::ZERO, Fit::ANY)
        .await
        .expect("the claim works");
    assert!(
        matches!(&claimed, Claim::Claimed { task, .. } if task.id == submitted.task.id),
        "{claimed:?}"
    );
    storage.close().await.expect("the database closes");

    let app = TestApp::spawn_on(dir, url, |_| {}).await;
    let task = app.wait_for(submitted.task.id.0, "done").await;
    let stages = stage_names(&task);
    assert_eq!(
        stages,
        [
            "registered",
            "scheduled",
            "requeued",
            "scheduled",
            "taken",
            "calculated",
            "stored"
        ]
    );
}

#[tokio::test]
async fn readiness_turns_503_once_shutdown_begins() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.shutdown_token().cancel();
    // The server drains, but a request already on its way may still be answered.
    if let Ok(response) = app.client.get(app.url("/readyz")).send().await {
        assert_eq!(response.status(), 503);
    }
}

#[tokio::test]
async fn the_real_binary_exits_0_within_the_grace_period_on_sigterm_with_an_open_stream() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = test_database(dir.path()).await;
    let mut server = Binary::start(&url, &["--shutdown-grace", "10"]);
    let client = reqwest::Client::new();
    let response = client
        .get(server.url("/events"))
        .send()
        .await
        .expect("the stream opens");
    assert_eq!(response.status(), 200);
    let mut body = response.bytes_stream();

    server.signal("TERM");
    let mut received = String::new();
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout(
        Duration::from_secs(10),
        futures_util::StreamExt::next(&mut body),
    )
    .await
    {
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        received.contains("event: shutdown"),
        "the open stream got a final shutdown event: {received}"
    );
    let status = server.exit_within(Duration::from_secs(10)).await;
    assert!(
        status.is_some_and(|status| status.success()),
        "exit 0 within the grace period: {status:?}"
    );
}
