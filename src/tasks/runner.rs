//! The runner: claims queued tasks one compute slot at a time and hands each to a [`Job`].
//!
//! Computing is CPU-bound, serving is I/O: jobs compute on tokio's blocking lane, never on the
//! async workers, and a semaphore of `workers` permits bounds how many compute at once, so the
//! server always has cores left to answer.

use std::{sync::Arc, time::Duration};

use tokio::sync::Semaphore;
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::{error, info};

use super::{Tasks, compute::Job, jobs::StopReason};
use crate::events::{Change, ChangeKind, Message};
use tokio::sync::broadcast::error::RecvError;

#[derive(Debug, Clone, Copy)]
pub struct RunnerConfig {
    /// How many tasks compute at once.
    pub workers: usize,
    /// How often to look for work nobody announced (e.g. tasks recovered at startup).
    pub poll_interval: Duration,
    /// At shutdown, a computation expected to finish within this long finishes; the others
    /// are stopped and handed back.
    pub finish_within: Duration,
}

pub struct Runner {
    tasks: Tasks,
    config: RunnerConfig,
    permits: Arc<Semaphore>,
    jobs: TaskTracker,
}

impl Runner {
    pub fn new(tasks: Tasks, config: RunnerConfig) -> Self {
        let permits = Arc::new(Semaphore::new(config.workers.max(1)));
        Self {
            tasks,
            config,
            permits,
            jobs: TaskTracker::new(),
        }
    }

    /// Claims and runs tasks until `shutdown`; then stops every running computation, lets each
    /// hand its task back to the queue, and returns once all of them have.
    pub async fn run(self, shutdown: CancellationToken) {
        let waker = tokio::spawn(wake_on_new_work(self.tasks.clone(), shutdown.clone()));
        loop {
            let permit = tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                permit = self.permits.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            // Not raced against shutdown: dropping a claim mid-commit could leave a task running
            // with no job. The claim is one short transaction.
            let instance = &self.tasks.instance;
            let claimed = self
                .tasks
                .storage
                .claim_next(instance.id(), instance.lease())
                .await;
            match claimed {
                Ok(Some((run, task, event))) => {
                    info!(task_id = %task.id, n = task.n.get(), attempt = run.attempt, "task scheduled");
                    self.tasks.bus.publish(Change::stage(task.id, event));
                    let job = Job::new(
                        self.tasks.clone(),
                        run,
                        task,
                        self.tasks.cores.grant(),
                        shutdown.clone(),
                    );
                    self.jobs.spawn(job.execute(permit));
                }
                Ok(None) => {
                    drop(permit);
                    tokio::select! {
                        biased;
                        () = shutdown.cancelled() => break,
                        () = self.tasks.wake.notified() => {}
                        () = tokio::time::sleep(self.config.poll_interval) => {}
                    }
                }
                Err(err) => {
                    drop(permit);
                    error!(error = %err, "could not claim a task; trying again shortly");
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
        let running = self.tasks.jobs.len();
        info!(
            running,
            "runner stopping: handing running tasks back to the queue"
        );
        let finishing = self
            .tasks
            .jobs
            .stop_all_but(StopReason::Shutdown, |n, progress| {
                nearly_done(self.tasks.estimate(n), progress, self.config.finish_within)
            });
        for task_id in finishing {
            info!(task_id = %task_id, "task close to done: finishing it before shutdown");
        }
        self.jobs.close();
        self.jobs.wait().await;
        waker.abort();
        info!("runner stopped");
    }
}

/// Pokes the runner whenever a task may have become claimable: registered, queued again, or
/// finished (a slot freed) on this instance or, announced through the bus, on another one. And
/// when a task computing here changed stage elsewhere (cancelled on another instance, taken back
/// by a sweeper), stops its computation now rather than at its next progress write.
async fn wake_on_new_work(tasks: Tasks, shutdown: CancellationToken) {
    let mut changes = tasks.bus.subscribe();
    loop {
        let message = tokio::select! {
            () = shutdown.cancelled() => break,
            message = changes.recv() => message,
        };
        match message {
            Ok(Message::Change(change)) if change.kind == ChangeKind::Progress => {}
            Ok(Message::Change(change)) => {
                tasks.wake.notify_one();
                if change.kind == ChangeKind::Stage {
                    tasks.stop_if_no_longer_ours(change.task_id).await;
                }
            }
            Ok(Message::Resync) | Err(RecvError::Lagged(_)) => tasks.wake.notify_one(),
            Err(RecvError::Closed) => break,
        }
    }
}

/// Whether a computation `progress` of the way through a run expected to take `estimate` in all
/// ends within `budget`. Without an estimate nothing is known, and the run is stopped.
fn nearly_done(estimate: Option<Duration>, progress: f64, budget: Duration) -> bool {
    estimate.is_some_and(|total| total.mul_f64((1.0 - progress).clamp(0.0, 1.0)) <= budget)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_finishes_at_shutdown_only_when_its_estimated_rest_fits_the_budget() {
        let budget = Duration::from_secs(5);
        let minute = Some(Duration::from_secs(60));
        assert!(nearly_done(minute, 0.95, budget), "3 s left");
        assert!(!nearly_done(minute, 0.5, budget), "30 s left");
        assert!(
            nearly_done(Some(Duration::from_secs(4)), 0.0, budget),
            "a short run"
        );
        assert!(!nearly_done(None, 0.99, budget), "no estimate, no promise");
    }
}
