//! The engine's one big division in less memory.
//!
//! malachite divides a number of $2n$ bits by one of $n$ with its port of GMP's $\mu$-division,
//! whose reciprocal and products run at the divisor's full length: at $10^8$ digits it held
//! about 16 times the divisor's size beside its operands, which at $10^9$ was the peak of the
//! whole computation. [`quotient`] takes the quotient in two halves instead, each the way long
//! division takes a digit: estimated from the top bits of both operands by a division of half
//! the size. The high half is made exact by its remainder, whose product goes through
//! [`super::product`], because the low half is the quotient of that remainder; the low half is
//! left as estimated, within one unit, which the error bound of the engine's result allows
//! (see [`super::approximation`]). About a quarter less memory than malachite's division at
//! $10^8$ digits, for about 40% more of its time (docs/PERFORMANCE.md, "A billion digits in
//! 8 GiB").

use malachite::base::num::arithmetic::traits::ModPowerOf2;
use malachite::base::num::basic::traits::One;
use malachite::base::num::logic::traits::SignificantBits;
use malachite::{Integer, Natural};

use super::product::product;

/// The divisor's size from which [`quotient`] splits: 8 MB, as [`super::product`]'s.
pub const SPLIT_MIN_BITS: u64 = super::product::SPLIT_MIN_BITS;

/// Bits of the divisor kept beyond the quotient's for a half's estimate: they make it off by a
/// unit at most.
const ESTIMATE_GUARD_BITS: u64 = 64;

/// $\lfloor a / d \rfloor$ for $d > 0$, or from a divisor of [`SPLIT_MIN_BITS`] on, in two
/// halves, a number within one of it.
///
/// Each half's estimate $q'$ is $\lfloor a' / d' \rfloor$ for $a'$ and $d'$ the operands
/// without their last $c$ bits, where $d'$ keeps [`ESTIMATE_GUARD_BITS`] more than the quotient
/// has. Then $a/d < (a'+1)/d' \le a'/d' + 2^{-64}$ and
/// $a/d \ge a'/(d'+1) > a'/d' - (a'/d')/d' > a'/d' - 2^{-62}$, so $|q' - \lfloor a/d \rfloor| \le 1$.
///
/// # Panics
/// If `divisor` is zero.
pub fn quotient(dividend: Natural, divisor: &Natural) -> Natural {
    quotient_from(dividend, divisor, SPLIT_MIN_BITS)
}

/// [`quotient`], splitting from divisors of `min_bits` on.
fn quotient_from(dividend: Natural, divisor: &Natural, min_bits: u64) -> Natural {
    assert!(*divisor != 0u32, "division by zero");
    let quotient_bits =
        (dividend.significant_bits() + 1).saturating_sub(divisor.significant_bits());
    if divisor.significant_bits() < min_bits || quotient_bits < 128 {
        return dividend / divisor;
    }
    // a = a_1 2^h + a_0: the high half of the quotient is that of a_1, and the low half that of
    // the remainder r_1 2^h + a_0, which is below d 2^h.
    let low_bits = quotient_bits / 128 * 64;
    let low = (&dividend).mod_power_of_2(low_bits);
    let high = dividend >> low_bits;
    let (high_quotient, remainder) = digit(high, divisor);
    let mut rest = remainder;
    rest <<= low_bits;
    rest += low;
    let low_quotient = estimate(&rest, divisor);
    let mut whole = high_quotient;
    whole <<= low_bits;
    whole += low_quotient;
    whole
}

/// $\lfloor a / d \rfloor$ and $a \bmod d$: [`estimate`], corrected until the remainder is in
/// $[0, d)$, which takes a unit at most.
fn digit(dividend: Natural, divisor: &Natural) -> (Natural, Natural) {
    let mut quotient = estimate(&dividend, divisor);
    let mut remainder = Integer::from(dividend) - Integer::from(product(&quotient, divisor));
    let divisor = Integer::from(divisor);
    while remainder < 0u32 {
        quotient -= Natural::ONE;
        remainder += &divisor;
    }
    while remainder >= divisor {
        quotient += Natural::ONE;
        remainder -= &divisor;
    }
    let remainder = Natural::try_from(remainder).expect("the remainder was corrected into [0, d)");
    (quotient, remainder)
}

/// $\lfloor a' / d' \rfloor$, within one of $\lfloor a / d \rfloor$ (see [`quotient`]): a
/// division of twice the quotient's size, whatever the divisor's.
fn estimate(dividend: &Natural, divisor: &Natural) -> Natural {
    let quotient_bits =
        (dividend.significant_bits() + 1).saturating_sub(divisor.significant_bits());
    let cut = divisor
        .significant_bits()
        .saturating_sub(quotient_bits + ESTIMATE_GUARD_BITS);
    (dividend >> cut) / (divisor >> cut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pi::product::test_numbers::number;
    use malachite::base::num::basic::traits::Zero;

    fn within_one(x: &Natural, y: &Natural) -> bool {
        if x >= y { x - y <= 1u32 } else { y - x <= 1u32 }
    }

    #[test]
    fn a_quotient_taken_in_halves_is_within_one_of_malachites() {
        let min_bits = 1_000;
        for (dividend_bits, divisor_bits) in [
            (2_000, 1_000),
            (4_001, 2_000),
            (3_000, 1_999),
            (10_000, 5_003),
            (6_000, 1_000),
            (1_100, 1_000),
        ] {
            for seed in 0..4 {
                let (a, d) = (number(dividend_bits, seed), number(divisor_bits, seed + 10));
                assert!(
                    within_one(&quotient_from(a.clone(), &d, min_bits), &(&a / &d)),
                    "{dividend_bits} by {divisor_bits} bits, seed {seed}"
                );
            }
        }
    }

    #[test]
    fn quotients_near_a_carry_are_within_one() {
        // d (2^h q + r) with the remainder at its edges: 0, 1, and d - 1.
        let min_bits = 1_000;
        let d = number(2_000, 3);
        let q = number(2_000, 4);
        for remainder in [Natural::ZERO, Natural::ONE, &d - Natural::ONE] {
            let a = &d * &q + &remainder;
            assert!(
                within_one(&quotient_from(a, &d, min_bits), &q),
                "remainder {remainder}"
            );
        }
        let all_ones = (Natural::ONE << 4_000u64) - Natural::ONE;
        assert!(within_one(
            &quotient_from(all_ones.clone(), &d, min_bits),
            &(&all_ones / &d)
        ));
    }

    #[test]
    fn the_high_half_is_exact_with_its_remainder() {
        for seed in 0..8 {
            let (a, d) = (number(3_000, seed), number(2_000, seed + 10));
            let (quotient, remainder) = digit(a.clone(), &d);
            assert_eq!(quotient, &a / &d, "seed {seed}");
            assert_eq!(remainder, &a % &d, "seed {seed}");
        }
    }

    #[test]
    fn small_divisions_are_malachites() {
        assert_eq!(quotient(Natural::from(100u32), &Natural::from(7u32)), 14u32);
        assert_eq!(quotient(Natural::ZERO, &number(500, 1)), 0u32);
    }
}
