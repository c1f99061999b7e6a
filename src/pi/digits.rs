//! The decimals of pi, truncated: an approximation with guard digits, kept only when the guard
//! digits prove the truncation right.

use std::sync::Arc;
use std::thread;

use super::approximation::{self, ERROR_BOUND, terms_for};
use super::bbp;
use super::chudnovsky;
use super::control::{Control, EngineError, Phase};
use super::cost;
use super::decimal::{self, Powers};
use super::detach::{self, DETACH_MIN_BITS, detached};
use super::guard;
use super::hex_check::{self, HexCheck};
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

/// What a computation returns: the digits, and the checks they passed beyond the guard digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    /// The first `n` decimals after the point, as ASCII bytes `b'0'..=b'9'`.
    pub decimals: Vec<u8>,
    /// Where the binary result agreed with Bellard's formula, farthest first.
    pub hex_checks: Vec<HexCheck>,
}

/// The first `n` decimals of pi after the point, truncated, as ASCII bytes `b'0'..=b'9'` (length
/// exactly `n`); `n` may be 0. See [`compute`], which also says what they were checked against.
///
/// # Errors
/// As [`compute`].
pub fn decimals(n: u64, options: Options, control: &dyn Control) -> Result<Vec<u8>, EngineError> {
    compute(n, options, control).map(|computed| computed.decimals)
}

/// The first `n` decimals of pi after the point, truncated, and the checks they passed.
///
/// The digits come from $\lfloor x / 10^g \rfloor$, where $x$ approximates
/// $\pi \cdot 10^{n+g}$ to within 2 units (see the Chudnovsky approximation) and $g$ guard digits
/// show that the error cannot carry into the last kept digit. When they cannot show it (the
/// guard digits are too close to all zeros or all nines), the computation is repeated with twice
/// as many guard digits, so no digit is returned unverified.
///
/// `control` receives progress, weighted by the estimated cost of each step, and is checked for
/// cancellation at least every few milliseconds; on a cancel, the big operations in flight
/// (one, or two where a second thread works beside the series or the checks) finish in the
/// background, unobserved.
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
/// Before the binary result is converted, its bits at a few positions far after the point are
/// compared with the same bits from Bellard's formula, computed on their own (see
/// [`hex_check`]); they cost about 12% of the work, and less of the time on two threads, where
/// one of them runs beside the division.
///
/// # Errors
/// [`EngineError::Cancelled`] when `control` asks to stop; [`EngineError::CheckFailed`] when the
/// binary result disagrees with Bellard's formula, which only a bug or faulty hardware causes.
pub fn compute(n: u64, options: Options, control: &dyn Control) -> Result<Computed, EngineError> {
    decimals_with_guard(n, options, control, initial_guard_digits(n))
}

/// The engine's estimate of the work [`compute`] does for `n` decimals on `threads` threads,
/// in nanoseconds on one core of the reference machine (see docs/PERFORMANCE.md). Only ratios
/// between estimates are meaningful on another machine: a measured rate turns them into time.
pub fn estimated_work(n: u64, threads: usize) -> f64 {
    if n == 0 {
        return 0.0;
    }
    units(n + initial_guard_digits(n), threads.max(1)) as f64
}

/// 20 guard digits, and two more per decimal digit of `n`: a run of $r$ equal digits, which
/// needs more than $r$ guard digits, first appears in pi around position $10^r$, so a retry stays
/// a rarity at every size.
fn initial_guard_digits(n: u64) -> u64 {
    20 + 2 * u64::from(n.checked_ilog10().unwrap_or(0) + 1)
}

/// [`compute`] starting from `guard` guard digits.
fn decimals_with_guard(
    n: u64,
    options: Options,
    control: &dyn Control,
    mut guard: u64,
) -> Result<Computed, EngineError> {
    let threads = options.threads.max(1);
    let reporter = Reporter::for_threads(control, units(n + guard, threads), threads);
    reporter.check()?;
    if n == 0 {
        reporter.finish();
        return Ok(Computed {
            decimals: Vec::new(),
            hex_checks: Vec::new(),
        });
    }
    loop {
        let (mut text, hex_checks) = with_guard_digits(n + guard, threads, &reporter)?;
        let guard_start = text.len() - guard as usize;
        if guard::decides_truncation(&text[guard_start..], ERROR_BOUND) {
            text.truncate(guard_start);
            // The digits move to the front in place: the text is never held twice.
            text.remove(0);
            reporter.finish();
            return Ok(Computed {
                decimals: text,
                hex_checks,
            });
        }
        guard *= 2;
        reporter.restart(units(n + guard, threads));
    }
}

/// `3` and the first `digits` decimals of an approximation of pi within [`ERROR_BOUND`] units
/// of the last, and the checks its binary form passed.
///
/// The square root does not depend on the series: with two threads or more, and numbers big
/// enough to detach, it is computed on a thread of its own while the series runs, which fills
/// the cores the series leaves idle near the root of its tree. The conversion's powers of ten
/// are computed beside the checks, after the division: held from the series on, they were a
/// sixth of what was alive at the peaks of the series and of the division at $10^9$ digits
/// (docs/PERFORMANCE.md, "A billion digits in 8 GiB"). The binary result is checked at the
/// positions [`hex_check::positions`] chooses before it is scaled to decimal and converted; the
/// division runs on one core, so one check's bits of Bellard's formula, which do not depend on
/// the result, are computed on the other meanwhile (see [`split_checks`]). Every big step is
/// [`detached`], so a cancel is seen within milliseconds at any size.
fn with_guard_digits(
    digits: u64,
    threads: usize,
    reporter: &Reporter<'_>,
) -> Result<(Vec<u8>, Vec<HexCheck>), EngineError> {
    let width = digits + 1;
    let cancelled = || reporter.is_cancelled();
    let bits = approximation::fraction_bits(digits);
    let beside = uses_an_idle_core(threads, bits);

    reporter.enter(Phase::Series)?;
    let beside_the_series = beside.then(|| detach::start(move || approximation::square_root(bits)));
    let sum = chudnovsky::sum(terms_for(digits), threads, reporter)?;

    reporter.enter(Phase::SquareRoot)?;
    let root = match beside_the_series {
        Some(root) => root.wait(&cancelled)?,
        None => detached(bits, &cancelled, move || approximation::square_root(bits))?,
    };
    // Computed beside the series, its time is in the series' share of the bar already.
    if !beside {
        reporter.advance(cost::square_root(bits));
    }

    reporter.enter(Phase::Division)?;
    let (now, early) = split_checks(check_positions(digits, threads), bits, beside);
    // The division runs on one core; a check runs on the other meanwhile.
    let (binary, early) = thread::scope(|scope| {
        let early = early.map(|n| scope.spawn(move || hex_check::expected(n, 1, reporter)));
        let binary = detached(bits, &cancelled, move || approximation::quotient(sum, root));
        let early = early.map(detach::join);
        (binary, early)
    });
    let binary = binary?;
    let early = early.transpose()?;
    // What the check beside it reported already stands for as much of the division's time.
    let early_units = early.map_or(0, |expected| bbp::units(expected.position()));
    reporter.advance(cost::division(bits).saturating_sub(early_units));

    reporter.enter(Phase::Checking)?;
    let beside_the_checks = beside.then(|| detach::start(move || Powers::for_width(width)));
    let mut checks = now
        .into_iter()
        .map(|n| {
            let expected = hex_check::expected(n, threads, reporter)?;
            hex_check::compare(&binary, bits, expected)
        })
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(expected) = early {
        checks.push(hex_check::compare(&binary, bits, expected)?);
        checks.sort_by_key(|check| std::cmp::Reverse(check.position));
    }
    let powers = Arc::new(match beside_the_checks {
        Some(powers) => powers.wait(&cancelled)?,
        None => detached(bits, &cancelled, move || Powers::for_width(width))?,
    });
    reporter.advance(Powers::units(width));

    reporter.enter(Phase::Conversion)?;
    let scale = {
        let powers = Arc::clone(&powers);
        detached(bits, &cancelled, move || {
            decimal::high_scale(width, &powers)
        })?
    };
    reporter.advance(decimal::high_scale_units(width));
    // 3 < pi < 4 and the error is a few units, so x has exactly one digit before the point.
    let text = decimal::binary_to_decimal(binary, bits, scale, width, &powers, threads, reporter)?;
    Ok((text, checks))
}

/// The estimated time of [`with_guard_digits`], in the units of [`cost`] weighed by
/// [`cost::time_weight`].
fn units(digits: u64, threads: usize) -> u64 {
    let bits = approximation::fraction_bits(digits);
    let rest = units_before_checks(digits, threads);
    let (now, early) = split_checks(
        positions_within(digits, threads, rest),
        bits,
        uses_an_idle_core(threads, bits),
    );
    // The early check takes time of its own only where it outlasts the division.
    let early = early.map_or(0, bbp::units);
    let overrun = early.saturating_sub(cost::division(bits));
    // The conversion's powers are computed beside the checks, or after them on one thread.
    let checks = hex_check::units(&now) + Powers::units(digits + 1);
    rest + overrun + cost::timed(Phase::Checking, threads, checks)
}

/// The positions to check after the division, and the one to check beside it where a core is
/// idle: the one whose estimated time is nearest the division's of `bits` bits. The division
/// leaves the other core idle for its whole time, so the more of that the check fills, the less
/// is left for after it, and a check a little longer than the division still leaves less.
fn split_checks(mut positions: Vec<u64>, bits: u64, beside: bool) -> (Vec<u64>, Option<u64>) {
    if !beside || positions.len() < 2 {
        return (positions, None);
    }
    let division = cost::division(bits);
    let early = (0..positions.len())
        .min_by_key(|&i| bbp::units(positions[i]).abs_diff(division))
        .unwrap_or(0);
    let early = positions.remove(early);
    (positions, Some(early))
}

/// Where [`with_guard_digits`] checks its binary result.
fn check_positions(digits: u64, threads: usize) -> Vec<u64> {
    positions_within(digits, threads, units_before_checks(digits, threads))
}

/// The check's positions when the rest takes `rest` units of time: its budget is a share of
/// that, and a unit of the check takes less time on more threads.
fn positions_within(digits: u64, threads: usize, rest: u64) -> Vec<u64> {
    let weight = cost::time_weight(Phase::Checking, threads);
    let bits = approximation::fraction_bits(digits);
    hex_check::positions(bits, cost::weigh(rest, 1_000_000 / weight))
}

/// The estimated time of [`with_guard_digits`] but its checks.
fn units_before_checks(digits: u64, threads: usize) -> u64 {
    let bits = approximation::fraction_bits(digits);
    let beside = uses_an_idle_core(threads, bits);
    let timed = |phase, units| cost::timed(phase, threads, units);
    // Beside the series, the square root takes no time of its own.
    let square_root = if beside { 0 } else { cost::square_root(bits) };
    timed(
        Phase::Series,
        chudnovsky::progress_units(terms_for(digits), threads),
    ) + timed(Phase::SquareRoot, square_root)
        + timed(Phase::Division, cost::division(bits))
        + timed(
            Phase::Conversion,
            decimal::high_scale_units(digits + 1) + decimal::units(digits + 1, bits),
        )
}

/// Whether work that does not depend on the step in progress runs beside it, on a thread of its
/// own: the square root beside the series, the conversion's powers beside the checks. It takes
/// a second thread, and numbers big enough to be worth one.
fn uses_an_idle_core(threads: usize, bits: u64) -> bool {
    threads >= 2 && bits >= DETACH_MIN_BITS
}

#[cfg(test)]
mod tests;
