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

use std::sync::Arc;
use std::thread;

use malachite::Natural;
use malachite::base::num::arithmetic::traits::{DivMod, Pow, Square};
use malachite::base::num::logic::traits::SignificantBits;

use super::control::Cancelled;
use super::cost;
use super::detach::detached;
use super::progress::Reporter;

/// Digits per leaf at most, converted by malachite in one call: small enough that a leaf takes a
/// few milliseconds, big enough that the splitting above it stays a small part of the work.
pub(crate) const LEAF_DIGITS: u64 = 1 << 16;

/// Parts below this many digits are not worth a thread of their own.
const PARALLEL_MIN_DIGITS: u64 = 1 << 18;

/// Bits per decimal digit.
const BITS_PER_DIGIT: f64 = std::f64::consts::LOG2_10;

/// The powers of ten that split numbers of a given width: `table[j]` is $10^{L \cdot 2^j}$ for
/// the leaf length $L$ of that width.
#[derive(Clone)]
pub(crate) struct Powers {
    leaf: u64,
    table: Vec<Arc<Natural>>,
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

impl Powers {
    /// The powers that [`to_decimal`] needs for `width` digits.
    pub(crate) fn for_width(width: u64) -> Powers {
        let leaf = leaf_for(width);
        let mut table: Vec<Arc<Natural>> = Vec::new();
        let mut length = leaf;
        while length < width {
            let power = match table.last() {
                Some(previous) => (&**previous).square(),
                None => Natural::from(10u32).pow(leaf),
            };
            table.push(Arc::new(power));
            length *= 2;
        }
        Powers { leaf, table }
    }

    /// The estimated cost of [`Powers::for_width`].
    pub(crate) fn units(width: u64) -> u64 {
        let mut units = 0;
        let mut length = leaf_for(width);
        while length < width {
            units += cost::power_square(digits_to_bits(length));
            length *= 2;
        }
        units
    }
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

/// The estimated cost of [`to_decimal`] for `width` digits.
pub(crate) fn units(width: u64) -> u64 {
    units_with(width, leaf_for(width))
}

fn units_with(width: u64, leaf: u64) -> u64 {
    match split_point(width, leaf) {
        None => cost::conversion_text(digits_to_bits(width)),
        Some((_, low)) => {
            cost::conversion_split(digits_to_bits(width))
                + units_with(width - low, leaf)
                + units_with(low, leaf)
        }
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
    let power = Arc::clone(&powers.table[level]);
    let (high, low) = detached(
        x.significant_bits(),
        &|| reporter.is_cancelled(),
        move || x.div_mod(&*power),
    )?;
    reporter.advance(cost::conversion_split(digits_to_bits(width)));
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

    fn decimal(x: &Natural, width: u64, threads: usize) -> Vec<u8> {
        let reporter = Reporter::new(&Unobserved, 1);
        to_decimal(
            x.clone(),
            width,
            &Powers::for_width(width),
            threads,
            &reporter,
        )
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
        assert_eq!(*powers.table[level], Natural::from(10u32).pow(low));
    }
}
