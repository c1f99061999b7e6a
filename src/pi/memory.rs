//! How much memory a computation holds at its peak, so a scheduler can start it only where it
//! fits.
//!
//! The figures are measured, not derived: the peak resident set of
//! `pilane digits N --threads T` (release build, `/usr/bin/time -v`, see docs/PERFORMANCE.md,
//! "Memory"), which includes the process itself (about 20 MB). Between them the estimate follows
//! the straight line through the two neighbours on log-log axes; past the last one it goes on
//! along the last segment's slope, or in proportion to n where that slope is less. The peak
//! grows a little faster than n (the numbers at the top of the series and the conversion's
//! tree), and the line between measurements lies above such a curve, so the estimate errs high,
//! never low by more than the measurements' own noise.

/// Peaks measured on 1 and 2 threads, in kB, by n. More threads hold more of the series' tree
/// at once; they are estimated as 2 threads' peak grown in proportion to the thread count, an
/// overestimate until measured on a machine with more cores.
///
/// Measured on 2026-12-06 (AMD EPYC, family 25 model 17) with the engine that takes its
/// division in two halves and computes the conversion's powers beside the checks: up to
/// $3 \cdot 10^8$ by `just bench-memory` (`/usr/bin/time -v`), the highest of up to three runs,
/// since peaks vary from run to run with how the threads' work overlaps (at $3 \cdot 10^6$ on two
/// threads, 76 to 93 MB); $10^8$ on two threads and $10^9$ as the largest phase's `VmHWM` from
/// `--timings`, whose $10^8$ run peaked higher than the bench's.
const MEASURED_KB: [(u64, [u64; 2]); 7] = [
    (1_000_000, [23_438, 28_496]),
    (3_000_000, [53_711, 90_820]),
    (10_000_000, [187_500, 228_000]),
    (30_000_000, [338_867, 386_719]),
    (100_000_000, [775_391, 1_064_000]),
    (300_000_000, [2_316_406, 2_434_570]),
    // 10^9 on 1 thread is taken as the 2-thread figure: more than it needs, never less. The
    // series' peak, from `--timings`.
    (1_000_000_000, [7_585_000, 7_585_000]),
];

/// The estimated peak memory, in bytes, of computing `n` decimals on `threads` threads.
pub fn peak_memory(n: u64, threads: usize) -> u64 {
    if threads >= 2 {
        let more_threads = threads as f64 / 2.0;
        return (on_measured(n, 1) * more_threads).ceil() as u64;
    }
    // One thread never holds more than two (where it was not measured, two's figure stands in).
    on_measured(n, 0).min(on_measured(n, 1)).ceil() as u64
}

/// The log-log line through the measured peaks of `column` (0: one thread, 1: two), at `n`.
fn on_measured(n: u64, column: usize) -> f64 {
    let point = |index: usize| {
        let (n, kb) = MEASURED_KB[index];
        ((n as f64).ln(), ((kb[column] * 1024) as f64).ln())
    };
    let n = n.max(MEASURED_KB[0].0);
    let x = (n as f64).ln();
    let segment = MEASURED_KB
        .iter()
        .position(|&(measured, _)| measured >= n)
        .unwrap_or(MEASURED_KB.len() - 1)
        .max(1);
    let ((x0, y0), (x1, y1)) = (point(segment - 1), point(segment));
    let slope = (y1 - y0) / (x1 - x0);
    if x > x1 {
        // Past the last measurement the numbers only grow: never less than in proportion to n,
        // whatever the last segment's noise says.
        return (y1 + slope.max(1.0) * (x - x1)).exp();
    }
    (y0 + slope * (x - x0)).exp()
}

/// The most decimals whose estimated peak on `threads` threads fits in `bytes`; 0 if none do.
pub fn largest_fitting(bytes: u64, threads: usize) -> u64 {
    let (mut fits, mut too_many) = (0u64, 1u64 << 40);
    if peak_memory(too_many, threads) <= bytes {
        return too_many;
    }
    while too_many - fits > 1 {
        let middle = fits + (too_many - fits) / 2;
        if peak_memory(middle, threads) <= bytes {
            fits = middle;
        } else {
            too_many = middle;
        }
    }
    fits
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: f64 = 1e9;

    #[test]
    fn the_estimate_passes_through_every_measured_peak() {
        for (n, kb) in MEASURED_KB {
            for (threads, kb) in [(1, kb[0]), (2, kb[1])] {
                let estimate = peak_memory(n, threads) as f64;
                let measured = (kb * 1024) as f64;
                assert!(
                    (estimate / measured - 1.0).abs() < 1e-6,
                    "{n} on {threads}: {estimate} against {measured}"
                );
            }
        }
    }

    #[test]
    fn the_estimate_grows_with_n_and_threads_and_has_a_floor() {
        let mut last = 0;
        for n in [
            0,
            1_000,
            1_000_000,
            3_000_000,
            50_000_000,
            700_000_000,
            2_000_000_000,
        ] {
            let estimate = peak_memory(n, 2);
            assert!(estimate >= last, "{n}");
            assert!(peak_memory(n, 1) <= estimate, "{n}");
            last = estimate;
        }
        assert_eq!(peak_memory(0, 1), peak_memory(1_000_000, 1));
        assert!(peak_memory(100_000_000, 4) > peak_memory(100_000_000, 2));
    }

    #[test]
    fn past_the_last_measurement_the_estimate_grows_at_least_in_proportion_to_n() {
        let billion = peak_memory(1_000_000_000, 2);
        assert!(peak_memory(2_000_000_000, 2) >= 2 * billion - 2);
        assert!(peak_memory(10_000_000_000, 1) >= 10 * peak_memory(1_000_000_000, 1) - 10);
    }

    #[test]
    fn the_largest_count_that_fits_is_the_last_whose_estimate_fits() {
        let bytes = 2_000_000_000;
        let n = largest_fitting(bytes, 2);
        assert!(peak_memory(n, 2) <= bytes);
        assert!(peak_memory(n + 1, 2) > bytes);
        assert!(largest_fitting(bytes, 1) > n, "one thread holds less");
        assert_eq!(largest_fitting(1_000, 1), 0, "nothing fits in a kilobyte");
    }

    #[test]
    fn a_billion_digits_on_two_threads_are_estimated_at_what_they_took_under_8_gib() {
        let estimate = peak_memory(1_000_000_000, 2) as f64 / GB;
        // 7,585,000 kB, the series' peak: 7.77 GB.
        assert!((7.7..7.85).contains(&estimate), "{estimate} GB");
        assert!(peak_memory(1_000_000_000, 2) < 8 << 30);
    }
}
