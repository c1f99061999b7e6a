//! Products of the engine's biggest numbers in less memory.
//!
//! malachite multiplies big numbers with a port of FLINT's `fft_small`: both factors are
//! transformed modulo several primes into buffers of floating-point numbers whose length is the
//! next power of two, so one product holds about ten times its own size while it runs, whatever
//! else is alive (`just bench-product-memory`: 10.2× from 32 MB to 256 MB products). Above
//! [`SPLIT_MIN_BITS`], [`product`] takes one level of Karatsuba's method first: three products
//! of half the size, one after the other, each with half the scratch space. On this machine
//! that holds about two thirds of the memory in the same time or less, because the transforms
//! of half the length fit the caches better. A factor less than three quarters the other's
//! length is multiplied into it piece by piece instead, since malachite transforms both factors
//! of a lopsided product at the longer one's length.
//!
//! The division's product `(426880 · s) · Q` uses it: it was the peak of the whole computation
//! at $3 \cdot 10^8$ digits, and splitting it brought that under 3 GiB. So do the products of
//! [`super::division`] and the conversion's top split and reciprocal splits, the peaks at
//! $10^9$ (docs/PERFORMANCE.md, "A billion digits in 8 GiB"). The series' merges measured no
//! better with it ("What one product holds").

use malachite::Natural;
use malachite::base::num::arithmetic::traits::ModPowerOf2;
use malachite::base::num::basic::traits::Zero;
use malachite::base::num::logic::traits::{BitBlockAccess, SignificantBits};

/// The smaller factor's size from which [`product`] splits: 8 MB, where the split's three
/// products measured as fast as the whole one.
pub const SPLIT_MIN_BITS: u64 = 64 << 20;

/// `a · b`; above [`SPLIT_MIN_BITS`], by one level of Karatsuba's method, and a factor more
/// than twice as long as the other in pieces of the other's length.
pub fn product(a: &Natural, b: &Natural) -> Natural {
    product_from(a, b, SPLIT_MIN_BITS)
}

/// [`product`], splitting from `min_bits` on.
fn product_from(a: &Natural, b: &Natural, min_bits: u64) -> Natural {
    let (long, short) = if a.significant_bits() >= b.significant_bits() {
        (a, b)
    } else {
        (b, a)
    };
    if short.significant_bits() < min_bits.max(1) {
        return a * b;
    }
    // The split is at half the longer factor. A factor shorter than three quarters of it would
    // leave the halves' products lopsided, the larger of them as big as the whole one's
    // transforms: the longer factor is cut into pieces of the shorter one's length instead.
    if short.significant_bits() * 4 <= long.significant_bits() * 3 {
        return in_pieces(long, short);
    }
    karatsuba(long, short, long.significant_bits().div_ceil(128) * 64)
}

/// `long · short` as the sum of the products of `short` by pieces of `long` of its length, from
/// the top, each shifted into place as the next is added: one balanced product alive at a time,
/// where malachite's unbalanced product transforms both factors at the longer one's length.
/// Each piece's product is malachite's whole: split again by Karatsuba's method, the
/// conversion's top split took a third longer at $10^8$ digits for a tenth less memory.
fn in_pieces(long: &Natural, short: &Natural) -> Natural {
    let length = short.significant_bits().div_ceil(64) * 64;
    let pieces = long.significant_bits().div_ceil(length);
    let mut whole = Natural::ZERO;
    for piece in (0..pieces).rev() {
        let start = piece * length;
        whole <<= length;
        whole += long.get_bits(start, start + length) * short;
    }
    whole
}

/// `a · b` from three products of numbers of `half` bits or a little more:
/// $(a_1 2^h + a_0)(b_1 2^h + b_0) = a_1 b_1 2^{2h} + ((a_0 + a_1)(b_0 + b_1) - a_0 b_0 - a_1 b_1) 2^h + a_0 b_0$,
/// put together from the top, $((a_1 b_1 2^h + m) 2^h + a_0 b_0$, so that no shifted copy of a
/// part is ever made beside the result.
fn karatsuba(a: &Natural, b: &Natural, half: u64) -> Natural {
    let (a_low, a_high) = (a.mod_power_of_2(half), a >> half);
    let (b_low, b_high) = (b.mod_power_of_2(half), b >> half);
    let low = &a_low * &b_low;
    let high = &a_high * &b_high;
    let middle = (a_low + a_high) * (b_low + b_high) - &low - &high;
    let mut whole = high;
    whole <<= half;
    whole += middle;
    whole <<= half;
    whole += low;
    whole
}

#[cfg(test)]
pub(crate) mod test_numbers {
    use malachite::Natural;

    /// A number of `bits` bits from xorshift: its bits have no structure that would hide a
    /// wrong carry.
    pub(crate) fn number(bits: u64, seed: u64) -> Natural {
        let mut x = 0x9E37_79B9_7F4A_7C15 ^ seed;
        let limbs = (0..bits.div_ceil(64))
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x | 1 << 63
            })
            .collect();
        Natural::from_owned_limbs_asc(limbs) >> (bits.div_ceil(64) * 64 - bits)
    }
}

#[cfg(test)]
mod tests {
    use super::test_numbers::number;
    use super::*;

    #[test]
    fn a_split_product_equals_the_whole_one() {
        for (a_bits, b_bits) in [
            (SPLIT_MIN_BITS, SPLIT_MIN_BITS),
            (SPLIT_MIN_BITS + 1, SPLIT_MIN_BITS + 63),
            (SPLIT_MIN_BITS * 3 / 2, SPLIT_MIN_BITS + 12_345),
        ] {
            let (a, b) = (number(a_bits, 0), number(b_bits, 1));
            assert_eq!(product(&a, &b), &a * &b, "{a_bits} by {b_bits} bits");
            assert_eq!(product(&b, &a), &a * &b, "{b_bits} by {a_bits} bits");
        }
    }

    #[test]
    fn karatsuba_is_exact_at_any_split() {
        let (a, b) = (number(10_000, 0), number(7_001, 1));
        for half in [64, 3_500, 4_992, 6_999] {
            assert_eq!(karatsuba(&a, &b, half), &a * &b, "split at {half} bits");
        }
    }

    #[test]
    fn a_long_factor_multiplied_in_pieces_gives_the_whole_product() {
        // Pieces of 640 bits, split again by Karatsuba's method where they are long enough.
        let min_bits = 640;
        let short = number(1_000, 1);
        for long_bits in [2_000, 2_048, 2_049, 7_777, 64_000] {
            let long = number(long_bits, 0);
            assert_eq!(
                product_from(&long, &short, min_bits),
                &long * &short,
                "{long_bits} by 1,000 bits"
            );
            assert_eq!(
                product_from(&short, &long, min_bits),
                &long * &short,
                "1,000 by {long_bits} bits"
            );
        }
        assert_eq!(
            product_from(&number(5_000, 0), &Natural::ZERO, 0),
            Natural::ZERO
        );
    }

    #[test]
    fn small_and_lopsided_products_are_left_whole_and_exact() {
        let (big, small) = (number(SPLIT_MIN_BITS * 3, 0), number(1_000, 1));
        assert_eq!(product(&big, &small), &big * &small);
        assert_eq!(product(&Natural::from(0u32), &big), Natural::from(0u32));
    }
}
