//! The change bus: after a write commits, its writer publishes what changed, and whoever shows
//! tasks (the SSE feed) re-reads and re-renders them. A change names a task and, for stage
//! changes, the stage-log id, never the data itself, so the database stays the one source of
//! truth and a lost message costs a resync, not a wrong page.

use tokio::sync::broadcast;

use crate::domain::{EventId, TaskId};

/// Enough room for a burst of progress ticks from every worker; a slower receiver lags and
/// resyncs rather than blocking publishers.
const CAPACITY: usize = 1024;

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

/// A cheap handle to the in-process bus; clone it freely.
#[derive(Debug, Clone)]
pub struct Bus {
    sender: broadcast::Sender<Change>,
}

impl Default for Bus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl Bus {
    /// Announces a committed change. Call only after the transaction that made it has committed.
    pub fn publish(&self, change: Change) {
        // No subscriber is not an error: nobody is watching.
        let _ = self.sender.send(change);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_subscriber_sees_each_published_change_in_order() {
        let bus = Bus::default();
        let mut first = bus.subscribe();
        let mut second = bus.subscribe();
        bus.publish(Change::created(TaskId(1), EventId(1)));
        bus.publish(Change::progress(TaskId(1)));
        for receiver in [&mut first, &mut second] {
            assert_eq!(
                receiver.recv().await.ok(),
                Some(Change::created(TaskId(1), EventId(1)))
            );
            assert_eq!(
                receiver.recv().await.ok(),
                Some(Change::progress(TaskId(1)))
            );
        }
    }

    #[test]
    fn publishing_with_nobody_listening_is_fine() {
        Bus::default().publish(Change::progress(TaskId(7)));
    }
}
