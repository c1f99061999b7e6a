//! Turns the work done in each phase into one fraction of the whole computation that never goes
//! down, even when several threads report at once.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::control::{Cancelled, Control, Phase, Progress};

/// Each phase's share of the whole computation, in running order. Measured in release builds at
/// 10^6 and 10^7 digits with one thread: the series takes about two thirds of the time, the
/// conversion to decimal about a fifth, the square root and the division the rest.
const SHARES: [(Phase, f64); 4] = [
    (Phase::Series, 0.66),
    (Phase::SquareRoot, 0.07),
    (Phase::Division, 0.08),
    (Phase::Conversion, 0.19),
];

/// How many times at most the series reports, so that a caller is not flooded by leaf blocks.
const SERIES_STEPS: u64 = 256;

/// Where `phase` starts and how much of the whole it covers.
fn span(phase: Phase) -> (f64, f64) {
    let mut start = 0.0;
    for (candidate, share) in SHARES {
        if candidate == phase {
            return (start, share);
        }
        start += share;
    }
    unreachable!("every phase has a share")
}

/// Reports progress to a [`Control`] in order, and asks it whether to stop.
pub(crate) struct Reporter<'a> {
    control: &'a dyn Control,
    /// The last report sent. Held while sending, so that reports computed by different threads
    /// cannot overtake each other on the way out.
    last: Mutex<Option<Progress>>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(control: &'a dyn Control) -> Self {
        Reporter {
            control,
            last: Mutex::new(None),
        }
    }

    pub(crate) fn check(&self) -> Result<(), Cancelled> {
        if self.control.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// Checks for cancellation, then announces that `phase` starts.
    pub(crate) fn enter(&self, phase: Phase) -> Result<(), Cancelled> {
        self.check()?;
        self.report(phase, span(phase).0);
        Ok(())
    }

    /// Announces that the computation is complete.
    pub(crate) fn finish(&self) {
        self.report(Phase::Conversion, 1.0);
    }

    /// Sends `fraction`, raised to the last fraction sent if a retry or a slower thread would make
    /// it go down; a report that would repeat the last one is dropped.
    fn report(&self, phase: Phase, fraction: f64) {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
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

/// Counts finished series work from any number of threads and reports it at a bounded rate.
pub(crate) struct SeriesProgress<'r, 'a> {
    reporter: &'r Reporter<'a>,
    done: AtomicU64,
    total: u64,
}

impl<'r, 'a> SeriesProgress<'r, 'a> {
    /// `total` is the number of work units that [`SeriesProgress::advance`] will be given in all.
    pub(crate) fn new(reporter: &'r Reporter<'a>, total: u64) -> Self {
        SeriesProgress {
            reporter,
            done: AtomicU64::new(0),
            total: total.max(1),
        }
    }

    pub(crate) fn check(&self) -> Result<(), Cancelled> {
        self.reporter.check()
    }

    /// Records `units` more units of finished work, reporting when a new step is reached.
    pub(crate) fn advance(&self, units: u64) {
        // Relaxed is enough: the counter only has to add up, the order of reports is kept by the
        // reporter's lock and its refusal to go backwards.
        let before = self.done.fetch_add(units, Ordering::Relaxed);
        let after = before.saturating_add(units).min(self.total);
        if self.step(before) != self.step(after) {
            let (start, share) = span(Phase::Series);
            let done = after as f64 / self.total as f64;
            self.reporter.report(Phase::Series, start + share * done);
        }
    }

    fn step(&self, units: u64) -> u64 {
        // u128 because units * steps can exceed u64 for astronomically long series.
        (u128::from(units) * u128::from(SERIES_STEPS) / u128::from(self.total)) as u64
    }
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
    fn shares_add_up_to_the_whole() {
        let total: f64 = SHARES.iter().map(|(_, share)| share).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn series_reports_at_most_once_per_step() {
        let recorder = Recorder::default();
        let reporter = Reporter::new(&recorder);
        let series = SeriesProgress::new(&reporter, 100_000);
        for _ in 0..100_000 {
            series.advance(1);
        }
        let reports = recorder.0.lock().expect("recorder lock");
        assert_eq!(reports.len() as u64, SERIES_STEPS);
        assert!((reports[reports.len() - 1].fraction - SHARES[0].1).abs() < 1e-12);
    }

    #[test]
    fn a_lower_fraction_is_never_reported_after_a_higher_one() {
        let recorder = Recorder::default();
        let reporter = Reporter::new(&recorder);
        reporter.report(Phase::Series, 0.5);
        reporter.report(Phase::Series, 0.4);
        reporter.report(Phase::Series, 0.5);
        reporter.report(Phase::SquareRoot, 0.3);
        let reports = recorder.0.lock().expect("recorder lock");
        let seen: Vec<_> = reports.iter().map(|p| (p.phase, p.fraction)).collect();
        assert_eq!(seen, [(Phase::Series, 0.5), (Phase::SquareRoot, 0.5)]);
    }
}
