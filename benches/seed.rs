//! A SQLite database with many tasks, for the benches that need a full table: migrated by the
//! release binary itself, rows written in one bulk transaction (submitting them through the
//! service would compute each one). Shared by the bench targets as a module (`#[path]`).

use std::{
    path::Path,
    process::{Command, Stdio},
};

use chrono::{Duration, Utc};
use sqlx::{Connection, SqliteConnection};

/// What the seeded table holds.
pub struct Table {
    pub tasks: i64,
    /// Tasks 1..=running are left `running` with no live owner, as a crash leaves them.
    pub running: i64,
    /// Every task whose id is a multiple of this is `queued` (0: none is).
    pub queued_every: i64,
}

/// Migrates `path` with the binary under test and fills it with `table`'s tasks. Task `id` asks
/// for `id` digits; done tasks carry their stage log (registered, scheduled, taken, calculated,
/// stored) and digit counts, so the table, the API and the task pages read what they would read
/// after real runs.
pub async fn seed(path: &Path, table: &Table) {
    let url = format!("sqlite://{}", path.display());
    let migrated = Command::new(env!("CARGO_BIN_EXE_pilane"))
        .args(["migrate", "--database-url", &url])
        .stderr(Stdio::null())
        .status()
        .expect("pilane migrate runs");
    assert!(migrated.success());
    let mut db = SqliteConnection::connect(&url)
        .await
        .expect("the database opens");
    let mut txn = db.begin().await.expect("a transaction");
    let start = Utc::now() - Duration::seconds(table.tasks);
    for id in 1..=table.tasks {
        let status = match id {
            id if id <= table.running => "running",
            id if table.queued_every > 0 && id % table.queued_every == 0 => "queued",
            id if id % 97 == 0 => "failed",
            id if id % 89 == 0 => "cancelled",
            _ => "done",
        };
        let created = start + Duration::seconds(id);
        let finished = created + Duration::milliseconds(3);
        let done = status == "done";
        sqlx::query(
            "INSERT INTO tasks (id, n, status, progress, digit, error, attempt, created_at, updated_at, finished_at, digit_counts) \
             VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(id)
        .bind(status)
        .bind(if done { 1.0 } else { 0.0 })
        .bind(done.then_some(1_i16))
        .bind((status == "failed").then_some("the computation ran out of memory"))
        .bind(created)
        .bind(finished)
        .bind(matches!(status, "done" | "failed" | "cancelled").then_some(finished))
        .bind(done.then(|| digit_counts(id)))
        .execute(&mut *txn)
        .await
        .expect("a task is inserted");
        let stages: &[&str] = match status {
            "done" => &["registered", "scheduled", "taken", "calculated", "stored"],
            "failed" => &["registered", "scheduled", "taken", "failed"],
            "cancelled" => &["registered", "cancelled"],
            _ => &["registered"],
        };
        for (step, stage) in stages.iter().enumerate() {
            sqlx::query(
                "INSERT INTO task_events (task_id, stage, attempt, at) VALUES (?, ?, ?, ?)",
            )
            .bind(id)
            .bind(stage)
            .bind(i32::from(step > 0))
            .bind(created + Duration::milliseconds(step as i64))
            .execute(&mut *txn)
            .await
            .expect("its event is inserted");
        }
    }
    txn.commit().await.expect("the rows commit");
    let _ = db.close().await;
}

/// Ten counts summing to `n`, in the stored form (comma-separated, digit 0 first).
fn digit_counts(n: i64) -> String {
    let mut counts = [n / 10; 10];
    counts[0] += n % 10;
    counts.map(|count| count.to_string()).join(",")
}
