//! Turns the work done into one fraction of the whole computation that never goes down, even
//! when several threads report at once.
//!
//! Every phase states its work in the same unit, the estimated nanoseconds one core of the
//! reference machine spends on it (see [`super::cost`]), so the fraction follows the real cost of
//! the phases rather than their count, and the bar moves evenly from the series to the
//! conversion. On two threads a unit of a phase that runs in halves at once takes less time than
//! one of a phase on one core: each unit is weighed by its phase's measured speed-up
//! ([`cost::time_weight`]), so the bar follows time, not work.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::control::{Cancelled, Control, Phase, Progress};
use super::cost;

/// Reports per computation, at most, apart from phase changes: enough for a smooth bar, few
/// enough to cost nothing.
const STEPS: u64 = 512;

pub(crate) struct Reporter<'a> {
    control: &'a dyn Control,
    threads: usize,
    /// What a unit of work of the phase in progress takes in time, in thousandths of a unit
    /// (see [`cost::time_weight`]).
    weight: AtomicU64,
    total: AtomicU64,
    done: AtomicU64,
    last: Mutex<Option<Progress>>,
}

impl<'a> Reporter<'a> {
    /// A reporter for `total` units of work on one thread.
    #[cfg(test)]
    pub(crate) fn new(control: &'a dyn Control, total: u64) -> Self {
        Self::for_threads(control, total, 1)
    }

    /// A reporter for `total` units of time (work weighed by [`cost::time_weight`]) on `threads`
    /// threads.
    pub(crate) fn for_threads(control: &'a dyn Control, total: u64, threads: usize) -> Self {
        Reporter {
            control,
            threads,
            weight: AtomicU64::new(1000),
            total: AtomicU64::new(total.max(1)),
            done: AtomicU64::new(0),
            last: Mutex::new(None),
        }
    }

    /// Starts over for a new computation of `total` units. The fraction reported never goes
    /// down: it waits until the new run passes what the old one showed.
    pub(crate) fn restart(&self, total: u64) {
        self.total.store(total.max(1), Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.control.is_cancelled()
    }

    pub(crate) fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// The computation moves on to `phase`.
    pub(crate) fn enter(&self, phase: Phase) -> Result<(), Cancelled> {
        self.check()?;
        self.weight
            .store(cost::time_weight(phase, self.threads), Ordering::Relaxed);
        self.report(
            Some(phase),
            self.fraction(self.done.load(Ordering::Relaxed)),
        );
        Ok(())
    }

    /// `units` more of the work of the phase in progress are done, by any thread.
    pub(crate) fn advance(&self, units: u64) {
        let units = cost::weigh(units, self.weight.load(Ordering::Relaxed));
        let before = self.done.fetch_add(units, Ordering::Relaxed);
        let after = before.saturating_add(units);
        let total = self.total.load(Ordering::Relaxed);
        if step(before, total) != step(after, total) {
            self.report(None, self.fraction(after));
        }
    }

    pub(crate) fn finish(&self) {
        self.report(Some(Phase::Conversion), 1.0);
    }

    fn fraction(&self, done: u64) -> f64 {
        (done as f64 / self.total.load(Ordering::Relaxed) as f64).min(1.0)
    }

    /// Reports `fraction` in `phase`, or in the phase last reported; never a lower fraction, and
    /// never the same report twice.
    fn report(&self, phase: Option<Phase>, fraction: f64) {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let phase = phase.or(last.map(|previous| previous.phase));
        let Some(phase) = phase else { return };
        let fraction = match *last {
            Some(previous) if previous.phase == phase && previous.fraction >= fraction => return,
            Some(previous) => fraction.max(previous.fraction),
            None => fraction,
        };
        let progress = Progress { fraction, phase };
        self.control.report(progress);
        *last = Some(progress);
    }
}

fn step(units: u64, total: u64) -> u64 {
    (u128::from(units) * u128::from(STEPS) / u128::from(total.max(1))) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Progress>>);

    impl Control for Recorder {
        fn report(&self, progress: Progress) {
            self.0.lock().expect("recorder lock").push(progress);
        }
        fn is_cancelled(&self) -> bool {
            false
        }
    }

    #[test]
    fn work_is_reported_at_most_once_per_step() {
        let recorder = Recorder::default();
        let reporter = Reporter::new(&recorder, 100_000);
        reporter.enter(Phase::Series).expect("not cancelled");
        for _ in 0..100_000 {
            reporter.advance(1);
        }
        let reports = recorder.0.lock().expect("recorder lock");
        assert_eq!(reports.len() as u64, 1 + STEPS);
        assert_eq!(reports.last().map(|p| p.fraction), Some(1.0));
    }

    #[test]
    fn a_lower_fraction_is_never_reported_after_a_higher_one() {
        let recorder = Recorder::default();
        let reporter = Reporter::new(&recorder, 10);
        reporter.report(Some(Phase::Series), 0.5);
        reporter.report(None, 0.4);
        reporter.report(None, 0.5);
        reporter.report(Some(Phase::SquareRoot), 0.3);
        let reports = recorder.0.lock().expect("recorder lock");
        let seen: Vec<_> = reports.iter().map(|p| (p.phase, p.fraction)).collect();
        assert_eq!(seen, [(Phase::Series, 0.5), (Phase::SquareRoot, 0.5)]);
    }

    #[test]
    fn a_restart_holds_the_bar_until_the_new_run_passes_it() {
        let recorder = Recorder::default();
        let reporter = Reporter::new(&recorder, 100);
        reporter.enter(Phase::Series).expect("not cancelled");
        reporter.advance(60);
        reporter.restart(200);
        reporter.advance(100);
        reporter.advance(40);
        let reports = recorder.0.lock().expect("recorder lock");
        let fractions: Vec<_> = reports.iter().map(|p| p.fraction).collect();
        assert_eq!(fractions, [0.0, 0.6, 0.7]);
    }
}
