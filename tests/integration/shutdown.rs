//! Shutting down under load, with the real binary and real signals.

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::{
    binary::{Binary, stored_task},
    helpers::test_database,
};

/// Big enough to keep a worker busy for many seconds on one thread.
const LONG: u64 = 10_000_000;
const STREAMS: usize = 200;

/// One answer of the steady background traffic.
#[derive(Debug)]
enum Answer {
    Status(u16),
    /// Refused at connect: the socket had stopped accepting. Any client retries that.
    Refused,
    /// Anything else (a reset, a truncated answer): a request the server dropped.
    Broken(#[allow(dead_code, reason = "shown by the failure message")] String),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_load_sigterm_drains_streams_refuses_new_work_hands_tasks_back_and_exits_0() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = test_database(dir.path()).await;
    let mut server = Binary::start(
        &url,
        &[
            "--workers",
            "2",
            "--threads",
            "1",
            "--max-digits",
            "20000000",
            "--shutdown-grace",
            "10",
        ],
    );
    let client = reqwest::Client::new();

    // Tasks running on every worker.
    let running = [server.submit(LONG).await, server.submit(LONG + 1).await];
    for id in running {
        server.wait_for(id, "running").await;
    }

    // 200 open live streams, each read to its end in the background.
    let mut streams = Vec::new();
    for _ in 0..STREAMS {
        let response = client
            .get(server.url("/events"))
            .send()
            .await
            .expect("the stream opens");
        assert_eq!(response.status(), 200);
        streams.push(tokio::spawn(async move {
            let mut body = response.bytes_stream();
            let mut text = String::new();
            while let Some(chunk) = body.next().await {
                match chunk {
                    Ok(bytes) => text.push_str(&String::from_utf8_lossy(&bytes)),
                    Err(err) => return Err(format!("the stream broke: {err}")),
                }
            }
            Ok(text)
        }));
    }

    // A steady stream of ordinary requests, before and after the signal.
    let answers = Arc::new(Mutex::new(Vec::new()));
    let traffic = {
        let answers = answers.clone();
        let url = server.url("/api/tasks?limit=5");
        let client = client.clone();
        tokio::spawn(async move {
            loop {
                let answer = match client.get(&url).send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        match response.bytes().await {
                            Ok(_) => Answer::Status(status),
                            Err(err) => Answer::Broken(err.to_string()),
                        }
                    }
                    Err(err) if err.is_connect() => Answer::Refused,
                    Err(err) => Answer::Broken(format!("{err:?}")),
                };
                let refused = matches!(answer, Answer::Refused);
                answers.lock().expect("answers").push(answer);
                if refused {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;

    let signalled = Instant::now();
    server.signal("TERM");

    // Readiness fails within a second.
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("a client");
    loop {
        let ready = fresh.get(server.url("/readyz")).send().await;
        if ready.is_ok_and(|response| response.status() == 503) {
            break;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(1),
            "/readyz still not 503 a second after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(signalled.elapsed() < Duration::from_secs(1));

    // New work is refused with a time to come back.
    let refused = fresh
        .post(server.url("/api/tasks"))
        .json(&json!({ "n": 1234 }))
        .send()
        .await
        .expect("the server still answers while it drains");
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));

    // Every stream got a final `shutdown` event with a retry hint, then ended cleanly.
    let mut retries = BTreeSet::new();
    for stream in streams {
        let text = tokio::time::timeout(Duration::from_secs(10), stream)
            .await
            .expect("the stream ends within the grace period")
            .expect("the reader did not panic")
            .expect("the stream ended cleanly");
        let shutdown = text
            .split("\n\n")
            .find(|event| event.contains("event: shutdown"))
            .unwrap_or_else(|| panic!("no shutdown event in {text}"));
        let retry = shutdown
            .lines()
            .find_map(|line| line.strip_prefix("retry:"))
            .map(|ms| ms.trim().to_owned())
            .expect("the shutdown event says when to reconnect");
        retries.insert(retry);
    }
    assert!(
        retries.len() > STREAMS / 4,
        "retry hints are jittered, not one value for everybody: {retries:?}"
    );

    let status = server.exit_within(Duration::from_secs(10)).await;
    assert!(
        status.is_some_and(|status| status.success()),
        "exit 0 within the grace period: {status:?}"
    );
    tokio::time::timeout(Duration::from_secs(5), traffic)
        .await
        .expect("the traffic stops once the socket closes")
        .expect("the traffic loop did not panic");

    // No request the server took was dropped or failed.
    let answers = std::mem::take(&mut *answers.lock().expect("answers"));
    assert!(answers.len() > 10, "traffic ran: {answers:?}");
    for answer in &answers {
        match answer {
            Answer::Status(200) | Answer::Refused => {}
            other => panic!("a request was not served: {other:?}"),
        }
    }

    // Progress was logged while draining.
    let progress: Vec<Value> = server
        .logs()
        .into_iter()
        .filter(|log| log["fields"]["message"] == "shutdown in progress")
        .collect();
    assert!(!progress.is_empty(), "shutdown progress is logged");
    for field in ["open_streams", "running_tasks", "seconds_left"] {
        assert!(
            progress[0]["fields"].get(field).is_some(),
            "{field} is logged"
        );
    }

    // The running tasks are back in the queue, for the next start.
    for id in running {
        let task = stored_task(&url, id).await;
        assert_eq!(task.status.as_str(), "queued", "task {id} was handed back");
        assert_eq!(
            task.lost_runs, 0,
            "task {id} was handed back, not lost: the shutdown does not count against it"
        );
    }
}

#[tokio::test]
async fn a_second_signal_exits_at_once_and_the_next_start_finishes_the_task() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = test_database(dir.path()).await;
    let mut server = Binary::start(
        &url,
        &[
            "--workers",
            "1",
            "--threads",
            "1",
            "--max-digits",
            "20000000",
            "--lease",
            "2",
        ],
    );
    let id = server.submit(3_000_000).await;
    server.wait_for(id, "running").await;
    server.signal("INT");
    // The second signal must land after the first was handled, or the OS merges the two.
    server.wait_for_log("shutting down").await;
    server.signal("INT");
    let status = server.exit_within(Duration::from_secs(2)).await;
    assert_eq!(
        status.and_then(|status| status.code()),
        Some(130),
        "the second signal ended the process at once"
    );

    // A short lease: on Postgres the restart takes back what the killed run held once its lease
    // has run out (on SQLite at once).
    let restarted = Binary::start(&url, &["--max-digits", "20000000", "--lease", "2"]);
    restarted.wait_for(id, "done").await;
}

#[tokio::test]
async fn a_task_close_to_done_at_sigterm_finishes_instead_of_going_back_to_the_queue() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = test_database(dir.path()).await;
    // A quarter of a 40 s grace period, 10 s, is the most a run may still need to be finished.
    let mut server = Binary::start(
        &url,
        &[
            "--workers",
            "1",
            "--threads",
            "1",
            "--max-digits",
            "20000000",
            "--shutdown-grace",
            "40",
        ],
    );
    let client = reqwest::Client::new();
    // The estimate that decides comes from the engine's measured speed: wait until it is known.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !client
        .get(server.url("/estimate?n=2000000"))
        .send()
        .await
        .expect("the server answers")
        .text()
        .await
        .unwrap_or_default()
        .contains("about")
    {
        assert!(
            Instant::now() < deadline,
            "the engine's speed was never measured"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = server.submit(2_000_000).await;
    server.wait_for(id, "running").await;

    server.signal("TERM");
    let status = server.exit_within(Duration::from_secs(40)).await;
    assert!(status.is_some_and(|status| status.success()), "{status:?}");
    assert!(
        server
            .messages()
            .iter()
            .any(|message| message == "task close to done: finishing it before shutdown"),
        "the runner chose to finish it"
    );
    let task = stored_task(&url, id).await;
    assert_eq!(task.status.as_str(), "done", "it finished before the exit");
}
