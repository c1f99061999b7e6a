//! Whether an approximation's guard digits are enough to truncate it correctly.
//!
//! An integer $x$ with $|x - y| < e$ stands for a real $y$ (here $\pi \cdot 10^D$). Write
//! $x = h \cdot 10^g + G$ with $g$ guard digits $G$. Then $\lfloor y / 10^g \rfloor = h$ exactly
//! when $y$ cannot cross a multiple of $10^g$, which is certain if $e \le G \le 10^g - e$:
//! guard digits close to all zeros or all nines leave the truncation undecided.

/// The largest number of decimal digits whose value always fits in a `u64`.
const U64_DIGITS: usize = 19;

/// Whether `guard` (ASCII decimal digits, most significant first) decides the digits before it,
/// when the true value is less than `error_bound` units of the last digit away.
///
/// # Worst-case complexity
/// $T(n) = O(n)$
///
/// $M(n) = O(1)$
///
/// where $T$ is time, $M$ is additional memory and $n$ is `guard.len()`.
pub(crate) fn decides_truncation(guard: &[u8], error_bound: u64) -> bool {
    // G >= e, and 10^g - G >= e, i.e. the nines' complement 10^g - 1 - G is at least e - 1.
    at_least(guard, false, error_bound) && at_least(guard, true, error_bound.saturating_sub(1))
}

/// Whether the digits (or their nines' complement) are at least `bound`, without reading
/// arbitrarily many digits into an integer.
fn at_least(digits: &[u8], complement: bool, bound: u64) -> bool {
    let value = |byte: u8| {
        let digit = u64::from(byte - b'0');
        if complement { 9 - digit } else { digit }
    };
    let (high, low) = digits.split_at(digits.len().saturating_sub(U64_DIGITS));
    high.iter().any(|&byte| value(byte) != 0)
        || low.iter().fold(0, |acc, &byte| acc * 10 + value(byte)) >= bound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_zeros_leave_the_truncation_undecided() {
        assert!(!decides_truncation(b"00000000000000000000", 2));
        assert!(!decides_truncation(b"00000000000000000000000000000000", 2));
    }

    #[test]
    fn all_nines_leave_the_truncation_undecided() {
        assert!(!decides_truncation(b"99999999999999999999", 2));
        assert!(!decides_truncation(b"99999999999999999999999999999999", 2));
    }

    #[test]
    fn guard_digits_within_the_error_of_a_boundary_are_undecided() {
        assert!(!decides_truncation(b"00000000000000000001", 2));
        assert!(!decides_truncation(b"0000000000000000000000000000001", 2));
        assert!(!decides_truncation(b"99999999999999999990", 11));
    }

    #[test]
    fn guard_digits_just_beyond_the_error_decide() {
        assert!(decides_truncation(b"00000000000000000002", 2));
        assert!(decides_truncation(b"99999999999999999998", 2));
        assert!(decides_truncation(b"10000000000000000000000000000000", 2));
        assert!(decides_truncation(b"09999999999999999999999999999999", 2));
        assert!(decides_truncation(b"99999999999999999989", 11));
    }

    #[test]
    fn ordinary_guard_digits_decide() {
        assert!(decides_truncation(b"58209749445923078164", 2));
        assert!(decides_truncation(b"5", 2));
    }

    #[test]
    fn no_guard_digits_decide_nothing() {
        assert!(!decides_truncation(b"", 2));
        assert!(!decides_truncation(b"0", 2));
        assert!(!decides_truncation(b"9", 2));
        assert!(!decides_truncation(b"1", 2));
        assert!(decides_truncation(b"2", 2));
        assert!(decides_truncation(b"8", 2));
    }
}
