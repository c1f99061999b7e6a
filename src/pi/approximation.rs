//! $\pi \cdot 10^D$ as an integer, from the Chudnovsky series, one integer square root and one
//! integer division: how many terms, and how their sum becomes the integer.

use malachite::Natural;
use malachite::base::num::arithmetic::traits::{FloorSqrt, Pow};
use malachite::base::num::logic::traits::SignificantBits;

use super::chudnovsky::SeriesSum;

/// $\log_{10}(640320^3 / 1728)$: each term of the series adds this many correct digits.
const DIGITS_PER_TERM: f64 = 14.181_647_462_725_477;

/// Extra bits kept in $Q$ and $T$ beyond those of the square root when they are truncated for
/// the division; they make the truncation error $2^{-62}$ at most.
const DIVISION_GUARD_BITS: u64 = 64;

/// [`approximate`] is within this many units of $\pi \cdot 10^D$ (strictly less).
pub(crate) const ERROR_BOUND: u64 = 2;

/// How many terms of the series give $\pi \cdot 10^D$ to within half a unit.
///
/// The series alternates and its terms shrink, so the error of $N$ terms is at most
/// $|a_N| \le (A + BN) / 151931373056000^N$, because $(6k)!/((3k)!(k!)^3) \le 1728^k$. That error
/// moves $\pi \cdot 10^D$ by at most $3.15 \cdot 10^D |a_N| / 13591409$, which is below one half
/// once $14.18 N \ge D + \log_{10} N + 3$; the count below keeps a margin of more than ten digits
/// over that, far above any rounding of the `f64` arithmetic.
pub(crate) fn terms_for(digits: u64) -> u64 {
    let digits = digits as f64;
    ((digits + (digits + 10.0).log10() + 4.0) / DIGITS_PER_TERM).ceil() as u64 + 1
}

/// $s = \lfloor \sqrt{10005 \cdot 10^{2D}} \rfloor$ for $D$ = `digits`: it does not depend on the
/// series, so it can be computed while the series is summed.
pub(crate) fn square_root(digits: u64) -> Natural {
    (Natural::from(10_005u32) * Natural::from(10u32).pow(2 * digits)).floor_sqrt()
}

/// $x$ with $|x - \pi \cdot 10^D| < 2$, from the sum $T/Q$ of [`terms_for`]`(D)` terms of the
/// series and `root` = [`square_root`]`(D)`:
///
/// $$
/// x = \left\lfloor \frac{426880\, s\, Q}{T} \right\rfloor.
/// $$
///
/// The error of $s$ moves the quotient by less than $426880 / 13591409 < 0.04$, the truncated
/// series by less than $1/2$ (see [`terms_for`]), the truncation of $Q$ and $T$ to the precision
/// of $s$ by less than $2^{-62}$, and the floor by less than 1.
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
    Natural::from(426_880u32) * root * q / t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_term_count_grows_by_one_term_per_fourteen_digits() {
        assert!(terms_for(20) >= 3);
        let terms = terms_for(1_000_000);
        assert!((70_514..70_520).contains(&terms), "{terms}");
    }

    #[test]
    fn the_term_count_meets_the_error_bound() {
        // 14.18 N >= D + log10(N) + 3 is what the error analysis needs.
        for digits in [1, 20, 100, 12_345, 1_000_000, 100_000_000, 10_000_000_000] {
            let terms = terms_for(digits) as f64;
            let needed = digits as f64 + terms.log10() + 3.0;
            assert!(DIGITS_PER_TERM * terms >= needed + 10.0, "{digits}");
        }
    }
}
