//! Starting, stopping and surviving a crash, with the real binary where signals matter.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use pilane::{domain::DigitCount, storage::Storage};

use crate::helpers::{TestApp, stage_names};

#[tokio::test]
async fn a_task_left_running_by_a_dead_process_completes_after_a_start() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}", dir.path().join("pilane.db").display());
    // What a killed process leaves behind: a task claimed and never finished.
    let storage = Storage::connect(&url).await.expect("the database opens");
    storage.migrate().await.expect("migrations apply");
    let n = DigitCount::new(1500, 1_000_000).expect("a valid count");
    let submitted = storage
        .submit(n, u64::MAX)
        .await
        .expect("the database takes the task")
        .expect("an empty queue has room");
    let claimed = storage.claim_next().await.expect("the claim works");
    assert!(claimed.is_some_and(|(_, task, _)| task.id == submitted.task.id));
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

/// Starts the real binary on a free port and returns it with its address.
fn start_binary(dir: &std::path::Path) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pilane"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--shutdown-grace",
            "10",
        ])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("pilane.db").display()),
        )
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut lines = BufReader::new(stderr).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the binary logs until it listens")
            .expect("log lines are text");
        let log: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if log["fields"]["message"] == "listening" {
            break log["fields"]["address"]
                .as_str()
                .expect("the address is logged")
                .to_owned();
        }
    };
    // Keep draining the logs so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, address)
}

#[tokio::test]
async fn the_real_binary_exits_0_within_the_grace_period_on_sigterm_with_an_open_stream() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (mut child, address) = start_binary(dir.path());
    let client = reqwest::Client::new();
    let response = client
        .get(format!("http://{address}/events"))
        .send()
        .await
        .expect("the stream opens");
    assert_eq!(response.status(), 200);
    let mut body = response.bytes_stream();

    let signalled = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
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
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(10),
            "the binary outlived its grace period"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "exit status {status}");
}
