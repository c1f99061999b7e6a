//! The task service: what a person can ask for (submit, cancel, retry, read) and the runner that
//! computes queued tasks on the blocking lane. Every committed change is published on the bus
//! here, after its transaction, so the live views never show something the database does not hold.

mod compute;
mod cores;
mod error;
mod estimate;
mod jobs;
mod runner;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tracing::info;

pub use cores::Cores;
pub use error::{TaskError, TaskResult};
pub use estimate::CALIBRATION_DIGITS;
// What callers of the service see of the layers below it, so `web` depends on `tasks` alone.
pub use crate::{
    events::{Change, ChangeKind, Message},
    storage::{CHUNK_DIGITS, Counts, ListQuery, Submission, SubmitOutcome, Unavailable},
};
pub use runner::{Runner, RunnerConfig};

use crate::{
    cluster::Instance,
    domain::{DigitCount, EventId, StageEvent, Status, Task, TaskId},
    events::Bus,
    storage::Storage,
};
use estimate::Estimator;
use jobs::{Jobs, StopReason};

/// A cheap handle to the task service; clone it freely.
#[derive(Clone)]
pub struct Tasks {
    storage: Storage,
    bus: Bus,
    jobs: Jobs,
    /// Pokes the runner when there is new work, so it does not wait for its next poll.
    wake: Arc<Notify>,
    limits: TaskLimits,
    cores: Cores,
    estimator: Estimator,
    /// This process, as the owner of the tasks it claims.
    instance: Instance,
}

/// What the service accepts.
#[derive(Debug, Clone, Copy)]
pub struct TaskLimits {
    /// The largest n a task may ask for.
    pub max_digits: u64,
    /// How many tasks may wait in the queue; submissions beyond it are refused.
    pub max_queue: u64,
}

impl Tasks {
    pub fn new(
        storage: Storage,
        bus: Bus,
        limits: TaskLimits,
        cores: Cores,
        instance: Instance,
    ) -> Self {
        Self {
            storage,
            bus,
            jobs: Jobs::default(),
            wake: Arc::new(Notify::new()),
            limits,
            cores,
            estimator: Estimator::default(),
            instance,
        }
    }

    /// Learns this machine's speed from the computations kept in the database; when there are
    /// none, measures one of [`CALIBRATION_DIGITS`] on the blocking lane and keeps it.
    pub async fn load_engine_rate(&self) -> TaskResult<()> {
        let mut runs = self
            .storage
            .recent_engine_runs(estimate::WINDOW as u64)
            .await?;
        runs.reverse();
        self.estimator.observe(runs);
        if self.estimator.is_calibrated() {
            return Ok(());
        }
        let threads = 1;
        let measured = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let outcome = crate::pi::decimals(
                CALIBRATION_DIGITS,
                crate::pi::Options { threads },
                &crate::pi::Unobserved,
            );
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
    async fn record_engine_run(
        &self,
        digits: u64,
        threads: usize,
        elapsed: Duration,
    ) -> TaskResult<()> {
        let run = crate::storage::EngineRun {
            digits,
            threads,
            work: crate::pi::estimated_work(digits, threads),
            seconds: elapsed.as_secs_f64(),
        };
        self.estimator.observe([run]);
        self.storage.record_engine_run(run).await?;
        Ok(())
    }

    /// How long computing `n` decimals should take on this machine, once its speed is known.
    pub fn estimate(&self, n: u64) -> Option<Duration> {
        self.estimator.estimate(n, self.cores.when_idle())
    }

    /// How long a queued task should take to compute, once this machine's speed is known.
    pub fn estimate_task(&self, task: &Task) -> Option<Duration> {
        if task.status == Status::Queued {
            self.estimate(task.n.get())
        } else {
            None
        }
    }

    pub fn max_digits(&self) -> u64 {
        self.limits.max_digits
    }

    /// This process, as the owner of the tasks it claims.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// The runs this process is computing now: what its heartbeat keeps leased.
    pub fn live_runs(&self) -> Vec<crate::storage::Run> {
        self.jobs
            .runs()
            .into_iter()
            .map(|(task_id, attempt)| crate::storage::Run { task_id, attempt })
            .collect()
    }

    /// How many computations this process is running now.
    pub fn running_here(&self) -> usize {
        self.jobs.len()
    }

    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    /// Parses and validates what a person typed for n.
    pub fn parse_count(&self, input: &str) -> TaskResult<DigitCount> {
        Ok(DigitCount::parse(input, self.limits.max_digits)?)
    }

    /// Validates n given as a number (JSON, CLI).
    pub fn check_count(&self, n: u64) -> TaskResult<DigitCount> {
        Ok(DigitCount::new(n, self.limits.max_digits)?)
    }

    /// Registers a task for n, or returns the existing one (queued again if it had failed or
    /// been cancelled). The row is committed before this returns. Refused with
    /// [`TaskError::QueueFull`] when it would add to a full queue.
    pub async fn submit(&self, n: DigitCount) -> TaskResult<Submission> {
        let submission = self.storage.submit(n, self.limits.max_queue).await??;
        let id = submission.task.id;
        match (submission.outcome, submission.event) {
            (SubmitOutcome::Created, Some(event)) => {
                info!(task_id = %id, n = n.get(), "task registered");
                self.bus.publish(Change::created(id, event));
                self.wake.notify_one();
            }
            (SubmitOutcome::Retried, Some(event)) => {
                info!(task_id = %id, n = n.get(), "task queued again by resubmission");
                self.bus.publish(Change::stage(id, event));
                self.wake.notify_one();
            }
            _ => {}
        }
        Ok(submission)
    }

    /// Cancels a queued or running task; a running computation stops within a fraction of a second.
    pub async fn cancel(&self, id: TaskId) -> TaskResult<Task> {
        let Some((task, event)) = self.storage.cancel(id).await? else {
            let task = self.task(id).await?;
            return Err(TaskError::NotCancellable {
                id,
                status: task.status,
            });
        };
        self.jobs.stop(id, StopReason::Cancelled);
        info!(task_id = %id, "task cancelled");
        self.bus.publish(Change::stage(id, event));
        Ok(task)
    }

    /// Stops this process's computation of `id` if the task is no longer running under its run
    /// (cancelled or taken back elsewhere). A failed read changes nothing: the run's own next
    /// write finds out anyway.
    async fn stop_if_no_longer_ours(&self, id: TaskId) {
        let Some(attempt) = self.jobs.attempt_of(id) else {
            return;
        };
        let Ok(Some(task)) = self.storage.task(id).await else {
            return;
        };
        if task.status == Status::Running && task.attempt == attempt {
            return;
        }
        let reason = if task.status == Status::Cancelled && task.attempt == attempt {
            StopReason::Cancelled
        } else {
            StopReason::Lost
        };
        info!(task_id = %id, status = task.status.as_str(), "the task changed elsewhere; stopping its computation here");
        self.jobs.stop(id, reason);
    }

    /// Queues a failed or cancelled task again, unless the queue is full.
    pub async fn retry(&self, id: TaskId) -> TaskResult<Task> {
        let task = self.task(id).await?;
        if !task.status.can_retry() {
            return Err(TaskError::NotRetryable {
                id,
                status: task.status,
            });
        }
        let Some((task, event)) = self.storage.retry(id, self.limits.max_queue).await?? else {
            let task = self.task(id).await?;
            return Err(TaskError::NotRetryable {
                id,
                status: task.status,
            });
        };
        info!(task_id = %id, "task queued again by retry");
        self.bus.publish(Change::stage(id, event));
        self.wake.notify_one();
        Ok(task)
    }

    pub async fn task(&self, id: TaskId) -> TaskResult<Task> {
        self.storage.task(id).await?.ok_or(TaskError::NotFound(id))
    }

    pub async fn stages(&self, id: TaskId) -> TaskResult<Vec<StageEvent>> {
        Ok(self.storage.stages(id).await?)
    }

    pub async fn stages_of(&self, ids: &[TaskId]) -> TaskResult<Vec<StageEvent>> {
        Ok(self.storage.stages_of(ids).await?)
    }

    /// A page of tasks, newest first, and whether more exist beyond it.
    pub async fn list(&self, query: &ListQuery) -> TaskResult<(Vec<Task>, bool)> {
        Ok(self.storage.list(query).await?)
    }

    /// How many tasks have each status, for `/metrics`.
    pub async fn status_counts(&self) -> TaskResult<Vec<(Status, u64)>> {
        Ok(self.storage.status_counts().await?)
    }

    pub async fn counts(&self) -> TaskResult<Counts> {
        Ok(self.storage.counts().await?)
    }

    /// Stage events after `after`, for a reconnecting live view.
    pub async fn events_after(&self, after: EventId, limit: u64) -> TaskResult<Vec<StageEvent>> {
        Ok(self.storage.events_after(after, limit).await?)
    }

    pub async fn latest_event_id(&self) -> TaskResult<EventId> {
        Ok(self.storage.latest_event_id().await?)
    }

    /// How many decimals the shared digit store holds.
    pub async fn stored_len(&self) -> TaskResult<u64> {
        Ok(self.storage.stored_len().await?)
    }

    /// Decimals `start ..= start + count - 1` from the store, cut short where it ends.
    pub async fn read_digits(&self, start: u64, count: u64) -> TaskResult<Vec<u8>> {
        Ok(self.storage.read_digits(start, count).await?)
    }

    /// The decimals of a done task, `start ..= start + count - 1`, never past its n.
    pub async fn task_digits(&self, task: &Task, start: u64, count: u64) -> TaskResult<Vec<u8>> {
        if task.status != Status::Done {
            return Err(TaskError::NotDone {
                id: task.id,
                status: task.status,
            });
        }
        let count = count.min((task.n.get() + 1).saturating_sub(start));
        self.read_digits(start, count).await
    }

    /// Whether the database answers.
    pub async fn check_database(&self) -> TaskResult<()> {
        Ok(self.storage.ping().await?)
    }
}
