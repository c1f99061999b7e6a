//! Writes a large natural number in decimal.

use malachite::Natural;

/// The decimal digits of `x` as ASCII bytes, most significant first.
///
/// malachite's conversion is GMP's `mpn_get_str`: divide and conquer over a table of powers of
/// the base, so it is subquadratic.
///
/// # Worst-case complexity
/// $T(n) = O(M(n) \log n)$ and $M(n) = O(n \log n)$, where $n$ is `x.significant_bits()`.
pub(crate) fn to_decimal(x: &Natural) -> Vec<u8> {
    x.to_string().into_bytes()
}
