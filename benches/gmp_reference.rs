//! The decimals of pi on GMP (through `rug`): a like-for-like reference for benchmarking the
//! engine in src/pi/, which runs the same algorithm on malachite.
//!
//! Single-threaded, and step for step what the engine does with one thread:
//!
//! - the Chudnovsky series by binary splitting into $P$, $Q$, $T$, splitting every range at its
//!   middle, with $Q$ kept as an odd part and a power of two ($640320^3/24 = 2^{15} \cdot
//!   333833583375$) and no $P$ on the right spine of the tree (src/pi/chudnovsky.rs);
//! - $s = \lfloor\sqrt{10005 \cdot 10^{2D}}\rfloor$, $Q$ and $T$ cut to the bits of $s$ plus 64,
//!   and $x = \lfloor 426880\, s\, Q / T \rfloor$ (src/pi/approximation.rs);
//! - $x$ to decimal (here GMP's `mpz_get_str`), less the leading 3 and the guard digits
//!   (src/pi/digits.rs). There is no retry with more guard digits: a guard that cannot decide the
//!   truncation is an assertion failure.

use rug::Integer;
use rug::ops::Pow;

const A: u64 = 13_591_409;
const B: u64 = 545_140_134;
/// The odd part of 640320³ / 24 = 10939058860032000.
const Q_ODD_FACTOR: u64 = 333_833_583_375;
/// The exponent of two in 640320³ / 24.
const Q_TWOS: u64 = 15;
/// $\log_{10}(640320^3 / 1728)$: the digits each term adds.
const DIGITS_PER_TERM: f64 = 14.181_647_462_725_477;
/// Bits kept in $Q$ and $T$ beyond those of the square root.
const DIVISION_GUARD_BITS: u32 = 64;
/// The approximation is within this many units of $\pi \cdot 10^D$.
const ERROR_BOUND: u64 = 2;

/// The first `n` decimals of pi after the point, truncated, as ASCII digits (length `n`).
pub fn decimals(n: u64) -> Vec<u8> {
    if n == 0 {
        return Vec::new();
    }
    let guard = 20 + 2 * u64::from(n.ilog10() + 1);
    let digits = n + guard;
    let scaled = approximate(digits);
    let mut text = scaled.to_string_radix(10).into_bytes();
    assert_eq!(
        text.len() as u64,
        1 + digits,
        "pi has one digit before the point"
    );
    let guard_start = text.len() - guard as usize;
    assert!(
        decides_truncation(&text[guard_start..]),
        "the guard digits do not decide the truncation"
    );
    text.truncate(guard_start);
    text.remove(0);
    text
}

/// $x$ with $|x - \pi \cdot 10^D| < 2$, where $D$ is `digits`.
fn approximate(digits: u64) -> Integer {
    let sum = split(0, terms_for(digits).max(1), false);
    assert!(sum.t > 0, "a partial sum of the series is positive");

    let exponent = u32::try_from(2 * digits).expect("digits fit GMP's exponent");
    let mut root = Integer::from(Integer::u_pow_u(10, exponent)) * 10_005u32;
    root.sqrt_mut();

    // Only Q/T matters: cut both to the precision of the square root before dividing.
    let keep = u64::from(root.significant_bits() + DIVISION_GUARD_BITS);
    let q_bits = u64::from(sum.q_odd.significant_bits()) + sum.q_shift;
    let cut = q_bits.saturating_sub(keep);
    let mut q = sum.q_odd;
    if sum.q_shift >= cut {
        q <<= to_u32(sum.q_shift - cut);
    } else {
        q >>= to_u32(cut - sum.q_shift);
    }
    let mut t = sum.t;
    t >>= to_u32(cut);

    root *= 426_880u32;
    root *= &q;
    drop(q);
    root /= &t;
    root
}

/// How many terms give $\pi \cdot 10^D$ to within half a unit (the engine's `terms_for`).
fn terms_for(digits: u64) -> u64 {
    let digits = digits as f64;
    ((digits + (digits + 10.0).log10() + 4.0) / DIGITS_PER_TERM).ceil() as u64 + 1
}

/// $P$, $Q = Q_{odd} \cdot 2^{q_{shift}}$ and $T$ of a range of terms; `p` is `None` where no
/// parent needs it.
struct Splitting {
    p: Option<Integer>,
    q_odd: Integer,
    q_shift: u64,
    t: Integer,
}

/// Terms $[a, b)$, split at the middle down to single terms.
fn split(a: u64, b: u64, need_p: bool) -> Splitting {
    if b - a == 1 {
        let mut single = term(a);
        if !need_p {
            single.p = None;
        }
        return single;
    }
    let mid = a + (b - a) / 2;
    let left = split(a, mid, true);
    let right = split(mid, b, need_p);
    merge(left, right)
}

/// $p_k$, $q_k$ and $t_k = (-1)^k p_k (A + Bk)$, with $p_0 = q_0 = 1$.
fn term(k: u64) -> Splitting {
    if k == 0 {
        return Splitting {
            p: Some(Integer::from(1)),
            q_odd: Integer::from(1),
            q_shift: 0,
            t: Integer::from(A),
        };
    }
    let p = Integer::from(6 * k - 5) * (2 * k - 1) * (6 * k - 1);
    let twos = u64::from(k.trailing_zeros());
    let odd = k >> twos;
    let q_odd = Integer::from(odd).pow(3) * Q_ODD_FACTOR;
    let mut t = Integer::from(&p * (A + B * k));
    if k % 2 == 1 {
        t = -t;
    }
    Splitting {
        p: Some(p),
        q_odd,
        q_shift: Q_TWOS + 3 * twos,
        t,
    }
}

/// $P = P_l P_r$, $Q = Q_l Q_r$, $T = T_l Q_r + P_l T_r$; $P$ only when the right range has it.
fn merge(left: Splitting, right: Splitting) -> Splitting {
    let left_p = left.p.expect("left ranges are always split with their P");
    let mut t = left.t;
    t *= &right.q_odd;
    t <<= to_u32(right.q_shift);
    let mut right_t = right.t;
    right_t *= &left_p;
    t += &right_t;
    drop(right_t);
    let p = right.p.map(|right_p| {
        let mut p = left_p;
        p *= &right_p;
        p
    });
    let mut q_odd = left.q_odd;
    q_odd *= &right.q_odd;
    Splitting {
        p,
        q_odd,
        q_shift: left.q_shift + right.q_shift,
        t,
    }
}

fn to_u32(bits: u64) -> u32 {
    u32::try_from(bits).expect("shifts fit GMP's bit counts")
}

/// Whether guard digits $G$ ($g$ of them) decide the truncation of a value within
/// [`ERROR_BOUND`] units: $e \le G \le 10^g - e$ (src/pi/guard.rs).
fn decides_truncation(guard: &[u8]) -> bool {
    let value = Integer::parse(guard)
        .map(Integer::from)
        .expect("decimal digits");
    let ten_pow = Integer::from(Integer::u_pow_u(10, to_u32(guard.len() as u64)));
    value >= ERROR_BOUND && value <= ten_pow - ERROR_BOUND
}
