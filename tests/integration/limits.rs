//! What one client, or all of them together, may ask: every limit answers with a status and a
//! message, and nothing already accepted is lost. Each test runs the real binary with the flags
//! it tests.

use std::{
    net::{IpAddr, Ipv4Addr},
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use sqlx::{Connection, SqliteConnection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{BUSY, TestApp, api_error};

#[tokio::test]
async fn a_client_that_never_finishes_its_header_is_disconnected() {
    let app = TestApp::binary(&[("--header-timeout", "1")]).await;
    let address = app.address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address)
        .await
        .expect("the server accepts");
    socket
        .write_all(b"GET / HTTP/1.1\r\nHost: pilane\r\nX-Slow: ")
        .await
        .expect("half a header is sent");
    let started = Instant::now();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the connection is still open after 10 s");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "closed by the header timeout (1 s), not after {waited:?}"
    );
    // The server is still there for everybody else.
    assert_eq!(app.get("/livez").await.status(), 200);
}

#[tokio::test]
async fn an_oversized_form_is_refused_with_413_and_a_message_and_writes_nothing() {
    let app = TestApp::binary(&[]).await;
    let body = format!("n={}", "1".repeat(64 * 1024));
    let response = app.post_form("/tasks", &body).await;
    assert_eq!(response.status(), 413);
    let page = response.text().await.unwrap_or_default();
    assert!(page.contains("too large"), "{page}");
    assert!(app.tasks().await.is_empty(), "no row was written");

    let response = app
        .client
        .post(app.url("/api/tasks"))
        .header("content-type", "application/json")
        .body(format!(
            "{{\"n\": 1, \"pad\": \"{}\"}}",
            "x".repeat(64 * 1024)
        ))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 413);
    let error = api_error(response).await;
    assert!(error.contains("too large"), "{error}");
    assert!(app.tasks().await.is_empty(), "no row was written");
}

#[tokio::test]
async fn live_streams_beyond_the_cap_get_503_with_retry_after() {
    let app = TestApp::binary(&[("--max-streams", "2")]).await;
    let _first = app.events("/events", None).await;
    let _second = app.events("/events", None).await;
    let third = app.get("/events").await;
    assert_eq!(third.status(), 503);
    assert!(third.headers().contains_key("retry-after"));
    drop(_first);
    // A closed stream frees its place.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let again = app.get("/events").await;
        if again.status() == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the freed place was never reused"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A server whose only worker is busy for a while, so whatever is submitted waits in a queue of
/// `places` tasks at most.
async fn one_busy_worker_and_a_queue_of(places: &str) -> TestApp {
    let app = TestApp::binary(&[
        ("--workers", "1"),
        ("--max-digits", "10000000"),
        ("--max-queue", places),
    ])
    .await;
    let running = app.submit(BUSY).await;
    app.wait_for(running, "running").await;
    app
}

#[tokio::test]
async fn a_full_queue_refuses_new_tasks_with_503_but_still_finds_existing_ones() {
    let app = one_busy_worker_and_a_queue_of("2").await;
    let first = app.submit(1_000).await;
    app.submit(2_000).await;

    let refused = app.post_json("/api/tasks", &json!({ "n": 3_000 })).await;
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    let error = api_error(refused).await;
    assert!(error.contains("queue is full"), "{error}");
    let form = app.post_form("/tasks", "n=3000").await;
    assert_eq!(form.status(), 503);
    assert!(
        form.text()
            .await
            .unwrap_or_default()
            .contains("queue is full")
    );

    // Asking again for a task that exists is not new work.
    let existing = app.post_json("/api/tasks", &json!({ "n": 1_000 })).await;
    assert_eq!(existing.status(), 200);
    let existing: Value = existing.json().await.unwrap_or_default();
    assert_eq!(existing["id"], first);
    assert_eq!(
        app.tasks().await.len(),
        3,
        "the refused task was not written"
    );
}

#[tokio::test]
async fn submissions_racing_for_the_last_places_in_the_queue_never_overfill_it() {
    let app = one_busy_worker_and_a_queue_of("5").await;

    let bodies: Vec<Value> = (0..200u64).map(|i| json!({ "n": 1_000 + i })).collect();
    let racing = bodies.iter().map(|body| app.post_json("/api/tasks", body));
    let statuses: Vec<u16> = futures_util::future::join_all(racing)
        .await
        .iter()
        .map(|response| response.status().as_u16())
        .collect();

    let accepted = statuses.iter().filter(|status| **status == 201).count();
    let refused = statuses.iter().filter(|status| **status == 503).count();
    assert_eq!((accepted, refused), (5, 195), "{statuses:?}");
    let queued = app
        .tasks()
        .await
        .iter()
        .filter(|task| task["status"] == "queued")
        .count();
    assert_eq!(queued, 5);
}

/// A client bound to one of the loopback addresses, so two of them are two clients.
fn client_from(ip: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(ip))
        .build()
        .expect("a client")
}

#[tokio::test]
async fn a_client_submitting_too_fast_gets_429_while_another_client_is_served() {
    let app = TestApp::binary(&[("--submit-burst", "3"), ("--submit-per-minute", "1")]).await;
    let eager = client_from(Ipv4Addr::new(127, 0, 0, 2));
    let patient = client_from(Ipv4Addr::new(127, 0, 0, 3));
    let submit = |client: &reqwest::Client, n: u64| {
        client
            .post(app.url("/api/tasks"))
            .json(&json!({ "n": n }))
            .send()
    };
    for n in 1..=3 {
        let accepted = submit(&eager, n).await.expect("the server answers");
        assert_eq!(accepted.status(), 201);
    }
    let limited = submit(&eager, 4).await.expect("the server answers");
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .expect("429 says when to come back");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let error = api_error(limited).await;
    assert!(error.contains("try again"), "{error}");

    // The form shares the allowance, and answers in the page.
    let form = eager
        .post(app.url("/tasks"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("n=5")
        .send()
        .await
        .expect("the server answers");
    assert_eq!(form.status(), 429);
    assert!(
        form.text()
            .await
            .unwrap_or_default()
            .contains("faster than this server accepts")
    );

    let other = submit(&patient, 6).await.expect("the server answers");
    assert_eq!(other.status(), 201, "another client has its own allowance");
    assert_eq!(app.tasks().await.len(), 4, "nothing refused was written");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance_and_nobody_else_can_claim_one()
 {
    // The proxy is 127.0.0.2; 127.0.0.3 is a client reaching the server directly.
    let app = TestApp::binary(&[
        ("--submit-burst", "1"),
        ("--submit-per-minute", "1"),
        ("--trusted-proxies", "127.0.0.2, 10.0.0.0/8"),
    ])
    .await;
    let proxy = client_from(Ipv4Addr::new(127, 0, 0, 2));
    let direct = client_from(Ipv4Addr::new(127, 0, 0, 3));
    let submit = |client: &reqwest::Client, n: u64, forwarded_for: &str| {
        client
            .post(app.url("/api/tasks"))
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({ "n": n }))
            .send()
    };

    let first = submit(&proxy, 1, "203.0.113.1").await.expect("answered");
    assert_eq!(first.status(), 201);
    let second = submit(&proxy, 2, "203.0.113.2").await.expect("answered");
    assert_eq!(second.status(), 201, "another client behind the same proxy");
    // The client forged an entry; the proxy appended the address it heard from.
    let again = submit(&proxy, 3, "198.51.100.9, 203.0.113.1")
        .await
        .expect("answered");
    assert_eq!(again.status(), 429, "the first client's allowance is spent");

    // A peer that is not a trusted proxy is counted by its own address, whatever it sends.
    let claimed = submit(&direct, 4, "203.0.113.3").await.expect("answered");
    assert_eq!(claimed.status(), 201);
    let claimed_again = submit(&direct, 5, "203.0.113.4").await.expect("answered");
    assert_eq!(claimed_again.status(), 429);
    assert_eq!(app.tasks().await.len(), 3, "nothing refused was written");
}

#[tokio::test]
async fn a_database_locked_past_busy_timeout_answers_503_then_recovers_by_itself() {
    let app = TestApp::binary(&[]).await;
    app.submit(100).await;

    // Another process holds the write lock, longer than the server's busy_timeout (5 s).
    let mut locker = SqliteConnection::connect(&app.database_url)
        .await
        .expect("a second connection opens");
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut locker)
        .await
        .expect("the lock is taken");

    let refused = app.post_json("/api/tasks", &json!({ "n": 200 })).await;
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    let error = api_error(refused).await;
    assert!(
        error.contains("busy") && error.contains("nothing was lost"),
        "{error}"
    );
    let form = app.post_form("/tasks", "n=200").await;
    assert_eq!(form.status(), 503);
    assert!(
        form.text()
            .await
            .unwrap_or_default()
            .contains("database is busy")
    );
    // Reads still work under WAL while a writer holds the lock.
    assert_eq!(app.get("/").await.status(), 200);

    sqlx::query("ROLLBACK")
        .execute(&mut locker)
        .await
        .expect("the lock is released");
    let accepted = app.post_json("/api/tasks", &json!({ "n": 200 })).await;
    assert_eq!(accepted.status(), 201, "service resumed by itself");
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut locker)
        .await
        .expect("the check runs");
    assert_eq!(check, "ok");
    let _ = locker.close().await;
    assert_eq!(app.tasks().await.len(), 2);
}

#[tokio::test]
async fn the_server_raises_its_open_files_limit_so_a_low_soft_limit_does_not_cap_its_streams() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let server = crate::binary::Binary::start_with_soft_open_files(
        &crate::helpers::sqlite_url(dir.path()),
        256,
        &[],
    );
    let logged = server
        .logs()
        .into_iter()
        .find(|log| log["fields"]["message"] == "open-files limit")
        .expect("the limits are logged at start");
    let fields = &logged["fields"];
    assert_eq!(fields["soft_before"], 256, "{logged}");
    assert_eq!(
        fields["soft"], fields["hard"],
        "raised to the hard limit: {logged}"
    );
    assert!(
        fields["max_streams_by_default"].as_u64() > Some(256),
        "{logged}"
    );

    // More live streams at once than the soft limit it was started with would allow.
    let client = reqwest::Client::new();
    let opened = tokio::time::timeout(Duration::from_secs(30), async {
        let mut streams = Vec::new();
        for _ in 0..300 {
            let mut stream =
                crate::helpers::open_events(&client, &server.url("/events"), None).await;
            assert!(stream.next().await.is_some(), "every stream is served");
            streams.push(stream);
        }
        streams.len()
    })
    .await;
    assert_eq!(opened.ok(), Some(300), "300 streams open at once");
}
