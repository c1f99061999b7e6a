//! What the kill -9 loops share: dice to replay a run by, a client that submits until the server
//! goes away and keeps a ledger of what it was told, and the check that every acknowledged task
//! ended done, once, with the verified digit.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::{
    binary::Binary,
    helpers::{fixture_decimals, stage_names},
};

/// A small deterministic generator (xorshift), so a failing round can be replayed.
pub struct Dice(pub u64);

impl Dice {
    pub fn roll(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

/// What clients were told: task id → n, recorded only after a 2xx answer was read.
pub type Ledger = Arc<Mutex<BTreeMap<i64, u64>>>;

/// Submits random n in 1..=`max_n` to a random one of `urls` (each `.../api/tasks`) until an
/// answer fails or is not a success, recording each acknowledged task in `ledger`.
pub fn submit_until_refused(
    client: reqwest::Client,
    urls: Vec<String>,
    ledger: Ledger,
    mut dice: Dice,
    max_n: u64,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let n = 1 + dice.roll(max_n);
            let url = &urls[dice.roll(urls.len() as u64) as usize];
            let Ok(response) = client.post(url).json(&json!({ "n": n })).send().await else {
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
}

/// Every task in `ledger` exists with its n and ends done (within 300 s), with the fixture's n-th
/// digit and exactly one `stored` stage; and every task, acknowledged or not, ends, none failed.
pub async fn assert_every_task_done_once(server: &Binary, ledger: &BTreeMap<i64, u64>) {
    let deadline = Instant::now() + Duration::from_secs(300);
    for (&id, &n) in ledger {
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
    // Tasks written before a kill but never acknowledged are not in the ledger; they must end
    // too, so wait for them rather than catch one in its last milliseconds.
    loop {
        let unfinished = [
            server.tasks("?status=running&limit=200").await,
            server.tasks("?status=queued&limit=200").await,
        ]
        .concat();
        if unfinished.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "nothing stays queued or running: {unfinished:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let failed = server.tasks("?status=failed&limit=200").await;
    assert!(
        failed.is_empty(),
        "no task failed for the kills: {failed:?}"
    );
}
