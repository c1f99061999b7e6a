use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;
use crate::pi::approximation::terms_for;
use crate::pi::checksums::verify_known_checksums;
use crate::pi::chudnovsky::{LEAF_TERMS, PARALLEL_MIN_TERMS, UNSIEVED_LEVELS};
use crate::pi::control::{Progress, Unobserved};
use crate::pi::decimal::LEAF_DIGITS;
use crate::pi::fixture::trusted_decimals;

fn decimals_on(n: u64, threads: usize) -> Vec<u8> {
    match decimals(n, Options { threads }, &Unobserved) {
        Ok(digits) => digits,
        Err(Cancelled) => panic!("nothing cancels an unobserved computation"),
    }
}

fn assert_trusted(n: u64, threads: usize) {
    let digits = decimals_on(n, threads);
    assert_eq!(digits.len() as u64, n, "length for n = {n}");
    assert!(
        digits == trusted_decimals()[..n as usize],
        "the first {n} decimals on {threads} thread(s) differ from the fixture"
    );
}

/// The smallest decimal counts whose series have `terms - 1`, `terms` and `terms + 1` terms.
fn decimals_around_terms(terms: u64) -> Vec<u64> {
    let series_length = |n| terms_for(n + initial_guard_digits(n));
    let first = (terms as f64 * 14.18) as u64 - 100;
    (terms - 1..=terms + 1)
        .map(|wanted| {
            (first..first + 200)
                .find(|&n| series_length(n) == wanted)
                .expect("every series length is reached")
        })
        .collect()
}

/// Records every report and cancels once `cancel_at` reports have arrived.
struct Recorder {
    reports: Mutex<Vec<Progress>>,
    cancel_at: Option<usize>,
    cancelled: AtomicBool,
}

impl Recorder {
    fn new(cancel_at: Option<usize>) -> Self {
        Recorder {
            reports: Mutex::new(Vec::new()),
            cancel_at,
            cancelled: AtomicBool::new(cancel_at == Some(0)),
        }
    }

    fn reports(&self) -> Vec<Progress> {
        self.reports.lock().expect("recorder lock").clone()
    }
}

impl Control for Recorder {
    fn report(&self, progress: Progress) {
        let mut reports = self.reports.lock().expect("recorder lock");
        reports.push(progress);
        if self.cancel_at.is_some_and(|at| reports.len() >= at) {
            self.cancelled.store(true, Ordering::SeqCst);
        }
    }

    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

#[test]
fn no_decimals_is_an_empty_result() {
    assert_eq!(decimals_on(0, 1), b"");
}

#[test]
fn the_first_decimals_are_one_four_one_five() {
    assert_eq!(decimals_on(1, 1), b"1");
    assert_eq!(decimals_on(4, 1), b"1415");
}

#[test]
fn small_sizes_match_the_trusted_fixture() {
    for n in [
        1, 2, 3, 9, 10, 11, 50, 99, 100, 101, 500, 999, 1000, 1001, 5000,
    ] {
        assert_trusted(n, 1);
    }
}

#[test]
fn sizes_around_the_leaf_block_match_the_trusted_fixture() {
    for terms in [
        LEAF_TERMS,
        LEAF_TERMS + 1,
        2 * LEAF_TERMS,
        2 * LEAF_TERMS + 1,
    ] {
        for n in decimals_around_terms(terms) {
            assert_trusted(n, 1);
            assert_trusted(n, 2);
        }
    }
}

#[test]
fn sizes_around_the_first_merge_that_divides_out_common_factors_match_the_trusted_fixture() {
    // The merges of ranges of at most N >> UNSIEVED_LEVELS terms divide out common factors:
    // from this N on, a range of two leaves does.
    let first_sieved = (LEAF_TERMS + 1) << UNSIEVED_LEVELS;
    for n in decimals_around_terms(first_sieved) {
        assert_trusted(n, 1);
        assert_trusted(n, 2);
    }
}

#[test]
fn sizes_around_the_thread_split_match_the_trusted_fixture() {
    for terms in [PARALLEL_MIN_TERMS, 2 * PARALLEL_MIN_TERMS] {
        for n in decimals_around_terms(terms) {
            assert_trusted(n, 2);
            assert_trusted(n, 3);
        }
    }
}

#[test]
fn sizes_around_the_conversion_splits_match_the_trusted_fixture() {
    // The text is 1 + n + guard digits long; guard is 32 for these sizes.
    let text_of = |width: u64| width - 1 - initial_guard_digits(width);
    for width in [
        LEAF_DIGITS,
        LEAF_DIGITS + 1,
        2 * LEAF_DIGITS + 1,
        4 * LEAF_DIGITS + 1,
    ] {
        let n = text_of(width);
        assert_eq!(n + initial_guard_digits(n) + 1, width, "width {width}");
        for threads in [1, 2, 3] {
            assert_trusted(n, threads);
        }
    }
}

#[test]
fn two_million_decimals_on_every_thread_count_match_the_known_checksums() {
    // Big enough that the square root, the division, the conversion's splits and the top of the
    // series run detached, and that the conversion splits across threads.
    let one = decimals_on(2_000_000, 1);
    assert_eq!(verify_known_checksums(&one), Ok(()));
    assert!(decimals_on(2_000_000, 2) == one, "2 threads differ from 1");
    assert!(decimals_on(2_000_000, 3) == one, "3 threads differ from 1");
}

#[test]
fn a_hundred_thousand_decimals_match_the_trusted_fixture() {
    assert_trusted(100_000, 1);
}

#[test]
fn first_million_decimals_match_the_trusted_fixture() {
    assert_trusted(1_000_000, 2);
}

#[test]
fn every_thread_count_gives_identical_bytes() {
    for n in [20_000, 123_457] {
        let one = decimals_on(n, 1);
        assert_eq!(decimals_on(n, 2), one, "2 threads, n = {n}");
        assert_eq!(decimals_on(n, 3), one, "3 threads, n = {n}");
    }
}

#[test]
fn zero_threads_count_as_one() {
    assert_eq!(decimals_on(1000, 0), decimals_on(1000, 1));
}

#[test]
fn undecided_guard_digits_are_recomputed_with_more() {
    // Decimals 762 to 767 are the six nines of the Feynman point and 17534 to 17538 are five
    // zeros: with 2 guard digits both runs need two retries (2, 4, then 8 digits).
    for n in [761, 17_533] {
        let recorder = Recorder::new(None);
        let digits = decimals_with_guard(n, Options::default(), &recorder, 2);
        assert_eq!(digits.as_deref(), Ok(&trusted_decimals()[..n as usize]));
        let phases: Vec<_> = recorder.reports().iter().map(|p| p.phase).collect();
        let restarts = phases
            .windows(2)
            .filter(|pair| pair[0] != Phase::Series && pair[1] == Phase::Series)
            .count();
        assert_eq!(restarts, 2, "n = {n}: {phases:?}");
    }
}

#[test]
fn a_precancelled_computation_stops_before_any_work() {
    let recorder = Recorder::new(Some(0));
    assert_eq!(
        decimals(1_000_000, Options { threads: 2 }, &recorder),
        Err(Cancelled)
    );
    assert_eq!(recorder.reports(), []);
}

#[test]
fn cancelling_after_the_first_report_stops_the_series_at_once() {
    for threads in [1, 2] {
        let recorder = Recorder::new(Some(1));
        assert_eq!(
            decimals(1_000_000, Options { threads }, &recorder),
            Err(Cancelled)
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
            Err(Cancelled)
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
fn progress_rises_through_the_phases_in_order_to_one() {
    for threads in [1, 2, 3] {
        let recorder = Recorder::new(None);
        decimals(200_000, Options { threads }, &recorder).expect("not cancelled");
        let reports = recorder.reports();
        assert!(
            reports
                .windows(2)
                .all(|pair| pair[0].fraction <= pair[1].fraction),
            "{threads} thread(s): fractions go down in {reports:?}"
        );
        let order = |phase| match phase {
            Phase::Series => 0,
            Phase::SquareRoot => 1,
            Phase::Division => 2,
            Phase::Conversion => 3,
        };
        let phases: Vec<_> = reports.iter().map(|p| order(p.phase)).collect();
        assert!(phases.is_sorted(), "{threads} thread(s): {phases:?}");
        assert_eq!(phases.first(), Some(&0));
        assert_eq!(
            reports.last().map(|p| (p.phase, p.fraction)),
            Some((Phase::Conversion, 1.0))
        );
        let series = phases.iter().filter(|&&phase| phase == 0).count();
        assert!(
            (20..=600).contains(&series),
            "{threads} thread(s): {series} series reports"
        );
        assert!(
            reports.len() <= 600,
            "{threads} thread(s): {} reports",
            reports.len()
        );
    }
}

#[test]
fn reports_never_overlap_even_from_several_threads() {
    struct Exclusive {
        inside: AtomicUsize,
        overlapped: AtomicBool,
    }
    impl Control for Exclusive {
        fn report(&self, _progress: Progress) {
            if self.inside.fetch_add(1, Ordering::SeqCst) != 0 {
                self.overlapped.store(true, Ordering::SeqCst);
            }
            std::thread::yield_now();
            self.inside.fetch_sub(1, Ordering::SeqCst);
        }
        fn is_cancelled(&self) -> bool {
            false
        }
    }
    let control = Exclusive {
        inside: AtomicUsize::new(0),
        overlapped: AtomicBool::new(false),
    };
    decimals(300_000, Options { threads: 3 }, &control).expect("not cancelled");
    assert!(!control.overlapped.load(Ordering::SeqCst));
}

#[test]
fn progress_follows_the_cost_of_the_work_not_the_count_of_steps() {
    // Half the bar is reached near half the estimated work: the series of a big computation is
    // most of its cost, so half the bar falls inside it, not at its end.
    let recorder = Recorder::new(None);
    decimals(300_000, Options { threads: 1 }, &recorder).expect("not cancelled");
    let reports = recorder.reports();
    let halfway = reports
        .iter()
        .find(|progress| progress.fraction >= 0.5)
        .expect("the bar passes half way");
    assert_eq!(halfway.phase, Phase::Series, "{reports:?}");
    let conversion = reports
        .iter()
        .find(|progress| progress.phase == Phase::Conversion)
        .expect("a conversion phase");
    assert!(
        (0.6..0.95).contains(&conversion.fraction),
        "the conversion starts at {}",
        conversion.fraction
    );
}

#[test]
fn a_hundred_million_digit_computation_cancelled_early_returns_long_before_it_could_finish() {
    // Far too big to finish within any test's time: only a prompt cancel can return at all.
    let recorder = Recorder::new(Some(2));
    assert_eq!(
        decimals(100_000_000, Options { threads: 2 }, &recorder),
        Err(Cancelled)
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
                *self.division.lock().expect("watch lock") = now;
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
    // return in a fraction of that time, so the cancel was seen while the division ran.
    let n = 2_000_000;
    let watch = DivisionWatch::new(false);
    decimals(n, Options { threads: 1 }, &watch).expect("not cancelled");
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
    let outcome = decimals(n, Options { threads: 1 }, &watch);
    let returned = Instant::now();
    assert_eq!(outcome, Err(Cancelled));
    let started = watch
        .division
        .lock()
        .expect("watch lock")
        .expect("a division");
    assert!(watch.conversion.lock().expect("watch lock").is_none());
    let waited = returned - started;
    assert!(
        waited * 3 < division,
        "a cancel took {waited:?}; the division alone takes {division:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn shorter_results_are_prefixes_of_longer_ones(
        (n, m) in (1u64..=5000).prop_flat_map(|m| (0..m, Just(m)))
    ) {
        let shorter = decimals_on(n, 1);
        let longer = decimals_on(m, 1);
        prop_assert_eq!(&longer[..n as usize], &shorter[..]);
    }
}
