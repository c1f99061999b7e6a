//! Products of the engine's biggest numbers in less memory.
//!
//! malachite multiplies big numbers with a port of FLINT's `fft_small`: both factors are
//! transformed modulo several primes into buffers of floating-point numbers whose length is the
//! next power of two, so one product holds about ten times its own size while it runs, whatever
//! else is alive (`just bench-product-memory`: 10.2× from 32 MB to 256 MB products). Above
//! [`SPLIT_MIN_BITS`], [`product`] takes one level of Karatsuba's method first: three products
//! of half the size, one after the other, each with half the scratch space. On this machine
//! that holds about two thirds of the memory in the same time or less, because the transforms
//! of half the length fit the caches better.
//!
//! The division's product `(426880 · s) · Q` uses it: it was the peak of the whole computation
//! at $3 \cdot 10^8$ digits, and splitting it brought that under 3 GiB. The series' merges and
//! the conversion's products measured no better with it (docs/PERFORMANCE.md, "What one product
//! holds").

use malachite::Natural;
use malachite::base::num::arithmetic::traits::ModPowerOf2;
use malachite::base::num::logic::traits::SignificantBits;

/// The smaller factor's size from which [`product`] splits: 8 MB, where the split's three
/// products measured as fast as the whole one.
pub const SPLIT_MIN_BITS: u64 = 64 << 20;

/// `a · b`; above [`SPLIT_MIN_BITS`], by one level of Karatsuba's method.
pub fn product(a: &Natural, b: &Natural) -> Natural {
    let (long, short) = if a.significant_bits() >= b.significant_bits() {
        (a, b)
    } else {
        (b, a)
    };
    // The split is at half the longer factor; a factor shorter than that has no high half, and
    // its product is left to malachite whole.
    let half = long.significant_bits().div_ceil(128) * 64;
    if short.significant_bits() < SPLIT_MIN_BITS || short.significant_bits() <= half {
        return a * b;
    }
    karatsuba(long, short, half)
}

/// `a · b` from three products of numbers of `half` bits or a little more:
/// $(a_1 2^h + a_0)(b_1 2^h + b_0) = a_1 b_1 2^{2h} + ((a_0 + a_1)(b_0 + b_1) - a_0 b_0 - a_1 b_1) 2^h + a_0 b_0$.
fn karatsuba(a: &Natural, b: &Natural, half: u64) -> Natural {
    let (a_low, a_high) = (a.mod_power_of_2(half), a >> half);
    let (b_low, b_high) = (b.mod_power_of_2(half), b >> half);
    let low = &a_low * &b_low;
    let high = &a_high * &b_high;
    let middle = (a_low + a_high) * (b_low + b_high) - &low - &high;
    let mut whole = high << (2 * half);
    whole += middle << half;
    whole += low;
    whole
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A number of `bits` bits from xorshift: its bits have no structure that would hide a
    /// wrong carry.
    fn number(bits: u64, seed: u64) -> Natural {
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
    fn small_and_lopsided_products_are_left_whole_and_exact() {
        let (big, small) = (number(SPLIT_MIN_BITS * 3, 0), number(1_000, 1));
        assert_eq!(product(&big, &small), &big * &small);
        assert_eq!(product(&Natural::from(0u32), &big), Natural::from(0u32));
    }
}
