//! The computations running in this process, so a cancel or a shutdown can reach them, and
//! shutdown can tell which are nearly done.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU8, AtomicU32, Ordering},
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

/// What one running computation shares with the rest of the process: the stop signal it polls
/// (cheap to check from the engine's inner loops) and how far it has come.
#[derive(Debug, Default)]
pub struct StopSignal {
    reason: AtomicU8,
    /// The task's n, for the estimate of the time left.
    n: u64,
    /// The run's attempt, for the heartbeat.
    attempt: i32,
    /// The engine's progress in millionths.
    progress: AtomicU32,
}

impl StopSignal {
    fn new(n: u64, attempt: i32) -> Self {
        Self {
            n,
            attempt,
            ..Self::default()
        }
    }

    /// Records the first reason given; later ones do not overwrite it.
    pub fn stop(&self, reason: StopReason) {
        let _ = self
            .reason
            .compare_exchange(0, reason as u8, Ordering::AcqRel, Ordering::Acquire);
    }

    pub fn is_stopped(&self) -> bool {
        self.reason.load(Ordering::Relaxed) != 0
    }

    /// Where the engine is, from 0.0 to 1.0.
    pub fn set_progress(&self, fraction: f64) {
        let millionths = (fraction.clamp(0.0, 1.0) * 1e6) as u32;
        self.progress.store(millionths, Ordering::Relaxed);
    }

    pub fn progress(&self) -> f64 {
        f64::from(self.progress.load(Ordering::Relaxed)) / 1e6
    }

    pub fn reason(&self) -> Option<StopReason> {
        match self.reason.load(Ordering::Acquire) {
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
    pub fn register(&self, id: TaskId, n: u64, attempt: i32) -> Arc<StopSignal> {
        let signal = Arc::new(StopSignal::new(n, attempt));
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

    /// Stops every computation except those `spare` picks (given n and progress), and returns
    /// the ids of the spared ones.
    pub fn stop_all_but(
        &self,
        reason: StopReason,
        spare: impl Fn(u64, f64) -> bool,
    ) -> Vec<TaskId> {
        let mut spared = Vec::new();
        for (id, signal) in self.lock().iter() {
            if spare(signal.n, signal.progress()) {
                spared.push(*id);
            } else {
                signal.stop(reason);
            }
        }
        spared
    }

    /// The attempt of the computation of `id` running here, if one is.
    pub fn attempt_of(&self, id: TaskId) -> Option<i32> {
        self.lock().get(&id).map(|signal| signal.attempt)
    }

    /// Every computation running here, as (task, attempt).
    pub fn runs(&self) -> Vec<(TaskId, i32)> {
        self.lock()
            .iter()
            .map(|(id, signal)| (*id, signal.attempt))
            .collect()
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
    fn stopping_all_jobs_reaches_every_one_but_those_spared() {
        let jobs = Jobs::default();
        let a = jobs.register(TaskId(1), 1_000, 1);
        let b = jobs.register(TaskId(2), 2_000, 1);
        let nearly_done = jobs.register(TaskId(3), 3_000, 1);
        nearly_done.set_progress(0.95);
        let spared = jobs.stop_all_but(StopReason::Shutdown, |_, progress| progress > 0.9);
        assert!(a.is_stopped() && b.is_stopped());
        assert!(!nearly_done.is_stopped());
        assert_eq!(spared, [TaskId(3)]);
    }
}
