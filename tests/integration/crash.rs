//! kill -9 at random moments, again and again: nothing acknowledged is lost, nothing is done twice.

use std::time::Duration;

use sqlx::{Connection, SqliteConnection};

use crate::{
    binary::Binary,
    helpers::sqlite_url,
    ledger::{Dice, Ledger, assert_every_task_done_once, submit_until_refused},
};

const ROUNDS: usize = 50;
/// The largest n submitted: every size computes in well under a second, so kills land in every
/// phase (submitting, computing, storing).
const MAX_N: u64 = 200_000;

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
    let ledger = Ledger::default();
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15);

    for round in 0..ROUNDS {
        let server = Binary::start(&sqlite_url(dir.path()), &server_args);
        let submitter = submit_until_refused(
            client.clone(),
            vec![server.url("/api/tasks")],
            ledger.clone(),
            Dice(dice.roll(u64::MAX) | 1),
            MAX_N,
        );
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
    assert_every_task_done_once(&server, &ledger).await;
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
