//! What the engine exchanges with its caller while it works: progress goes out, a request to stop
//! comes in.

use std::error::Error;
use std::fmt;

use super::hex_check::HexMismatch;

/// The stages of a computation, in the order in which they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Summing the Chudnovsky series by binary splitting.
    Series,
    /// The integer square root of 10005 · 4^B.
    SquareRoot,
    /// The division that turns the series and the square root into pi.
    Division,
    /// Checking the binary result's bits far after the point with Bellard's formula.
    Checking,
    /// Writing the binary result in decimal.
    Conversion,
}

impl Phase {
    /// A lower-case name for people to read, e.g. `"square root"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Series => "series",
            Phase::SquareRoot => "square root",
            Phase::Division => "division",
            Phase::Checking => "checking",
            Phase::Conversion => "conversion",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far a computation has gone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// The share of the whole computation that is done, in `0.0..=1.0`, roughly weighted by cost.
    /// It never goes down within one computation.
    pub fraction: f64,
    /// The stage that is running.
    pub phase: Phase,
}

/// What the caller lets the engine see of the outside world: where progress goes and whether to
/// stop.
///
/// The engine may call both methods from several threads at once, but it never calls `report`
/// concurrently with itself, and the fractions it reports never decrease.
pub trait Control: Sync {
    /// Receives progress, at most a few hundred times per computation.
    fn report(&self, progress: Progress);
    /// Whether the computation should stop; polled often, so it should be cheap.
    fn is_cancelled(&self) -> bool;
}

/// A [`Control`] that ignores progress and never cancels (for the CLI and benches).
#[derive(Debug, Default, Clone, Copy)]
pub struct Unobserved;

impl Control for Unobserved {
    fn report(&self, _progress: Progress) {}

    fn is_cancelled(&self) -> bool {
        false
    }
}

/// The computation stopped because its [`Control`] asked it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the computation was cancelled")
    }
}

impl Error for Cancelled {}

/// Why a computation returned no digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("the computation was cancelled")]
    Cancelled,
    /// The binary result failed its check: the computation went wrong (a bug, or the hardware).
    #[error("the computed value failed its check: {0}")]
    CheckFailed(HexMismatch),
}

impl From<Cancelled> for EngineError {
    fn from(Cancelled: Cancelled) -> Self {
        EngineError::Cancelled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_have_readable_names() {
        let names: Vec<_> = [
            Phase::Series,
            Phase::SquareRoot,
            Phase::Division,
            Phase::Conversion,
        ]
        .map(Phase::as_str)
        .into();
        assert_eq!(names, ["series", "square root", "division", "conversion"]);
        assert_eq!(Phase::SquareRoot.to_string(), "square root");
    }

    #[test]
    fn cancelled_reads_as_a_sentence() {
        assert_eq!(Cancelled.to_string(), "the computation was cancelled");
    }

    #[test]
    fn unobserved_never_cancels() {
        Unobserved.report(Progress {
            fraction: 0.5,
            phase: Phase::Series,
        });
        assert!(!Unobserved.is_cancelled());
    }
}
