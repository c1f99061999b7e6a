//! The decimals of pi, truncated: an approximation with guard digits, kept only when the guard
//! digits prove the truncation right.

use super::approximation::{self, ERROR_BOUND};
use super::control::{Cancelled, Control, Phase};
use super::decimal;
use super::guard;
use super::progress::Reporter;

/// How a computation may use the machine.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How many threads the series and the conversion may use; 0 counts as 1. Any count gives
    /// the same digits.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { threads: 1 }
    }
}

/// The first `n` decimals of pi after the point, truncated, as ASCII bytes `b'0'..=b'9'` (length
/// exactly `n`); `n` may be 0.
///
/// The digits come from $\lfloor x / 10^g \rfloor$, where $x$ approximates
/// $\pi \cdot 10^{n+g}$ to within 2 units (see the Chudnovsky approximation) and $g$ guard digits
/// show that the error cannot carry into the last kept digit. When they cannot show it (the
/// guard digits are too close to all zeros or all nines), the computation is repeated with twice
/// as many guard digits, so no digit is returned unverified.
///
/// `control` receives progress and is checked for cancellation between phases and throughout
/// the series; the square root, the division and the conversion each run uninterrupted.
///
/// # Worst-case complexity
/// $T(n) = O(n \log^3 n \log\log n)$
///
/// $M(n) = O(n \log n)$
///
/// where $T$ is time and $M$ is additional memory: the series by binary splitting dominates (see
/// the Chudnovsky module). About half a second for $10^6$ digits on one core of a current
/// machine.
///
/// # Errors
/// [`Cancelled`] when `control` asks to stop.
pub fn decimals(n: u64, options: Options, control: &dyn Control) -> Result<Vec<u8>, Cancelled> {
    decimals_with_guard(n, options, control, initial_guard_digits(n))
}

/// 20 guard digits, and two more per decimal digit of `n`: a run of $r$ equal digits, which
/// needs more than $r$ guard digits, first appears in pi around position $10^r$, so a retry stays
/// a rarity at every size.
fn initial_guard_digits(n: u64) -> u64 {
    20 + 2 * u64::from(n.checked_ilog10().unwrap_or(0) + 1)
}

/// [`decimals`] starting from `guard` guard digits.
fn decimals_with_guard(
    n: u64,
    options: Options,
    control: &dyn Control,
    mut guard: u64,
) -> Result<Vec<u8>, Cancelled> {
    let reporter = Reporter::new(control);
    reporter.check()?;
    if n == 0 {
        reporter.finish();
        return Ok(Vec::new());
    }
    loop {
        let scaled =
            approximation::approximate(n.saturating_add(guard), options.threads, &reporter)?;
        reporter.enter(Phase::Conversion)?;
        let mut text = decimal::to_decimal(&scaled, options.threads);
        // 3 < pi < 4 and the error is a few units, so x has exactly one digit before the point:
        // the text is "3", the n decimals, then the guard digits.
        debug_assert_eq!(text.len() as u64, 1 + n + guard);
        let guard_start = text.len() - guard as usize;
        if guard::decides_truncation(&text[guard_start..], ERROR_BOUND) {
            text.truncate(guard_start);
            text.remove(0);
            reporter.finish();
            return Ok(text);
        }
        guard *= 2;
    }
}

#[cfg(test)]
mod tests;
