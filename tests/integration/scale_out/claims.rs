//! Who runs a task: take-over after kill -9, hand-back on a graceful stop, fencing of a stopped
//! instance, one task per n, the kill -9 loop with two instances, and one instance per SQLite
//! file.

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use serde_json::{Value, json};

use super::{
    INSTANCE, LEASE, LONGER, SWEEP, TOO_LONG_TO_FINISH, a_computing_with_b_beside, count_stages,
    instance_with, stage_time, with_lease,
};
use crate::{
    binary::Binary,
    helpers::{open_events, sqlite_url},
    ledger::{Dice, Ledger, assert_every_task_done_once, submit_until_refused},
    pg_server::PgServer,
};

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn when_the_instance_computing_a_task_is_killed_another_finishes_it_within_lease_and_sweep() {
    let url = PgServer::shared().create_database().await;
    let (a, id, b) = a_computing_with_b_beside(&url, &INSTANCE, LONGER).await;
    a.signal("KILL");
    let killed = Utc::now();

    b.wait_for(id, "done").await;
    let task = b.task(id).await;
    let requeued = stage_time(&task, "requeued").expect("the task was taken back");
    let slack = chrono::TimeDelta::seconds(2);
    let bound = chrono::TimeDelta::from_std(LEASE + SWEEP).expect("small") + slack;
    assert!(
        requeued - killed <= bound,
        "taken back {} ms after the kill",
        (requeued - killed).num_milliseconds()
    );
    let message = task["stages"]
        .as_array()
        .and_then(|stages| stages.iter().find(|stage| stage["stage"] == "requeued"))
        .and_then(|stage| stage["message"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("stopped before it finished"), "{message}");
    assert_eq!(count_stages(&task, "stored"), 1);
}

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn a_gracefully_stopped_instance_hands_its_task_to_another_at_once_not_after_its_lease() {
    let url = PgServer::shared().create_database().await;
    // A lease far longer than the test waits: only a hand-back explains a quick takeover.
    let args = with_lease("30");
    let (mut a, id, b) = a_computing_with_b_beside(&url, &args, TOO_LONG_TO_FINISH).await;
    let client = reqwest::Client::new();
    let mut events = open_events(&client, &a.url("/events"), None).await;

    a.signal("TERM");
    let signalled = Utc::now();
    let shutdown = events
        .next_named("shutdown")
        .await
        .expect("a shutdown event");
    assert!(
        shutdown.retry.is_some(),
        "the browser is told when to reconnect"
    );
    let status = a.exit_within(Duration::from_secs(15)).await;
    assert!(status.is_some_and(|status| status.success()), "{status:?}");

    b.wait_for(id, "done").await;
    let task = b.task(id).await;
    let requeued = stage_time(&task, "requeued").expect("handed back");
    assert!(
        requeued - signalled < chrono::TimeDelta::seconds(5),
        "handed back {} ms after SIGTERM",
        (requeued - signalled).num_milliseconds()
    );
}

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn a_stopped_instance_that_wakes_after_losing_its_lease_changes_nothing() {
    let url = PgServer::shared().create_database().await;
    let (a, id, b) = a_computing_with_b_beside(&url, &INSTANCE, LONGER).await;
    a.signal("STOP");

    b.wait_for(id, "done").await;
    let finished = b.task(id).await;
    a.signal("CONT");
    a.wait_for_log("run ended: the task was cancelled or taken over")
        .await;

    let task = b.task(id).await;
    assert_eq!(task, finished, "the late run changed nothing");
    assert_eq!(count_stages(&task, "stored"), 1, "exactly one result");
    let stored_attempt = task["stages"]
        .as_array()
        .and_then(|stages| stages.iter().find(|stage| stage["stage"] == "stored"))
        .map(|stage| stage["attempt"].clone());
    assert_eq!(
        stored_attempt,
        Some(json!(2)),
        "the result is the second run's"
    );
}

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn the_same_n_submitted_to_both_instances_at_once_is_one_task() {
    let url = PgServer::shared().create_database().await;
    let a = Arc::new(Binary::start(&url, &INSTANCE));
    let b = Arc::new(Binary::start(&url, &INSTANCE));
    for n in [5, 12_345, 777_777] {
        let submits = (0..20).map(|i| {
            let instance = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move { instance.submit(n).await })
        });
        let mut ids = Vec::new();
        for submit in submits {
            ids.push(submit.await.expect("the submit ran"));
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "n = {n} gave tasks {ids:?}");
    }
    let tasks = a.tasks("").await;
    assert_eq!(tasks.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn twenty_kill_9s_of_either_of_two_instances_lose_no_acknowledged_task_and_store_each_once() {
    const ROUNDS: usize = 20;
    const MAX_N: u64 = 200_000;
    let url = PgServer::shared().create_database().await;
    // Killed this often, a task may be lost with its instance many times: it must not fail.
    let args = instance_with(["--max-attempts", "1000"]);
    let mut instances = [Binary::start(&url, &args), Binary::start(&url, &args)];
    let ledger = Ledger::default();
    let mut dice = Dice(0x2545_F491_4F6C_DD1D);
    let client = reqwest::Client::new();

    for _ in 0..ROUNDS {
        let submitter = submit_until_refused(
            client.clone(),
            vec![
                instances[0].url("/api/tasks"),
                instances[1].url("/api/tasks"),
            ],
            ledger.clone(),
            Dice(dice.roll(u64::MAX) | 1),
            MAX_N,
        );
        tokio::time::sleep(Duration::from_millis(dice.roll(600))).await;
        let victim = dice.roll(2) as usize;
        instances[victim].signal("KILL");
        let _ = submitter.await;
        instances[victim] = Binary::start(&url, &args);
    }

    let ledger = ledger.lock().expect("the ledger").clone();
    assert!(
        ledger.len() > ROUNDS,
        "the rounds submitted work: {}",
        ledger.len()
    );
    assert_every_task_done_once(&instances[0], &ledger).await;
}

#[tokio::test]
async fn a_second_instance_on_the_same_sqlite_file_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = sqlite_url(dir.path());
    let first = Binary::start(&url, &[]);
    let Err(logs) = Binary::try_start(&url, &[]) else {
        panic!("a second instance started on the same SQLite file");
    };
    let said = logs
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        said.contains("another Pilane process is already serving from")
            && said.contains("Postgres"),
        "{said}"
    );
    let ready = reqwest::get(first.url("/readyz")).await.map(|r| r.status());
    assert!(
        ready.is_ok_and(|status| status == 200),
        "the first one serves on"
    );

    // The lock goes with the process, however it ends.
    first.signal("KILL");
    drop(first);
    let next = Binary::start(&url, &[]);
    let ready = reqwest::get(next.url("/readyz")).await.map(|r| r.status());
    assert!(ready.is_ok_and(|status| status == 200));
}
