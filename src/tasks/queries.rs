//! What pages, the API and the live feed read: tasks, their stage logs, the digit store, and how
//! long a task should take here. Reads only; every change goes through [`super::Tasks`] or the
//! runner.

use std::time::Duration;

use tokio::sync::broadcast;

use super::{
    TaskError, TaskResult,
    estimate::Estimator,
    run::Jobs,
    search::{SearchIndex, SearchResult},
};
use crate::{
    domain::{
        Counts, DigitQuery, EventId, ListQuery, Message, StageEvent, Status, Task, TaskId, TaskPage,
    },
    events::Bus,
    storage::{CHUNK_DIGITS, Storage},
};

/// How many of the latest measured computations the home page plots.
const MEASURED_RUNS: u64 = 200;

/// Decimals read at a time when a whole task's digits are streamed: one chunk of the store.
pub const READ_CHUNK: u64 = CHUNK_DIGITS;

/// A cheap handle to the reads; clone it freely.
#[derive(Clone)]
pub struct Queries {
    pub(super) storage: Storage,
    pub(super) bus: Bus,
    /// The computations running here, for `running_here`.
    pub(super) jobs: Jobs,
    pub(super) estimator: Estimator,
    pub(super) index: SearchIndex,
    /// The largest n a task may ask for.
    pub(super) max_digits: u64,
}

/// The task `id`, or [`TaskError::NotFound`].
pub(super) async fn find_task(storage: &Storage, id: TaskId) -> TaskResult<Task> {
    storage.task(id).await?.ok_or(TaskError::NotFound(id))
}

impl Queries {
    /// Every committed change from now on, as the bus carries it.
    pub fn changes(&self) -> broadcast::Receiver<Message> {
        self.bus.subscribe()
    }

    /// How many changes (and resyncs) this process has heard of, from here or, through the
    /// relay, from the other instances: while it stays the same, what was read stays current.
    pub fn changes_heard(&self) -> u64 {
        self.bus.carried()
    }

    /// The largest n a task may ask for.
    pub fn max_digits(&self) -> u64 {
        self.max_digits
    }

    /// How long computing `n` decimals should take on this machine, once its speed is known.
    pub fn estimate(&self, n: u64) -> Option<Duration> {
        self.estimator.estimate(n)
    }

    /// How long a queued task should take to compute, once this machine's speed is known.
    pub fn estimate_task(&self, task: &Task) -> Option<Duration> {
        if task.status == Status::Queued {
            self.estimate(task.n.get())
        } else {
            None
        }
    }

    /// How many computations this process is running now.
    pub fn running_here(&self) -> usize {
        self.jobs.len()
    }

    pub async fn task(&self, id: TaskId) -> TaskResult<Task> {
        find_task(&self.storage, id).await
    }

    pub async fn stages(&self, id: TaskId) -> TaskResult<Vec<StageEvent>> {
        Ok(self.storage.stages(id).await?)
    }

    pub async fn stages_of(&self, ids: &[TaskId]) -> TaskResult<Vec<StageEvent>> {
        Ok(self.storage.stages_of(ids).await?)
    }

    /// A page of tasks, newest first, and where the pages beside it start.
    pub async fn list(&self, query: &ListQuery) -> TaskResult<TaskPage> {
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

    /// Where `query` occurs in the verified digits (or in `task`'s n decimals), with the first
    /// `limit` hits. A whole-store search takes microseconds; one within a task may scan the
    /// digits on one side of its n, so it runs on the blocking lane.
    pub async fn search(
        &self,
        query: DigitQuery,
        task: Option<&Task>,
        limit: usize,
    ) -> TaskResult<SearchResult> {
        let Some(task) = task else {
            return self.index.search(query, None, limit);
        };
        let within = SearchIndex::within(task)?;
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || index.search(query, Some(within), limit))
            .await
            .map_err(|failed| TaskError::Index(failed.to_string()))?
    }

    /// The done task with the largest n: its digits viewer shows every stored decimal.
    pub async fn largest_done(&self) -> TaskResult<Option<Task>> {
        Ok(self.storage.largest_done_task().await?)
    }

    /// How long this machine took for the computations it measured: (digits, threads, seconds).
    pub async fn measured_runs(&self) -> TaskResult<Vec<(u64, usize, f64)>> {
        let runs = self.storage.recent_engine_runs(MEASURED_RUNS).await?;
        Ok(runs
            .into_iter()
            .map(|run| (run.digits, run.threads, run.seconds))
            .collect())
    }

    /// Whether the database answers.
    pub async fn check_database(&self) -> TaskResult<()> {
        Ok(self.storage.ping().await?)
    }
}
