//! The check of the binary result before it is converted, the way y-cruncher checks its own:
//! the result's bits at a few positions far after the point must agree with the same bits
//! computed on their own by Bellard's formula ([`super::bbp`]).
//!
//! The guard digits prove the truncation and the known checksums reach only $10^8$ digits;
//! this check reaches past them, and it costs time that grows with the position checked. So the
//! positions follow the task: the farthest one whose cost is [`FAR_SHARE`] of the rest of the
//! computation's estimated time, and one halfway to it, together about 12% of its work. The
//! expected bits do not depend on the result ([`expected`]), so on two threads one of them is
//! computed beside the division, which runs on one core, and only the other adds to the time: the
//! checking phase took 6.4% of it at $10^9$ digits (docs/PERFORMANCE.md).

use std::fmt;

use malachite::Natural;
#[cfg(test)]
use malachite::base::num::logic::traits::BitAccess;
use malachite::base::num::logic::traits::BitBlockAccess;

use super::bbp;
use super::control::EngineError;
use super::progress::Reporter;

/// The share of a computation's estimated time its farthest check may cost; the one halfway
/// costs about half as much again, so the two take about 12% of it.
const FAR_SHARE: f64 = 0.08;

/// Hexadecimal digits shown for each check: 32 bits, of the 64 compared.
const SHOWN_DIGITS: u32 = 8;

/// Bits the compared window stays above the end of the result, whose last bits carry its error.
const BELOW_THE_WINDOW: u64 = 4;

/// Hexadecimal digits of pi that the binary result and Bellard's formula agree on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HexCheck {
    /// The position of the first digit, counted from 1 after the point.
    pub position: u64,
    /// The hexadecimal digits from there, upper-case, as the result has them.
    pub digits: String,
}

/// The binary result disagrees with Bellard's formula: the computation went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HexMismatch {
    /// The position of the first hexadecimal digit compared, counted from 1 after the point.
    pub position: u64,
    /// The digits there in the result.
    pub computed: String,
    /// The digits there by Bellard's formula.
    pub expected: String,
}

impl fmt::Display for HexMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "hexadecimal digits {} onward are {} in the result but {} by Bellard's formula",
            self.position, self.computed, self.expected
        )
    }
}

impl std::error::Error for HexMismatch {}

/// The bit positions after the point to check in a result with `fraction_bits` bits after the
/// point, for a computation of `work` estimated units: the farthest the budget reaches (at most
/// the end of the result), then the one halfway to it. Multiples of 4, so each starts a
/// hexadecimal digit.
pub(crate) fn positions(fraction_bits: u64, work: u64) -> Vec<u64> {
    let end = fraction_bits.saturating_sub(64 + BELOW_THE_WINDOW) / 4 * 4;
    let budget = (work as f64 * FAR_SHARE) as u64;
    let far = if bbp::units(end) <= budget {
        end
    } else {
        // The cost grows with the position: the farthest affordable one, by bisection.
        let (mut low, mut high) = (0, end / 4);
        while low < high {
            let mid = (low + high).div_ceil(2);
            if bbp::units(mid * 4) <= budget {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        low * 4
    };
    let half = far / 8 * 4;
    if half == far {
        vec![far]
    } else {
        vec![far, half]
    }
}

/// The estimated cost of checking `positions`, in the units of [`super::cost`].
pub(crate) fn units(positions: &[u64]) -> u64 {
    positions.iter().map(|&n| bbp::units(n)).sum()
}

/// Bellard's formula's 64 bits at one position, computed before or beside the result they
/// check (they do not depend on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expected {
    n: u64,
    bits: u64,
}

impl Expected {
    /// The bit position after the point where the bits start.
    pub(crate) fn position(self) -> u64 {
        self.n
    }
}

/// The bits that start `n` bits after the point, by Bellard's formula on up to `threads`
/// threads, for [`compare`].
///
/// # Errors
/// [`EngineError::Cancelled`] when `reporter` asks to stop.
pub(crate) fn expected(
    n: u64,
    threads: usize,
    reporter: &Reporter<'_>,
) -> Result<Expected, EngineError> {
    let bits = bbp::fraction_bits(n, threads, reporter)?;
    Ok(Expected { n, bits })
}

/// Checks the bits of `result`, an approximation of $\pi \cdot 2^B$ for `fraction_bits` $= B$
/// within a few units, that start `n` bits after the point.
///
/// # Errors
/// [`EngineError::CheckFailed`] when they disagree with Bellard's formula by more than its
/// error bound; [`EngineError::Cancelled`] when `reporter` asks to stop.
#[cfg(test)]
pub(crate) fn check(
    result: &Natural,
    fraction_bits: u64,
    n: u64,
    threads: usize,
    reporter: &Reporter<'_>,
) -> Result<HexCheck, EngineError> {
    compare(result, fraction_bits, expected(n, threads, reporter)?)
}

/// Checks the bits of `result`, an approximation of $\pi \cdot 2^B$ for `fraction_bits` $= B$
/// within a few units, against the `expected` ones.
///
/// # Errors
/// [`EngineError::CheckFailed`] when they disagree by more than Bellard's formula's error bound.
pub(crate) fn compare(
    result: &Natural,
    fraction_bits: u64,
    expected: Expected,
) -> Result<HexCheck, EngineError> {
    let Expected { n, bits: expected } = expected;
    let computed = window(result, fraction_bits, n);
    let distance = computed
        .wrapping_sub(expected)
        .min(expected.wrapping_sub(computed));
    // The result's own error reaches the window's lowest bit at most.
    let position = n / 4 + 1;
    if distance > bbp::error_bound(n) + 1 {
        return Err(EngineError::CheckFailed(HexMismatch {
            position,
            computed: shown(computed),
            expected: shown(expected),
        }));
    }
    Ok(HexCheck {
        position,
        digits: shown(computed),
    })
}

/// $\lfloor x / 2^{B - n - 64} \rfloor \bmod 2^{64}$: the 64 bits of `x` / $2^B$ that start `n`
/// bits after the point, read in place.
fn window(x: &Natural, fraction_bits: u64, n: u64) -> u64 {
    let start = fraction_bits - n - 64;
    u64::try_from(&x.get_bits(start, start + 64)).unwrap_or(u64::MAX)
}

fn shown(bits: u64) -> String {
    format!(
        "{:0width$X}",
        bits >> (64 - 4 * SHOWN_DIGITS),
        width = SHOWN_DIGITS as usize
    )
}

#[cfg(test)]
mod tests {
    use malachite::base::num::arithmetic::traits::Pow;

    use super::*;
    use crate::pi::Unobserved;
    use crate::pi::fixture::{trusted_decimals, trusted_scaled};

    const FRACTION_BITS: u64 = 3_000_000;

    /// $\lfloor \pi 2^B \rfloor$ from the trusted decimals, for $B$ well inside their reach.
    fn trusted_result() -> Natural {
        (trusted_scaled() << FRACTION_BITS)
            / Natural::from(10u32).pow(trusted_decimals().len() as u64)
    }

    fn check_at(result: &Natural, n: u64) -> Result<HexCheck, EngineError> {
        check(result, FRACTION_BITS, n, 2, &Reporter::new(&Unobserved, 1))
    }

    #[test]
    fn the_first_hexadecimal_digits_of_a_right_result_pass() {
        let checked = check_at(&trusted_result(), 0).expect("the digits agree");
        assert_eq!(
            checked,
            HexCheck {
                position: 1,
                digits: "243F6A88".to_owned()
            }
        );
    }

    #[test]
    fn a_right_result_passes_at_every_position_chosen_for_it() {
        let result = trusted_result();
        for n in positions(FRACTION_BITS, u64::MAX / 2) {
            check_at(&result, n).expect("the digits agree");
        }
    }

    #[test]
    fn a_result_with_one_bit_wrong_fails_where_it_is_checked() {
        let mut result = trusted_result();
        let n = 2_000_000;
        // One bit flipped inside the window, a dozen bits below its top.
        let flipped = FRACTION_BITS - n - 12;
        let bit = Natural::from(1u32) << flipped;
        result = if result.get_bit(flipped) {
            result - bit
        } else {
            result + bit
        };
        let failed = check_at(&result, n).expect_err("a flipped bit is caught");
        let EngineError::CheckFailed(mismatch) = failed else {
            panic!("a mismatch, not {failed:?}");
        };
        assert_eq!(mismatch.position, 500_001);
        assert_ne!(mismatch.computed, mismatch.expected);
    }

    #[test]
    fn the_positions_reach_the_end_when_the_budget_allows_and_fall_short_when_not() {
        assert_eq!(positions(10_000, u64::MAX / 2), [9_932, 4_964]);
        let work = (bbp::units(1_000_000) as f64 / FAR_SHARE) as u64;
        let short = positions(1_000_000_000, work);
        assert!((900_000..=1_100_000).contains(&short[0]), "{short:?}");
        assert!(units(&short) <= bbp::units(1_000_000) * 3 / 2);
        assert!(short.iter().all(|n| n % 4 == 0));
    }
}
