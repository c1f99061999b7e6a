//! A release server for a bench: the binary under test started on a database, its address once
//! it logged `ready`, and a graceful stop. Shared by the bench targets as a module (`#[path]`).

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
};

use serde_json::Value;

pub struct Server {
    child: Child,
    pub address: String,
}

impl Server {
    /// Starts `binary` (the release build by default) serving the SQLite file `db` on a free
    /// port, with `env` added, and waits until it is ready. Prints the open-files limit it logged.
    pub fn start(binary: Option<&Path>, db: &Path, env: &[(&str, &str)]) -> Self {
        let binary = binary.unwrap_or(Path::new(env!("CARGO_BIN_EXE_pilane")));
        let mut child = Command::new(binary)
            .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stderr = child.stderr.take().expect("piped");
        let mut lines = BufReader::new(stderr).lines().map_while(Result::ok);
        let mut address = None;
        for line in lines.by_ref() {
            let log: Value = serde_json::from_str(&line).unwrap_or_default();
            let fields = &log["fields"];
            if fields["message"] == "open-files limit" {
                println!("server: {fields}");
            }
            if fields["message"] == "listening" {
                address = fields["address"].as_str().map(str::to_owned);
            }
            if fields["message"] == "ready" {
                break;
            }
        }
        // Its logs are read to the end, so a full pipe never stalls it.
        std::thread::spawn(move || lines.for_each(drop));
        Self {
            child,
            address: address.expect("the server logged its address"),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    /// SIGTERM, then wait for the graceful stop.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
