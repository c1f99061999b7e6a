use chrono::{DateTime, Utc};

use crate::domain::{DigitCounts, StageEvent, Status, Task, TaskId, Verification};

/// A task as the API shows it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(example = example)]
pub(super) struct TaskJson {
    #[schema(value_type = i64, minimum = 1)]
    id: TaskId,
    /// How many decimals of pi the task computes.
    #[schema(minimum = 1)]
    n: u64,
    status: Status,
    /// 0.0 to 1.0.
    #[schema(minimum = 0.0, maximum = 1.0)]
    progress: f64,
    /// What a running task is doing, as a few words ("summing the series").
    phase: Option<&'static str>,
    /// The n-th decimal, once done.
    #[schema(minimum = 0, maximum = 9)]
    digit: Option<u8>,
    /// How many of each digit 0-9 the n decimals hold, once done.
    digit_counts: Option<DigitCounts>,
    /// What the digits were checked against when this task computed them; absent when they
    /// were read from the verified store.
    verification: Option<Verification>,
    /// Why the task failed, once it has.
    error: Option<String>,
    /// How many times it was started: 1 for its first run.
    #[schema(minimum = 0)]
    attempt: i32,
    /// Runs lost to a crash or a stopped server, and taken up again.
    #[schema(minimum = 0)]
    lost_runs: i32,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    stages: Vec<StageJson>,
}

/// One step of a task's history.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct StageJson {
    #[schema(minimum = 1)]
    id: i64,
    /// registered, scheduled, started, calculated, stored, done, failed, cancelled, ...
    stage: &'static str,
    at: DateTime<Utc>,
    /// The run it belongs to: `scheduled` starts one, and each later stage names it.
    #[schema(minimum = 0)]
    attempt: i32,
    message: Option<String>,
}

impl TaskJson {
    pub(super) fn new(task: Task, stages: &[StageEvent]) -> Self {
        Self {
            id: task.id,
            n: task.n.get(),
            status: task.status,
            progress: task.progress,
            phase: task.phase.map(|phase| phase.as_str()),
            digit: task.digit,
            digit_counts: task.digit_counts,
            verification: task.verification,
            error: task.error,
            attempt: task.attempt,
            lost_runs: task.lost_runs,
            created_at: task.created_at,
            started_at: task.started_at,
            finished_at: task.finished_at,
            stages: stages
                .iter()
                .filter(|event| event.task_id == task.id)
                .map(|event| StageJson {
                    id: event.id.0,
                    stage: event.stage.as_str(),
                    at: event.at,
                    attempt: event.attempt,
                    message: event.message.clone(),
                })
                .collect(),
        }
    }
}

/// A done task, as the document shows one.
fn example() -> serde_json::Value {
    serde_json::json!({
        "id": 1,
        "n": 1000,
        "status": "done",
        "progress": 1.0,
        "phase": null,
        "digit": 9,
        "digit_counts": [93, 116, 103, 102, 93, 97, 94, 95, 101, 106],
        "verification": { "checksum_digits": 1000, "hex": [], "agreed_with_store": 0 },
        "error": null,
        "attempt": 1,
        "lost_runs": 0,
        "created_at": "2026-12-03T18:00:00.000Z",
        "started_at": "2026-12-03T18:00:00.010Z",
        "finished_at": "2026-12-03T18:00:00.020Z",
        "stages": [
            { "id": 1, "stage": "registered", "at": "2026-12-03T18:00:00.000Z", "attempt": 0, "message": null }
        ]
    })
}
