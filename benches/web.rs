//! The task table under load, at 100,000 tasks: wrk (2 threads, 16 connections) against `/`, an
//! older page (`/?before=`), `/api/tasks` and `/livez` for scale, first idle, then while a 10^8
//! task computes on every core. Prints req/s and p99 for each. `just bench-web [seconds]`; the
//! figures go to docs/PERFORMANCE.md.
//!
//! `--against PATH` runs the same scenarios on another build of the binary too (an older
//! commit's, say), one server after the other, so the two are compared within one run: these
//! machines are shared and noisy.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

#[path = "machine.rs"]
mod machine;
#[path = "seed.rs"]
mod seed;
#[path = "server.rs"]
mod server;

use server::Server;

const TASKS: i64 = 100_000;
/// The big task of the busy round: the default `--max-digits`, about a minute on 2 cores.
const BIG_TASK: u64 = 100_000_000;

fn main() {
    let mut args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let mut seconds = 10u64;
    let mut against = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--against" => against = args.next().map(PathBuf::from),
            other => seconds = other.parse().expect("seconds per scenario"),
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a temp dir");
    let template = dir.path().join("template.db");
    runtime.block_on(seed::seed(
        &template,
        &seed::Table {
            tasks: TASKS,
            running: 0,
            queued_every: 0,
        },
    ));
    println!(
        "CPU: {}; {TASKS} tasks; wrk -t2 -c16 -d{seconds}s",
        machine::cpu_name()
    );
    let mut binaries = vec![(None, "this build".to_owned())];
    if let Some(path) = against {
        let name = path.display().to_string();
        binaries.push((Some(path), name));
    }
    for (round, (binary, name)) in binaries.iter().enumerate() {
        let db = dir.path().join(format!("web-{round}.db"));
        std::fs::copy(&template, &db).expect("the database copies");
        println!("\n{name}:");
        runtime.block_on(measure(binary.as_deref(), &db, seconds));
    }
}

async fn measure(binary: Option<&Path>, db: &Path, seconds: u64) {
    let server = Server::start(binary, db, &[]);
    let base = format!("http://{}", server.address);
    let urls = [
        "/".to_owned(),
        format!("/?before={}", TASKS / 2),
        "/api/tasks".to_owned(),
        "/livez".to_owned(),
    ];
    // Let the startup's own work (the digit-count backfill, the first calibration) settle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("  {:<22} {:>10} {:>10}", "idle", "req/s", "p99");
    for url in &urls {
        report(url, &wrk(&base, url, seconds));
    }
    println!(
        "  server resident after the idle round: {} MB",
        machine::resident_kb(&server.pid().to_string()) / 1024
    );

    let client = reqwest::Client::new();
    let task: serde_json::Value = client
        .post(format!("{base}/api/tasks"))
        .json(&serde_json::json!({ "n": BIG_TASK }))
        .send()
        .await
        .expect("the big task is submitted")
        .json()
        .await
        .expect("the answer is JSON");
    let id = task["id"].as_i64().expect("the task has an id");
    let status = || async {
        let task: serde_json::Value = client
            .get(format!("{base}/api/tasks/{id}"))
            .send()
            .await
            .expect("the task is read")
            .json()
            .await
            .expect("the answer is JSON");
        task["status"].as_str().unwrap_or_default().to_owned()
    };
    while status().await != "running" {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Past the first moments, when the computation has taken both cores.
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!(
        "  {:<22} {:>10} {:>10}",
        "while 10^8 computes", "req/s", "p99"
    );
    for url in &urls[..3] {
        report(url, &wrk(&base, url, seconds));
    }
    let finished = status().await;
    if finished != "running" {
        println!(
            "  (the big task was {finished} before the last scenario ended: that one is partly idle)"
        );
    }
    drop(server);
}

struct Load {
    requests_per_second: f64,
    p99: String,
    non_2xx: Option<String>,
}

/// wrk against `base` + `url`, read from its `--latency` report.
fn wrk(base: &str, url: &str, seconds: u64) -> Load {
    let output = Command::new("wrk")
        .args(["-t2", "-c16", &format!("-d{seconds}s"), "--latency"])
        .arg(format!("{base}{url}"))
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |prefix: &str| {
        text.lines()
            .find_map(|line| line.trim().strip_prefix(prefix))
            .map(|rest| rest.trim().to_owned())
    };
    Load {
        requests_per_second: field("Requests/sec:")
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("wrk reported no rate:\n{text}")),
        p99: field("99%").unwrap_or_default(),
        non_2xx: field("Non-2xx or 3xx responses:"),
    }
}

fn report(url: &str, load: &Load) {
    println!(
        "  {url:<22} {:>10.0} {:>10}{}",
        load.requests_per_second,
        load.p99,
        load.non_2xx
            .as_ref()
            .map(|count| format!("   ({count} answers not 2xx!)"))
            .unwrap_or_default()
    );
}
