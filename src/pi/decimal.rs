//! Conversion of a big integer to decimal text, by divide and conquer into one buffer.
//!
//! A number of $w$ digits is split by $10^{\ell}$, where $\ell = L \cdot 2^j$ is the largest such
//! length below $w$ for the leaf length $L$, into a high and a low part, each converted on its own
//! (the low part padded with zeros to $\ell$ digits). The splitting powers $10^{L 2^j}$ are shared
//! by every node of a level, so they are computed once, by squaring, before the conversion
//! starts (the driver computes them beside its checks). Each part writes straight into its slice
//! of the output: the digits exist once. With threads, the two parts of the upper levels convert
//! at the same time; every split is a cancellation point, and the splits of big numbers are
//! detached, so a cancel is seen within milliseconds even at $10^8$ digits.
//!
//! A level whose power divides several parts also keeps the power's reciprocal, computed once
//! with the power: each of its splits is then a Barrett reduction (two multiplications and at
//! most two corrections) instead of a full division, which costs about four.
//!
//! The engine's result is binary, $y \approx \pi \cdot 2^B$, and what is written is
//! $x = \lfloor y \cdot 10^{D} / 2^B \rfloor$. [`binary_to_decimal`] never forms $x$: its top
//! split, by $10^{\ell}$, is two multiplications of the binary fraction,
//! $z = y \cdot 10^{D - \ell}$, then the high part $\lfloor z / 2^B \rfloor$ and the low part
//! $\lfloor (z \bmod 2^B) \cdot 10^{\ell} / 2^B \rfloor$, which are exactly $x$'s quotient and
//! remainder by $10^{\ell}$. That costs about one full-size multiplication, where forming $x$
//! and dividing it would cost about three, and it never holds a double-size product.

use std::sync::Arc;
use std::thread;

use malachite::Natural;
use malachite::base::num::arithmetic::traits::{
    DivExact, DivMod, ModPowerOf2Assign, Pow, PowerOf2, Square,
};
use malachite::base::num::basic::traits::One;
use malachite::base::num::logic::traits::SignificantBits;

use super::control::Cancelled;
use super::cost;
use super::detach::{self, detached};
use super::product::product;
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
pub(crate) struct Powers {
    leaf: u64,
    table: Vec<Arc<Divisor>>,
}

/// A power of ten that splits numbers, with its reciprocal where it splits several.
struct Divisor {
    power: Natural,
    /// $\lfloor 4^k / p \rfloor$ for the power $p$ of $k$ bits.
    reciprocal: Option<Natural>,
}

impl Divisor {
    fn new(power: Natural, with_reciprocal: bool) -> Divisor {
        let reciprocal = with_reciprocal.then(|| reciprocal_of(&power));
        Divisor { power, reciprocal }
    }

    /// The quotient and remainder of `x` by the power: by its reciprocal if it has one and `x`
    /// is below $4^k$, as every part split by this power is; by division otherwise.
    fn div_mod(&self, x: Natural) -> (Natural, Natural) {
        let k = self.power.significant_bits();
        let reciprocal = self.reciprocal.as_ref();
        let Some(reciprocal) = reciprocal.filter(|_| x.significant_bits() <= 2 * k) else {
            return x.div_mod(&self.power);
        };
        // Barrett reduction (Menezes et al., Handbook of Applied Cryptography, 14.42, in base
        // 2): for x < 4^k the estimate is the quotient or at most two below it, never above,
        // so the remainder starts non-negative and needs at most two corrections.
        let mut quotient = product(&(&x >> (k - 1)), reciprocal) >> (k + 1);
        let mut remainder = x - product(&quotient, &self.power);
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

/// $10^{D - \ell}$ for $D$ = `width` − 1 and the top split's $10^{\ell}$ (or $10^D$ where
/// `width` needs no split): what [`binary_to_decimal`] multiplies the binary fraction by first;
/// `powers` must be [`Powers::for_width`]`(width)`.
///
/// Every split halves its part, so $D - \ell = \ell - \delta$ for a $\delta$ below the number of
/// leaves, and the scale is the top split's power divided exactly by the small $10^\delta$: a
/// division that costs about as much as reading the power, where the power's own squarings held
/// ten times its size while they ran (beside the division, that was the peak at $10^9$ digits).
pub(crate) fn high_scale(width: u64, powers: &Powers) -> Natural {
    let digits = width.saturating_sub(1);
    match split_point(width, powers.leaf) {
        None => Natural::from(10u32).pow(digits),
        Some((level, low)) => {
            let delta = low - (digits - low);
            (&powers.table[level].power).div_exact(Natural::from(10u32).pow(delta))
        }
    }
}

/// The estimated cost of [`high_scale`].
pub(crate) fn high_scale_units(width: u64) -> u64 {
    match split_point(width, leaf_for(width)) {
        None => cost::decimal_scale(digits_to_bits(width)),
        Some((_, low)) => cost::exact_division_by_small(digits_to_bits(low)),
    }
}

/// $\lfloor y \cdot 10^{w - 1} / 2^B \rfloor$ for `fraction_bits` = $B$, as exactly `width` = $w$
/// decimal digits, zeros in front where it has fewer, on up to `threads` threads; `scale` must
/// be [`high_scale`]`(width, powers)` and `powers` [`Powers::for_width`]`(width)`.
///
/// # Errors
/// [`Cancelled`] when `reporter` asks to stop.
///
/// # Panics
/// If the number has more than `width` digits.
pub(crate) fn binary_to_decimal(
    y: Natural,
    fraction_bits: u64,
    scale: Natural,
    width: u64,
    powers: &Powers,
    threads: usize,
    reporter: &Reporter<'_>,
) -> Result<Vec<u8>, Cancelled> {
    let cancelled = || reporter.is_cancelled();
    let bits = y.significant_bits();
    let Some((level, low_width)) = split_point(width, powers.leaf) else {
        let x = detached(bits, &cancelled, move || {
            product(&y, &scale) >> fraction_bits
        })?;
        reporter.advance(cost::rescale(bits));
        let mut out = vec![b'0'; width as usize];
        fill(x, &mut out, powers, threads.max(1), reporter)?;
        return Ok(out);
    };
    let divisor = Arc::clone(&powers.table[level]);
    let (high, low) = detached(bits, &cancelled, move || {
        // In place where it can be: each number goes as soon as it is used.
        let mut z = product(&y, &scale);
        drop((y, scale));
        let high = &z >> fraction_bits;
        z.mod_power_of_2_assign(fraction_bits);
        (high, product(&z, &divisor.power) >> fraction_bits)
    })?;
    reporter.advance(cost::rescale(bits));
    // The text is made after the split's products, whose peak it would add to: a byte per digit
    // is more than twice the size of the number.
    let mut out = vec![b'0'; width as usize];
    fill_parts(
        high,
        low,
        &mut out,
        low_width,
        powers,
        threads.max(1),
        reporter,
    )?;
    Ok(out)
}

/// `x` as exactly `width` decimal digits, zeros in front where it has fewer, on up to `threads`
/// threads; `powers` must be [`Powers::for_width`] of at least `width`. The plain conversion of
/// an integer, which [`binary_to_decimal`] does below its top split.
///
/// # Errors
/// [`Cancelled`] when `reporter` asks to stop.
///
/// # Panics
/// If `x` has more than `width` digits.
#[cfg(test)]
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

/// The estimated cost of [`binary_to_decimal`] for `width` digits and `fraction_bits` bits,
/// with the powers of [`Powers::for_width`].
pub(crate) fn units(width: u64, fraction_bits: u64) -> u64 {
    let leaf = leaf_for(width);
    let levels = level_count(width, leaf);
    let parts = match split_point(width, leaf) {
        None => cost::conversion_text(digits_to_bits(width)),
        Some((_, low)) => units_with(width - low, leaf, levels) + units_with(low, leaf, levels),
    };
    cost::rescale(fraction_bits) + parts
}

fn units_with(width: u64, leaf: u64, levels: usize) -> u64 {
    match split_point(width, leaf) {
        None => cost::conversion_text(digits_to_bits(width)),
        Some((level, low)) => {
            split_units(width, level + 1 < levels)
                + units_with(width - low, leaf, levels)
                + units_with(low, leaf, levels)
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
    let by_reciprocal = divisor.reciprocal.is_some();
    let (high, low) = detached(
        x.significant_bits(),
        &|| reporter.is_cancelled(),
        move || divisor.div_mod(x),
    )?;
    reporter.advance(split_units(width, by_reciprocal));
    fill_parts(high, low, out, low_width, powers, threads, reporter)
}

/// Writes the two parts of a split of `out.len()` digits, the low one `low_width` digits wide:
/// at the same time on threads of their own where the part is big enough.
fn fill_parts(
    high: Natural,
    low: Natural,
    out: &mut [u8],
    low_width: u64,
    powers: &Powers,
    threads: usize,
    reporter: &Reporter<'_>,
) -> Result<(), Cancelled> {
    let width = out.len() as u64;
    let (high_out, low_out) = out.split_at_mut((width - low_width) as usize);
    if threads >= 2 && width >= PARALLEL_MIN_DIGITS {
        let high_threads = threads / 2;
        thread::scope(|scope| {
            let low_part =
                scope.spawn(|| fill(low, low_out, powers, threads - high_threads, reporter));
            let high_part = fill(high, high_out, powers, high_threads, reporter);
            high_part.and(detach::join(low_part))
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
    use malachite::base::num::arithmetic::traits::ModPowerOf2;
    use malachite::base::num::basic::traits::Zero;

    fn decimal(x: &Natural, width: u64, threads: usize) -> Vec<u8> {
        let reporter = Reporter::new(&Unobserved, 1);
        let powers = Powers::for_width(width);
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
    fn a_binary_fraction_converts_to_the_digits_of_its_full_product() {
        let ten = Natural::from(10u32);
        for width in [1, 7, LEAF_DIGITS, LEAF_DIGITS + 1, 5 * LEAF_DIGITS + 3] {
            let digits = width - 1;
            let fraction_bits = digits_to_bits(digits) + 66;
            // pi-like: 3.something in binary, with every bit of the fraction in play.
            let y = (Natural::from(3u32) << fraction_bits)
                + Natural::from(7u32)
                    .pow(fraction_bits)
                    .mod_power_of_2(fraction_bits);
            let plain = (&y * (&ten).pow(digits)) >> fraction_bits;
            let expected = decimal(&plain, width, 1);
            let powers = Powers::for_width(width);
            let scale_digits =
                split_point(width, powers.leaf).map_or(digits, |(_, low)| digits - low);
            assert_eq!(
                high_scale(width, &powers),
                (&ten).pow(scale_digits),
                "width {width}"
            );
            for threads in [1, 2] {
                let reporter = Reporter::new(&Unobserved, 1);
                let converted = binary_to_decimal(
                    y.clone(),
                    fraction_bits,
                    high_scale(width, &powers),
                    width,
                    &powers,
                    threads,
                    &reporter,
                )
                .expect("nothing cancels an unobserved conversion");
                assert!(converted == expected, "width {width}, {threads} thread(s)");
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
                    divisor.div_mod(x.clone()),
                    (&x).div_mod(&power),
                    "10^{digits} into {x}"
                );
            }
        }
    }
}
