use crate::{
    domain::{DigitCountError, Status, TaskId, group_thousands},
    storage::{QueueFull, StorageError, Unavailable},
};

/// What the task layer refuses or fails at; the web layer turns each into a status and a message.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error(transparent)]
    InvalidCount(#[from] DigitCountError),
    #[error("There is no task {0}.")]
    NotFound(TaskId),
    #[error("Task {id} is {}; only queued or running tasks can be cancelled.", status.as_str())]
    NotCancellable { id: TaskId, status: Status },
    #[error("Task {id} is {}; only failed or cancelled tasks can be retried.", status.as_str())]
    NotRetryable { id: TaskId, status: Status },
    #[error("Task {id} is {}; its digits exist once it is done.", status.as_str())]
    NotDone { id: TaskId, status: Status },
    #[error("The queue is full: {} tasks are waiting, the most this server takes. Try again in a minute.", group_thousands(*.queued))]
    QueueFull { queued: u64 },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<QueueFull> for TaskError {
    fn from(full: QueueFull) -> Self {
        TaskError::QueueFull {
            queued: full.queued,
        }
    }
}

impl TaskError {
    /// Whether the database is unavailable for a while (busy, full, unreachable), so the request
    /// may succeed if tried again.
    pub fn unavailable(&self) -> Option<Unavailable> {
        match self {
            TaskError::Storage(err) => err.unavailable(),
            _ => None,
        }
    }
}

pub type TaskResult<T> = Result<T, TaskError>;
