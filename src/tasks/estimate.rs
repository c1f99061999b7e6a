//! How long a task will take on this machine: the engine's estimate of the work, times the rate
//! this machine showed on its latest computations (kept in the database, so a restart keeps what
//! it learned). Until a first computation is measured, the service measures one small one at
//! startup ([`CALIBRATION_DIGITS`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use crate::{pi, storage::EngineRun};

/// The size of the computation measured at startup when the database has no measurement yet:
/// long enough to measure (tens of milliseconds), short enough to go unnoticed.
pub const CALIBRATION_DIGITS: u64 = 100_000;

/// Runs whose estimated work is below this (in reference nanoseconds, 20 ms) are dominated by
/// fixed costs and say little about the rate.
const MIN_WORK: f64 = 20e6;

/// How many recent runs the rate is the median of.
pub(super) const WINDOW: usize = 20;

/// Sizes whose estimated work is remembered: the engine's estimate walks the series tree, a few
/// milliseconds at $10^8$ digits, and every render of a queued row asks for one.
const REMEMBERED_SIZES: usize = 1024;

/// This machine's rate, shared by every handle to the service.
#[derive(Clone)]
pub(super) struct Estimator {
    /// The threads a computation gets when nothing else runs, which estimates assume.
    threads: usize,
    /// Seconds per unit of estimated work, newest last.
    rates: Arc<RwLock<VecDeque<f64>>>,
    /// The engine's estimated work by digits and threads.
    work: Arc<Mutex<HashMap<(u64, usize), f64>>>,
}

impl Estimator {
    pub(super) fn new(threads: usize) -> Self {
        Self {
            threads,
            rates: Arc::default(),
            work: Arc::default(),
        }
    }

    /// Takes in measured runs, oldest first.
    pub(super) fn observe(&self, runs: impl IntoIterator<Item = EngineRun>) {
        let mut rates = self.rates.write().unwrap_or_else(PoisonError::into_inner);
        for run in runs {
            if run.work >= MIN_WORK && run.seconds.is_finite() && run.seconds > 0.0 {
                rates.push_back(run.seconds / run.work);
                if rates.len() > WINDOW {
                    rates.pop_front();
                }
            }
        }
    }

    pub(super) fn is_calibrated(&self) -> bool {
        !self
            .rates
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// The time to compute `n` decimals on an idle machine, once a rate is known.
    pub(super) fn estimate(&self, n: u64) -> Option<Duration> {
        let rate = self.rate()?;
        let seconds = self.work(n, self.threads) * rate;
        Duration::try_from_secs_f64(seconds).ok()
    }

    fn work(&self, n: u64, threads: usize) -> f64 {
        let known = self
            .work
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(n, threads))
            .copied();
        if let Some(work) = known {
            return work;
        }
        // Computed without the lock: other renders need not wait for it.
        let work = pi::estimated_work(n, threads);
        let mut remembered = self.work.lock().unwrap_or_else(PoisonError::into_inner);
        if remembered.len() >= REMEMBERED_SIZES {
            remembered.clear();
        }
        remembered.insert((n, threads), work);
        work
    }

    /// The median of the recent rates: one slow run on a busy machine does not move it.
    fn rate(&self) -> Option<f64> {
        let rates = self.rates.read().unwrap_or_else(PoisonError::into_inner);
        let mut sorted: Vec<f64> = rates.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        sorted.get(sorted.len() / 2).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(digits: u64, seconds: f64) -> EngineRun {
        EngineRun {
            digits,
            threads: 1,
            work: pi::estimated_work(digits, 1),
            seconds,
        }
    }

    #[test]
    fn nothing_is_estimated_before_anything_was_measured() {
        let estimator = Estimator::new(1);
        assert!(!estimator.is_calibrated());
        assert_eq!(estimator.estimate(1_000_000), None);
    }

    #[test]
    fn a_measured_size_is_estimated_at_its_measured_time() {
        let estimator = Estimator::new(1);
        estimator.observe([run(1_000_000, 0.7)]);
        let estimate = estimator.estimate(1_000_000).expect("calibrated");
        assert!((estimate.as_secs_f64() - 0.7).abs() < 1e-6, "{estimate:?}");
    }

    #[test]
    fn ten_times_the_digits_takes_more_than_ten_times_as_long() {
        let estimator = Estimator::new(1);
        estimator.observe([run(1_000_000, 0.7)]);
        let small = estimator.estimate(1_000_000).expect("calibrated");
        let big = estimator.estimate(10_000_000).expect("calibrated");
        assert!(big > small * 10 && big < small * 25, "{small:?} → {big:?}");
    }

    #[test]
    fn one_slow_run_does_not_move_the_estimate() {
        let estimator = Estimator::new(1);
        estimator.observe([
            run(1_000_000, 0.7),
            run(1_000_000, 0.7),
            run(1_000_000, 9.0),
        ]);
        let estimate = estimator.estimate(1_000_000).expect("calibrated");
        assert!((estimate.as_secs_f64() - 0.7).abs() < 1e-6, "{estimate:?}");
    }

    #[test]
    fn tiny_runs_say_nothing_about_the_rate() {
        let estimator = Estimator::new(1);
        estimator.observe([run(100, 0.5)]);
        assert!(!estimator.is_calibrated());
    }
}
