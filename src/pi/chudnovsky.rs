//! The Chudnovsky series for 1/pi, summed exactly by binary splitting.
//!
//! The series is
//!
//! $$
//! \frac{426880\sqrt{10005}}{\pi} = \sum_{k=0}^\infty a_k, \quad
//! a_k = \frac{(-1)^k (6k)!\,(A + Bk)}{(3k)!\,(k!)^3\,640320^{3k}},
//! $$
//!
//! with $A = 13591409$ and $B = 545140134$ (D. V. and G. V. Chudnovsky, 1988). Consecutive terms
//! have the ratio $a_k / a_{k-1} = -p_k (A + Bk) / (q_k (A + B(k-1)))$ with
//! $p_k = (6k-5)(2k-1)(6k-1)$ and $q_k = k^3 \cdot 640320^3 / 24$, so for a range of terms
//! $[a, b)$ the integers
//!
//! $$
//! P(a,b) = \prod_{k=a}^{b-1} p_k, \quad Q(a,b) = \prod_{k=a}^{b-1} q_k, \quad
//! T(a,b) = Q(a,b) \sum_{k=a}^{b-1} a_k \frac{q_0 \cdots q_{a-1}}{p_0 \cdots p_{a-1}}
//! \quad (p_0 = q_0 = 1)
//! $$
//!
//! combine over a split point $m$ as $P = P_l P_r$, $Q = Q_l Q_r$, $T = T_l Q_r + P_l T_r$,
//! and $T(0,N)/Q(0,N)$ is the sum of the first $N$ terms. Binary splitting (E. A. Karatsuba, 1991;
//! B. Haible and T. Papanikolaou, 1998) builds the three products as a balanced tree, so the big
//! multiplications happen between numbers of similar size, where fast multiplication pays.
//!
//! $Q$ is kept as an odd part and a power of two: $640320^3/24 = 2^{15} \cdot 333833583375$ and
//! the powers of two of $k^3$ then become shifts instead of multiplied bits.
//!
//! $P_l$ and $Q_r$ share many odd factors ($P$ holds the odd numbers $6k-5$, $2k-1$, $6k-1$,
//! $Q$ the cubes of the odd parts of $k$). Below the top levels of the tree, a merge divides their
//! greatest common divisor $g$ out of both first, $P = (P_l/g) P_r$, $Q = Q_l (Q_r/g)$,
//! $T = T_l (Q_r/g) + (P_l/g) T_r$: the three are divided by the same $g$, so every ratio the
//! parents use stays exact, and the numbers multiplied above shrink ($Q$ of $10^7$ digits has
//! about 40 M bits instead of 63 M). The factors are tracked as lists of prime powers (see
//! `common_factors`; H. Xue's `gmp-chudnovsky`). The divisions and the lists cost about half
//! of what the smaller products save.

use std::thread;

use malachite::base::num::arithmetic::traits::UnsignedAbs;
use malachite::base::num::basic::traits::{One, Zero};
use malachite::{Integer, Natural};

use malachite::base::num::logic::traits::SignificantBits;

use super::common_factors::{self, Primes};
use super::control::Cancelled;
use super::cost;
use super::detach::{self, DETACH_MIN_BITS, detached_from, join};
use super::progress::Reporter;
use super::sieve::Sieve;
use super::tree_shape::{Shape, cost_integral, shape};

const A: u64 = 13_591_409;
const B: u64 = 545_140_134;
/// The odd part of 640320³ / 24.
pub(super) const Q_ODD_FACTOR: u64 = 333_833_583_375;
/// The exponent of two in 640320³ / 24.
const Q_TWOS: u64 = 15;

/// The top levels of the tree, which do not divide out common factors: there the divisors grow
/// big enough that the exact divisions cost more than the smaller products save. 4 to 6 measured
/// best at $10^6$ and $10^7$ digits (see docs/PERFORMANCE.md).
pub(crate) const UNSIEVED_LEVELS: u32 = 5;

/// Below this many terms a range is summed without checking for cancellation or reporting
/// progress: the checks would cost more than the arithmetic.
pub(crate) const LEAF_TERMS: u64 = 32;

/// Below this many terms a range is not worth a thread of its own.
pub(crate) const PARALLEL_MIN_TERMS: u64 = 1024;

/// Merges whose left range has this many bits of $P$, $Q$ and $T$ or more run [`detached`]. A
/// merge is several products and the common factors' divisions: at [`DETACH_MIN_BITS`] it took
/// up to 50 ms inline, and a cancel in the series of $10^9$ digits 80 ms (docs/PERFORMANCE.md,
/// "Cancel and progress").
///
/// [`detached`]: super::detach::detached
const MERGE_DETACH_MIN_BITS: u64 = DETACH_MIN_BITS / 4;

/// The sum of terms $[0, N)$: $\sum_{k<N} a_k = T / (Q_{odd} \cdot 2^{q_{shift}})$.
pub(crate) struct SeriesSum {
    pub(crate) q_odd: Natural,
    pub(crate) q_shift: u64,
    pub(crate) t: Natural,
}

/// $P$, $Q$ and $T$ of a range of terms, each divided by the same common factor. `p` is absent on
/// the right spine of the tree, whose $P$ no parent needs; `primes` is present when the parent
/// divides out common factors.
struct Splitting {
    p: Option<Natural>,
    q_odd: Natural,
    q_shift: u64,
    t: Integer,
    primes: Option<Primes>,
}

impl Splitting {
    /// The bits of $P$ (when kept), $Q$ and $T$ together.
    fn bits(&self) -> u64 {
        self.p.as_ref().map_or(0, SignificantBits::significant_bits)
            + self.q_odd.significant_bits()
            + self.t.significant_bits()
    }
}

/// What the parent of a range needs from it besides $Q$ and $T$.
#[derive(Clone, Copy)]
struct Needs {
    p: bool,
    primes: bool,
}

/// What every range of one summation shares.
struct Summation<'a> {
    terms: u64,
    sieve: Option<&'a Sieve>,
    /// Ranges of at most this many terms divide out common factors when they merge.
    sieved_terms: u64,
    progress: &'a Reporter<'a>,
}

/// Sums the first `terms` terms of the Chudnovsky series exactly, on up to `threads` threads.
///
/// The sum $T/Q$ does not depend on `threads`, but $T$ and $Q$ do, by a common factor: where
/// the tree is split decides which common factors are divided out.
///
/// Progress is counted in the units of [`progress_units`]; cancellation is checked at every node
/// of the tree above [`LEAF_TERMS`], and the big merges near the root are
/// [`detached`](super::detach::detached) so that a cancel is seen while they run; on a cancel,
/// what the finished halves hold is freed on a thread of its own.
///
/// # Worst-case complexity
/// $T(n) = O(n \log^3 n \log\log n)$
///
/// $M(n) = O(n \log n)$
///
/// where $T$ is time, $M$ is additional memory and $n$ is `terms`: the tree has $O(\log n)$
/// levels, each multiplying numbers of $O(n \log n)$ bits in all, and malachite multiplies $m$-bit
/// numbers in $O(m \log m \log\log m)$.
pub(crate) fn sum(
    terms: u64,
    threads: usize,
    progress: &Reporter<'_>,
) -> Result<SeriesSum, Cancelled> {
    let terms = terms.max(1);
    // Only ranges of more than one leaf divide out common factors: smaller series need no sieve.
    let sieve = if terms >> UNSIEVED_LEVELS > LEAF_TERMS {
        // The largest odd factor of a term below N is 6N - 7.
        Sieve::up_to(terms.saturating_mul(6), &|| progress.is_cancelled())?
    } else {
        None
    };
    let sum = sum_with(terms, threads, sieve.as_ref(), progress);
    if sum.is_err() {
        // Hundreds of megabytes at 10^9 digits: freed off the cancel's path.
        detach::drop_in_background(sieve);
    }
    sum
}

/// [`sum`], dividing out common factors only when there is a `sieve`.
fn sum_with(
    terms: u64,
    threads: usize,
    sieve: Option<&Sieve>,
    progress: &Reporter<'_>,
) -> Result<SeriesSum, Cancelled> {
    let summation = Summation {
        terms,
        sieve,
        sieved_terms: terms >> UNSIEVED_LEVELS,
        progress,
    };
    let needs = Needs {
        p: false,
        primes: false,
    };
    let whole = split(0, terms, needs, threads.max(1), &summation)?;
    let t = Natural::try_from(whole.t).expect("a partial sum of the series is positive");
    Ok(SeriesSum {
        q_odd: whole.q_odd,
        q_shift: whole.q_shift,
        t,
    })
}

/// The number of progress units that [`sum`] reports for the same arguments.
pub(crate) fn progress_units(terms: u64, threads: usize) -> u64 {
    units(0, terms.max(1), threads.max(1))
}

fn units(a: u64, b: u64, threads: usize) -> u64 {
    match shape(a, b, threads) {
        Shape::Leaf => leaf_units(a, b),
        Shape::Node {
            mid,
            left_threads,
            right_threads,
            ..
        } => units(a, mid, left_threads) + units(mid, b, right_threads) + merge_units(a, b),
    }
}

/// A leaf block is a small tree of cheap multiplications: the same work for every term.
fn leaf_units(a: u64, b: u64) -> u64 {
    cost::series_leaf(b - a)
}

/// A merge multiplies numbers whose size grows with the number of terms and, slowly, with the
/// index of the terms.
fn merge_units(a: u64, b: u64) -> u64 {
    // P, Q and T together have about 9 times the bits of the integral.
    cost::series_merge(9.0 * cost_integral(a, b))
}

fn split(
    a: u64,
    b: u64,
    needs: Needs,
    threads: usize,
    summation: &Summation<'_>,
) -> Result<Splitting, Cancelled> {
    let progress = summation.progress;
    progress.check()?;
    let (mid, parallel, left_threads, right_threads) = match shape(a, b, threads) {
        Shape::Leaf => {
            let mut block = split_leaf(a, b);
            if needs.primes
                && let Some(sieve) = summation.sieve
            {
                block.primes = Some(Primes::of_leaf(a, b, needs.p, summation.terms, sieve));
            }
            if !needs.p {
                block.p = None;
            }
            progress.advance(leaf_units(a, b));
            return Ok(block);
        }
        Shape::Node {
            mid,
            parallel,
            left_threads,
            right_threads,
        } => (mid, parallel, left_threads, right_threads),
    };
    let sieved = summation.sieve.is_some() && b - a <= summation.sieved_terms;
    let left_needs = Needs {
        p: true,
        primes: sieved,
    };
    let right_needs = Needs {
        p: needs.p,
        primes: sieved,
    };
    let (left, right) = if parallel {
        thread::scope(|scope| {
            let left = scope.spawn(|| split(a, mid, left_needs, left_threads, summation));
            let right = split(mid, b, right_needs, right_threads, summation);
            (join(left), right)
        })
    } else {
        let left = split(a, mid, left_needs, left_threads, summation)?;
        let right = split(mid, b, right_needs, right_threads, summation);
        (Ok(left), right)
    };
    // On a cancel, what one half finished goes on a thread of its own to be freed.
    let (left, right) = match (left, right) {
        (Ok(left), Ok(right)) if !progress.is_cancelled() => (left, right),
        (left, right) => {
            detach::drop_in_background((left.ok(), right.ok()));
            return Err(Cancelled);
        }
    };
    // A merge multiplies all three of the left range's numbers (after dividing P_l and Q_r when
    // it divides out common factors), so its time, which decides whether it is detached, grows
    // with their sum, not with Q alone: counted by Q, long merges would run inline, where a
    // cancel waits for them (see docs/PERFORMANCE.md).
    let bits = left.bits();
    // The root merge multiplies on one thread. Shared between two, its four products are in
    // flight at once with their scratch space and none of its operands can go early: at 10^8
    // digits on 2 threads that took the series' peak from 1,053 MB to 1,390 MB, for 0.8 s (3%)
    // of the series' time.
    let products_in_parallel = parallel && !(a == 0 && b == summation.terms);
    let merged = detached_from(
        MERGE_DETACH_MIN_BITS,
        bits,
        &|| progress.is_cancelled(),
        move || merge(left, right, needs, products_in_parallel),
    )?;
    progress.advance(merge_units(a, b));
    Ok(merged)
}

/// Sums a small range term by term: no checks, no threads.
///
/// Appending term $k$ to a range is a merge with a range of one term,
/// $T \gets T q_k + P p_k (-1)^k (A + Bk)$, $P \gets P p_k$, $Q \gets Q q_k$, and every factor of
/// $p_k$ and $q_k$ fits in a machine word, so each step is a few passes of word-by-number
/// multiplication in place, where a tree of big-number merges would allocate a dozen numbers per
/// term.
fn split_leaf(a: u64, b: u64) -> Splitting {
    let mut p = Natural::ONE;
    let mut q_odd = Natural::ONE;
    let mut q_shift = 0;
    let mut t = Integer::ZERO;
    for k in a..b {
        let Factors {
            p: p_k,
            q_odd: q_k,
            q_shift: shift,
        } = Factors::of(k);
        for factor in q_k {
            q_odd *= &factor;
            t *= Integer::from(factor);
        }
        t <<= shift;
        q_shift += shift;
        for factor in p_k {
            p *= factor;
        }
        let linear = u128::from(A) + u128::from(B) * u128::from(k);
        t += Integer::from_sign_and_abs(k.is_multiple_of(2), &p * Natural::from(linear));
    }
    Splitting {
        p: Some(p),
        q_odd,
        q_shift,
        t,
        primes: None,
    }
}

/// $p_k$ and $q_k$ of one term, each as two factors, with the powers of two of $q_k$ apart.
struct Factors {
    p: [Natural; 2],
    q_odd: [Natural; 2],
    q_shift: u64,
}

impl Factors {
    /// $p_k = (6k-5)(2k-1) \cdot (6k-1)$ and $q_k / 2^{15 + 3z} = (k' \cdot 333833583375) \cdot
    /// k'^2$, where $k = 2^z k'$ with $k'$ odd; $p_0 = q_0 = 1$.
    ///
    /// Every factor fits in one machine word, and multiplies in place, while $k' \le 55257304$
    /// (the bound of $k' \cdot 333833583375$; $k$ below that covers $7.8 \cdot 10^8$ digits);
    /// beyond, a factor takes two words and stays exact.
    fn of(k: u64) -> Factors {
        if k == 0 {
            return Factors {
                p: [Natural::ONE, Natural::ONE],
                q_odd: [Natural::ONE, Natural::ONE],
                q_shift: 0,
            };
        }
        let twos = u64::from(k.trailing_zeros());
        let (k, odd) = (u128::from(k), u128::from(k >> twos));
        Factors {
            p: [
                Natural::from((6 * k - 5) * (2 * k - 1)),
                Natural::from(6 * k - 1),
            ],
            q_odd: [
                Natural::from(odd * u128::from(Q_ODD_FACTOR)),
                Natural::from(odd * odd),
            ],
            q_shift: Q_TWOS + 3 * twos,
        }
    }
}

/// Combines adjacent ranges: $P = P_l P_r$, $Q = Q_l Q_r$, $T = T_l Q_r + P_l T_r$, after
/// dividing the common factors of $P_l$ and $Q_r$ out of both when the ranges bring their primes.
/// With `parallel`, the products are shared between this thread and one more.
fn merge(left: Splitting, right: Splitting, needs: Needs, parallel: bool) -> Splitting {
    let left_p = left.p.expect("left ranges are always split with their P");
    let right_p = if needs.p {
        Some(
            right
                .p
                .expect("a range whose P is needed splits its right range with P"),
        )
    } else {
        None
    };
    let (left_p, right_q, primes) = match (left.primes, right.primes) {
        (Some(left_primes), Some(right_primes)) => common_factors::divide_out(
            (left_p, left_primes),
            (right.q_odd, right_primes),
            needs.p,
            needs.primes,
        ),
        _ => (left_p, right.q_odd, None),
    };
    let (left_t_sign, left_t) = (left.t >= 0u32, left.t.unsigned_abs());
    let (right_t_sign, right_t) = (right.t >= 0u32, right.t.unsigned_abs());
    let (q_odd, p, left_product, right_product) = if parallel {
        thread::scope(|scope| {
            let qp = scope.spawn(|| {
                let q = &left.q_odd * &right_q;
                let p = right_p.as_ref().map(|right_p| &left_p * right_p);
                (q, p)
            });
            let left_product = left_t * &right_q;
            let right_product = &left_p * right_t;
            let (q, p) = join(qp);
            (q, p, left_product, right_product)
        })
    } else {
        let left_product = left_t * &right_q;
        let right_product = &left_p * right_t;
        let p = right_p.map(|right_p| left_p * right_p);
        (left.q_odd * right_q, p, left_product, right_product)
    };
    let t = Integer::from_sign_and_abs(left_t_sign, left_product << right.q_shift)
        + Integer::from_sign_and_abs(right_t_sign, right_product);
    Splitting {
        p,
        q_odd,
        q_shift: left.q_shift + right.q_shift,
        t,
        primes,
    }
}

#[cfg(test)]
mod tests {
    use malachite::base::num::arithmetic::traits::{DivExact, Gcd, Pow};

    use super::*;
    use crate::pi::control::Unobserved;

    /// One term straight from the definition, in big numbers throughout.
    fn term_by_definition(k: u64) -> Splitting {
        if k == 0 {
            return Splitting {
                p: Some(Natural::ONE),
                q_odd: Natural::ONE,
                q_shift: 0,
                t: Integer::from(A),
                primes: None,
            };
        }
        let k_big = Natural::from(k);
        let p = (Natural::from(6u32) * &k_big - Natural::from(5u32))
            * (Natural::from(2u32) * &k_big - Natural::ONE)
            * (Natural::from(6u32) * &k_big - Natural::ONE);
        let twos = u64::from(k.trailing_zeros());
        let q_odd = Natural::from(k >> twos).pow(3) * Natural::from(Q_ODD_FACTOR);
        let linear = Natural::from(A) + Natural::from(B) * k_big;
        Splitting {
            t: Integer::from_sign_and_abs(k.is_multiple_of(2), &p * linear),
            p: Some(p),
            q_odd,
            q_shift: Q_TWOS + 3 * twos,
            primes: None,
        }
    }

    fn tree_by_definition(a: u64, b: u64) -> Splitting {
        if b - a == 1 {
            return term_by_definition(a);
        }
        let mid = a + (b - a) / 2;
        merge(
            tree_by_definition(a, mid),
            tree_by_definition(mid, b),
            Needs {
                p: true,
                primes: false,
            },
            false,
        )
    }

    #[test]
    fn a_leaf_summed_term_by_term_equals_the_tree_of_single_terms() {
        // From the first term, inside the series, and across 2^26, past 55,257,304, where
        // k' * 333833583375 outgrows a word.
        let beyond_one_word = 1 << 26;
        for (a, b) in [
            (0, LEAF_TERMS),
            (1_000, 1_000 + LEAF_TERMS),
            (beyond_one_word - 5, beyond_one_word + 7),
        ] {
            let (leaf, tree) = (split_leaf(a, b), tree_by_definition(a, b));
            assert!(
                (leaf.p, leaf.q_odd, leaf.q_shift, leaf.t)
                    == (tree.p, tree.q_odd, tree.q_shift, tree.t),
                "terms [{a}, {b})"
            );
        }
    }

    #[test]
    fn a_leafs_prime_powers_multiply_back_to_its_p_and_q() {
        let sieve = Sieve::up_to(6 * 3_000, &|| false)
            .expect("not cancelled")
            .expect("small enough");
        for (a, b) in [(0, LEAF_TERMS), (2_000, 2_000 + LEAF_TERMS)] {
            let leaf = split_leaf(a, b);
            // With N beyond every factor, no prime of P is left out.
            let primes = Primes::of_leaf(a, b, true, u64::MAX, &sieve);
            assert_eq!(Some(primes.p.value()), leaf.p, "P of [{a}, {b})");
            assert_eq!(primes.q.value(), leaf.q_odd, "Q of [{a}, {b})");

            // With N = 3,000, what is left out of P is a product of primes above 3,000 alone.
            let below_n = Primes::of_leaf(a, b, true, 3_000, &sieve);
            let p = leaf.p.expect("a leaf has its P");
            let left_out = (&p).div_exact(below_n.p.value());
            assert_eq!(below_n.p.value() * &left_out, p, "P of [{a}, {b})");
            // Every odd prime up to N divides the product of the odd numbers up to N.
            let odd_numbers_to_n: Natural = (1..=3_000u64).step_by(2).product();
            assert!(
                left_out.gcd(odd_numbers_to_n) == 1u32,
                "a prime below N was left out of P of [{a}, {b})"
            );

            let without_p = Primes::of_leaf(a, b, false, 3_000, &sieve);
            assert!(
                without_p.p.is_one(),
                "P's primes are listed only when P is needed"
            );
            assert_eq!(without_p.q, primes.q);
        }
    }

    #[test]
    fn dividing_out_common_factors_keeps_the_sum_and_shrinks_q_and_t() {
        let terms = 5_000;
        let reporter = Reporter::new(&Unobserved, u64::MAX / 2);
        let sieve = Sieve::up_to(6 * terms, &|| false)
            .expect("not cancelled")
            .expect("small enough");
        let plain = sum_with(terms, 1, None, &reporter).expect("not cancelled");
        for threads in [1, 2, 3] {
            let sieved = sum_with(terms, threads, Some(&sieve), &reporter).expect("not cancelled");
            // T/Q is the sum: T_s * Q_p = T_p * Q_s, with equal powers of two.
            assert_eq!(sieved.q_shift, plain.q_shift);
            assert!(
                &sieved.t * &plain.q_odd == &plain.t * &sieved.q_odd,
                "{threads} thread(s) change the sum"
            );
            // Only the merges of ranges of up to 156 terms divide here; Q loses about a fifth.
            assert!(
                sieved.q_odd.significant_bits() * 10 < plain.q_odd.significant_bits() * 9,
                "{threads} thread(s): Q has {} bits sieved, {} plain",
                sieved.q_odd.significant_bits(),
                plain.q_odd.significant_bits()
            );
            assert!(sieved.t < plain.t);
        }
    }
}
