//! Conversion of a big integer to decimal text, by divide and conquer into one buffer.
//!
//! A number of $w$ digits is split by $10^{\ell}$, where $\ell = L \cdot 2^j$ is the largest such
//! length below $w$ for the leaf length $L$, into a high and a low part, each converted on its own
//! (the low part padded with zeros to $\ell$ digits). The splitting powers $10^{L 2^j}$ are shared
//! by every node of a level, so they are computed once, by squaring, before the conversion
//! starts (the driver computes them beside the series). Each part writes straight into its slice
//! of the output: the digits exist once. With threads, the two parts of the upper levels convert
//! at the same time; every split is a cancellation point, and the splits of big numbers are
//! detached, so a cancel is seen within milliseconds even at $10^8$ digits.
//!
//! A level whose power divides several parts also keeps the power's reciprocal, computed once
//! with the power: each of its splits is then a Barrett reduction (two multiplications and at
//! most two corrections) instead of a full division, which costs about four. The top level
//! splits once, so its reciprocal pays only when computed on a core that is idle anyway: with two
//! threads and a number big enough to detach, the driver computes it beside the division. At $10^7$ digits on two threads that
//! halves the conversion.

use std::sync::{Arc, OnceLock};
use std::thread;

use malachite::Natural;
use malachite::base::num::arithmetic::traits::{DivMod, Pow, PowerOf2, Square};
use malachite::base::num::basic::traits::One;
use malachite::base::num::logic::traits::SignificantBits;

use super::control::Cancelled;
use super::cost;
use super::detach::detached;
use super::progress::Reporter;

/// Digits per leaf at most, converted by malachite in one call. Below a few thousand digits the
/// leaves no longer get cheaper per digit, while the levels of splitting above them add up
/// (measured at $10^7$ digits: 0.65 s of leaves at 65,536 digits, 0.13 s at 4,096).
pub(crate) const LEAF_DIGITS: u64 = 1 << 12;

/// Parts below this many digits are not worth a thread of their own.
const PARALLEL_MIN_DIGITS: u64 = 1 << 18;

/// Bits per decimal digit.
const BITS_PER_DIGIT: f64 = std::f64::consts::LOG2_10;

/// The powers of ten that split numbers of a given width: `table[j]` divides by
/// $10^{L \cdot 2^j}$ for the leaf length $L$ of that width.
#[derive(Clone)]
pub(crate) struct Powers {
    leaf: u64,
    table: Vec<Arc<Divisor>>,
}

/// A power of ten that splits numbers, with its reciprocal once computed.
struct Divisor {
    power: Natural,
    /// $\lfloor 4^k / p \rfloor$ for the power $p$ of $k$ bits. Set at most once, possibly by
    /// another thread while the power is shared (see [`Powers::compute_top_reciprocal`]).
    reciprocal: OnceLock<Natural>,
}

impl Divisor {
    fn new(power: Natural, with_reciprocal: bool) -> Divisor {
        let reciprocal = OnceLock::new();
        if with_reciprocal {
            let _ = reciprocal.set(reciprocal_of(&power));
        }
        Divisor { power, reciprocal }
    }

    /// The quotient and remainder of `x` by the power: by its reciprocal if `by_reciprocal`
    /// (which requires it computed) and `x` is below $4^k$, as every part split by this power
    /// is; by division otherwise.
    fn div_mod(&self, x: Natural, by_reciprocal: bool) -> (Natural, Natural) {
        let k = self.power.significant_bits();
        let reciprocal = self.reciprocal.get().filter(|_| by_reciprocal);
        let Some(reciprocal) = reciprocal.filter(|_| x.significant_bits() <= 2 * k) else {
            return x.div_mod(&self.power);
        };
        // Barrett reduction (Menezes et al., Handbook of Applied Cryptography, 14.42, in base
        // 2): for x < 4^k the estimate is the quotient or at most two below it, never above,
        // so the remainder starts non-negative and needs at most two corrections.
        let mut quotient = ((&x >> (k - 1)) * reciprocal) >> (k + 1);
        let mut remainder = x - &quotient * &self.power;
        while remainder >= self.power {
            remainder -= &self.power;
            quotient += Natural::ONE;
        }
        (quotient, remainder)
    }
}

/// The leaf length for `width` digits: `width` divided by a power of two, at most
/// [`LEAF_DIGITS`]. Every split then halves its part, so the two halves, which convert on
/// different threads, are of equal size; a fixed leaf length would split $1.1 \cdot 2^k$ leaves
/// into $2^k$ and $0.1 \cdot 2^k$.
fn leaf_for(width: u64) -> u64 {
    let mut leaf = width.max(1);
    let mut parts = 1u64;
    while leaf > LEAF_DIGITS {
        parts *= 2;
        leaf = width.div_ceil(parts);
    }
    leaf
}

/// $\lfloor 4^k / p \rfloor$ for the power $p$ of $k$ bits.
fn reciprocal_of(power: &Natural) -> Natural {
    Natural::power_of_2(2 * power.significant_bits()) / power
}

impl Powers {
    /// The powers that [`to_decimal`] needs for `width` digits, with the reciprocals of every
    /// level that splits two parts or more.
    pub(crate) fn for_width(width: u64) -> Powers {
        let leaf = leaf_for(width);
        let levels = level_count(width, leaf);
        let mut table: Vec<Arc<Divisor>> = Vec::with_capacity(levels);
        for level in 0..levels {
            let power = match table.last() {
                Some(previous) => (&previous.power).square(),
                None => Natural::from(10u32).pow(leaf),
            };
            table.push(Arc::new(Divisor::new(power, level + 1 < levels)));
        }
        Powers { leaf, table }
    }

    /// The estimated cost of [`Powers::for_width`].
    pub(crate) fn units(width: u64) -> u64 {
        let leaf = leaf_for(width);
        let levels = level_count(width, leaf);
        (0..levels)
            .map(|level| {
                let bits = digits_to_bits(leaf << level);
                let reciprocal = if level + 1 < levels {
                    cost::reciprocal(2 * bits)
                } else {
                    0
                };
                cost::power_square(bits) + reciprocal
            })
            .sum()
    }

    /// Computes the reciprocal of the top level's power, which splits only once: it costs about
    /// one division and saves about half of one, so it is worth computing only on a core that
    /// is otherwise idle. The powers may be shared with a conversion meanwhile, which then
    /// divides the plain way.
    pub(crate) fn compute_top_reciprocal(&self) {
        if let Some(top) = self.table.last() {
            top.reciprocal.get_or_init(|| reciprocal_of(&top.power));
        }
    }
}

/// How many powers split a number of `width` digits down to leaves of `leaf` digits.
fn level_count(width: u64, leaf: u64) -> usize {
    let mut levels = 0;
    let mut length = leaf;
    while length < width {
        levels += 1;
        length *= 2;
    }
    levels
}

/// The split of a part of `width` digits made of leaves of `leaf` digits: the level of its
/// power, and the length of its low part.
fn split_point(width: u64, leaf: u64) -> Option<(usize, u64)> {
    if width <= leaf {
        return None;
    }
    let mut level = 0;
    let mut low = leaf;
    while low * 2 < width {
        low *= 2;
        level += 1;
    }
    Some((level, low))
}

/// The bits of a number of `digits` decimal digits, rounded up.
pub(crate) fn digits_to_bits(digits: u64) -> u64 {
    (digits as f64 * BITS_PER_DIGIT).ceil() as u64
}

/// `x` as exactly `width` decimal digits, zeros in front where it has fewer, on up to `threads`
/// threads; `powers` must be [`Powers::for_width`] of at least `width`.
///
/// # Errors
/// [`Cancelled`] when `reporter` asks to stop.
///
/// # Panics
/// If `x` has more than `width` digits.
pub(crate) fn to_decimal(
    x: Natural,
    width: u64,
    powers: &Powers,
    threads: usize,
    reporter: &Reporter<'_>,
) -> Result<Vec<u8>, Cancelled> {
    let mut out = vec![b'0'; width as usize];
    fill(x, &mut out, powers, threads.max(1), reporter)?;
    Ok(out)
}

/// The estimated cost of [`to_decimal`] for `width` digits, with the powers of
/// [`Powers::for_width`], and the top one's reciprocal (see [`Powers::compute_top_reciprocal`])
/// if `top_by_reciprocal`.
pub(crate) fn units(width: u64, top_by_reciprocal: bool) -> u64 {
    let leaf = leaf_for(width);
    units_with(width, leaf, level_count(width, leaf), top_by_reciprocal)
}

fn units_with(width: u64, leaf: u64, levels: usize, top_by_reciprocal: bool) -> u64 {
    match split_point(width, leaf) {
        None => cost::conversion_text(digits_to_bits(width)),
        Some((level, low)) => {
            split_units(width, top_by_reciprocal || level + 1 < levels)
                + units_with(width - low, leaf, levels, top_by_reciprocal)
                + units_with(low, leaf, levels, top_by_reciprocal)
        }
    }
}

fn split_units(width: u64, by_reciprocal: bool) -> u64 {
    let bits = digits_to_bits(width);
    if by_reciprocal {
        cost::conversion_split_by_reciprocal(bits)
    } else {
        cost::conversion_split(bits)
    }
}

fn fill(
    x: Natural,
    out: &mut [u8],
    powers: &Powers,
    threads: usize,
    reporter: &Reporter<'_>,
) -> Result<(), Cancelled> {
    reporter.check()?;
    let width = out.len() as u64;
    let Some((level, low_width)) = split_point(width, powers.leaf) else {
        let text = x.to_string();
        let start = out
            .len()
            .checked_sub(text.len())
            .expect("the number fits the width it is written in");
        out[start..].copy_from_slice(text.as_bytes());
        reporter.advance(cost::conversion_text(digits_to_bits(width)));
        return Ok(());
    };
    let divisor = Arc::clone(&powers.table[level]);
    // Read once: the progress charged must be for the way the split is actually done.
    let by_reciprocal = divisor.reciprocal.get().is_some();
    let (high, low) = detached(
        x.significant_bits(),
        &|| reporter.is_cancelled(),
        move || divisor.div_mod(x, by_reciprocal),
    )?;
    reporter.advance(split_units(width, by_reciprocal));
    let (high_out, low_out) = out.split_at_mut((width - low_width) as usize);
    if threads >= 2 && width >= PARALLEL_MIN_DIGITS {
        let high_threads = threads / 2;
        thread::scope(|scope| {
            let low_part =
                scope.spawn(|| fill(low, low_out, powers, threads - high_threads, reporter));
            let high_part = fill(high, high_out, powers, high_threads, reporter);
            let low_part = match low_part.join() {
                Ok(outcome) => outcome,
                Err(payload) => std::panic::resume_unwind(payload),
            };
            high_part.and(low_part)
        })
    } else {
        fill(high, high_out, powers, threads, reporter)?;
        fill(low, low_out, powers, threads, reporter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pi::control::Unobserved;
    use malachite::base::num::basic::traits::Zero;

    fn decimal(x: &Natural, width: u64, threads: usize) -> Vec<u8> {
        let reporter = Reporter::new(&Unobserved, 1);
        let powers = Powers::for_width(width);
        if threads >= 2 {
            powers.compute_top_reciprocal();
        }
        to_decimal(x.clone(), width, &powers, threads, &reporter)
            .expect("nothing cancels an unobserved conversion")
    }

    #[test]
    fn small_numbers_convert_plainly_with_leading_zeros_to_the_width() {
        assert_eq!(decimal(&Natural::from(0u32), 1, 1), b"0");
        assert_eq!(decimal(&Natural::from(1_234_567u32), 7, 2), b"1234567");
        assert_eq!(decimal(&Natural::from(42u32), 5, 1), b"00042");
    }

    #[test]
    fn split_conversion_keeps_the_zeros_inside_each_part() {
        let ten = Natural::from(10u32);
        // Nonzero digits on both sides of the first splits, and runs of zeros across them.
        for width in [LEAF_DIGITS + 1, 2 * LEAF_DIGITS + 7, 5 * LEAF_DIGITS] {
            let (_, low) = split_point(width, leaf_for(width)).expect("wider than a leaf");
            let mut x = Natural::from(7u32) * (&ten).pow(width - 1)
                + Natural::from(5u32) * (&ten).pow(low - 1)
                + Natural::from(9u32);
            if low + 1 < width {
                x += Natural::from(3u32) * (&ten).pow(low);
            }
            let plain = x.to_string().into_bytes();
            assert_eq!(plain.len() as u64, width);
            for threads in [1, 2, 3] {
                assert!(
                    decimal(&x, width, threads) == plain,
                    "width {width}, {threads} thread(s)"
                );
            }
        }
    }

    #[test]
    fn every_split_halves_its_part_so_threads_share_the_work_evenly() {
        for width in [LEAF_DIGITS + 1, 9 * LEAF_DIGITS, 10_000_037, 100_000_037] {
            let leaf = leaf_for(width);
            assert!(
                leaf <= LEAF_DIGITS && leaf > LEAF_DIGITS / 2,
                "width {width}"
            );
            let (_, low) = split_point(width, leaf).expect("wider than a leaf");
            let high = width - low;
            assert!(
                high <= low && (low - high) * 100 <= width,
                "width {width}: {high} + {low}"
            );
        }
    }

    #[test]
    fn powers_reach_the_widest_split() {
        let width = 9 * LEAF_DIGITS;
        let powers = Powers::for_width(width);
        let (level, low) = split_point(width, powers.leaf).expect("wider than a leaf");
        assert_eq!(low, width / 2);
        assert_eq!(powers.table[level].power, Natural::from(10u32).pow(low));
    }

    #[test]
    fn a_split_by_the_reciprocal_equals_the_division_up_to_the_square_of_the_power() {
        let ten = Natural::from(10u32);
        for digits in [1, 19, 20, 64, 1_000] {
            let power = (&ten).pow(digits);
            let square = (&power).square();
            let divisor = Divisor::new(power.clone(), true);
            let just_below_a_multiple = (&power - Natural::ONE) * &power - Natural::ONE;
            let scattered = Natural::from(7u32).pow(digits * 2) % &square;
            for x in [
                Natural::ZERO,
                Natural::ONE,
                &power - Natural::ONE,
                power.clone(),
                &power + Natural::ONE,
                just_below_a_multiple,
                &square - &power,
                &square - Natural::ONE,
                scattered,
            ] {
                assert_eq!(
                    divisor.div_mod(x.clone(), true),
                    (&x).div_mod(&power),
                    "10^{digits} into {x}"
                );
            }
        }
    }
}
