//! A real Postgres server, started by the test harness from Debian's `postgresql` package:
//! `initdb` and `pg_ctl` run as the `postgres` user when the tests run as root, on a loopback
//! port, with the data directory and the socket in a temp dir, and the server stopped by its pid.
//!
//! Tests that restart or kill Postgres start one of their own ([`PgServer::start`]); the others
//! share one per test process ([`PgServer::shared`]), each with a database of its own.

use std::{
    os::unix::{fs::PermissionsExt, process::CommandExt},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{
        OnceLock,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use tempfile::TempDir;

pub struct PgServer {
    dir: TempDir,
    port: u16,
    bin: PathBuf,
    /// The `postgres` user's uid and gid, when the tests run as root (initdb refuses root).
    user: Option<(u32, u32)>,
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl PgServer {
    /// A fresh server of its own: `initdb`, then `pg_ctl start` on a free loopback port.
    pub fn start() -> Self {
        let bin = postgres_bin();
        let user = postgres_user();
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .expect("the temp dir's mode can be set");
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .expect("the temp dir can be given to the postgres user");
        }
        let server = Self {
            port: free_port(),
            dir,
            bin,
            user,
        };
        server.run(
            "initdb",
            &[
                "-D",
                &server.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-locale",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        server.start_again();
        server
    }

    /// `pg_ctl start`, waiting until it accepts connections.
    pub fn start_again(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c full_page_writes=off \
             -c max_connections=300 -c shared_buffers=32MB",
            self.port,
            self.dir.path().display()
        );
        self.pg_ctl(&["-l", &self.log(), "-o", &options, "start"]);
    }

    /// `pg_ctl stop -m <mode>` (`fast` or `immediate`), waiting until it is down.
    pub fn stop_with(&self, mode: &str) {
        self.pg_ctl(&["-m", mode, "stop"]);
    }

    /// The server this test process shares between tests that only need a database of their
    /// own; stopped by its pid when the process exits.
    pub fn shared() -> &'static Self {
        static SHARED: OnceLock<PgServer> = OnceLock::new();
        SHARED.get_or_init(|| {
            let server = Self::start();
            server.stop_when_this_process_exits();
            server
        })
    }

    /// A static is never dropped, so a small shell process waits for this test process to end,
    /// then stops the server by its pid and removes its directory.
    fn stop_when_this_process_exits(&self) {
        let Some(pid) = self.pid() else { return };
        let reaper = r#"
            while kill -0 "$PARENT" 2>/dev/null; do sleep 0.2; done
            kill -INT "$SERVER" 2>/dev/null
            while kill -0 "$SERVER" 2>/dev/null; do sleep 0.1; done
            rm -rf "$DIR"
        "#;
        #[allow(
            clippy::zombie_processes,
            reason = "the reaper outlives this process by design; init collects it"
        )]
        Command::new("sh")
            .args(["-c", reaper])
            .env("PARENT", std::process::id().to_string())
            .env("SERVER", pid.to_string())
            .env("DIR", self.dir.path())
            // Holding the test's output open would keep cargo waiting for it.
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the reaper starts");
    }

    /// A new, empty database on this server, and its URL.
    pub async fn create_database(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "pilane_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin = sea_orm::Database::connect(self.url("postgres"))
            .await
            .expect("the test server accepts connections");
        use sea_orm::ConnectionTrait;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("the test database is created");
        admin.close().await.expect("the admin connection closes");
        self.url(&name)
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// `pg_ctl restart -m <mode>` (`fast` or `immediate`), waiting until it accepts connections.
    pub fn restart(&self, mode: &str) {
        // The log file also keeps the new server off this process's pipes, which `run` reads
        // to the end.
        self.pg_ctl(&["-l", &self.log(), "-m", mode, "restart"]);
    }

    /// `pg_ctl` on this server's data directory, waiting (up to 60 s) for the action to finish.
    fn pg_ctl(&self, action: &[&str]) {
        let data = self.data();
        let mut args = vec!["-D", data.as_str(), "-w", "-t", "60"];
        args.extend_from_slice(action);
        self.run("pg_ctl", &args);
    }

    /// The postmaster's pid, from its pid file, while it runs.
    pub fn pid(&self) -> Option<i32> {
        let pid_file = Path::new(&self.data()).join("postmaster.pid");
        let contents = std::fs::read_to_string(pid_file).ok()?;
        contents.lines().next()?.trim().parse().ok()
    }

    /// Stops the server by its pid (a fast shutdown), waiting up to 10 s for it to exit.
    pub fn stop(&self) {
        let Some(pid) = self.pid() else { return };
        kill(pid, "INT");
        let deadline = Instant::now() + Duration::from_secs(10);
        while kill(pid, "0") && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        self.dir.path().join("postgres.log").display().to_string()
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Runs one of Postgres's programs as the postgres user, panicking with its output on failure.
    fn run(&self, program: &str, args: &[&str]) {
        let mut command = Command::new(self.bin.join(program));
        command.args(args).current_dir(self.dir.path());
        if let Some((uid, gid)) = self.user {
            command.uid(uid).gid(gid).env("HOME", self.dir.path());
        }
        let output = command
            .output()
            .unwrap_or_else(|err| panic!("{program} could not run: {err}"));
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Where Debian puts the server's programs (not on PATH), newest version first; else PATH.
fn postgres_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
        .collect();
    versions.sort_by_key(|bin| {
        bin.parent()
            .and_then(|version| version.file_name()?.to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    if let Some(bin) = versions.pop() {
        return bin;
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .expect("Postgres's initdb and pg_ctl are installed (Debian: apt-get install postgresql)")
}

/// Sends `signal` to `pid`; whether it was delivered (with `0`: whether the process exists).
fn kill(pid: i32, signal: &str) -> bool {
    Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The `postgres` user's ids when running as root, from /etc/passwd; `None` otherwise.
fn postgres_user() -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the effective user.
    let root = std::fs::metadata("/proc/self").is_ok_and(|me| me.uid() == 0);
    if !root {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd is readable");
    let user = passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&"postgres") && fields.len() > 3)
        .expect("the postgres user exists (Debian's postgresql package creates it)");
    Some((
        user[2].parse().expect("a numeric uid"),
        user[3].parse().expect("a numeric gid"),
    ))
}

/// A loopback port nothing listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}
