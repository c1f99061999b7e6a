//! Startup to ready with 100,000 tasks in the database, 1,000 of them left `running` by a
//! crash (so recovery has work). `just bench-startup`; the figures go to docs/PERFORMANCE.md.
//!
//! Builds the database once (`seed.rs`), then starts the real release binary on a fresh copy of
//! it several times and reports, from its JSON logs, the time from exec to `ready` and the
//! recovery step.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

#[path = "seed.rs"]
mod seed;

const TASKS: i64 = 100_000;
const RUNNING: i64 = 1_000;
const RUNS: usize = 7;

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a temp dir");
    let template = dir.path().join("template.db");
    runtime.block_on(seed::seed(
        &template,
        &seed::Table {
            tasks: TASKS,
            running: RUNNING,
            queued_every: 10,
        },
    ));

    let mut ready = Vec::new();
    let mut recovery = Vec::new();
    for run in 0..RUNS {
        let copy = dir.path().join(format!("run-{run}.db"));
        std::fs::copy(&template, &copy).expect("the database copies");
        let (to_ready, recovered_in) = start_once(&copy);
        ready.push(to_ready);
        recovery.push(recovered_in);
    }
    ready.sort();
    recovery.sort();
    println!(
        "startup with {TASKS} tasks ({RUNNING} left running), {RUNS} runs: exec to ready median {:?} (min {:?}, max {:?}); recovery step median {} ms",
        ready[RUNS / 2],
        ready[0],
        ready[RUNS - 1],
        recovery[RUNS / 2]
    );
}

/// Starts the binary on `db`, waits for `ready`, stops it; returns the time from exec to ready
/// and the recovery step's own time.
fn start_once(db: &Path) -> (Duration, u64) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pilane"))
        .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().expect("piped");
    let mut recovery_ms = 0;
    let mut to_ready = None;
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        let log: Value = serde_json::from_str(&line).unwrap_or_default();
        let fields = &log["fields"];
        if fields["message"] == "took back tasks left running by a stopped process" {
            recovery_ms = fields["elapsed_ms"].as_u64().unwrap_or_default();
            assert_eq!(fields["recovered"], RUNNING, "every orphan was recovered");
        }
        if fields["message"] == "ready" {
            to_ready = Some(started.elapsed());
            break;
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    (to_ready.expect("the server logged ready"), recovery_ms)
}
