//! A real server per test: its own database, an OS-chosen port, and a client. In process
//! (`TestApp::spawn*`), or the real binary (`TestApp::binary`) for the reliability and abuse
//! tests, stopped by its pid.
//!
//! The database is a SQLite file in a temp dir, or, with `PILANE_TEST_DATABASE=postgres`, a
//! database of its own on a Postgres server the harness starts (`pg_server`): the same tests run
//! on both.

use std::time::Duration;

use eventsource_stream::{Event, Eventsource};
use futures_util::{Stream, StreamExt};
use pilane::{app::App, config::Config};
use reqwest::{Response, redirect::Policy};
use serde_json::Value;
use tempfile::TempDir;
use tokio::task::JoinHandle;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::binary::Binary;

/// The trusted digits: `3.` and the first 10^6 decimals.
pub fn fixture_pi() -> &'static str {
    static PI: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PI.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/pi/pi-1000000.txt"
        );
        std::fs::read_to_string(path)
            .expect("the fixture tests/fixtures/pi/pi-1000000.txt is part of the repository")
            .trim_end()
            .to_owned()
    })
}

/// Whether the tests run on Postgres (`PILANE_TEST_DATABASE=postgres`) rather than SQLite.
pub fn on_postgres() -> bool {
    std::env::var("PILANE_TEST_DATABASE").is_ok_and(|value| value == "postgres")
}

/// A new, empty database for one test: a SQLite file in `dir`, or a database of its own on the
/// shared Postgres server.
pub async fn test_database(dir: &std::path::Path) -> String {
    if on_postgres() {
        crate::pg_server::PgServer::shared().create_database().await
    } else {
        sqlite_url(dir)
    }
}

/// The SQLite file `pilane.db` in `dir`.
pub fn sqlite_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}", dir.join("pilane.db").display())
}

/// The first `n` decimals from the fixture.
pub fn fixture_decimals(n: usize) -> &'static str {
    &fixture_pi()[2..2 + n]
}

/// The `{"error": ...}` message of an API refusal, or "" when it has none.
pub async fn api_error(response: Response) -> String {
    let body: Value = response.json().await.unwrap_or_default();
    body["error"].as_str().unwrap_or_default().to_owned()
}

/// A response's Content-Type, or "" when it has none.
pub fn content_type(response: &Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The stage names of a task as the API shows it, oldest first.
pub fn stage_names(task: &Value) -> Vec<String> {
    task["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|stage| stage["stage"].as_str().map(str::to_owned))
        .collect()
}

/// With `TEST_LOG` set (`TEST_LOG=1 cargo test NAME`), in-process servers log to the test's
/// output, which cargo shows for a failing test (`RUST_LOG` filters as in production).
fn show_server_logs_if_asked() {
    if std::env::var_os("TEST_LOG").is_none() {
        return;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(pilane::telemetry::DEFAULT_FILTER));
    // Once per test binary: the first test to start installs it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database_url: String,
    shutdown: CancellationToken,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    /// The in-process server's background loops, which must all have ended once it stops.
    background: Option<TaskTracker>,
    /// Set when the server is the real binary, started by [`TestApp::binary`].
    process: Option<Binary>,
    dir: Option<TempDir>,
}

/// A test that ends without `stop` still stops its computations, so the runtime can end; a
/// binary is killed by its pid when its [`Binary`] is dropped.
impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// What [`TestApp::binary`] passes unless a test says otherwise: the in-process defaults of
/// `Config::for_database` (two workers, one thread each, n up to 10^6, no rate limit in effect).
const BINARY_DEFAULTS: [(&str, &str); 5] = [
    ("--workers", "2"),
    ("--threads", "1"),
    ("--max-digits", "1000000"),
    ("--submit-burst", "1000000"),
    ("--submit-per-minute", "1000000"),
];

impl TestApp {
    /// The real `pilane` binary as the server, on its own SQLite file and loopback port, with
    /// `flags` (pairs of flag and value) over [`BINARY_DEFAULTS`]; stopped by pid.
    pub async fn binary(flags: &[(&str, &str)]) -> Self {
        Self::binary_in(&std::env::temp_dir(), flags).await
    }

    /// As [`TestApp::binary`], with the database in a new directory under `parent`.
    pub async fn binary_in(parent: &std::path::Path, flags: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir_in(parent).expect("a temp dir");
        let mut args: Vec<&str> = Vec::new();
        for (flag, default) in BINARY_DEFAULTS {
            let value = flags
                .iter()
                .find(|(given, _)| *given == flag)
                .map_or(default, |(_, value)| *value);
            args.extend([flag, value]);
        }
        for (flag, value) in flags {
            if !BINARY_DEFAULTS.iter().any(|(default, _)| default == flag) {
                args.extend([*flag, *value]);
            }
        }
        let database_url = test_database(dir.path()).await;
        let process = Binary::start(&database_url, &args);
        Self {
            address: format!("http://{}", process.address),
            client: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("a client"),
            database_url,
            shutdown: CancellationToken::new(),
            server: None,
            background: None,
            process: Some(process),
            dir: Some(dir),
        }
    }

    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let database_url = test_database(dir.path()).await;
        Self::spawn_on(dir, database_url, configure).await
    }

    /// Starts a server on an existing database, as a restart would.
    pub async fn spawn_on(
        dir: TempDir,
        database_url: String,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        show_server_logs_if_asked();
        let mut config = Config::for_database(database_url.clone());
        configure(&mut config);
        let app = App::build(config).await.expect("the app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let shutdown = app.shutdown_token();
        let background = app.background_tasks();
        let server = tokio::spawn(app.serve());
        let client = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .expect("a client");
        Self {
            address,
            client,
            database_url,
            shutdown,
            server: Some(server),
            background: Some(background),
            process: None,
            dir: Some(dir),
        }
    }

    /// Stops the server gracefully and gives back its database, for a restart.
    pub async fn stop(mut self) -> (TempDir, String) {
        self.shutdown.cancel();
        if let Some(mut process) = self.process.take() {
            process.signal("TERM");
            let status = process.exit_within(Duration::from_secs(10)).await;
            assert!(
                status.is_some_and(|status| status.success()),
                "the binary did not stop cleanly: {status:?}"
            );
        } else {
            let server = self.server.take().expect("the server runs until stopped");
            let stopped = tokio::time::timeout(Duration::from_secs(10), server).await;
            assert!(
                matches!(stopped, Ok(Ok(Ok(())))),
                "the server did not stop cleanly: {stopped:?}"
            );
            let background = self
                .background
                .take()
                .expect("an in-process server's loops");
            assert!(
                background.is_empty(),
                "{} background loops outlived the server",
                background.len()
            );
        }
        (
            self.dir
                .take()
                .expect("the database dir lives as long as the app"),
            self.database_url.clone(),
        )
    }

    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the server answers")
    }

    /// The body of `GET path`, as text.
    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap_or_default()
    }

    pub async fn get_htmx(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .header("HX-Request", "true")
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn post_form(&self, path: &str, body: &str) -> Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn post_form_htmx(&self, path: &str, body: &str) -> Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("HX-Request", "true")
            .body(body.to_owned())
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("the server answers")
    }

    /// Submits n through the API and returns the task's id.
    pub async fn submit(&self, n: u64) -> i64 {
        let response = self
            .post_json("/api/tasks", &serde_json::json!({ "n": n }))
            .await;
        assert!(
            response.status().is_success(),
            "submitting n = {n} failed: {}",
            response.status()
        );
        let task: Value = response.json().await.expect("a task as JSON");
        task["id"].as_i64().expect("the task has an id")
    }

    pub async fn task(&self, id: i64) -> Value {
        self.get(&format!("/api/tasks/{id}"))
            .await
            .json()
            .await
            .expect("a task as JSON")
    }

    pub async fn tasks(&self) -> Vec<Value> {
        self.get("/api/tasks")
            .await
            .json()
            .await
            .expect("a task list as JSON")
    }

    /// Waits until the task has `status`, and returns it.
    pub async fn wait_for(&self, id: i64, status: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let task = self.task(id).await;
            if task["status"] == status {
                return task;
            }
            if tokio::time::Instant::now() >= deadline {
                // The server's own story, without the polling requests that led here.
                let logs: Vec<Value> = (self.process.as_ref().map(Binary::logs))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|log| log["target"] != "tower_http::trace::on_response")
                    .collect();
                let last = &logs[logs.len().saturating_sub(40)..];
                panic!(
                    "task {id} never became {status}: {task}\nthe server's last logs: {last:#?}"
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Opens the SSE stream at `path`, with `Last-Event-ID` if given.
    pub async fn events(&self, path: &str, last_event_id: Option<&str>) -> Sse {
        open_events(&self.client, &self.url(path), last_event_id).await
    }
}

/// Opens the SSE stream at `url`, with `Last-Event-ID` if given.
pub async fn open_events(client: &reqwest::Client, url: &str, last_event_id: Option<&str>) -> Sse {
    let mut request = client.get(url);
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id);
    }
    let response = request.send().await.expect("the server answers");
    assert_eq!(response.status(), 200, "the event stream opens");
    Sse(Box::pin(
        response
            .bytes_stream()
            .eventsource()
            .filter_map(|event| async move { event.ok() }),
    ))
}

/// An open SSE stream, read event by event.
pub struct Sse(std::pin::Pin<Box<dyn Stream<Item = Event> + Send>>);

impl Sse {
    /// The next event, or `None` when the stream ends or nothing comes within 10 s.
    pub async fn next(&mut self) -> Option<Event> {
        tokio::time::timeout(Duration::from_secs(10), self.0.next())
            .await
            .ok()
            .flatten()
    }

    /// Reads events until one named `name` arrives (skipping heartbeats and others).
    pub async fn next_named(&mut self, name: &str) -> Option<Event> {
        loop {
            let event = self.next().await?;
            if event.event == name {
                return Some(event);
            }
        }
    }
}

/// A task big enough to keep a worker busy for seconds, so others can be seen queued or running.
pub const BUSY: u64 = 5_000_000;

/// One worker and room for [`BUSY`] tasks.
pub fn busy_one_worker(config: &mut Config) {
    config.workers = 1;
    config.max_digits = 10_000_000;
}
