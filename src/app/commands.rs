//! The subcommands that do not serve.

use std::io::Write;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use tracing::info;

use crate::{pi, storage::Storage};

/// `pilane digits N`: `3.` and N decimals on stdout, nothing else; with `timings`, the time of
/// each phase on stderr.
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

/// Times the phases of one computation from its progress reports.
#[derive(Default)]
struct PhaseTimer {
    phases: Mutex<Vec<(pi::Phase, Instant)>>,
}

impl pi::Control for PhaseTimer {
    fn report(&self, progress: pi::Progress) {
        let mut phases = self.phases.lock().unwrap_or_else(PoisonError::into_inner);
        if phases
            .last()
            .is_none_or(|(phase, _)| *phase != progress.phase)
        {
            phases.push((progress.phase, Instant::now()));
        }
    }

    fn is_cancelled(&self) -> bool {
        false
    }
}

impl PhaseTimer {
    fn print(&self, computed: Duration, written: Duration) {
        let phases = self.phases.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(&(_, first)) = phases.first() else {
            return;
        };
        let end = first + computed;
        for (i, (phase, start)) in phases.iter().enumerate() {
            let until = phases.get(i + 1).map_or(end, |(_, next)| *next);
            eprintln!(
                "{:<12} {:>9.3} s",
                phase.as_str(),
                (until - *start).as_secs_f64()
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
