//! What the change bus carries: a committed change names a task and, for stage changes, the
//! stage-log id, never the data itself, so the database stays the one source of truth and a lost
//! message costs a resync, not a wrong page.

use super::{EventId, TaskId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A new task was registered.
    Created,
    /// A task moved to another stage or status; `event_id` is set.
    Stage,
    /// A running task's progress moved; not in the stage log.
    Progress,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub task_id: TaskId,
    pub kind: ChangeKind,
    pub event_id: Option<EventId>,
}

impl Change {
    pub fn created(task_id: TaskId, event_id: EventId) -> Self {
        Self {
            task_id,
            kind: ChangeKind::Created,
            event_id: Some(event_id),
        }
    }

    pub fn stage(task_id: TaskId, event_id: EventId) -> Self {
        Self {
            task_id,
            kind: ChangeKind::Stage,
            event_id: Some(event_id),
        }
    }

    pub fn progress(task_id: TaskId) -> Self {
        Self {
            task_id,
            kind: ChangeKind::Progress,
            event_id: None,
        }
    }
}

/// What a subscriber of the bus receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    Change(Change),
    /// Changes may have been missed (another instance's, while its announcements could not
    /// reach this one): whoever shows tasks must read them again.
    Resync,
}
