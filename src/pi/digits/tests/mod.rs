use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use proptest::prelude::*;

use super::*;
use crate::pi::approximation::terms_for;
use crate::pi::checksums::verify_known_checksums;
use crate::pi::chudnovsky::{LEAF_TERMS, PARALLEL_MIN_TERMS, UNSIEVED_LEVELS};
use crate::pi::control::{Progress, Unobserved};
use crate::pi::decimal::LEAF_DIGITS;
use crate::pi::fixture::trusted_decimals;

mod cancel;
mod progress;

fn decimals_on(n: u64, threads: usize) -> Vec<u8> {
    match decimals(n, Options { threads }, &Unobserved) {
        Ok(digits) => digits,
        Err(err) => panic!("an unobserved computation of pi fails only on a bug: {err}"),
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
    assert_eq!(verify_known_checksums(&one), Ok(2_000_000));
    assert!(decimals_on(2_000_000, 2) == one, "2 threads differ from 1");
    assert!(decimals_on(2_000_000, 3) == one, "3 threads differ from 1");
}

#[test]
fn two_million_decimals_on_two_threads_pass_the_same_checks_as_on_one_farthest_first() {
    // On two threads one check runs beside the division; the checks and their order are the
    // same as where both run after it.
    let n = 2_000_000;
    let on = |threads| match compute(n, Options { threads }, &Unobserved) {
        Ok(computed) => computed.hex_checks,
        Err(err) => panic!("{threads} thread(s): {err}"),
    };
    let two = on(2);
    assert_eq!(two.len(), 2, "{two:?}");
    assert!(two[0].position > two[1].position, "farthest first: {two:?}");
    let one = on(1);
    assert_eq!(one.len(), 2, "{one:?}");
    assert!(one[0].position > one[1].position, "farthest first: {one:?}");
}

#[test]
fn the_check_beside_the_division_is_the_one_whose_time_is_nearest_the_divisions() {
    let bits = approximation::fraction_bits(1_000_000_000);
    let (far, near) = (bits / 4 * 4 - 68, bits / 8 * 4);
    let gap = |n, division_bits| bbp::units(n).abs_diff(cost::division(division_bits));
    // At a billion digits the check at the end takes about as long as the division.
    assert!(gap(far, bits) < gap(near, bits));
    assert_eq!(
        split_checks(vec![far, near], bits, true),
        (vec![near], Some(far))
    );
    // Beside a much shorter division, the nearer check.
    let short = approximation::fraction_bits(10_000_000);
    assert!(gap(near, short) < gap(far, short));
    assert_eq!(
        split_checks(vec![far, near], short, true),
        (vec![far], Some(near))
    );
    // On one thread nothing runs beside the division.
    assert_eq!(
        split_checks(vec![far, near], bits, false),
        (vec![far, near], None)
    );
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
        let computed = decimals_with_guard(n, Options::default(), &recorder, 2);
        assert_eq!(
            computed.map(|computed| computed.decimals).as_deref(),
            Ok(&trusted_decimals()[..n as usize])
        );
        let phases: Vec<_> = recorder.reports().iter().map(|p| p.phase).collect();
        let restarts = phases
            .windows(2)
            .filter(|pair| pair[0] != Phase::Series && pair[1] == Phase::Series)
            .count();
        assert_eq!(restarts, 2, "n = {n}: {phases:?}");
    }
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
