use super::{EventId, Task};

/// What asking for a task for n did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    Created,
    /// A task for this n already existed and was left as it was.
    Existing,
    /// A task for this n had failed or been cancelled, and is queued again.
    Retried,
}

#[derive(Debug, Clone)]
pub struct Submission {
    pub task: Task,
    pub outcome: SubmitOutcome,
    /// The stage event the submission wrote, if it changed anything.
    pub event: Option<EventId>,
}
