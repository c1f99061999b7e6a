//! kill -9 at random moments, again and again: nothing acknowledged is lost, nothing is done twice.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use sqlx::{Connection, SqliteConnection};

use crate::{
    binary::Binary,
    helpers::sqlite_url,
    helpers::{fixture_decimals, stage_names},
};

const ROUNDS: usize = 50;
/// The largest n submitted: every size computes in well under a second, so kills land in every
/// phase (submitting, computing, storing).
const MAX_N: u64 = 200_000;

/// A small deterministic generator (xorshift), so a failing round can be replayed.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_kill_9s_at_random_moments_lose_no_acknowledged_task_and_compute_each_once() {
    let dir = tempfile::tempdir().expect("a temp dir");
    // The submitter is one eager client: lift the per-client rate limit so it keeps submitting
    // until the kill.
    let server_args = [
        "--workers",
        "2",
        "--threads",
        "1",
        "--max-digits",
        "1000000",
        "--submit-burst",
        "100000",
        "--submit-per-minute",
        "1000000",
        // A task running through several kills is lost with its process each time: it must
        // not fail for it here.
        "--max-attempts",
        "1000",
    ];
    let client = reqwest::Client::new();
    // What the client was told: task id → n, recorded only after a 2xx answer was read.
    let ledger: Arc<Mutex<BTreeMap<i64, u64>>> = Arc::default();
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15);

    for round in 0..ROUNDS {
        let server = Binary::start(&sqlite_url(dir.path()), &server_args);
        let submitter = {
            let client = client.clone();
            let url = server.url("/api/tasks");
            let ledger = ledger.clone();
            let mut dice = Dice(dice.roll(u64::MAX) | 1);
            tokio::spawn(async move {
                loop {
                    let n = 1 + dice.roll(MAX_N);
                    let Ok(response) = client.post(&url).json(&json!({ "n": n })).send().await
                    else {
                        return;
                    };
                    if !response.status().is_success() {
                        return;
                    }
                    let Ok(task) = response.json::<Value>().await else {
                        return;
                    };
                    if let Some(id) = task["id"].as_i64() {
                        ledger.lock().expect("the ledger").insert(id, n);
                    }
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(dice.roll(600))).await;
        server.signal("KILL");
        drop(server);
        let _ = submitter.await;

        let integrity = integrity_check(dir.path()).await;
        assert_eq!(integrity, "ok", "round {round}: the database is intact");
    }

    let server = Binary::start(&sqlite_url(dir.path()), &server_args);
    let ledger = ledger.lock().expect("the ledger").clone();
    assert!(
        ledger.len() > ROUNDS,
        "the rounds submitted work: {}",
        ledger.len()
    );
    let deadline = Instant::now() + Duration::from_secs(300);
    for (&id, &n) in &ledger {
        let task = loop {
            let task = server.task(id).await;
            assert_eq!(task["n"], n, "task {id} exists with the n it was given");
            match task["status"].as_str() {
                Some("done") => break task,
                Some("queued" | "running") => {}
                other => panic!("task {id} ended {other:?}: {task}"),
            }
            assert!(
                Instant::now() < deadline,
                "task {id} never finished: {task}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let nth = fixture_decimals(n as usize).as_bytes()[n as usize - 1] - b'0';
        assert_eq!(task["digit"], nth, "task {id} has the verified n-th digit");
        let stages = stage_names(&task);
        let stored = stages.iter().filter(|stage| *stage == "stored").count();
        assert_eq!(
            stored, 1,
            "task {id} was completed exactly once: {stages:?}"
        );
    }
    let tasks: Vec<Value> = client
        .get(server.url("/api/tasks?status=running&limit=200"))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a list");
    assert!(tasks.is_empty(), "nothing stays running: {tasks:?}");
}

/// `PRAGMA integrity_check` on the file a killed process left behind.
async fn integrity_check(dir: &std::path::Path) -> String {
    let mut connection = SqliteConnection::connect(&sqlite_url(dir))
        .await
        .expect("the database opens");
    let result: (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await
        .expect("the check runs");
    let _ = connection.close().await;
    result.0
}
