//! The subcommands that do not serve.

use std::io::Write;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use tracing::info;

use crate::{pi, storage::Storage};

/// `pilane digits N`: `3.` and N decimals on stdout, nothing else; with `timings`, the time of
/// each phase on stderr, beside the share of the progress bar the engine's cost model gave it
/// (the two shares should be close: that is how the model is refitted).
pub fn print_digits(n: u64, threads: usize, timings: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let timer = PhaseTimer::default();
    let control: &dyn pi::Control = if timings { &timer } else { &pi::Unobserved };
    let decimals = pi::decimals(n, pi::Options { threads }, control)
        .context("the computation was cancelled")?;
    let computed = started.elapsed();
    let mut out = std::io::stdout().lock();
    out.write_all(b"3.")?;
    out.write_all(&decimals)?;
    out.write_all(b"\n")?;
    out.flush()?;
    if timings {
        timer.print(computed, started.elapsed() - computed);
    }
    Ok(())
}

/// Times the phases of one computation from its progress reports, and keeps the fraction of the
/// progress at which each began.
#[derive(Default)]
struct PhaseTimer {
    phases: Mutex<Vec<(pi::Phase, Instant, f64)>>,
}

impl pi::Control for PhaseTimer {
    fn report(&self, progress: pi::Progress) {
        let mut phases = self.phases.lock().unwrap_or_else(PoisonError::into_inner);
        if phases
            .last()
            .is_none_or(|(phase, _, _)| *phase != progress.phase)
        {
            phases.push((progress.phase, Instant::now(), progress.fraction));
        }
    }

    fn is_cancelled(&self) -> bool {
        false
    }
}

impl PhaseTimer {
    fn print(&self, computed: Duration, written: Duration) {
        let phases = self.phases.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(&(_, first, _)) = phases.first() else {
            return;
        };
        let end = first + computed;
        eprintln!(
            "{:<12} {:>11} {:>6} {:>10}",
            "phase", "time", "share", "estimated"
        );
        for (i, (phase, start, fraction)) in phases.iter().enumerate() {
            let (until, next_fraction) = phases
                .get(i + 1)
                .map_or((end, 1.0), |(_, next, fraction)| (*next, *fraction));
            let took = until - *start;
            eprintln!(
                "{:<12} {:>9.3} s {:>5.1}% {:>9.1}%",
                phase.as_str(),
                took.as_secs_f64(),
                100.0 * took.as_secs_f64() / computed.as_secs_f64(),
                100.0 * (next_fraction - fraction),
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
