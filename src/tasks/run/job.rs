//! One run of one task, from a claimed row to stored digits: compute on the blocking lane (or
//! read the digits already stored), verify, store, and settle how it ended.
//!
//! Every step returns `Result<_, Ended>`, so `?` carries a stop, a failure, a lost task and a
//! database error alike to `Job::settle`, the one place that decides what the run writes last.
//! A job runs inside its `task_run` span (task id, attempt), which the blocking computation
//! enters too.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::{OwnedSemaphorePermit, oneshot, watch};
use tokio_util::sync::CancellationToken;
use tracing::{Span, error, info, warn};

use super::{
    super::Reservation,
    RunContext,
    cores::Grant,
    ended::{Ended, stop_engine_if_lost},
    engine_control::EngineControl,
    jobs::{StopReason, StopSignal},
};
use crate::{
    domain::{Change, DigitCounts, EventId, HexDigits, Phase, Stage, Task, Verification},
    pi,
    storage::{CHUNK_DIGITS, Run, StorageError},
};

/// At most this many progress writes per second per task; the bus and the database see no more.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// The share of the bar the engine's own progress fills; verifying and storing take the rest.
const ENGINE_SHARE: f64 = 0.95;

/// How long a run whose database went away keeps trying to hand its task back before leaving
/// it to recovery at the next start.
const HAND_BACK_ATTEMPTS: u32 = 30;
const HAND_BACK_PAUSE: Duration = Duration::from_secs(1);

pub(super) struct Job {
    context: RunContext,
    run: Run,
    task: Task,
    /// The threads this computation may use, held until the run ends.
    cores: Grant,
    /// Its estimated peak memory, held until the computation and the storing are over.
    memory: Reservation,
    /// The process is stopping: the engine sees it directly, even if the runner is gone.
    shutdown: CancellationToken,
}

impl Job {
    pub(super) fn new(
        context: RunContext,
        run: Run,
        task: Task,
        cores: Grant,
        memory: Reservation,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            context,
            run,
            task,
            cores,
            memory,
            shutdown,
        }
    }

    pub(super) async fn execute(mut self, permit: OwnedSemaphorePermit) {
        let started = Instant::now();
        let signal = self
            .context
            .jobs
            .register(self.task.id, self.task.n.get(), self.run.attempt);
        let outcome = self.compute(&signal).await;
        // A run that ended early (a database error) may have left the engine running: stop it.
        signal.stop(StopReason::Lost);
        self.context.jobs.remove(self.task.id, &signal);
        drop(permit);
        // The digits are stored or dropped by now: the next task may have the memory, and is
        // told so before the last word of this run wakes the runner.
        self.memory.shrink_to(0);
        self.settle(outcome, started.elapsed()).await;
    }

    async fn compute(&self, signal: &Arc<StopSignal>) -> Result<EventId, Ended> {
        let storage = &self.context.storage;
        let n = self.task.n.get();
        let stored = storage.stored_len().await?;
        if n <= stored {
            return self.read_from_store().await;
        }
        let (decimals, counts, mut verification) = self.compute_on_blocking_lane(signal).await?;
        self.progress(ENGINE_SHARE, Phase::Verifying).await?;
        verification.agreed_with_store = self.compare_with_store(&decimals, stored, signal).await?;
        self.stage(Stage::Calculated).await?;
        self.progress(0.98, Phase::Storing).await?;
        let digit = decimals[decimals.len() - 1] - b'0';
        storage
            .complete(
                self.run,
                digit,
                counts,
                Some((&decimals, stored, &verification)),
            )
            .await?
            .ok_or(Ended::Lost)
    }

    /// Pi to n is a prefix of pi to any longer count: the verified store already has it.
    async fn read_from_store(&self) -> Result<EventId, Ended> {
        let storage = &self.context.storage;
        let n = self.task.n.get();
        self.stage(Stage::Taken).await?;
        self.progress(0.5, Phase::Reading).await?;
        let digit = storage.read_digits(n, 1).await?;
        let Some(&digit) = digit.first() else {
            return Err(Ended::Failed(format!(
                "The stored digits end before decimal {n}."
            )));
        };
        let counts = storage.count_digits(n).await?;
        self.stage(Stage::Calculated).await?;
        storage
            .complete(self.run, digit - b'0', counts, None)
            .await?
            .ok_or(Ended::Lost)
    }

    /// Runs the engine on the blocking lane, forwarding its progress (throttled) and logging
    /// `taken` the moment a thread starts on it.
    /// Counts the digits there too, once they are verified: it is the one time they are all in
    /// memory.
    async fn compute_on_blocking_lane(
        &self,
        signal: &Arc<StopSignal>,
    ) -> Result<(Vec<u8>, DigitCounts, Verification), Ended> {
        let n = self.task.n.get();
        let (started_tx, mut started_rx) = oneshot::channel::<()>();
        let (progress_tx, mut progress_rx) = watch::channel(pi::Progress {
            fraction: 0.0,
            phase: pi::Phase::Series,
        });
        let control = EngineControl {
            signal: signal.clone(),
            progress: progress_tx,
        };
        let options = pi::Options {
            threads: self.cores.threads(),
        };
        let span = Span::current();
        let mut handle = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let _ = started_tx.send(());
            let started = Instant::now();
            let computed = pi::compute(n, options, &control);
            let elapsed = started.elapsed();
            let pi::Computed {
                decimals,
                hex_checks,
            } = computed.map_err(|err| match err {
                // The engine stops only when the signal has a reason.
                pi::EngineError::Cancelled => {
                    Ended::Stopped(control.signal.reason().unwrap_or(StopReason::Shutdown))
                }
                pi::EngineError::CheckFailed(mismatch) => {
                    Ended::Failed(format!("The computed value failed its check: {mismatch}."))
                }
            })?;
            let checksum_digits = pi::verify_known_checksums(&decimals).map_err(|mismatch| {
                Ended::Failed(format!(
                    "The computed digits failed verification: {mismatch}."
                ))
            })?;
            let verification = Verification {
                checksum_digits,
                hex: hex_checks
                    .into_iter()
                    .map(|check| HexDigits {
                        position: check.position,
                        digits: check.digits,
                    })
                    .collect(),
                agreed_with_store: 0,
            };
            let counts = DigitCounts::of(&decimals);
            Ok::<_, Ended>((decimals, counts, verification, elapsed))
        });
        let mut ticks = tokio::time::interval(PROGRESS_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut taken = false;
        let joined = loop {
            tokio::select! {
                // `taken` first: a short computation may end before this loop looks at it.
                biased;
                Ok(()) = &mut started_rx, if !taken => {
                    taken = true;
                    stop_engine_if_lost(signal, self.stage(Stage::Taken).await)?;
                }
                joined = &mut handle => break joined,
                _ = ticks.tick(), if taken => {
                    if progress_rx.has_changed().unwrap_or(false) {
                        let progress = *progress_rx.borrow_and_update();
                        let written = self.progress(progress.fraction * ENGINE_SHARE, progress.phase.into()).await;
                        stop_engine_if_lost(signal, written)?;
                    }
                }
            }
        };
        let (decimals, counts, verification, elapsed) = joined.map_err(|join_error| {
            Ended::Failed(format!("The computation crashed: {join_error}."))
        })??;
        metrics::counter!("pilane_digits_computed_total").increment(n);
        // A lost measurement only makes estimates less fresh: never fail the task for it.
        if let Err(err) = self
            .context
            .record_engine_run(n, options.threads, elapsed)
            .await
        {
            warn!(error = %err, "could not keep the engine's speed");
        }
        Ok((decimals, counts, verification))
    }

    /// The new digits must agree exactly with every digit already stored; returns how many
    /// were compared.
    async fn compare_with_store(
        &self,
        decimals: &[u8],
        stored: u64,
        signal: &StopSignal,
    ) -> Result<u64, Ended> {
        let overlap = stored.min(decimals.len() as u64);
        let mut index = 0;
        while index * CHUNK_DIGITS < overlap {
            // Shutdown does not stop this: the digits are computed, and storing them is quick.
            if let Some(reason) = signal
                .reason()
                .filter(|reason| *reason != StopReason::Shutdown)
            {
                return Err(Ended::Stopped(reason));
            }
            let Some(chunk) = self.context.storage.read_chunk(index).await? else {
                return Err(Ended::Failed(format!(
                    "The stored digits have a gap at chunk {index}."
                )));
            };
            let from = (index * CHUNK_DIGITS) as usize;
            let to = (from + chunk.len()).min(overlap as usize);
            if let Some(offset) = decimals[from..to]
                .iter()
                .zip(chunk.as_bytes())
                .position(|(a, b)| a != b)
            {
                return Err(Ended::Failed(format!(
                    "The computed digits disagree with the stored ones at decimal {}.",
                    from + offset + 1
                )));
            }
            index += 1;
        }
        Ok(overlap)
    }

    /// Logs a stage of this run; [`Ended::Lost`] when the run no longer owns the task.
    async fn stage(&self, stage: Stage) -> Result<(), Ended> {
        let event = self
            .context
            .storage
            .record_stage(self.run, stage)
            .await?
            .ok_or(Ended::Lost)?;
        info!(stage = stage.as_str(), "task stage");
        self.context.bus.publish(Change::stage(self.task.id, event));
        Ok(())
    }

    /// Saves progress; [`Ended::Lost`] when the run no longer owns the task.
    async fn progress(&self, fraction: f64, phase: Phase) -> Result<(), Ended> {
        let owned = self
            .context
            .storage
            .record_progress(self.run, fraction, phase)
            .await?;
        if !owned {
            return Err(Ended::Lost);
        }
        self.context.bus.publish(Change::progress(self.task.id));
        Ok(())
    }

    /// Hands the task back once the database takes writes again, trying for a while.
    async fn hand_back_when_possible(&self) -> Result<Option<EventId>, StorageError> {
        let reason = "The database was unavailable while it ran; it runs again.";
        let mut attempt = 1;
        loop {
            match self.context.storage.hand_back(self.run, reason).await {
                // At shutdown, leave it to recovery at the next start rather than hold the exit.
                Err(err)
                    if err.unavailable().is_some()
                        && attempt < HAND_BACK_ATTEMPTS
                        && !self.shutdown.is_cancelled() =>
                {
                    attempt += 1;
                    tokio::time::sleep(HAND_BACK_PAUSE).await;
                }
                written => return written,
            }
        }
    }

    /// Writes how the run ended, the one place that decides it.
    async fn settle(&self, outcome: Result<EventId, Ended>, elapsed: Duration) {
        let storage = &self.context.storage;
        let written = match outcome {
            Ok(event) => {
                let n = self.task.n.get();
                info!(n, elapsed_ms = elapsed.as_millis() as u64, "task done");
                metrics::histogram!("pilane_task_duration_seconds", "size" => size_bucket(n))
                    .record(elapsed.as_secs_f64());
                Ok(Some(event))
            }
            Err(Ended::Stopped(StopReason::Shutdown)) => {
                info!("task handed back to the queue for shutdown");
                storage
                    .hand_back(
                        self.run,
                        "The server shut down before it finished; it will run again.",
                    )
                    .await
            }
            Err(Ended::Stopped(StopReason::Cancelled | StopReason::Lost) | Ended::Lost) => {
                info!("run ended: the task was cancelled or taken over");
                Ok(None)
            }
            Err(Ended::Failed(message)) => {
                error!(error = %message, "task failed");
                storage.fail(self.run, &message).await
            }
            Err(Ended::Storage(err)) if err.unavailable().is_some() => {
                warn!(error = %err, "the database is unavailable; the task goes back to the queue");
                self.hand_back_when_possible().await
            }
            Err(Ended::Storage(err)) => {
                error!(error = %err, "the run could not read or write the database");
                let message = "The digits could not be read or stored; retry the task.";
                storage.fail(self.run, message).await
            }
        };
        match written {
            Ok(Some(event)) => self.context.bus.publish(Change::stage(self.task.id, event)),
            Ok(None) => {}
            Err(err) => {
                warn!(error = %err, "could not record how the run ended; recovery will requeue it")
            }
        }
    }
}

/// n's order of magnitude, as a metric label: `1e3` holds n ≤ 1,000, `1e4` holds 1,001 to 10,000.
fn size_bucket(n: u64) -> &'static str {
    const BUCKETS: [(u64, &str); 6] = [
        (1_000, "1e3"),
        (10_000, "1e4"),
        (100_000, "1e5"),
        (1_000_000, "1e6"),
        (10_000_000, "1e7"),
        (100_000_000, "1e8"),
    ];
    BUCKETS
        .iter()
        .find(|(limit, _)| n <= *limit)
        .map_or("more", |(_, label)| label)
}
