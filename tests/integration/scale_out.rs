//! Several instances on one real Postgres (started by the harness, see `pg_server`): live views
//! across instances (also after the listening connection goes silent, and between instances
//! given the same id by mistake), take-over after kill -9,
//! fencing of a stopped instance, one task per n, a Postgres restart under load, and the kill -9
//! loop with two instances. On SQLite, a second instance on the same file is refused.

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

use crate::{
    binary::Binary,
    helpers::{Sse, fixture_decimals, open_events, sqlite_url, stage_names},
    ledger::{Dice, Ledger, assert_every_task_done_once, submit_until_refused},
    pg_server::PgServer,
};

/// One worker with one thread each, a 2 s lease, no rate limit in the way of the test's client.
const INSTANCE: [&str; 14] = [
    "--workers",
    "1",
    "--threads",
    "1",
    "--max-digits",
    "10000000",
    "--lease",
    "2",
    "--submit-burst",
    "1000000",
    "--submit-per-minute",
    "1000000",
    "--shutdown-grace",
    "10",
];
const LEASE: Duration = Duration::from_secs(2);

/// [`INSTANCE`] and one more flag with its value.
fn instance_with(flag: [&'static str; 2]) -> Vec<&'static str> {
    INSTANCE.iter().copied().chain(flag).collect()
}

/// [`INSTANCE`] with another lease.
fn with_lease(seconds: &'static str) -> Vec<&'static str> {
    let mut args = INSTANCE.to_vec();
    if let Some(flag) = args.iter().position(|arg| *arg == "--lease") {
        args[flag + 1] = seconds;
    }
    args
}
/// The sweeper looks every third of a lease.
const SWEEP: Duration = Duration::from_millis(667);

/// Small enough for the fixture's digits, big enough to be seen running.
const LONG: u64 = 1_000_000;
/// Seconds on one thread: still running when a test has started a second instance and acted.
const LONGER: u64 = 3_000_000;
/// Longer than a quarter of the 10 s grace period, so a SIGTERM hands it back rather than
/// finishing it.
const TOO_LONG_TO_FINISH: u64 = 6_000_000;

/// Instance A computing a task of `n` decimals, and instance B started beside it.
async fn a_computing_with_b_beside(url: &str, args: &[&str], n: u64) -> (Binary, i64, Binary) {
    let a = Binary::start(url, args);
    let id = a.submit(n).await;
    a.wait_for(id, "running").await;
    let b = Binary::start(url, args);
    (a, id, b)
}

fn stage_time(task: &Value, stage: &str) -> Option<DateTime<Utc>> {
    task["stages"]
        .as_array()?
        .iter()
        .find(|entry| entry["stage"] == stage)?["at"]
        .as_str()?
        .parse()
        .ok()
}

fn count_stages(task: &Value, stage: &str) -> usize {
    stage_names(task)
        .iter()
        .filter(|name| *name == stage)
        .count()
}

fn expected_digit(n: u64) -> Value {
    let decimals = fixture_decimals(n as usize);
    json!(u64::from(decimals.as_bytes()[n as usize - 1] - b'0'))
}

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn a_live_table_on_one_instance_shows_a_task_submitted_on_another_go_queued_running_done() {
    let url = PgServer::shared().create_database().await;
    let a = Binary::start(&url, &INSTANCE);
    let b = Binary::start(&url, &INSTANCE);
    // Both workers busy, so the new task is certainly seen queued before it runs.
    let busy = [a.submit(5_000_000).await, b.submit(5_000_001).await];
    for id in busy {
        a.wait_for(id, "running").await;
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let mut events = open_events(&client, &a.url("/events"), None).await;

    let id = b.submit(LONG).await;
    let created = events
        .next_named("created")
        .await
        .expect("a created event on A");
    assert!(
        created.data.contains(&format!("id=\"task-{id}\""))
            && created.data.contains("badge queued"),
        "{}",
        created.data
    );
    // Cancelled on A, whichever instance runs them: the new task gets a worker.
    for busy in busy {
        let cancelled = client
            .post(a.url(&format!("/tasks/{busy}/cancel")))
            .send()
            .await;
        assert!(cancelled.is_ok_and(|response| response.status().is_redirection()));
    }
    let mut saw_running = false;
    loop {
        let event = events
            .next_named(&format!("task-{id}"))
            .await
            .expect("the row keeps changing on A until done");
        saw_running |= event.data.contains("badge running");
        if event.data.contains("badge done") {
            break;
        }
    }
    assert!(saw_running, "A showed the row running before done");
    assert_eq!(a.task(id).await["digit"], expected_digit(LONG));
}

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

/// A Postgres backend process stopped with SIGSTOP: its connection stays open and says nothing,
/// as over a network that silently dropped it. Continued when dropped, so the server can stop.
struct FrozenBackend(i32);

impl FrozenBackend {
    /// The backend of the (only) connection listening for changes on `url`'s database.
    async fn listening_on(url: &str) -> Self {
        let mut connection = PgConnection::connect(url)
            .await
            .expect("a connection to look at the backends");
        let deadline = Instant::now() + Duration::from_secs(10);
        let pid = loop {
            let listening: Option<(i32,)> = sqlx::query_as(
                "SELECT pid FROM pg_stat_activity \
                 WHERE datname = current_database() AND query LIKE 'LISTEN%'",
            )
            .fetch_optional(&mut connection)
            .await
            .expect("pg_stat_activity can be read");
            if let Some((pid,)) = listening {
                break pid;
            }
            assert!(Instant::now() < deadline, "no connection started listening");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let frozen = Self(pid);
        frozen.signal("STOP");
        frozen
    }

    fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &self.0.to_string()])
            .status();
        assert!(sent.is_ok_and(|status| status.success()), "kill -{signal}");
    }
}

impl Drop for FrozenBackend {
    fn drop(&mut self) {
        self.signal("CONT");
    }
}

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn a_listening_connection_gone_silent_is_noticed_and_replaced_so_live_views_catch_up() {
    let url = PgServer::shared().create_database().await;
    let a = Binary::start(&url, &INSTANCE);
    let _frozen = FrozenBackend::listening_on(&url).await;
    let b = Binary::start(&url, &INSTANCE);
    let client = reqwest::Client::new();
    let mut events = open_events(&client, &a.url("/events"), None).await;
    // A stream opened without a last event id starts with a resync of its own.
    assert!(events.next_named("resync").await.is_some());

    // Submitted on B while A hears nothing: A's table learns of it by resyncing once A has
    // noticed (two probes of 5 s) and listens on a new connection.
    let missed = b.submit(1_000).await;
    let resync = tokio::time::timeout(Duration::from_secs(30), events.next_named("resync"))
        .await
        .ok()
        .flatten();
    assert!(resync.is_some(), "A's table was told to resync");
    assert_eq!(
        a.logged_times(
            "the connection listening for other instances' changes stopped hearing; reconnecting"
        ),
        1
    );
    assert_eq!(a.task(missed).await["n"], json!(1_000));

    // And A hears B again.
    let heard = b.submit(1_001).await;
    next_created_is(&mut events, heard).await;
}

/// Waits (up to 10 s) for the live table's next `created` event, which must add task `id`'s row.
async fn next_created_is(events: &mut Sse, id: i64) {
    let created = tokio::time::timeout(Duration::from_secs(10), events.next_named("created"))
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("a created event for task {id}"));
    assert!(
        created.data.contains(&format!("id=\"task-{id}\"")),
        "{}",
        created.data
    );
}

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn two_instances_given_the_same_id_by_mistake_still_hear_each_other_and_both_say_so() {
    let url = PgServer::shared().create_database().await;
    let args = instance_with(["--instance-id", "web"]);
    let a = Binary::start(&url, &args);
    let b = Binary::start(&url, &args);
    let client = reqwest::Client::new();
    let mut events = open_events(&client, &a.url("/events"), None).await;

    // A's table hears of the task submitted on B.
    next_created_is(&mut events, b.submit(1_000).await).await;
    // Each hears the other's announcements or, when idle, its probes within 5 s.
    let clash = "another running instance has this instance's id; give each instance its own (--instance-id, PILANE_INSTANCE_ID)";
    a.wait_for_log(clash).await;
    b.wait_for_log(clash).await;
    a.submit(1_001).await;
    b.submit(1_002).await;
    assert_eq!(
        a.logged_times(clash),
        1,
        "said once, not on every announcement"
    );
}

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn a_cancel_on_one_instance_stops_the_computation_on_another() {
    let url = PgServer::shared().create_database().await;
    let (a, id, b) = a_computing_with_b_beside(&url, &INSTANCE, TOO_LONG_TO_FINISH).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let cancelled = client
        .post(b.url(&format!("/tasks/{id}/cancel")))
        .send()
        .await;
    assert!(cancelled.is_ok_and(|response| response.status().is_redirection()));
    a.wait_for_log("run ended: the task was cancelled or taken over")
        .await;
    let task = a.task(id).await;
    assert_eq!(task["status"], "cancelled");
    assert_eq!(count_stages(&task, "stored"), 0, "nothing was stored");
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

/// What the load saw of one request.
#[derive(Debug)]
struct Answer {
    status: Option<u16>,
    took: Duration,
    retry_after: bool,
}

/// Submits and reads against both instances until `stop`, recording every answer and every
/// acknowledged task.
fn load(
    instances: [String; 2],
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<Vec<Answer>>>,
    ledger: Arc<Mutex<BTreeMap<i64, u64>>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("a client");
        let mut n = 1_000;
        while !stop.load(Ordering::Relaxed) {
            n += 1;
            let base = &instances[(n % 2) as usize];
            let started = Instant::now();
            let sent = client
                .post(format!("{base}/api/tasks"))
                .json(&json!({ "n": n }))
                .send()
                .await;
            let took = started.elapsed();
            let answer = match sent {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = response.headers().contains_key("retry-after");
                    if response.status().is_success()
                        && let Ok(task) = response.json::<Value>().await
                        && let Some(id) = task["id"].as_i64()
                    {
                        ledger.lock().expect("the ledger").insert(id, n);
                    }
                    Answer {
                        status: Some(status),
                        took,
                        retry_after,
                    }
                }
                Err(_) => Answer {
                    status: None,
                    took,
                    retry_after: false,
                },
            };
            answers.lock().expect("the answers").push(answer);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
}

async fn status_of(client: &reqwest::Client, url: &str) -> Option<u16> {
    client
        .get(url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()
        .map(|response| response.status().as_u16())
}

/// Waits (up to `limit`) until `GET url` answers `status`; how long that took.
async fn until_status(url: &str, status: u16, limit: Duration) -> Option<Duration> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < limit {
        if status_of(&client, url).await == Some(status) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

async fn in_background(work: impl FnOnce() + Send + 'static) {
    tokio::task::spawn_blocking(work)
        .await
        .expect("the Postgres command ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn a_postgres_restart_under_load_answers_503_fast_then_recovers_and_loses_nothing() {
    let postgres = Arc::new(PgServer::start());
    let url = postgres.create_database().await;
    // A lease longer than any outage here: the tasks running through them are handed back by
    // their own runs, not lost.
    let args = with_lease("10");
    let a = Binary::start(&url, &args);
    let b = Binary::start(&url, &args);
    let stop = Arc::new(AtomicBool::new(false));
    let answers: Arc<Mutex<Vec<Answer>>> = Arc::default();
    let ledger: Arc<Mutex<BTreeMap<i64, u64>>> = Arc::default();
    let load = load(
        [a.url(""), b.url("")],
        stop.clone(),
        answers.clone(),
        ledger.clone(),
    );
    tokio::time::sleep(Duration::from_secs(1)).await;

    for mode in ["fast", "immediate"] {
        let server = postgres.clone();
        in_background(move || server.restart(mode)).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    const RELISTENING: &str = "listening for other instances' changes again; live views resync";
    let relistened = [a.logged_times(RELISTENING), b.logged_times(RELISTENING)];
    // Down for a while: readiness says so, and requests get 503 at once rather than hang.
    let server = postgres.clone();
    in_background(move || server.stop_with("fast")).await;
    let client = reqwest::Client::new();
    for instance in [&a, &b] {
        let down = until_status(&instance.url("/readyz"), 503, Duration::from_secs(5)).await;
        assert!(down.is_some(), "readiness said 503 while Postgres was down");
        // Once the instance's own ping has found Postgres gone, nothing waits for the pool.
        instance
            .wait_for_log("the database cannot be reached; requests get 503 at once until it can")
            .await;
        let started = Instant::now();
        let refused = client
            .post(instance.url("/api/tasks"))
            .json(&json!({ "n": 77 }))
            .send()
            .await
            .expect("an answer");
        let took = started.elapsed();
        assert_eq!(refused.status(), 503);
        assert!(
            took < Duration::from_secs(1),
            "refused at once, not after the pool's 3 s wait for a connection: {took:?}"
        );
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let server = postgres.clone();
    in_background(move || server.start_again()).await;
    for (instance, before) in [(&a, relistened[0]), (&b, relistened[1])] {
        let back = until_status(&instance.url("/readyz"), 200, Duration::from_secs(10)).await;
        assert!(back.is_some(), "readiness said 200 within seconds after");
        instance
            .wait_for_logged_times(RELISTENING, before + 1)
            .await;
        instance
            .wait_for_log("the database can be reached again")
            .await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    load.await.expect("the load ran");

    let answers = std::mem::take(&mut *answers.lock().expect("the answers"));
    let refused = answers
        .iter()
        .filter(|answer| answer.status == Some(503))
        .count();
    assert!(refused > 0, "some requests met Postgres down");
    for answer in &answers {
        assert!(
            matches!(answer.status, Some(200 | 201 | 503)),
            "every answer was a success or a 503: {answer:?}"
        );
        assert!(
            answer.status != Some(503) || answer.retry_after,
            "a 503 says when to retry"
        );
        assert!(
            answer.took < Duration::from_secs(5),
            "no request hung: {answer:?}"
        );
    }
    let ledger = ledger.lock().expect("the ledger").clone();
    assert!(ledger.len() > 10, "the load got work in: {}", ledger.len());
    for (&id, &n) in &ledger {
        let task = a.task(id).await;
        assert_eq!(task["n"], json!(n), "acknowledged task {id} kept its n");
    }
    for &id in ledger.keys() {
        a.wait_for(id, "done").await;
    }
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
