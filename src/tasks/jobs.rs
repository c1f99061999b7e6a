//! The computations running in this process, so a cancel or a shutdown can reach them.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU8, Ordering},
    },
};

use crate::domain::TaskId;

/// Why a computation was told to stop: it decides what the run writes afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum StopReason {
    /// A person cancelled the task; the database already says so.
    Cancelled = 1,
    /// The server is shutting down; the task goes back to the queue.
    Shutdown = 2,
    /// The run no longer owns the task (cancelled elsewhere, or handed back); write nothing.
    Lost = 3,
}

/// The stop signal one computation polls; cheap to check from the engine's inner loops.
#[derive(Debug, Default)]
pub struct StopSignal(AtomicU8);

impl StopSignal {
    /// Records the first reason given; later ones do not overwrite it.
    pub fn stop(&self, reason: StopReason) {
        let _ = self
            .0
            .compare_exchange(0, reason as u8, Ordering::AcqRel, Ordering::Acquire);
    }

    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::Relaxed) != 0
    }

    pub fn reason(&self) -> Option<StopReason> {
        match self.0.load(Ordering::Acquire) {
            1 => Some(StopReason::Cancelled),
            2 => Some(StopReason::Shutdown),
            3 => Some(StopReason::Lost),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Jobs(Arc<Mutex<HashMap<TaskId, Arc<StopSignal>>>>);

impl Jobs {
    pub fn register(&self, id: TaskId) -> Arc<StopSignal> {
        let signal = Arc::new(StopSignal::default());
        self.lock().insert(id, signal.clone());
        signal
    }

    /// Forgets a run's signal, unless a newer run of the same task (after a retry) replaced it.
    pub fn remove(&self, id: TaskId, signal: &Arc<StopSignal>) {
        let mut jobs = self.lock();
        if jobs
            .get(&id)
            .is_some_and(|current| Arc::ptr_eq(current, signal))
        {
            jobs.remove(&id);
        }
    }

    pub fn stop(&self, id: TaskId, reason: StopReason) {
        if let Some(signal) = self.lock().get(&id) {
            signal.stop(reason);
        }
    }

    pub fn stop_all(&self, reason: StopReason) {
        for signal in self.lock().values() {
            signal.stop(reason);
        }
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TaskId, Arc<StopSignal>>> {
        // The map is valid after any panic: every operation on it is a single insert or remove.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reason_to_stop_is_the_one_that_counts() {
        let signal = StopSignal::default();
        assert!(!signal.is_stopped());
        signal.stop(StopReason::Cancelled);
        signal.stop(StopReason::Shutdown);
        assert_eq!(signal.reason(), Some(StopReason::Cancelled));
    }

    #[test]
    fn stopping_all_jobs_reaches_every_registered_one() {
        let jobs = Jobs::default();
        let a = jobs.register(TaskId(1));
        let b = jobs.register(TaskId(2));
        jobs.stop_all(StopReason::Shutdown);
        assert!(a.is_stopped() && b.is_stopped());
    }
}
