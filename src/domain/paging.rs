//! The task list a page at a time, newest first, and what the task table shows beside it.

use super::{Status, Task, TaskId};

/// A page of the task list, newest first.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub status: Option<Status>,
    /// Only tasks older than this one (the next page).
    pub before: Option<TaskId>,
    /// Only tasks newer than this one (the previous page); ignored when `before` is set.
    pub after: Option<TaskId>,
    pub limit: u64,
}

/// One page of tasks, and where the pages around it start.
#[derive(Debug, Clone, Default)]
pub struct TaskPage {
    pub tasks: Vec<Task>,
    /// The oldest task shown, if older ones exist: the next page starts below it.
    pub older: Option<TaskId>,
    /// The newest task shown, if newer ones exist: the previous page ends above it.
    pub newer: Option<TaskId>,
}

impl ListQuery {
    /// Whether the query reads upwards from `after` (the previous page).
    pub fn is_backwards(&self) -> bool {
        self.after.is_some() && self.before.is_none()
    }
}

impl TaskPage {
    /// The page of `tasks` (newest first) read for `query`, where `more` says whether rows exist
    /// beyond them in the direction it read. The other direction exists exactly when the query
    /// started from a cursor.
    pub fn new(query: &ListQuery, tasks: Vec<Task>, more: bool) -> Self {
        let (has_older, has_newer) = if query.is_backwards() {
            (true, more)
        } else {
            (more, query.before.is_some())
        };
        Self {
            older: has_older
                .then(|| tasks.last().map(|task| task.id))
                .flatten(),
            newer: has_newer
                .then(|| tasks.first().map(|task| task.id))
                .flatten(),
            tasks,
        }
    }
}

/// How many tasks wait and run, for readiness.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub queued: u64,
    pub running: u64,
}
