//! Cancellation: before any work, during the series, during the division and the check, and
//! early in a computation far too big to finish.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Recorder;
use crate::pi::control::{Control, EngineError, Phase, Progress};
use crate::pi::digits::{Options, decimals};

#[test]
fn a_precancelled_computation_stops_before_any_work() {
    let recorder = Recorder::new(Some(0));
    assert_eq!(
        decimals(1_000_000, Options { threads: 2 }, &recorder),
        Err(EngineError::Cancelled)
    );
    assert_eq!(recorder.reports(), []);
}

#[test]
fn cancelling_after_the_first_report_stops_the_series_at_once() {
    for threads in [1, 2] {
        let recorder = Recorder::new(Some(1));
        assert_eq!(
            decimals(1_000_000, Options { threads }, &recorder),
            Err(EngineError::Cancelled)
        );
        assert_eq!(recorder.reports().len(), 1, "{threads} thread(s)");
    }
}

#[test]
fn cancelling_during_the_series_stops_before_the_square_root() {
    for threads in [1, 2, 3] {
        let recorder = Recorder::new(Some(10));
        assert_eq!(
            decimals(1_000_000, Options { threads }, &recorder),
            Err(EngineError::Cancelled)
        );
        let reports = recorder.reports();
        assert!(reports.len() >= 10);
        assert!(
            reports
                .iter()
                .all(|progress| progress.phase == Phase::Series),
            "{threads} thread(s): {reports:?}"
        );
    }
}

#[test]
fn a_hundred_million_digit_computation_cancelled_early_returns_long_before_it_could_finish() {
    // Far too big to finish within any test's time: only a prompt cancel can return at all.
    let recorder = Recorder::new(Some(2));
    assert_eq!(
        decimals(100_000_000, Options { threads: 2 }, &recorder),
        Err(EngineError::Cancelled)
    );
    assert!(recorder.reports().iter().all(|p| p.fraction < 0.01));
}

/// Notes when the division starts and when the conversion starts; optionally asks to stop a
/// moment after the division has started, from another thread.
struct DivisionWatch {
    cancel_during_division: bool,
    cancelled: Arc<AtomicBool>,
    division: Mutex<Option<Instant>>,
    conversion: Mutex<Option<Instant>>,
}

impl DivisionWatch {
    fn new(cancel_during_division: bool) -> Self {
        DivisionWatch {
            cancel_during_division,
            cancelled: Arc::new(AtomicBool::new(false)),
            division: Mutex::new(None),
            conversion: Mutex::new(None),
        }
    }
}

impl Control for DivisionWatch {
    fn report(&self, progress: Progress) {
        let now = Some(Instant::now());
        match progress.phase {
            Phase::Division => {
                // The first report of the division marks its start: on two threads the check
                // beside it reports on.
                let mut division = self.division.lock().expect("watch lock");
                if division.is_some() {
                    return;
                }
                *division = now;
                if self.cancel_during_division {
                    let cancelled = Arc::clone(&self.cancelled);
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_millis(2));
                        cancelled.store(true, Ordering::SeqCst);
                    });
                }
            }
            Phase::Conversion => *self.conversion.lock().expect("watch lock") = now,
            _ => {}
        }
    }

    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

#[test]
fn a_cancel_during_the_division_returns_before_the_division_could_have_finished() {
    // The division of two million decimals is one malachite call that checks nothing. First
    // see how long it takes here, then cancel one just after it starts: the computation must
    // return in a fraction of that time, so the cancel was seen while the division ran. On two
    // threads a check runs beside the division, and it must stop as promptly.
    for threads in [1, 2] {
        a_cancel_during_the_division_returns_promptly_on(threads);
    }
}

fn a_cancel_during_the_division_returns_promptly_on(threads: usize) {
    let n = 2_000_000;
    let watch = DivisionWatch::new(false);
    decimals(n, Options { threads }, &watch).expect("not cancelled");
    let started = watch
        .division
        .lock()
        .expect("watch lock")
        .expect("a division");
    let ended = watch
        .conversion
        .lock()
        .expect("watch lock")
        .expect("a conversion");
    let division = ended - started;

    let watch = DivisionWatch::new(true);
    let outcome = decimals(n, Options { threads }, &watch);
    let returned = Instant::now();
    assert_eq!(outcome, Err(EngineError::Cancelled));
    let started = watch
        .division
        .lock()
        .expect("watch lock")
        .expect("a division");
    assert!(watch.conversion.lock().expect("watch lock").is_none());
    let waited = returned - started;
    assert!(
        waited * 3 < division,
        "{threads} thread(s): a cancel took {waited:?}; the division alone takes {division:?}"
    );
}

/// Asks to stop at the first progress report of the check, and counts the check's reports.
#[derive(Default)]
struct CheckWatch {
    cancel_in_check: bool,
    cancelled: AtomicBool,
    check_reports: Mutex<usize>,
    converted: AtomicBool,
}

impl Control for CheckWatch {
    fn report(&self, progress: Progress) {
        match progress.phase {
            Phase::Checking => {
                *self.check_reports.lock().expect("watch lock") += 1;
                if self.cancel_in_check {
                    self.cancelled.store(true, Ordering::SeqCst);
                }
            }
            Phase::Conversion => self.converted.store(true, Ordering::SeqCst),
            _ => {}
        }
    }

    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

#[test]
fn a_cancel_during_the_check_stops_it_within_a_batch_of_terms() {
    for threads in [1, 2] {
        let whole = CheckWatch::default();
        decimals(1_000_000, Options { threads }, &whole).expect("not cancelled");
        let full_check = *whole.check_reports.lock().expect("watch lock");

        let watch = CheckWatch {
            cancel_in_check: true,
            ..CheckWatch::default()
        };
        assert_eq!(
            decimals(1_000_000, Options { threads }, &watch),
            Err(EngineError::Cancelled)
        );
        let seen = *watch.check_reports.lock().expect("watch lock");
        assert!(
            seen * 10 < full_check,
            "{threads} thread(s): {seen} of {full_check} check reports after the cancel"
        );
        assert!(!watch.converted.load(Ordering::SeqCst));
    }
}
