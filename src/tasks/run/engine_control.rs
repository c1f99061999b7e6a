//! What the engine sees of the outside world while it computes a task.

use std::sync::Arc;

use tokio::sync::watch;

use super::jobs::StopSignal;
use crate::{domain::Phase, pi};

/// What the engine sees of the outside world: where its progress goes and whether to stop.
pub(super) struct EngineControl {
    pub(super) signal: Arc<StopSignal>,
    pub(super) progress: watch::Sender<pi::Progress>,
}

impl pi::Control for EngineControl {
    fn report(&self, progress: pi::Progress) {
        self.signal.set_progress(progress.fraction);
        self.progress.send_replace(progress);
    }

    /// Only the signal: at shutdown the runner stops each computation, or lets one that is
    /// nearly done finish.
    fn is_cancelled(&self) -> bool {
        self.signal.is_stopped()
    }
}

/// The engine's phases are the computing part of a task's.
impl From<pi::Phase> for Phase {
    fn from(phase: pi::Phase) -> Self {
        match phase {
            pi::Phase::Series => Phase::Series,
            pi::Phase::SquareRoot => Phase::SquareRoot,
            pi::Phase::Division => Phase::Division,
            pi::Phase::Checking => Phase::Checking,
            pi::Phase::Conversion => Phase::Conversion,
        }
    }
}
