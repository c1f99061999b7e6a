//! The vocabulary of Pilane, as plain types with no I/O: what a task is, which states it may move
//! between, and what counts as a valid request. Every other layer speaks in these types.

mod change;
mod digit_count;
mod digit_counts;
mod digit_query;
mod ids;
mod paging;
mod phase;
mod stage;
mod status;
mod submission;
mod task;
mod unavailable;
mod verification;

pub use change::{Change, ChangeKind, Message};
pub use digit_count::{DigitCount, DigitCountError, group_thousands};
pub use digit_counts::DigitCounts;
pub use digit_query::{DigitQuery, DigitQueryError, MAX_QUERY_DIGITS};
pub use ids::{EventId, TaskId};
pub use paging::{Counts, ListQuery, TaskPage};
pub use phase::Phase;
pub use stage::{Stage, StageEvent};
pub use status::{Status, Transition};
pub use submission::{Submission, SubmitOutcome};
pub use task::Task;
pub use unavailable::Unavailable;
pub use verification::{HexDigits, Verification};

/// A value read back from storage that is not one this version knows (e.g. written by a newer one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

impl UnknownValue {
    /// `value` as one of the names `T` knows (its strum names), or what was found instead.
    fn parse<T: std::str::FromStr>(kind: &'static str, value: &str) -> Result<T, Self> {
        value.parse().map_err(|_| Self {
            kind,
            value: value.to_owned(),
        })
    }
}
