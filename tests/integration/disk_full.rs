//! A disk that fills up: a real full filesystem (a small tmpfs), not a simulated error.

use std::{io::Write, path::PathBuf, process::Command};

use serde_json::{Value, json};
use sqlx::{Connection, SqliteConnection};

use crate::helpers::{TestApp, api_error};

/// A tmpfs of a few megabytes, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let mounted = as_root("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(
            mounted.success(),
            "mounting a tmpfs needs root or password-less sudo, as .ci/run has"
        );
        Self {
            path: dir.path().to_owned(),
            _dir: dir,
        }
    }

    /// Writes a file until the disk is full.
    fn fill(&self) -> PathBuf {
        let filler = self.path.join("filler");
        let mut file = std::fs::File::create(&filler).expect("the filler is created");
        let block = vec![0_u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        // The last partial block: fill to the very last byte.
        while file.write_all(&[0]).is_ok() {}
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = as_root("umount").arg("-l").arg(&self.path).status();
    }
}

/// `program`, through `sudo -n` unless we are root already.
fn as_root(program: &str) -> Command {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0");
    if is_root {
        Command::new(program)
    } else {
        let mut sudo = Command::new("sudo");
        sudo.args(["-n", program]);
        sudo
    }
}

#[tokio::test]
#[ignore = "needs root to mount a small tmpfs; run just test-all"]
async fn a_full_disk_answers_503_with_retry_after_and_service_resumes_once_space_is_freed() {
    let disk = SmallDisk::mount();
    let app = TestApp::binary_in(&disk.path, &[]).await;
    let url = app.database_url.clone();
    let first = app.submit(100).await;
    app.wait_for(first, "done").await;

    let filler = disk.fill();
    let mut refusal = None;
    for n in 1_000..1_400 {
        let response = app.post_json("/api/tasks", &json!({ "n": n })).await;
        match response.status().as_u16() {
            201 => continue,
            503 => {
                refusal = Some(response);
                break;
            }
            other => panic!("a full disk answered {other}: {:?}", response.text().await),
        }
    }
    let refusal = refusal.expect("a full disk refuses new tasks");
    assert!(refusal.headers().contains_key("retry-after"));
    let error = api_error(refusal).await;
    assert!(error.contains("storage is full"), "{error}");
    // What was stored is still served.
    assert_eq!(app.task(first).await["status"], "done");

    std::fs::remove_file(&filler).expect("the filler is removed");
    let accepted = app.post_json("/api/tasks", &json!({ "n": 2_000 })).await;
    assert_eq!(accepted.status(), 201, "service resumed by itself");
    let id = accepted.json::<Value>().await.unwrap_or_default()["id"]
        .as_i64()
        .expect("an id");
    app.wait_for(id, "done").await;
    assert_eq!(integrity_check(&url).await, "ok");
    drop(app);
}

async fn integrity_check(url: &str) -> String {
    let mut connection = SqliteConnection::connect(url)
        .await
        .expect("the database opens");
    let (result,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await
        .expect("the check runs");
    let _ = connection.close().await;
    result
}
