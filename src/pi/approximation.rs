//! $\pi \cdot 2^B$ as an integer: the Chudnovsky series, one integer square root and one integer
//! division give pi in binary, whose bits can be checked on their own ([`super::hex_check`])
//! before the conversion scales it to decimal. How many terms, how many bits, and the error of
//! each step.
//!
//! The conversion writes $x = \lfloor y \cdot 10^D / 2^B \rfloor$ (see
//! [`super::decimal::binary_to_decimal`]), and $|x - \pi \cdot 10^D| < 2$ = [`ERROR_BOUND`]:
//! the error of $y$, below 3, shrinks by $10^D / 2^B \le 2^{-65}$, and the floor adds less
//! than 1. Computing in binary first costs about one multiplication at full size and saves the
//! power $10^{2D}$ the square root of $10005 \cdot 10^{2D}$ needed before.

use malachite::Natural;
use malachite::base::num::arithmetic::traits::FloorSqrt;
use malachite::base::num::logic::traits::SignificantBits;

use super::chudnovsky::SeriesSum;
use super::division;
use super::product::product;

/// $\log_{10}(640320^3 / 1728)$: each term of the series adds this many correct digits.
const DIGITS_PER_TERM: f64 = 14.181_647_462_725_477;

/// Extra bits kept in $Q$ and $T$ beyond those of the square root when they are truncated for
/// the division; they make the truncation error $2^{-62}$ at most.
const DIVISION_GUARD_BITS: u64 = 64;

/// The decimal value is within this many units of $\pi \cdot 10^D$ (strictly less).
pub(crate) const ERROR_BOUND: u64 = 2;

/// Bits of the binary result beyond those of $10^D$: they make its error, scaled to decimal,
/// $2^{-64}$ of a unit at most, and they leave the check room below its windows.
const BINARY_GUARD_BITS: u64 = 66;

/// Decimal digits that cover [`BINARY_GUARD_BITS`]: $10^{21} > 2^{66 + 1}$, the one for the
/// rounding of [`fraction_bits`].
const BINARY_GUARD_DIGITS: u64 = 21;

/// How many terms of the series give $\pi \cdot 10^D$ to within half a unit.
///
/// The series alternates and its terms shrink, so the error of $N$ terms is at most
/// $|a_N| \le (A + BN) / 151931373056000^N$, because $(6k)!/((3k)!(k!)^3) \le 1728^k$. That error
/// moves $\pi \cdot 10^D$ by at most $3.15 \cdot 10^D |a_N| / 13591409$, which is below one half
/// once $14.18 N \ge D + \log_{10} N + 3$; the count below keeps a margin of more than ten digits
/// over that, far above any rounding of the `f64` arithmetic.
fn terms_for_digits(digits: u64) -> u64 {
    let digits = digits as f64;
    ((digits + (digits + 10.0).log10() + 4.0) / DIGITS_PER_TERM).ceil() as u64 + 1
}

/// How many terms of the series give $\pi \cdot 2^B$ to within half a unit, for the $B$ of
/// [`fraction_bits`]`(digits)`: those that give $\pi \cdot 10^{D + 21}$, since
/// $2^B \le 10^{D + 21}$.
pub(crate) fn terms_for(digits: u64) -> u64 {
    terms_for_digits(digits + BINARY_GUARD_DIGITS)
}

/// $B$, the bits after the point of the binary result for $D$ = `digits` decimals:
/// $2^B \ge 2^{66} \cdot 10^D$, with one bit to spare for the rounding of the logarithm.
pub(crate) fn fraction_bits(digits: u64) -> u64 {
    (digits as f64 * std::f64::consts::LOG2_10).ceil() as u64 + BINARY_GUARD_BITS
}

/// $s = \lfloor \sqrt{10005 \cdot 4^B} \rfloor$ for $B$ = `fraction_bits`: it does not depend
/// on the series, so it can be computed while the series is summed.
pub(crate) fn square_root(fraction_bits: u64) -> Natural {
    (Natural::from(10_005u32) << (2 * fraction_bits)).floor_sqrt()
}

/// $y$ with $|y - \pi \cdot 2^B| < 3$, from the sum $T/Q$ of [`terms_for`]`(D)` terms of the
/// series and `root` = [`square_root`]`(B)`:
///
/// $$
/// y = \left\lfloor \frac{426880\, s\, Q}{T} \right\rfloor.
/// $$
///
/// The error of $s$ moves the quotient by less than $426880 / 13591409 < 0.04$, the truncated
/// series by less than $1/2$ (see [`terms_for`]), the truncation of $Q$ and $T$ to the precision
/// of $s$ by less than $2^{-62}$, and the floor, which [`division::quotient`] takes within one
/// unit, by less than 2.
///
/// # Worst-case complexity
/// $T(n) = O(n \log n \log\log n)$
///
/// $M(n) = O(n)$
///
/// where $T$ is time, $M$ is additional memory and $n$ is $D$: one multiplication and one
/// division of $n$-digit numbers.
pub(crate) fn quotient(sum: SeriesSum, root: Natural) -> Natural {
    // Q and T carry more bits than the quotient needs; only their ratio matters, so
    // they are cut to the precision of the square root before the division.
    let keep = root.significant_bits() + DIVISION_GUARD_BITS;
    let q_bits = sum.q_odd.significant_bits() + sum.q_shift;
    let cut = q_bits.saturating_sub(keep);
    let q = if sum.q_shift >= cut {
        sum.q_odd << (sum.q_shift - cut)
    } else {
        sum.q_odd >> (cut - sum.q_shift)
    };
    let t = sum.t >> cut;
    // Each factor goes as soon as it is used: the division holds many times its divisor's size,
    // and nothing else should be alive beside it.
    let numerator = product(&(Natural::from(426_880u32) * root), &q);
    drop(q);
    division::quotient(numerator, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_result_has_room_for_its_guard_bits_within_the_terms_counted() {
        for digits in [1, 1_000, 1_000_000, 1_000_000_000, 10_000_000_000] {
            let bits = fraction_bits(digits) as f64;
            let decimal_bits = digits as f64 * std::f64::consts::LOG2_10;
            assert!(bits >= decimal_bits + 66.0, "{digits}");
            assert!(bits <= (digits + BINARY_GUARD_DIGITS) as f64 * std::f64::consts::LOG2_10);
        }
    }

    #[test]
    fn the_term_count_grows_by_one_term_per_fourteen_digits() {
        assert!(terms_for_digits(20) >= 3);
        let terms = terms_for_digits(1_000_000);
        assert!((70_514..70_520).contains(&terms), "{terms}");
    }

    #[test]
    fn the_term_count_meets_the_error_bound() {
        // 14.18 N >= D + log10(N) + 3 is what the error analysis needs.
        for digits in [1, 20, 100, 12_345, 1_000_000, 100_000_000, 10_000_000_000] {
            let terms = terms_for_digits(digits) as f64;
            let needed = digits as f64 + terms.log10() + 3.0;
            assert!(DIGITS_PER_TERM * terms >= needed + 10.0, "{digits}");
        }
    }
}
