//! This machine's speed, for the time estimates: learned from the computations kept in the
//! database, measured once at startup when there are none, and kept after every run.

use std::time::{Duration, Instant};

use tracing::info;

use super::RunContext;
use crate::{
    pi,
    storage::EngineRun,
    tasks::{CALIBRATION_DIGITS, TaskResult, estimate},
};

impl RunContext {
    /// Learns this machine's speed from the computations kept in the database; when there are
    /// none, measures one of [`CALIBRATION_DIGITS`] on the blocking lane and keeps it.
    pub async fn calibrate(&self) -> TaskResult<()> {
        let mut runs = self
            .storage
            .recent_engine_runs(estimate::WINDOW as u64)
            .await?;
        runs.reverse();
        // Each run's work is estimated again with this version's cost model: a run kept by an
        // older version carries that version's units.
        for run in &mut runs {
            run.work = pi::estimated_work(run.digits, run.threads);
        }
        self.estimator.observe(runs);
        if self.estimator.is_calibrated() {
            return Ok(());
        }
        let threads = 1;
        let measured = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let outcome =
                pi::decimals(CALIBRATION_DIGITS, pi::Options { threads }, &pi::Unobserved);
            outcome.map(|_| started.elapsed())
        })
        .await;
        if let Ok(Ok(elapsed)) = measured {
            self.record_engine_run(CALIBRATION_DIGITS, threads, elapsed)
                .await?;
            info!(
                digits = CALIBRATION_DIGITS,
                elapsed_ms = elapsed.as_millis() as u64,
                "engine speed measured for time estimates"
            );
        }
        Ok(())
    }

    /// Keeps the time one computation took, for estimates here and after a restart.
    pub(super) async fn record_engine_run(
        &self,
        digits: u64,
        threads: usize,
        elapsed: Duration,
    ) -> TaskResult<()> {
        let run = EngineRun {
            digits,
            threads,
            work: pi::estimated_work(digits, threads),
            seconds: elapsed.as_secs_f64(),
        };
        self.estimator.observe([run]);
        self.storage.record_engine_run(run).await?;
        Ok(())
    }
}
