//! What a person can do to a task: submit, cancel, retry. Each is one transaction; its change is
//! published on the bus only after the commit, and the runner is woken for new work.

use std::sync::Arc;

use tokio::sync::Notify;
use tracing::info;

use super::{
    MemoryBudget, TaskError, TaskResult,
    queries::find_task,
    run::{Jobs, StopReason},
};
use crate::{
    domain::{Change, DigitCount, Submission, SubmitOutcome, Task, TaskId},
    events::Bus,
    storage::Storage,
};

/// A cheap handle to the task commands; clone it freely.
#[derive(Clone)]
pub struct Tasks {
    pub(super) storage: Storage,
    pub(super) bus: Bus,
    /// The computations running here, so a cancel stops its own at once.
    pub(super) jobs: Jobs,
    /// Pokes the runner when a task is queued.
    pub(super) wake: Arc<Notify>,
    pub(super) limits: TaskLimits,
    /// A task whose estimated peak exceeds the whole budget could never start: it is refused.
    pub(super) memory: MemoryBudget,
    /// The threads a task computes with when it has the machine to itself.
    pub(super) threads: usize,
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
    pub fn max_digits(&self) -> u64 {
        self.limits.max_digits
    }

    /// Parses and validates what a person typed for n.
    pub fn parse_count(&self, input: &str) -> TaskResult<DigitCount> {
        Ok(DigitCount::parse(input, self.limits.max_digits)?)
    }

    /// Registers a task for n, or returns the existing one (queued again if it had failed or
    /// been cancelled). The row is committed before this returns. Refused with
    /// [`TaskError::QueueFull`] when it would add to a full queue, and with
    /// [`TaskError::NeedsMoreMemory`] when it could never fit the memory budget.
    #[tracing::instrument(skip_all, fields(n = n.get()))]
    pub async fn submit(&self, n: DigitCount) -> TaskResult<Submission> {
        self.check_memory(n.get())?;
        let submission = self.storage.submit(n, self.limits.max_queue).await?;
        let id = submission.task.id;
        match (submission.outcome, submission.event) {
            (SubmitOutcome::Created, Some(event)) => {
                info!(task_id = %id, "task registered");
                self.publish_new_work(Change::created(id, event));
            }
            (SubmitOutcome::Retried, Some(event)) => {
                info!(task_id = %id, "task queued again by resubmission");
                self.publish_new_work(Change::stage(id, event));
            }
            _ => {}
        }
        Ok(submission)
    }

    /// Cancels a queued or running task; a running computation stops within a fraction of a second.
    #[tracing::instrument(skip_all, fields(task_id = %task_id))]
    pub async fn cancel(&self, task_id: TaskId) -> TaskResult<Task> {
        let Some((task, event)) = self.storage.cancel(task_id).await? else {
            let task = find_task(&self.storage, task_id).await?;
            return Err(TaskError::NotCancellable {
                id: task_id,
                status: task.status,
            });
        };
        self.jobs.stop(task_id, StopReason::Cancelled);
        info!("task cancelled");
        self.bus.publish(Change::stage(task_id, event));
        Ok(task)
    }

    /// Queues a failed or cancelled task again, unless the queue is full.
    #[tracing::instrument(skip_all, fields(task_id = %task_id))]
    pub async fn retry(&self, task_id: TaskId) -> TaskResult<Task> {
        let not_retryable = |task: Task| TaskError::NotRetryable {
            id: task_id,
            status: task.status,
        };
        let task = find_task(&self.storage, task_id).await?;
        if !task.status.can_retry() {
            return Err(not_retryable(task));
        }
        self.check_memory(task.n.get())?;
        let Some((task, event)) = self.storage.retry(task_id, self.limits.max_queue).await? else {
            return Err(not_retryable(find_task(&self.storage, task_id).await?));
        };
        info!("task queued again by retry");
        self.publish_new_work(Change::stage(task_id, event));
        Ok(task)
    }

    /// Whether a task of `n` digits fits the whole memory budget, as it must to ever start.
    fn check_memory(&self, n: u64) -> TaskResult<()> {
        let needs = crate::pi::peak_memory(n, self.threads);
        let allows = self.memory.total();
        if needs > allows {
            return Err(TaskError::NeedsMoreMemory { n, needs, allows });
        }
        Ok(())
    }

    /// Publishes a change that queued a task, and wakes the runner for it.
    fn publish_new_work(&self, change: Change) {
        self.bus.publish(change);
        self.wake.notify_one();
    }
}
