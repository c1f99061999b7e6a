//! Bits of pi far after the point, computed on their own, without the bits before them:
//! Bellard's formula, a faster relative of Bailey, Borwein and Plouffe's (BBP),
//!
//! $$
//! \pi = \frac{1}{2^6} \sum_{k \ge 0} \frac{(-1)^k}{2^{10k}} \left( -\frac{2^5}{4k+1}
//! \,-\, \frac{1}{4k+3} + \frac{2^8}{10k+1} - \frac{2^6}{10k+3} - \frac{2^2}{10k+5}
//! \,-\, \frac{2^2}{10k+7} + \frac{1}{10k+9} \right).
//! $$
//!
//! Multiplied by $2^{n+64}$, every term with $2^{10k} \le 2^{n}$ is $2^E / m$ for a whole
//! exponent $E$ and an odd $m$, and only its fraction matters modulo $2^{64}$: that is
//! $(2^{E-64} \bmod m) / m$, one modular power. So the 64 bits of pi that start $n$ bits after the
//! point cost about $0.7 n$ modular powers of $\log_2 n$ squarings each, in time
//! $O(n \log n)$ and constant memory, and never touch the engine's numbers: a check that
//! shares no code with what it checks.
//!
//! Each power runs in Montgomery form with $R = 2^{64}$, where the power of two $2^E$ comes out
//! as $2^{E+64} \bmod m$, exactly the remainder whose exact quotient by $m$ is the term's 64-bit
//! fraction (see [`term`]). The seven terms of one $k$ are seven independent chains of
//! squarings, run side by side so the core overlaps their latencies.

use std::thread;

use super::control::Cancelled;
use super::cost;
use super::detach;
use super::progress::Reporter;

/// The seven series of Bellard's formula: the denominator $a k + b$, the power of two $2^e$
/// of the numerator, and whether the term is subtracted.
const SERIES: [(u64, u64, u32, bool); 7] = [
    (4, 1, 5, true),
    (4, 3, 0, true),
    (10, 1, 8, false),
    (10, 3, 6, true),
    (10, 5, 2, true),
    (10, 7, 2, true),
    (10, 9, 0, false),
];

/// Terms between two looks at cancellation and progress: about a millisecond of work.
const BATCH: u64 = 1 << 11;

/// $\lfloor 2^{n+64} \pi \rfloor \bmod 2^{64}$, the 64 bits of pi that start `n` bits after the
/// point, to within [`error_bound`]`(n)` units either way (modulo $2^{64}$), summed on up to
/// `threads` threads.
///
/// # Worst-case complexity
/// $T(n) = O(n \log n)$
///
/// $M(n) = O(1)$
///
/// where $T$ is time and $M$ is additional memory.
///
/// # Errors
/// [`Cancelled`] when `reporter` asks to stop; it is asked every millisecond or so.
pub(crate) fn fraction_bits(
    n: u64,
    threads: usize,
    reporter: &Reporter<'_>,
) -> Result<u64, Cancelled> {
    // Terms whose every exponent is at least 64 go through the modular powers; the few after
    // them are plain fractions, and the rest are below one unit together.
    let full = (n / 10).saturating_sub(1);
    let threads = threads.clamp(1, 64) as u64;
    let share = full.div_ceil(threads).max(1);
    let sums = thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                let from = (worker * share).min(full);
                let to = (from + share).min(full);
                scope.spawn(move || sum_terms(n, from, to, reporter))
            })
            .collect();
        workers.into_iter().map(detach::join).collect::<Vec<_>>()
    });
    let mut sum = tail(n, full);
    for part in sums {
        sum = sum.wrapping_add(part?);
    }
    Ok(sum)
}

/// How far [`fraction_bits`] may be from the true bits: each term is truncated by less than one
/// unit, and the terms left out are below one unit together.
pub(crate) fn error_bound(n: u64) -> u64 {
    SERIES.len() as u64 * (n / 10 + 8) + 2
}

/// The estimated cost of [`fraction_bits`]`(n)` on one core, in the units of [`cost`].
pub(crate) fn units(n: u64) -> u64 {
    cost::bellard_terms(SERIES.len() as u64 * (n / 10), n)
}

/// The sum of the terms `from..to`, every one of whose exponents is at least 64.
fn sum_terms(n: u64, from: u64, to: u64, reporter: &Reporter<'_>) -> Result<u64, Cancelled> {
    let mut sum = 0u64;
    let mut k = from;
    while k < to {
        reporter.check()?;
        let end = (k + BATCH).min(to);
        for k in k..end {
            let terms = terms_of(n, k);
            for (value, &(_, _, _, subtracted)) in terms.iter().zip(&SERIES) {
                sum = if subtracted ^ (k % 2 == 1) {
                    sum.wrapping_sub(*value)
                } else {
                    sum.wrapping_add(*value)
                };
            }
        }
        reporter.advance(cost::bellard_terms(SERIES.len() as u64 * (end - k), n));
        k = end;
    }
    Ok(sum)
}

/// The seven terms of one `k`, without their signs: $\lfloor 2^{64} \{2^{E-64}/m\} \rfloor$ for
/// $E = n + 58 + e - 10k$, each at least 64. Their chains of squarings run in lockstep.
fn terms_of(n: u64, k: u64) -> [u64; 7] {
    let mut modulus = [0u64; 7];
    let mut exponent = [0u64; 7];
    for (j, &(a, b, e, _)) in SERIES.iter().enumerate() {
        modulus[j] = a * k + b;
        exponent[j] = n + 58 + u64::from(e) - 10 * k - 64;
    }
    let montgomery = modulus.map(Montgomery::new);
    let mut power: [u64; 7] = std::array::from_fn(|j| montgomery[j].one);
    let top = exponent.iter().map(|e| u64::BITS - e.leading_zeros()).max();
    for bit in (0..top.unwrap_or(0)).rev() {
        for j in 0..7 {
            power[j] = montgomery[j].square(power[j]);
            if exponent[j] >> bit & 1 == 1 {
                power[j] = montgomery[j].double(power[j]);
            }
        }
    }
    std::array::from_fn(|j| term(power[j], &montgomery[j]))
}

/// The 64-bit fraction $\lfloor 2^{64} r / m \rfloor$ of $r / m$ for $r = 2^{E-64} \bmod m$,
/// from `power` $= 2^{E-64} R \bmod m = 2^{E} \bmod m$: the division $(2^{64} r - \text{power}) / m$
/// is exact and its quotient is below $2^{64}$, so it is the low 64 bits of
/// $-\text{power} \cdot m^{-1}$.
fn term(power: u64, montgomery: &Montgomery) -> u64 {
    power.wrapping_neg().wrapping_mul(montgomery.inverse)
}

/// The terms after the modular ones, as plain fractions, until they fall below one unit.
fn tail(n: u64, from: u64) -> u64 {
    let mut sum = 0u64;
    for k in from.. {
        let mut any = false;
        for &(a, b, e, subtracted) in &SERIES {
            let exponent = i128::from(n) + 58 + i128::from(e) - 10 * i128::from(k);
            if !(0..128).contains(&exponent) {
                continue;
            }
            let modulus = u128::from(a * k + b);
            let value = if exponent >= 64 {
                // Only the fraction of 2^(E-64)/m counts, as in the modular terms.
                ((1u128 << exponent) % (modulus << 64) / modulus) as u64
            } else {
                ((1u128 << exponent) / modulus) as u64
            };
            any |= value != 0 || exponent >= 64;
            sum = if subtracted ^ (k % 2 == 1) {
                sum.wrapping_sub(value)
            } else {
                sum.wrapping_add(value)
            };
        }
        if !any {
            break;
        }
    }
    sum
}

/// Arithmetic modulo an odd `m` below $2^{63}$ in Montgomery form, $x \mapsto x R \bmod m$ with
/// $R = 2^{64}$.
struct Montgomery {
    modulus: u64,
    /// $m^{-1} \bmod 2^{64}$.
    inverse: u64,
    /// $R \bmod m$, the form of 1.
    one: u64,
}

impl Montgomery {
    fn new(modulus: u64) -> Self {
        debug_assert!(modulus % 2 == 1 && modulus < 1 << 63);
        // Newton's iteration doubles the correct low bits: m is its own inverse modulo 8.
        let mut inverse = modulus;
        for _ in 0..5 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(modulus.wrapping_mul(inverse)));
        }
        let one = (u64::MAX % modulus + 1) % modulus;
        Montgomery {
            modulus,
            inverse,
            one,
        }
    }

    /// $x^2 R^{-1} \bmod m$: with $q = x^2 m^{-1} \bmod R$, $x^2 - q m$ is divisible by $R$, and
    /// its quotient is the high half of $x^2$ less that of $q m$, plus $m$ if that went below 0.
    fn square(&self, x: u64) -> u64 {
        let product = u128::from(x) * u128::from(x);
        let q = (product as u64).wrapping_mul(self.inverse);
        let subtrahend = ((u128::from(q) * u128::from(self.modulus)) >> 64) as u64;
        let high = (product >> 64) as u64;
        let (difference, borrowed) = high.overflowing_sub(subtrahend);
        if borrowed {
            difference.wrapping_add(self.modulus)
        } else {
            difference
        }
    }

    /// $2x \bmod m$: doubling commutes with the form.
    fn double(&self, x: u64) -> u64 {
        let doubled = x << 1;
        if doubled >= self.modulus {
            doubled - self.modulus
        } else {
            doubled
        }
    }
}

#[cfg(test)]
mod tests {
    use malachite::Natural;
    use malachite::base::num::arithmetic::traits::Pow;

    use super::*;
    use crate::pi::Unobserved;
    use crate::pi::fixture::{trusted_decimals, trusted_scaled};

    fn bits_at(n: u64) -> u64 {
        let reporter = Reporter::new(&Unobserved, 1);
        fraction_bits(n, 2, &reporter).expect("not cancelled")
    }

    /// The same 64 bits from the trusted decimals: $\lfloor 2^{n+64} x / 10^D \rfloor$ for
    /// $x = \lfloor \pi 10^D \rfloor$.
    fn trusted_bits_at(n: u64) -> u64 {
        let power = Natural::from(10u32).pow(trusted_decimals().len() as u64);
        let bits = (trusted_scaled() << (n + 64)) / power;
        let low: Natural = bits % (Natural::from(1u32) << 64u64);
        u64::try_from(&low).expect("below 2^64")
    }

    fn assert_close(n: u64, computed: u64, expected: u64) {
        let distance = computed
            .wrapping_sub(expected)
            .min(expected.wrapping_sub(computed));
        assert!(
            distance <= error_bound(n),
            "at bit {n}: {computed:016x} against {expected:016x}"
        );
    }

    #[test]
    fn the_first_hexadecimal_digits_are_pis() {
        // 3.243F6A8885A308D313198A2E037073...
        assert_close(0, bits_at(0), 0x243F_6A88_85A3_08D3);
        assert_close(64, bits_at(64), 0x1319_8A2E_0370_7344);
    }

    #[test]
    fn bits_far_after_the_point_agree_with_the_trusted_decimals() {
        for n in [1_000, 77_777, 1_000_000, 3_000_000] {
            assert_close(n, bits_at(n), trusted_bits_at(n));
        }
    }

    #[test]
    fn a_single_thread_sums_the_same_bits() {
        let reporter = Reporter::new(&Unobserved, 1);
        let n = 500_000;
        assert_close(
            n,
            fraction_bits(n, 1, &reporter).expect("not cancelled"),
            bits_at(n),
        );
    }

    #[test]
    fn the_hexadecimal_digits_after_position_a_million_are_baileys() {
        // Bailey, "The BBP algorithm for pi" (2006): positions 10^6 onward are 26C65E52CB4593.
        // The 8 bits after those 14 digits are not published: any of them will do.
        let n = 4 * (1_000_000 - 1);
        let published = 0x26C6_5E52_CB45_9300u64;
        let bits = bits_at(n);
        let distance = bits.wrapping_sub(published);
        assert!(
            distance <= 0xFF + error_bound(n) || published.wrapping_sub(bits) <= error_bound(n),
            "{bits:016x}"
        );
    }
}
