//! One run of one task, from a claimed row to stored digits: take a compute slot, compute on
//! the blocking lane (or read the digits already stored), verify, store, and settle the outcome.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::{OwnedSemaphorePermit, oneshot, watch};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::{
    Tasks,
    cores::Grant,
    jobs::{StopReason, StopSignal},
};
use crate::{
    domain::{EventId, Phase, Stage, Task},
    events::Change,
    pi,
    storage::{CHUNK_DIGITS, Run},
};

/// At most this many progress writes per second per task; the bus and the database see no more.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// The share of the bar the engine's own progress fills; verifying and storing take the rest.
const ENGINE_SHARE: f64 = 0.95;

pub(super) struct Job {
    tasks: Tasks,
    run: Run,
    task: Task,
    /// The threads this computation may use, held until the run ends.
    cores: Grant,
    /// The process is stopping: the engine sees it directly, even if the runner is gone.
    shutdown: CancellationToken,
}

/// How a run ended, which decides what it writes last.
enum Outcome {
    Done(EventId),
    Stopped(StopReason),
    Failed(String),
    /// A write found the task no longer owned by this run: someone else decided its fate.
    Lost,
    /// The database was busy, full or unreachable: nothing is wrong with the task, so it goes
    /// back to the queue instead of failing.
    Unavailable,
}

/// How long a run whose database went away keeps trying to hand its task back before leaving
/// it to recovery at the next start.
const HAND_BACK_ATTEMPTS: u32 = 30;
const HAND_BACK_PAUSE: Duration = Duration::from_secs(1);

impl Job {
    pub(super) fn new(
        tasks: Tasks,
        run: Run,
        task: Task,
        cores: Grant,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            tasks,
            run,
            task,
            cores,
            shutdown,
        }
    }

    pub(super) async fn execute(self, permit: OwnedSemaphorePermit) {
        let started = Instant::now();
        let signal = self
            .tasks
            .jobs
            .register(self.task.id, self.task.n.get(), self.run.attempt);
        let outcome = match self.compute(&signal).await {
            Ok(outcome) => outcome,
            Err(err) if err.unavailable().is_some() => {
                warn!(task_id = %self.task.id, error = %err, "the database is unavailable; the task goes back to the queue");
                Outcome::Unavailable
            }
            Err(err) => {
                error!(task_id = %self.task.id, error = %err, "the run could not read or write the database");
                Outcome::Failed(
                    "The digits could not be read or stored; retry the task.".to_owned(),
                )
            }
        };
        // A run that ended early (a database error) may have left the engine running: stop it.
        signal.stop(StopReason::Lost);
        self.tasks.jobs.remove(self.task.id, &signal);
        drop(permit);
        self.settle(outcome, started.elapsed()).await;
    }

    async fn compute(&self, signal: &Arc<StopSignal>) -> Result<Outcome, super::TaskError> {
        let storage = &self.tasks.storage;
        let n = self.task.n.get();
        let stored = storage.stored_len().await?;
        if n <= stored {
            // Pi to n is a prefix of pi to any longer count: the verified store already has it.
            if !self.stage(Stage::Taken).await? {
                return Ok(Outcome::Lost);
            }
            self.progress(0.5, Phase::Reading).await?;
            let digit = storage.read_digits(n, 1).await?;
            let Some(&digit) = digit.first() else {
                return Ok(Outcome::Failed(format!(
                    "The stored digits end before decimal {n}."
                )));
            };
            if !self.stage(Stage::Calculated).await? {
                return Ok(Outcome::Lost);
            }
            return Ok(
                match storage.complete(self.run, digit - b'0', None).await? {
                    Some(event) => Outcome::Done(event),
                    None => Outcome::Lost,
                },
            );
        }

        let decimals = match self.compute_on_blocking_lane(signal).await? {
            Ok(decimals) => decimals,
            Err(outcome) => return Ok(outcome),
        };
        self.progress(ENGINE_SHARE, Phase::Verifying).await?;
        if let Some(outcome) = self.compare_with_store(&decimals, stored, signal).await? {
            return Ok(outcome);
        }
        if !self.stage(Stage::Calculated).await? {
            return Ok(Outcome::Lost);
        }
        self.progress(0.98, Phase::Storing).await?;
        let digit = decimals[decimals.len() - 1] - b'0';
        Ok(
            match storage
                .complete(self.run, digit, Some((&decimals, stored)))
                .await?
            {
                Some(event) => Outcome::Done(event),
                None => Outcome::Lost,
            },
        )
    }

    /// Runs the engine on the blocking lane, forwarding its progress (throttled) and logging
    /// `taken` the moment a thread starts on it.
    async fn compute_on_blocking_lane(
        &self,
        signal: &Arc<StopSignal>,
    ) -> Result<Result<Vec<u8>, Outcome>, super::TaskError> {
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
        let mut handle = tokio::task::spawn_blocking(move || {
            let _ = started_tx.send(());
            let started = Instant::now();
            let decimals = pi::decimals(n, options, &control);
            let elapsed = started.elapsed();
            let decimals = decimals.map_err(|_| {
                // The engine stops only when the signal has a reason.
                Outcome::Stopped(control.signal.reason().unwrap_or(StopReason::Shutdown))
            })?;
            pi::verify_known_checksums(&decimals).map_err(|mismatch| {
                Outcome::Failed(format!(
                    "The computed digits failed verification: {mismatch}."
                ))
            })?;
            Ok((decimals, elapsed))
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
                    if !self.stage(Stage::Taken).await? {
                        signal.stop(StopReason::Lost);
                    }
                }
                joined = &mut handle => break joined,
                _ = ticks.tick(), if taken => {
                    if progress_rx.has_changed().unwrap_or(false) {
                        let progress = *progress_rx.borrow_and_update();
                        if !self.progress(progress.fraction * ENGINE_SHARE, engine_phase(progress.phase)).await? {
                            signal.stop(StopReason::Lost);
                        }
                    }
                }
            }
        };
        Ok(match joined {
            Ok(Ok((decimals, elapsed))) => {
                metrics::counter!("pilane_digits_computed_total").increment(n);
                // A lost measurement only makes estimates less fresh: never fail the task for it.
                if let Err(err) = self
                    .tasks
                    .record_engine_run(n, options.threads, elapsed)
                    .await
                {
                    warn!(task_id = %self.task.id, error = %err, "could not keep the engine's speed");
                }
                Ok(decimals)
            }
            Ok(Err(outcome)) => Err(outcome),
            Err(join_error) => Err(Outcome::Failed(format!(
                "The computation crashed: {join_error}."
            ))),
        })
    }

    /// The new digits must agree exactly with every digit already stored.
    async fn compare_with_store(
        &self,
        decimals: &[u8],
        stored: u64,
        signal: &StopSignal,
    ) -> Result<Option<Outcome>, super::TaskError> {
        let overlap = stored.min(decimals.len() as u64);
        let mut index = 0;
        while index * CHUNK_DIGITS < overlap {
            // Shutdown does not stop this: the digits are computed, and storing them is quick.
            if let Some(reason) = signal
                .reason()
                .filter(|reason| *reason != StopReason::Shutdown)
            {
                return Ok(Some(Outcome::Stopped(reason)));
            }
            let Some(chunk) = self.tasks.storage.read_chunk(index).await? else {
                return Ok(Some(Outcome::Failed(format!(
                    "The stored digits have a gap at chunk {index}."
                ))));
            };
            let from = (index * CHUNK_DIGITS) as usize;
            let to = (from + chunk.len()).min(overlap as usize);
            if let Some(offset) = decimals[from..to]
                .iter()
                .zip(chunk.as_bytes())
                .position(|(a, b)| a != b)
            {
                return Ok(Some(Outcome::Failed(format!(
                    "The computed digits disagree with the stored ones at decimal {}.",
                    from + offset + 1
                ))));
            }
            index += 1;
        }
        Ok(None)
    }

    /// Logs a stage of this run; `false` when the run no longer owns the task.
    async fn stage(&self, stage: Stage) -> Result<bool, super::TaskError> {
        let Some(event) = self.tasks.storage.record_stage(self.run, stage).await? else {
            return Ok(false);
        };
        info!(task_id = %self.task.id, stage = stage.as_str(), "task stage");
        self.tasks.bus.publish(Change::stage(self.task.id, event));
        Ok(true)
    }

    /// Saves progress; `false` when the run no longer owns the task.
    async fn progress(&self, fraction: f64, phase: Phase) -> Result<bool, super::TaskError> {
        let owned = self
            .tasks
            .storage
            .record_progress(self.run, fraction, phase)
            .await?;
        if owned {
            self.tasks.bus.publish(Change::progress(self.task.id));
        }
        Ok(owned)
    }

    /// Hands the task back once the database takes writes again, trying for a while.
    async fn hand_back_when_possible(
        &self,
    ) -> Result<Option<EventId>, crate::storage::StorageError> {
        let reason = "The database was unavailable while it ran; it runs again.";
        let mut attempt = 1;
        loop {
            match self.tasks.storage.hand_back(self.run, reason).await {
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

    async fn settle(&self, outcome: Outcome, elapsed: Duration) {
        let id = self.task.id;
        let storage = &self.tasks.storage;
        let written = match outcome {
            Outcome::Done(event) => {
                info!(task_id = %id, n = self.task.n.get(), elapsed_ms = elapsed.as_millis() as u64, "task done");
                metrics::histogram!("pilane_task_duration_seconds", "size" => size_bucket(self.task.n.get()))
                    .record(elapsed.as_secs_f64());
                Ok(Some(event))
            }
            Outcome::Stopped(StopReason::Shutdown) => {
                info!(task_id = %id, "task handed back to the queue for shutdown");
                storage
                    .hand_back(
                        self.run,
                        "The server shut down before it finished; it will run again.",
                    )
                    .await
            }
            Outcome::Stopped(StopReason::Cancelled | StopReason::Lost) | Outcome::Lost => {
                info!(task_id = %id, "run ended: the task was cancelled or taken over");
                Ok(None)
            }
            Outcome::Failed(message) => {
                error!(task_id = %id, error = %message, "task failed");
                storage.fail(self.run, &message).await
            }
            Outcome::Unavailable => self.hand_back_when_possible().await,
        };
        match written {
            Ok(Some(event)) => self.tasks.bus.publish(Change::stage(id, event)),
            Ok(None) => {}
            Err(err) => {
                warn!(task_id = %id, error = %err, "could not record how the run ended; recovery will requeue it")
            }
        }
    }
}

/// What the engine sees of the outside world: where its progress goes and whether to stop.
struct EngineControl {
    signal: Arc<StopSignal>,
    progress: watch::Sender<pi::Progress>,
}

impl pi::Control for EngineControl {
    fn report(&self, progress: pi::Progress) {
        self.signal.set_progress(progress.fraction);
        self.progress.send_replace(progress);
    }

    /// Only the signal: at shutdown the runner stops each computation, or lets one that is
    /// nearly done finish.
    fn is_cancelled(&self) -> bool {
        self.signal.is_stopped()
    }
}

fn engine_phase(phase: pi::Phase) -> Phase {
    match phase {
        pi::Phase::Series => Phase::Series,
        pi::Phase::SquareRoot => Phase::SquareRoot,
        pi::Phase::Division => Phase::Division,
        pi::Phase::Conversion => Phase::Conversion,
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
