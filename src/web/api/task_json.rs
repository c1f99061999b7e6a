use chrono::{DateTime, Utc};

use crate::domain::{DigitCounts, StageEvent, Status, Task, TaskId, Verification};

/// A task as the API shows it.
#[derive(Debug, serde::Serialize)]
pub(super) struct TaskJson {
    id: TaskId,
    n: u64,
    status: Status,
    /// 0.0 to 1.0.
    progress: f64,
    phase: Option<&'static str>,
    /// The n-th decimal, once done.
    digit: Option<u8>,
    /// How many of each digit 0-9 the n decimals hold, once done.
    digit_counts: Option<DigitCounts>,
    /// What the digits were checked against when this task computed them; absent when they
    /// were read from the verified store.
    verification: Option<Verification>,
    error: Option<String>,
    attempt: i32,
    lost_runs: i32,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    stages: Vec<StageJson>,
}

#[derive(Debug, serde::Serialize)]
struct StageJson {
    id: i64,
    stage: &'static str,
    at: DateTime<Utc>,
    /// The run it belongs to: `scheduled` starts one, and each later stage names it.
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
