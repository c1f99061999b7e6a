//! How a run can end short of storing its digits, as one error type, so `?` carries each of
//! them from any step of a job to the place that settles it.

use super::jobs::{StopReason, StopSignal};
use crate::{storage::StorageError, tasks::TaskError};

/// Why a run ended without storing its digits.
#[derive(Debug)]
pub(super) enum Ended {
    Stopped(StopReason),
    Failed(String),
    /// A write found the task no longer owned by this run: someone else decided its fate.
    Lost,
    /// The database failed. When it is only unavailable for a while, nothing is wrong with the
    /// task, and it goes back to the queue instead of failing.
    Storage(StorageError),
}

impl From<StorageError> for Ended {
    fn from(error: StorageError) -> Self {
        Ended::Storage(error)
    }
}

impl From<TaskError> for Ended {
    fn from(error: TaskError) -> Self {
        match error {
            TaskError::Storage(error) => Ended::Storage(error),
            other => Ended::Failed(other.to_string()),
        }
    }
}

/// A write that found the task lost, while the engine still runs: the engine is told to stop,
/// and ends the run itself with [`StopReason::Lost`].
pub(super) fn stop_engine_if_lost(
    signal: &StopSignal,
    written: Result<(), Ended>,
) -> Result<(), Ended> {
    match written {
        Err(Ended::Lost) => {
            signal.stop(StopReason::Lost);
            Ok(())
        }
        other => other,
    }
}
