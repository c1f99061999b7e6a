//! Several instances on one real Postgres (started by the harness, see `pg_server`): live views
//! across instances (also after the listening connection goes silent, and between instances
//! given the same id by mistake), take-over after kill -9,
//! fencing of a stopped instance, one task per n, a Postgres restart under load, and the kill -9
//! loop with two instances. On SQLite, a second instance on the same file is refused.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::{
    binary::Binary,
    helpers::{fixture_decimals, stage_names},
};

mod claims;
mod live;
mod outages;
mod search;

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
