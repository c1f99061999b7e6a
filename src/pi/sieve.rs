//! The prime factors of the small numbers that make up the series' terms, so that a merge can
//! divide out the factors that $P$ of one range and $Q$ of the next have in common before it
//! multiplies them (the sieve of H. Xue's `gmp-chudnovsky`).
//!
//! Every factor of a term, $6k-5$, $2k-1$, $6k-1$ and the odd part of $k$, is odd and at most
//! $6N$ for $N$ terms, so a table of the smallest prime factor of each odd number up to $6N$
//! factors them all: two bytes per odd number, 42 MB for $10^8$ digits.

use malachite::Natural;

use super::control::Cancelled;

/// The smallest prime factor of every odd number up to a limit.
pub(crate) struct Sieve {
    /// At index $i$, the smallest prime factor of $2i + 1$, or 0 when $2i + 1$ is prime (or 1).
    /// A composite below $2^{32}$ has a factor below $2^{16}$.
    smallest_factor: Vec<u16>,
}

/// The table is sieved in blocks of this many entries (128 KiB, within a core's cache), and a
/// cancel is seen between blocks.
const BLOCK_ENTRIES: usize = 1 << 15;

impl Sieve {
    /// The sieve of the odd numbers up to `limit`, or `None` when `limit` does not fit the table's
    /// 32-bit entries ($6N$ beyond $2^{32}$ is $10^{10}$ digits).
    ///
    /// `is_cancelled` is asked before every block of [`BLOCK_ENTRIES`] entries: well under a
    /// millisecond apart.
    ///
    /// # Worst-case complexity
    /// $T(n) = O(n \log\log n)$, $M(n) = O(n)$, where $n$ is `limit` (Eratosthenes, by blocks).
    pub(crate) fn up_to(
        limit: u64,
        is_cancelled: &dyn Fn() -> bool,
    ) -> Result<Option<Sieve>, Cancelled> {
        let Ok(limit) = u32::try_from(limit) else {
            return Ok(None);
        };
        let len = (limit as usize).div_ceil(2);
        let sieving_primes = odd_primes_up_to(limit.isqrt() as usize);
        let mut smallest_factor = vec![0u16; len];
        for (block, entries) in smallest_factor.chunks_mut(BLOCK_ENTRIES).enumerate() {
            if is_cancelled() {
                return Err(Cancelled);
            }
            let (start, end) = (block * BLOCK_ENTRIES, block * BLOCK_ENTRIES + entries.len());
            // In ascending order, so the first prime to mark an entry is its smallest factor.
            for &prime in &sieving_primes {
                // Entry i holds 2i + 1: the odd multiples of `prime` are `prime` entries apart,
                // and those below its square have a smaller factor.
                let square = prime * prime / 2;
                if square >= end {
                    break;
                }
                let first = if square >= start {
                    square
                } else {
                    start + (prime - (start - square) % prime) % prime
                };
                for entry in entries.iter_mut().skip(first - start).step_by(prime) {
                    if *entry == 0 {
                        *entry = prime as u16;
                    }
                }
            }
        }
        Ok(Some(Sieve { smallest_factor }))
    }

    /// Appends the prime factors of the odd number $n^e$ that are at most `largest` to `factors`,
    /// unsorted and with repeats (a prime that divides $n$ twice comes twice).
    ///
    /// # Panics
    /// When `n` is even or beyond the sieve's limit: the series asks only for odd factors of its
    /// terms, all within the limit it sieved.
    pub(crate) fn push_factors(
        &self,
        mut n: u64,
        exponent: u32,
        largest: u64,
        factors: &mut Vec<(u32, u32)>,
    ) {
        assert!(
            !n.is_multiple_of(2),
            "the sieve holds odd numbers only, not {n}"
        );
        while n > 1 {
            let smallest = self.smallest_factor[(n / 2) as usize];
            let prime = if smallest == 0 {
                n
            } else {
                u64::from(smallest)
            };
            if prime > largest {
                // The factors come smallest first: the rest are larger still.
                return;
            }
            factors.push((prime as u32, exponent));
            n /= prime;
        }
    }
}

/// The odd primes up to `limit`, ascending, by a plain sieve: `limit` is at most 65,536.
fn odd_primes_up_to(limit: usize) -> Vec<usize> {
    let mut composite = vec![false; limit + 1];
    let mut primes = Vec::new();
    for n in (3..=limit).step_by(2) {
        if !composite[n] {
            primes.push(n);
            for multiple in (n * n..=limit).step_by(2 * n) {
                composite[multiple] = true;
            }
        }
    }
    primes
}

/// A product of odd primes, as pairs (prime, exponent) in ascending order of the prime.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct PrimePowers(Vec<(u32, u32)>);

impl PrimePowers {
    /// The product of the pairs, given in any order and with repeated primes.
    pub(crate) fn from_factors(mut pairs: Vec<(u32, u32)>) -> PrimePowers {
        pairs.retain(|&(_, exponent)| exponent > 0);
        pairs.sort_unstable_by_key(|&(prime, _)| prime);
        pairs.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        PrimePowers(pairs)
    }

    /// `self` times `other`, by merging the two lists.
    pub(crate) fn times(self, other: PrimePowers) -> PrimePowers {
        let (left, right) = (self.0, other.0);
        let mut product = Vec::with_capacity(left.len() + right.len());
        let (mut i, mut j) = (0, 0);
        while i < left.len() && j < right.len() {
            let (l, r) = (left[i], right[j]);
            if l.0 < r.0 {
                product.push(l);
                i += 1;
            } else if r.0 < l.0 {
                product.push(r);
                j += 1;
            } else {
                product.push((l.0, l.1 + r.1));
                i += 1;
                j += 1;
            }
        }
        product.extend_from_slice(&left[i..]);
        product.extend_from_slice(&right[j..]);
        PrimePowers(product)
    }

    /// Divides the greatest common divisor of `self` and `other` out of both, and returns it.
    pub(crate) fn take_common(&mut self, other: &mut PrimePowers) -> PrimePowers {
        let mut common = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < other.0.len() {
            let (mine, theirs) = (&mut self.0[i], &mut other.0[j]);
            match mine.0.cmp(&theirs.0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let shared = mine.1.min(theirs.1);
                    common.push((mine.0, shared));
                    mine.1 -= shared;
                    theirs.1 -= shared;
                    i += 1;
                    j += 1;
                }
            }
        }
        if !common.is_empty() {
            self.0.retain(|&(_, exponent)| exponent > 0);
            other.0.retain(|&(_, exponent)| exponent > 0);
        }
        PrimePowers(common)
    }

    pub(crate) fn is_one(&self) -> bool {
        self.0.is_empty()
    }

    /// The product as a number: the primes are packed into machine words and the words
    /// multiplied in a balanced tree (malachite's product of words).
    pub(crate) fn value(&self) -> Natural {
        self.0
            .iter()
            .flat_map(|&(prime, exponent)| std::iter::repeat_n(u64::from(prime), exponent as usize))
            .product()
    }
}

#[cfg(test)]
mod tests {
    use malachite::base::num::arithmetic::traits::Gcd;

    use super::*;

    fn never() -> bool {
        false
    }

    fn sieve_to(limit: u64) -> Sieve {
        Sieve::up_to(limit, &never)
            .expect("nothing cancels")
            .expect("the limit fits")
    }

    fn powers_of(sieve: &Sieve, n: u64) -> PrimePowers {
        let mut pairs = Vec::new();
        sieve.push_factors(n, 1, u64::MAX, &mut pairs);
        PrimePowers::from_factors(pairs)
    }

    fn is_prime(n: u64) -> bool {
        n >= 2
            && (2..)
                .take_while(|d| d * d <= n)
                .all(|d| !n.is_multiple_of(d))
    }

    #[test]
    fn every_odd_number_is_the_product_of_the_primes_the_sieve_finds() {
        // Past the first block of the table, so block edges are crossed.
        let limit = 3 * 2 * BLOCK_ENTRIES as u64 + 1;
        let sieve = sieve_to(limit);
        for n in (1..=limit).step_by(2) {
            let powers = powers_of(&sieve, n);
            assert_eq!(powers.value(), n, "{n}");
            assert!(
                powers
                    .0
                    .iter()
                    .all(|&(prime, _)| is_prime(u64::from(prime))),
                "{n}"
            );
        }
    }

    #[test]
    fn the_square_of_the_first_prime_past_the_square_root_is_not_taken_for_a_prime() {
        // 48 sieves with the primes up to 6; 49 = 7 * 7 is past the limit and not asked for.
        let sieve = sieve_to(48);
        assert_eq!(powers_of(&sieve, 45).value(), 45u32);
        assert_eq!(sieve.smallest_factor.len(), 24, "1, 3, ..., 47");
    }

    #[test]
    fn factors_above_the_largest_asked_for_are_left_out() {
        let sieve = sieve_to(1_001);
        let mut pairs = Vec::new();
        sieve.push_factors(3 * 3 * 7 * 13, 2, 7, &mut pairs);
        assert_eq!(PrimePowers::from_factors(pairs).0, [(3, 4), (7, 2)]);
    }

    #[test]
    fn the_common_part_taken_out_is_the_greatest_common_divisor() {
        let sieve = sieve_to(1_000_000);
        let product = |numbers: &[u64]| {
            numbers
                .iter()
                .map(|&n| powers_of(&sieve, n))
                .fold(PrimePowers::default(), PrimePowers::times)
        };
        let mut left = product(&[3 * 3 * 5 * 7, 999_999, 45_045, 17 * 17 * 17]);
        let mut right = product(&[3 * 5 * 5 * 11, 81, 17, 999_983]);
        let (left_value, right_value) = (left.value(), right.value());
        let common = left.take_common(&mut right);
        assert_eq!(common.value(), (&left_value).gcd(&right_value));
        assert_eq!(left.value() * common.value(), left_value);
        assert_eq!(right.value() * common.value(), right_value);
        assert_eq!(left.value().gcd(right.value()), 1u32);
    }

    #[test]
    fn a_cancelled_sieve_stops() {
        assert_eq!(Sieve::up_to(1_000_000, &|| true).err(), Some(Cancelled));
    }

    #[test]
    fn a_limit_beyond_32_bits_has_no_sieve() {
        assert!(matches!(Sieve::up_to(1 << 33, &never), Ok(None)));
    }
}
