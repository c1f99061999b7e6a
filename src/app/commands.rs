//! The subcommands that do not serve.

use std::io::Write;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use tracing::info;

use crate::{pi, storage::Storage};

/// `pilane digits N`: `3.` and N decimals on stdout, nothing else; with `timings`, the time of
/// each phase on stderr, beside the share of the progress bar the engine's cost model gave it
/// (the two shares should be close: that is how the model is refitted) and the peak memory the
/// process reached during it (where the memory goes).
pub fn print_digits(n: u64, threads: usize, timings: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let timer = PhaseTimer::default();
    let control: &dyn pi::Control = if timings { &timer } else { &pi::Unobserved };
    let pi::Computed {
        decimals,
        hex_checks,
    } = pi::compute(n, pi::Options { threads }, control)?;
    let computed = started.elapsed();
    let mut out = std::io::stdout().lock();
    out.write_all(b"3.")?;
    out.write_all(&decimals)?;
    out.write_all(b"\n")?;
    out.flush()?;
    if timings {
        timer.print(computed, started.elapsed() - computed);
        for check in hex_checks {
            eprintln!(
                "checked: hexadecimal digits {} onward are {}, as Bellard's formula gives",
                check.position, check.digits
            );
        }
    }
    Ok(())
}

/// Times the phases of one computation from its progress reports, and keeps the fraction of the
/// progress at which each began and the peak memory it reached.
#[derive(Default)]
struct PhaseTimer {
    phases: Mutex<Vec<PhaseSeen>>,
}

struct PhaseSeen {
    phase: pi::Phase,
    started: Instant,
    fraction: f64,
    /// The process's peak resident set while this phase ran, in kB, once it has ended.
    peak_kb: Option<u64>,
}

impl pi::Control for PhaseTimer {
    fn report(&self, progress: pi::Progress) {
        let mut phases = self.phases.lock().unwrap_or_else(PoisonError::into_inner);
        if phases
            .last()
            .is_none_or(|seen| seen.phase != progress.phase)
        {
            if let Some(previous) = phases.last_mut() {
                previous.peak_kb = peak_since_reset();
            }
            phases.push(PhaseSeen {
                phase: progress.phase,
                started: Instant::now(),
                fraction: progress.fraction,
                peak_kb: None,
            });
        }
    }

    fn is_cancelled(&self) -> bool {
        false
    }
}

/// The peak resident set (`VmHWM`) since the last call, in kB, where Linux tells it: each call
/// reads it and resets it to what is resident now (`/proc/self/clear_refs`).
fn peak_since_reset() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let peak = super::memory_limit::kb_field(&status, "VmHWM")?;
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    Some(peak)
}

impl PhaseTimer {
    fn print(&self, computed: Duration, written: Duration) {
        let mut phases = self.phases.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(last) = phases.last_mut() {
            last.peak_kb = peak_since_reset();
        }
        let Some(first) = phases.first().map(|seen| seen.started) else {
            return;
        };
        let end = first + computed;
        eprintln!(
            "{:<12} {:>11} {:>6} {:>10} {:>9}",
            "phase", "time", "share", "estimated", "peak"
        );
        for (i, seen) in phases.iter().enumerate() {
            let (until, next_fraction) = phases
                .get(i + 1)
                .map_or((end, 1.0), |next| (next.started, next.fraction));
            let took = until - seen.started;
            // In MB of 10^6 bytes, as GNU time's kB (KiB) become in docs/PERFORMANCE.md.
            let peak = seen.peak_kb.map_or_else(
                || "?".to_owned(),
                |kb| format!("{} MB", kb * 1024 / 1_000_000),
            );
            eprintln!(
                "{:<12} {:>9.3} s {:>5.1}% {:>9.1}% {:>9}",
                seen.phase.as_str(),
                took.as_secs_f64(),
                100.0 * took.as_secs_f64() / computed.as_secs_f64(),
                100.0 * (next_fraction - seen.fraction),
                peak,
            );
        }
        eprintln!("{:<12} {:>9.3} s", "output", written.as_secs_f64());
        eprintln!(
            "{:<12} {:>9.3} s",
            "total",
            (computed + written).as_secs_f64()
        );
    }
}

/// `pilane migrate`: apply the migrations and exit.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<()> {
    let storage = Storage::connect(database_url)
        .await
        .with_context(|| format!("could not open the database at {database_url}"))?;
    storage
        .migrate()
        .await
        .context("could not apply the migrations")?;
    storage.close().await?;
    info!(database = database_url, "migrations applied");
    Ok(())
}
