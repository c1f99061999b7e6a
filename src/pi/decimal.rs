//! Writes a large natural number in decimal, on one or more threads.

use std::thread;

use malachite::Natural;
use malachite::base::num::arithmetic::traits::{DivMod, Pow};
use malachite::base::num::logic::traits::SignificantBits;

/// Below this size a number is converted on one thread: a split costs a division, and the
/// halves would be too small to keep a second thread busy.
const PARALLEL_MIN_BITS: u64 = 1 << 18;

/// The decimal digits of `x` as ASCII bytes, most significant first, on up to `threads` threads.
///
/// malachite's conversion is GMP's `mpn_get_str`: divide and conquer over a table of powers of
/// ten, subquadratic. With more than one thread, $x = h \cdot 10^k + l$ for $k$ about half the
/// digits, and $h$ and $l$ are converted at the same time; the result is the same either way.
///
/// # Worst-case complexity
/// $T(n) = O(n \log^2 n \log\log n)$
///
/// $M(n) = O(n \log n)$
///
/// where $T$ is time, $M$ is additional memory and $n$ is `x.significant_bits()`.
pub(crate) fn to_decimal(x: &Natural, threads: usize) -> Vec<u8> {
    let mut digits = Vec::new();
    append(x, 0, threads, &mut digits);
    digits
}

/// Appends the digits of `x` to `out`, with leading zeros up to `width` digits.
fn append(x: &Natural, width: u64, threads: usize, out: &mut Vec<u8>) {
    let bits = x.significant_bits();
    if threads < 2 || bits < PARALLEL_MIN_BITS {
        let text = x.to_string();
        let zeros = width.saturating_sub(text.len() as u64);
        out.extend(std::iter::repeat_n(b'0', zeros as usize));
        out.extend_from_slice(text.as_bytes());
        return;
    }
    // 2^(bits-1) <= x, so the high part is at least 1 and has no leading zero of its own: one
    // digit less than half keeps f64 rounding from ever making 10^(2k) exceed x.
    let low_digits = (((bits - 1) as f64 * std::f64::consts::LOG10_2 - 1.0) / 2.0) as u64;
    let (high, low) = x.div_mod(Natural::from(10u32).pow(low_digits));
    let high_threads = threads / 2;
    let low_text = thread::scope(|scope| {
        let low_text = scope.spawn(|| to_width(&low, low_digits, threads - high_threads));
        append(&high, width.saturating_sub(low_digits), high_threads, out);
        match low_text.join() {
            Ok(text) => text,
            Err(payload) => std::panic::resume_unwind(payload),
        }
    });
    out.extend_from_slice(&low_text);
}

fn to_width(x: &Natural, width: u64, threads: usize) -> Vec<u8> {
    let mut digits = Vec::new();
    append(x, width, threads, &mut digits);
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_numbers_convert_plainly() {
        assert_eq!(to_decimal(&Natural::from(0u32), 1), b"0");
        assert_eq!(to_decimal(&Natural::from(1_234_567u32), 2), b"1234567");
    }

    #[test]
    fn split_conversion_keeps_the_zeros_of_the_low_half() {
        // 7 followed by 200000 digits with long zero runs, in particular right after the split.
        let ten = Natural::from(10u32);
        let x = Natural::from(7u32) * (&ten).pow(200_000)
            + Natural::from(31u32) * (&ten).pow(60_000)
            + Natural::from(5u32);
        let plain = to_decimal(&x, 1);
        assert_eq!(plain.len(), 200_001);
        assert_eq!(to_decimal(&x, 2), plain);
        assert_eq!(to_decimal(&x, 3), plain);
        assert_eq!(to_decimal(&x, 4), plain);
    }
}
