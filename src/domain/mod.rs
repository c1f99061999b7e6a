//! The vocabulary of Pilane, as plain types with no I/O: what a task is, which states it may move
//! between, and what counts as a valid request. Every other layer speaks in these types.

mod digit_count;
mod ids;
mod phase;
mod stage;
mod status;
mod task;

pub use digit_count::{DigitCount, DigitCountError, group_thousands};
pub use ids::{EventId, TaskId};
pub use phase::Phase;
pub use stage::{Stage, StageEvent};
pub use status::{Status, Transition};
pub use task::Task;

/// A value read back from storage that is not one this version knows (e.g. written by a newer one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}
