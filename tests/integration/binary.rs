//! The real `pilane` binary as a child process, for the tests where signals and crashes matter:
//! a database given by URL, an OS-chosen loopback port read from its JSON logs, its logs kept for
//! assertions, and stopped by pid (kill -9 on drop if the test did not stop it).

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::Value;

pub struct Binary {
    child: Child,
    /// `127.0.0.1:port`.
    pub address: String,
    logs: Arc<Mutex<Vec<Value>>>,
}

impl Drop for Binary {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Binary {
    /// Starts `pilane serve` on `database_url`, with `args` added, and returns once it listens.
    pub fn start(database_url: &str, args: &[&str]) -> Self {
        Self::try_start(database_url, args)
            .unwrap_or_else(|logs| panic!("the binary ended before it listened: {logs:?}"))
    }

    /// As [`Binary::start`], or the log lines it wrote before it exited without listening.
    pub fn try_start(database_url: &str, args: &[&str]) -> Result<Self, Vec<Value>> {
        Self::spawn(
            Command::new(env!("CARGO_BIN_EXE_pilane")),
            database_url,
            args,
        )
    }

    /// As [`Binary::start`], with the soft open-files limit lowered to `soft` before it starts.
    pub fn start_with_soft_open_files(database_url: &str, soft: u32, args: &[&str]) -> Self {
        let mut shell = Command::new("sh");
        shell
            .arg("-c")
            .arg(format!("ulimit -S -n {soft} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_pilane"));
        Self::spawn(shell, database_url, args)
            .unwrap_or_else(|logs| panic!("the binary ended before it listened: {logs:?}"))
    }

    /// Runs `command` (the binary, or a shell that execs it) as `serve` on `database_url`.
    fn spawn(mut command: Command, database_url: &str, args: &[&str]) -> Result<Self, Vec<Value>> {
        let mut child = command
            .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
            .args(args)
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let address = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.wait();
                return Err(logs.lock().expect("the log is readable").clone());
            };
            let log: Value = serde_json::from_str(&line).unwrap_or(Value::String(line));
            let listening = (log["fields"]["message"] == "listening")
                .then(|| log["fields"]["address"].as_str().map(str::to_owned))
                .flatten();
            logs.lock().expect("the log is readable").push(log);
            if let Some(address) = listening {
                break address;
            }
        };
        // Keep reading, so the child never blocks on a full pipe and its logs can be asserted.
        let kept = logs.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let log: Value = serde_json::from_str(&line).unwrap_or(Value::String(line));
                kept.lock().expect("the log is writable").push(log);
            }
        });
        Ok(Self {
            child,
            address,
            logs,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Submits n through the API and returns the task's id.
    pub async fn submit(&self, n: u64) -> i64 {
        let task: Value = reqwest::Client::new()
            .post(self.url("/api/tasks"))
            .json(&serde_json::json!({ "n": n }))
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a task");
        task["id"].as_i64().expect("the task has an id")
    }

    /// The task as the API shows it.
    pub async fn task(&self, id: i64) -> Value {
        reqwest::Client::new()
            .get(self.url(&format!("/api/tasks/{id}")))
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a task")
    }

    /// The tasks `/api/tasks` lists for `query` (e.g. `?status=running`).
    pub async fn tasks(&self, query: &str) -> Vec<Value> {
        reqwest::get(self.url(&format!("/api/tasks{query}")))
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a list of tasks")
    }

    /// Waits (up to 60 s) until the task has `status`.
    pub async fn wait_for(&self, id: i64, status: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let task = self.task(id).await;
            if task["status"] == status {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "task {id} never became {status}: {task}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`TERM`, `INT`, `KILL`, ...) to the process.
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal} failed");
    }

    /// Waits for the process to exit, for at most `limit`.
    pub async fn exit_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if started.elapsed() > limit {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The `fields.message` of every log line so far.
    pub fn messages(&self) -> Vec<String> {
        self.logs()
            .iter()
            .filter_map(|log| log["fields"]["message"].as_str().map(str::to_owned))
            .collect()
    }

    /// Waits (up to 10 s) until a log line with this message appears.
    pub async fn wait_for_log(&self, message: &str) {
        self.wait_for_logged_times(message, 1).await;
    }

    /// How many log lines so far have this message.
    pub fn logged_times(&self, message: &str) -> usize {
        self.messages()
            .iter()
            .filter(|logged| *logged == message)
            .count()
    }

    /// Waits (up to 10 s) until `times` log lines have this message.
    pub async fn wait_for_logged_times(&self, message: &str, times: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.logged_times(message) < times {
            assert!(
                Instant::now() < deadline,
                "the server never logged {message:?} {times} times"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Every log line so far, parsed.
    pub fn logs(&self) -> Vec<Value> {
        self.logs.lock().expect("the log is readable").clone()
    }
}

/// A task as the database holds it, read directly (the server may be gone).
pub async fn stored_task(database_url: &str, id: i64) -> pilane::domain::Task {
    let storage = pilane::storage::Storage::connect(database_url)
        .await
        .expect("the database opens");
    let task = storage
        .task(pilane::domain::TaskId(id))
        .await
        .expect("the database answers")
        .expect("the task exists");
    storage.close().await.expect("the database closes");
    task
}
