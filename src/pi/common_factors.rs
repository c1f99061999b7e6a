//! The common factors of $P_l$ and $Q_r$, divided out of both at a merge of the series (the sieve
//! of H. Xue's `gmp-chudnovsky`).
//!
//! A range carries the odd prime factors of its $P$ and $Q$ as lists of prime powers, built at
//! the leaves from a [`Sieve`] and merged up the tree; at a merge, the greatest common divisor of
//! the left $P$'s list and the right $Q$'s list is the $g$ that both are divided by.

use malachite::Natural;
use malachite::base::num::arithmetic::traits::DivExact;

use super::sieve::{PrimePowers, Sieve};

/// $640320^3 / 24$ without its powers of two ([`Q_ODD_FACTOR`](super::chudnovsky::Q_ODD_FACTOR))
/// as prime powers: $3^2 \cdot 5^3 \cdot 23^3 \cdot 29^3$.
const Q_ODD_FACTOR_PRIMES: [(u32, u32); 4] = [(3, 2), (5, 3), (23, 3), (29, 3)];

/// The odd prime factors of a range's $P$ (empty when $P$ is not needed) and $Q$. $P$'s primes
/// above $N$, which no $Q$ has, are left out.
pub(super) struct Primes {
    pub(super) p: PrimePowers,
    pub(super) q: PrimePowers,
}

impl Primes {
    /// The primes of $P$ (when `need_p`) and $Q$ of the terms $[a, b)$ of a series of `terms`
    /// terms, from the sieve.
    ///
    /// The odd primes of $Q$ are those of $k < N$ = `terms` and of $640320^3/24$, all at most
    /// $\max(N, 29)$, so a prime of $P$ above that never divides a $Q$: it is left out.
    pub(super) fn of_leaf(a: u64, b: u64, need_p: bool, terms: u64, sieve: &Sieve) -> Primes {
        let largest = terms.max(29);
        // p_0 = q_0 = 1.
        let first = a.max(1);
        let mut p = Vec::new();
        let mut q = Vec::new();
        for k in first..b {
            if need_p {
                for factor in [6 * k - 5, 2 * k - 1, 6 * k - 1] {
                    sieve.push_factors(factor, 1, largest, &mut p);
                }
            }
            sieve.push_factors(k >> k.trailing_zeros(), 3, u64::MAX, &mut q);
        }
        // A leaf has a few terms; summed up the tree, exponents stay below 2^32, as 3 divides Q
        // about 3.5N times and the sieve stops at 6N < 2^32.
        let counted = u32::try_from(b.saturating_sub(first)).expect("a leaf is a few terms");
        q.extend(
            Q_ODD_FACTOR_PRIMES
                .iter()
                .map(|&(prime, exponent)| (prime, exponent * counted)),
        );
        Primes {
            p: PrimePowers::from_factors(p),
            q: PrimePowers::from_factors(q),
        }
    }
}

/// Divides the common factors of the left range's $P$ and the right range's $Q$ out of both,
/// and returns the two quotients with, when `keep`, the primes of the merged range (its $P$'s
/// only when `need_p`).
pub(super) fn divide_out(
    (left_p, mut left): (Natural, Primes),
    (right_q, mut right): (Natural, Primes),
    need_p: bool,
    keep: bool,
) -> (Natural, Natural, Option<Primes>) {
    let common = left.p.take_common(&mut right.q);
    let (left_p, right_q) = if common.is_one() {
        (left_p, right_q)
    } else {
        let common = common.value();
        (left_p.div_exact(&common), right_q.div_exact(common))
    };
    let merged = keep.then(|| Primes {
        p: if need_p {
            left.p.times(right.p)
        } else {
            PrimePowers::default()
        },
        q: left.q.times(right.q),
    });
    (left_p, right_q, merged)
}

#[cfg(test)]
mod tests {
    use malachite::base::num::arithmetic::traits::Gcd;

    use super::*;
    use crate::pi::chudnovsky::Q_ODD_FACTOR;

    #[test]
    fn the_constant_factor_of_q_is_the_product_of_its_prime_powers() {
        let product: u64 = Q_ODD_FACTOR_PRIMES
            .iter()
            .map(|&(prime, exponent)| u64::from(prime).pow(exponent))
            .product();
        assert_eq!(product, Q_ODD_FACTOR);
    }

    #[test]
    fn dividing_out_leaves_no_common_factor_and_keeps_the_merged_primes() {
        let sieve = Sieve::up_to(60_000, &|| false)
            .expect("not cancelled")
            .expect("small enough");
        let (left, right) = (
            Primes::of_leaf(100, 132, true, 10_000, &sieve),
            Primes::of_leaf(132, 164, true, 10_000, &sieve),
        );
        let (left_p, right_q) = (left.p.value(), right.q.value());
        let (right_p, left_q) = (right.p.value(), left.q.value());
        let (divided_p, divided_q, merged) =
            divide_out((left_p.clone(), left), (right_q.clone(), right), true, true);
        let merged = merged.expect("kept");
        // The same factor left both, and nothing in common is left.
        assert_eq!(&divided_p * &right_q, &divided_q * &left_p);
        assert!(divided_p < left_p);
        assert_eq!((&divided_p).gcd(&divided_q), 1u32);
        assert_eq!(merged.p.value(), divided_p * right_p);
        assert_eq!(merged.q.value(), left_q * divided_q);
    }
}
