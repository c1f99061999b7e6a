use crate::{
    domain::{DigitCountError, Status, TaskId, Unavailable, group_thousands},
    storage::StorageError,
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
    #[error(
        "π to {} digits needs about {} of memory; this server allows {} for computing. Ask for fewer digits.",
        group_thousands(*n), about_bytes(*needs), about_bytes(*allows)
    )]
    NeedsMoreMemory { n: u64, needs: u64, allows: u64 },
    #[error("The queue is full: {} tasks are waiting, the most this server takes. Try again in a minute.", group_thousands(*.queued))]
    QueueFull { queued: u64 },
    #[error(
        "The search index{} is being built ({percent}%); try again in a few seconds.",
        of_decimals(*decimals)
    )]
    IndexBuilding { decimals: u64, percent: u8 },
    /// The search index could not be built: our fault.
    #[error("the search index could not be built: {0}")]
    Index(String),
    #[error(transparent)]
    Storage(StorageError),
}

/// A full queue is the person's answer, not a storage fault: it gets a variant of its own.
impl From<StorageError> for TaskError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::QueueFull { queued } => TaskError::QueueFull { queued },
            other => TaskError::Storage(other),
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

/// " of N decimals", when N is known.
fn of_decimals(decimals: u64) -> String {
    if decimals == 0 {
        String::new()
    } else {
        format!(" of {} decimals", group_thousands(decimals))
    }
}

/// A size in bytes as people say it: "14 GB", "1.5 GB", "800 MB" (powers of 1000).
pub fn about_bytes(bytes: u64) -> String {
    let (value, unit) = match bytes {
        b if b >= 1_000_000_000 => (b as f64 / 1e9, "GB"),
        b if b >= 1_000_000 => (b as f64 / 1e6, "MB"),
        b => (b as f64 / 1e3, "kB"),
    };
    if value < 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}
