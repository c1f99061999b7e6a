//! N live streams on one release server: opens them with a small tokio client (plain sockets, so
//! the client is not what is measured), submits a task, and reports the time from the submission
//! until each stream saw the new row (p50, p99, max), and the server's resident memory per open
//! stream. `just bench-sse [N]`; the figures go to docs/PERFORMANCE.md.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::{Barrier, mpsc},
};

#[path = "machine.rs"]
mod machine;
#[path = "server.rs"]
mod server;

use server::Server;

fn main() {
    let streams: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(10_000);
    // The client holds as many sockets as the server: raise its own limit too.
    if let Ok((_, hard)) = rlimit::Resource::NOFILE.get() {
        let _ = rlimit::Resource::NOFILE.set(hard, hard);
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let server = Server::start(None, &dir.path().join("sse.db"), &[]);
    let pid = server.pid();
    println!("CPU: {}", machine::cpu_name());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(measure(&server.address, pid, streams));
}

async fn measure(address: &str, pid: u32, streams: usize) {
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = machine::resident_kb(&pid.to_string());
    let connected = Arc::new(Barrier::new(streams + 1));
    let (seen, mut seen_rx) = mpsc::unbounded_channel::<Instant>();
    let started = Instant::now();
    for _ in 0..streams {
        let address = address.to_owned();
        let connected = connected.clone();
        let seen = seen.clone();
        tokio::spawn(async move {
            let Ok(mut socket) = TcpStream::connect(&address).await else {
                connected.wait().await;
                return;
            };
            let request = format!(
                "GET /events HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n"
            );
            let _ = socket.write_all(request.as_bytes()).await;
            let mut buffer = vec![0u8; 16 * 1024];
            let mut text = String::new();
            let mut waited = false;
            while let Ok(read) = socket.read(&mut buffer).await {
                if read == 0 {
                    break;
                }
                text.push_str(&String::from_utf8_lossy(&buffer[..read]));
                if !waited && text.contains("event: live") {
                    waited = true;
                    connected.wait().await;
                }
                if text.contains("event: created") {
                    let _ = seen.send(Instant::now());
                    break;
                }
                if text.len() > 64 * 1024 {
                    text.drain(..text.len() - 1024);
                }
            }
            if !waited {
                connected.wait().await;
            }
            // Held open until the end, as a browser would.
            tokio::time::sleep(Duration::from_secs(3600)).await;
        });
    }
    drop(seen);
    connected.wait().await;
    let open = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = machine::resident_kb(&pid.to_string());
    println!(
        "{streams} streams open in {:.2} s; server resident {} MB before, {} MB with them: {:.1} KB per stream",
        open.as_secs_f64(),
        before / 1024,
        after / 1024,
        after.saturating_sub(before) as f64 / streams as f64,
    );

    let submitted = Instant::now();
    let client = reqwest::Client::new();
    let answer = client
        .post(format!("http://{address}/api/tasks"))
        .json(&serde_json::json!({ "n": 1000 }))
        .send()
        .await
        .expect("the submission is answered");
    assert!(answer.status().is_success(), "{}", answer.status());
    let mut latencies = Vec::with_capacity(streams);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while latencies.len() < streams {
        match tokio::time::timeout_at(deadline, seen_rx.recv()).await {
            Ok(Some(at)) => latencies.push(at.duration_since(submitted)),
            _ => break,
        }
    }
    latencies.sort_unstable();
    let at = |share: f64| latencies[((latencies.len() - 1) as f64 * share) as usize];
    println!(
        "the new task reached {} of {streams} streams: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms after the submission",
        latencies.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}
