use chrono::{DateTime, Utc};

use super::{DigitCount, DigitCounts, Phase, Status, TaskId, Verification};

/// A request for pi to `n` decimals, and everything known about it so far.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Task {
    pub id: TaskId,
    pub n: DigitCount,
    pub status: Status,
    /// From 0.0 to 1.0 while running; 1.0 once done.
    pub progress: f64,
    pub phase: Option<Phase>,
    /// The n-th decimal, once the task is done.
    pub digit: Option<u8>,
    /// Why the task failed, in plain words.
    pub error: Option<String>,
    /// How many times a runner claimed it; every write of a run names its attempt, so the number
    /// only ever grows.
    pub attempt: i32,
    /// Runs lost with their instance (a crash, kill -9, a lost lease) since it was last asked
    /// for; at the attempt limit the task fails.
    pub lost_runs: i32,
    /// How many of each digit its n decimals hold, counted when they were stored.
    pub digit_counts: Option<DigitCounts>,
    /// What its digits were checked against when they were computed; `None` for digits read
    /// from the verified store, and for tasks done before the checks were recorded.
    pub verification: Option<Verification>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl Task {
    /// Progress as a whole percentage for display, never rounding up to 100 before the task is done.
    pub fn percent(&self) -> u8 {
        if self.status == Status::Done {
            return 100;
        }
        (self.progress.clamp(0.0, 1.0) * 100.0).floor().min(99.0) as u8
    }
}
