//! The runner: claims queued tasks one compute slot at a time and hands each to a [`Job`].
//!
//! Computing is CPU-bound, serving is I/O: jobs compute on tokio's blocking lane, never on the
//! async workers, and a semaphore of `workers` permits bounds how many compute at once, so the
//! server always has cores left to answer.
//!
//! Memory is scheduled like cores: the oldest queued task is claimed only when its estimated
//! peak ([`pi::peak_memory`]) fits what the memory budget has free, and it waits (as do the
//! tasks behind it, so it is never passed over) until enough is given back.

use std::{sync::Arc, time::Duration};

use tokio::sync::{Semaphore, broadcast::error::RecvError};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::{Instrument, error, info, info_span};

use super::{RunContext, job::Job, jobs::StopReason};
use crate::{
    domain::{Change, ChangeKind, Message, Status, TaskId},
    pi,
    storage::{Claim, Fit},
};

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
    context: RunContext,
    config: RunnerConfig,
    permits: Arc<Semaphore>,
    /// The jobs, and the loop that stops them when their task changes elsewhere.
    spawned: TaskTracker,
}

impl Runner {
    pub fn new(context: RunContext, config: RunnerConfig) -> Self {
        let permits = Arc::new(Semaphore::new(config.workers.max(1)));
        Self {
            context,
            config,
            permits,
            spawned: TaskTracker::new(),
        }
    }

    /// Claims and runs tasks until `shutdown`; then stops every running computation, lets each
    /// hand its task back to the queue, and returns once all of them have.
    pub async fn run(self, shutdown: CancellationToken) {
        self.spawned
            .spawn(wake_on_new_work(self.context.clone(), shutdown.clone()));
        let context = &self.context;
        // The task last logged as waiting for memory, so it is logged once.
        let mut waiting_for_memory = None;
        loop {
            let permit = tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                permit = self.permits.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            // Threads and memory are taken before the claim, so the task claimed is one that
            // fits them; what it does not need goes back at once.
            let cores = context.cores.grant();
            let mut memory = context.memory.reserve_what_is_free();
            let fit = Fit {
                now: pi::largest_fitting(memory.bytes(), cores.threads()),
                ever: pi::largest_fitting(context.memory.total(), context.cores.when_idle()),
            };
            // Not raced against shutdown: dropping a claim mid-commit could leave a task running
            // with no job. The claim is one short transaction.
            let instance = &context.instance;
            let claimed = context
                .storage
                .claim_next(instance.id(), instance.lease(), fit)
                .await;
            match claimed {
                Ok(Claim::Claimed { run, task, event }) => {
                    memory.shrink_to(pi::peak_memory(task.n.get(), cores.threads()));
                    // Every line a run logs, from here to its last write, carries these.
                    let span = info_span!("task_run", task_id = %task.id, attempt = run.attempt);
                    span.in_scope(|| {
                        info!(
                            n = task.n.get(),
                            threads = cores.threads(),
                            memory = memory.bytes(),
                            "task scheduled"
                        )
                    });
                    context.bus.publish(Change::stage(task.id, event));
                    let job =
                        Job::new(context.clone(), run, *task, cores, memory, shutdown.clone());
                    self.spawned.spawn(job.execute(permit).instrument(span));
                }
                Ok(Claim::NoneQueued) => {
                    drop((permit, cores, memory));
                    tokio::select! {
                        biased;
                        () = shutdown.cancelled() => break,
                        () = context.wake.notified() => {}
                        () = tokio::time::sleep(self.config.poll_interval) => {}
                    }
                }
                Ok(Claim::OldestTooBig { task_id, n }) => {
                    let threads = cores.threads();
                    drop((permit, cores, memory));
                    // Subscribed after giving back what was held here, which is no news.
                    let mut releases = context.memory.releases();
                    if waiting_for_memory != Some(task_id) {
                        waiting_for_memory = Some(task_id);
                        info!(
                            task_id = %task_id,
                            n,
                            needs = pi::peak_memory(n, threads),
                            free = context.memory.free(),
                            "the oldest queued task waits for memory"
                        );
                    }
                    tokio::select! {
                        biased;
                        () = shutdown.cancelled() => break,
                        _ = releases.changed() => {}
                        () = context.wake.notified() => {}
                        () = tokio::time::sleep(self.config.poll_interval) => {}
                    }
                }
                Err(err) => {
                    drop((permit, cores, memory));
                    error!(error = %err, "could not claim a task; trying again shortly");
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
        let running = context.jobs.len();
        info!(
            running,
            "runner stopping: handing running tasks back to the queue"
        );
        let finishing = context
            .jobs
            .stop_all_but(StopReason::Shutdown, |n, progress| {
                nearly_done(
                    context.estimator.estimate(n),
                    progress,
                    self.config.finish_within,
                )
            });
        for task_id in finishing {
            info!(task_id = %task_id, "task close to done: finishing it before shutdown");
        }
        self.spawned.close();
        self.spawned.wait().await;
        info!("runner stopped");
    }
}

/// Pokes the runner whenever a task may have become claimable: registered, queued again, or
/// finished (a slot freed) on this instance or, announced through the bus, on another one. And
/// when a task computing here changed stage elsewhere (cancelled on another instance, taken back
/// by a sweeper), stops its computation now rather than at its next progress write.
async fn wake_on_new_work(context: RunContext, shutdown: CancellationToken) {
    let mut changes = context.bus.subscribe();
    loop {
        let message = tokio::select! {
            () = shutdown.cancelled() => break,
            message = changes.recv() => message,
        };
        match message {
            Ok(Message::Change(change)) if change.kind == ChangeKind::Progress => {}
            Ok(Message::Change(change)) => {
                context.wake.notify_one();
                if change.kind == ChangeKind::Stage {
                    stop_if_no_longer_ours(&context, change.task_id).await;
                }
            }
            Ok(Message::Resync) | Err(RecvError::Lagged(_)) => context.wake.notify_one(),
            Err(RecvError::Closed) => break,
        }
    }
}

/// Stops this process's computation of `id` if the task is no longer running under its run
/// (cancelled or taken back elsewhere). A failed read changes nothing: the run's own next
/// write finds out anyway.
async fn stop_if_no_longer_ours(context: &RunContext, id: TaskId) {
    let Some(attempt) = context.jobs.attempt_of(id) else {
        return;
    };
    let Ok(Some(task)) = context.storage.task(id).await else {
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
    context.jobs.stop(id, reason);
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
