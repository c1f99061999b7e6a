//! Computing queued tasks. Everything the pieces share is the [`RunContext`].
//!
//! - `runner`: the [`Runner`] claims queued tasks one compute slot at a time, each in a span;
//! - `job`: one run, from the claimed row to stored digits, on the blocking lane;
//! - `ended`: how a run can end short of that, as the error its steps return;
//! - `engine_control`: what the engine sees of the job (progress out, the stop signal in);
//! - `jobs`: the registry through which a cancel or the shutdown reaches a running computation;
//! - `cores`: how many threads each computation gets;
//! - `calibrate`: this machine's speed, for the time estimates;
//! - `backfill`: digit counts for tasks done before they were counted.

mod backfill;
mod calibrate;
mod cores;
mod ended;
mod engine_control;
mod job;
mod jobs;
mod runner;

use std::sync::Arc;

use tokio::sync::Notify;

pub use cores::Cores;
pub(super) use jobs::{Jobs, StopReason};
pub use runner::{Runner, RunnerConfig};

use super::{MemoryBudget, estimate::Estimator};
use crate::{
    cluster::Instance,
    events::Bus,
    storage::{Run, Storage},
};

/// What a run needs from the rest of the process, named explicitly: the runner and every job
/// work from one of these and reach nothing else.
#[derive(Clone)]
pub struct RunContext {
    pub(super) storage: Storage,
    pub(super) bus: Bus,
    /// The computations running here.
    pub(super) jobs: Jobs,
    /// Poked when there is new work, so the runner does not wait for its next poll.
    pub(super) wake: Arc<Notify>,
    pub(super) cores: Cores,
    pub(super) estimator: Estimator,
    /// This process, as the owner of the tasks it claims.
    pub(super) instance: Instance,
    /// Each run reserves its estimated peak memory before it computes.
    pub(super) memory: MemoryBudget,
}

impl RunContext {
    /// This process, as the owner of the tasks it claims.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// The runs this process is computing now: what its heartbeat keeps leased.
    pub fn live_runs(&self) -> Vec<Run> {
        self.jobs
            .runs()
            .into_iter()
            .map(|(task_id, attempt)| Run { task_id, attempt })
            .collect()
    }
}
