use chrono::{DateTime, Utc};

use super::{EventId, TaskId, UnknownValue};

/// An entry in a task's stage log, the timeline shown on its page.
///
/// The five main stages are what a successful task passes through; the others record the turns a
/// task can take on the way.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Stage {
    /// The HTTP handler committed the row; only then did the client get its answer.
    Registered,
    /// A runner claimed it; it waits for a compute slot.
    Scheduled,
    /// A compute thread started on it.
    Taken,
    /// The digits are computed and verified.
    Calculated,
    /// The digits are committed; the task is done.
    Stored,
    Failed,
    Cancelled,
    /// Handed back unfinished (shutdown, or recovered after a crash); it will run again.
    Requeued,
    /// A person asked for it again after it failed or was cancelled.
    Retried,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(value: &str) -> Result<Self, UnknownValue> {
        UnknownValue::parse("stage", value)
    }
}

/// One row of the stage log.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StageEvent {
    pub id: EventId,
    pub task_id: TaskId,
    pub stage: Stage,
    pub attempt: i32,
    /// The error in plain words for a failure, or why a task was handed back.
    pub message: Option<String>,
    pub at: DateTime<Utc>,
}
