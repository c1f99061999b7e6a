//! What each part of a computation costs, in estimated nanoseconds on one core.
//!
//! Progress is the share of this estimate that is done, so the bar moves with time rather than
//! with the count of steps: a merge near the root of the series is worth thousands of leaves,
//! and the square root, the division and the conversion are priced by the size they work on.
//! The constants were fitted to `pilane digits N --timings --threads 1` on the reference machine
//! (see docs/PERFORMANCE.md) at $10^6$ and $10^7$ digits; only their ratios matter, so a faster
//! or slower machine shows the same bar, and time estimates come from a measured rate. On two
//! threads, [`time_weight`] turns each phase's work into time.

use super::control::Phase;

/// One term of the series at a leaf: its factors and a share of the small multiplications.
const LEAF_NS_PER_TERM: f64 = 1_100.0;
/// A merge of the series, per [`scaled`] bit it multiplies. The bits are counted before common
/// factors are divided out; what that saves is in the constant, which still matches `--timings`
/// (series 58% estimated, 57–63% measured at $10^6$ and $10^7$ digits, with the sieve).
const MERGE_NS: f64 = 0.0152;
/// The square root, per $b \log_2 b$ of the bits $b$ of the root.
const SQUARE_ROOT_NS: f64 = 0.6;
/// The division, per [`scaled`] bit of the quotient. It grows like the multiplications it is
/// made of: priced per $b \log_2 b$, as it was until issue 18, its share of the bar fell from
/// 7.7% at $10^7$ to 3.8% at $3 \cdot 10^8$ while it took 9–14% of the time. Fitted to
/// `--timings --threads 1` at $10^8$ (8.3%).
const DIVISION_NS: f64 = 0.125;
/// A division by a power of ten in the conversion, per [`scaled`] bit divided.
const SPLIT_NS: f64 = 0.080;
/// The same split by the power's reciprocal (two multiplications), per [`scaled`] bit divided.
const SPLIT_BY_RECIPROCAL_NS: f64 = 0.055;
/// The reciprocal of a power of ten, per [`scaled`] bit of the power's square.
const RECIPROCAL_NS: f64 = 0.080;
/// Squaring a power of ten for the conversion, per [`scaled`] bit squared.
const POWER_NS: f64 = 0.016;
/// Multiplying the binary result by $10^D$, per [`scaled`] bit of either.
const RESCALE_NS: f64 = 0.024;
/// Dividing a power of ten exactly by a small one, per bit of the dividend.
const EXACT_DIVISION_NS_PER_BIT: f64 = 0.5;
/// One squaring of a term of Bellard's formula, per term and bit of its exponent. Fitted to
/// `--timings` at $10^8$ and $3 \cdot 10^8$ on 1 and 2 threads (at 2.3, the check took 11.4–12.6%
/// of the time for an estimated 10.6%).
const BELLARD_NS_PER_SQUARING: f64 = 2.7;
/// Turning a small number into decimal text, per [`scaled`] bit.
const TEXT_NS: f64 = 0.32;

/// How long a unit of each phase takes on two threads, in thousandths of a unit on one: the
/// inverse of the phase's speed-up, fitted to `--timings` at $10^8$ on 1 and 2 threads (the
/// series 1.55 times as fast, the check 1.93, the conversion 1.80, with its one multiplication
/// on one core). The division runs on one core and the square root either beside the series,
/// where it costs no time, or alone. These 2-core machines never measured more threads: they
/// count as two.
pub(crate) fn time_weight(phase: Phase, threads: usize) -> u64 {
    if threads < 2 {
        return 1000;
    }
    match phase {
        Phase::Series => 645,
        Phase::Checking => 518,
        Phase::Conversion => 556,
        Phase::SquareRoot | Phase::Division => 1000,
    }
}

/// `units` of work weighed by `weight` thousandths.
pub(crate) fn weigh(units: u64, weight: u64) -> u64 {
    (u128::from(units) * u128::from(weight) / 1000) as u64
}

/// `units` of `phase`'s work as time on `threads` threads.
pub(crate) fn timed(phase: Phase, threads: usize, units: u64) -> u64 {
    weigh(units, time_weight(phase, threads))
}

/// The many multiplications of the series and of the conversion grow as $b^{1.28}$ on `bits`-bit
/// numbers: fast multiplication's $b \log b$, and the caches its working set outgrows.
fn scaled(bits: f64) -> f64 {
    bits.max(1.0).powf(1.28)
}

/// One big square root or division grows as $b \log b$.
fn n_log_n(bits: f64) -> f64 {
    bits * bits.max(2.0).log2()
}

fn nanos(value: f64) -> u64 {
    value.ceil() as u64
}

/// A leaf block of `terms` terms.
pub(crate) fn series_leaf(terms: u64) -> u64 {
    nanos(terms as f64 * LEAF_NS_PER_TERM)
}

/// A merge of the series whose numbers come to about `bits` bits.
pub(crate) fn series_merge(bits: f64) -> u64 {
    nanos(scaled(bits) * MERGE_NS)
}

/// The integer square root with `bits` bits.
pub(crate) fn square_root(bits: u64) -> u64 {
    nanos(n_log_n(bits as f64) * SQUARE_ROOT_NS)
}

/// The division with a quotient of `bits` bits.
pub(crate) fn division(bits: u64) -> u64 {
    nanos(scaled(bits as f64) * DIVISION_NS)
}

/// Splitting a number of `bits` bits in two by a power of ten.
pub(crate) fn conversion_split(bits: u64) -> u64 {
    nanos(scaled(bits as f64) * SPLIT_NS)
}

/// Splitting a number of `bits` bits in two by a power of ten whose reciprocal is known.
pub(crate) fn conversion_split_by_reciprocal(bits: u64) -> u64 {
    nanos(scaled(bits as f64) * SPLIT_BY_RECIPROCAL_NS)
}

/// The reciprocal of a power of ten whose square has `bits` bits.
pub(crate) fn reciprocal(bits: u64) -> u64 {
    nanos(scaled(bits as f64) * RECIPROCAL_NS)
}

/// Squaring a power of ten of `bits` bits.
pub(crate) fn power_square(bits: u64) -> u64 {
    nanos(scaled(bits as f64) * POWER_NS)
}

/// The multiplication of the binary result of `bits` bits by $10^D$.
pub(crate) fn rescale(bits: u64) -> u64 {
    nanos(scaled(bits as f64) * RESCALE_NS)
}

/// $10^D$ of about `bits` bits, by repeated squaring: the last squaring, of half the bits, is
/// most of it.
pub(crate) fn decimal_scale(bits: u64) -> u64 {
    let mut total = 0;
    let mut half = bits / 2;
    while half > 64 {
        total += power_square(half);
        half /= 2;
    }
    total
}

/// Dividing a power of ten of `bits` bits exactly by a power of ten of a few hundred thousand
/// digits at most: a pass over the dividend.
pub(crate) fn exact_division_by_small(bits: u64) -> u64 {
    nanos(bits as f64 * EXACT_DIVISION_NS_PER_BIT)
}

/// `terms` terms of Bellard's formula for the bits at `position`: each a modular power with an
/// exponent of about $\log_2$ `position` bits.
pub(crate) fn bellard_terms(terms: u64, position: u64) -> u64 {
    nanos(terms as f64 * f64::from(u64::BITS - position.leading_zeros()) * BELLARD_NS_PER_SQUARING)
}

/// Writing a number of `bits` bits as decimal text.
pub(crate) fn conversion_text(bits: u64) -> u64 {
    nanos(scaled(bits as f64) * TEXT_NS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigger_work_costs_more_than_proportionally() {
        assert!(square_root(2_000_000) > 2 * square_root(1_000_000));
        assert!(series_merge(2e6) > 2 * series_merge(1e6));
        assert_eq!(series_leaf(64), 2 * series_leaf(32));
    }
}
