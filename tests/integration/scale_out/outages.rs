//! Postgres restarted and down under load: 503 at once while down, recovery after, and no
//! acknowledged task lost.

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use super::with_lease;
use crate::{binary::Binary, pg_server::PgServer};

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
