//! The task layer, one job per piece:
//!
//! - [`Tasks`] (`commands`): what a person can do to a task (submit, cancel, retry). Each change
//!   is committed, then published on the bus, so the live views never show something the
//!   database does not hold.
//! - [`Queries`] (`queries`): what pages, the API and the live feed read, and the time estimates.
//! - [`Runner`] (`run/`): claims queued tasks and computes each as a job on the blocking lane,
//!   working from an explicit [`RunContext`].
//! - [`SearchIndex`] (`search`): the in-memory index of the digit store that searches read,
//!   rebuilt in the background as the store grows.
//! - [`MemoryBudget`] (`memory`): what the computations and the index may hold together; each
//!   reserves its estimated peak before it starts, and a task that could never fit is refused.
//!
//! [`TaskLayer::new`] builds them over the same handles.

mod commands;
mod error;
mod estimate;
mod memory;
mod queries;
mod run;
mod search;

use std::sync::Arc;

use tokio::sync::Notify;

pub use commands::{TaskLimits, Tasks};
pub use error::{TaskError, TaskResult, about_bytes};
pub use estimate::CALIBRATION_DIGITS;
pub use memory::{MemoryBudget, Reservation};
pub use queries::{Queries, READ_CHUNK};
pub use run::{Cores, RunContext, Runner, RunnerConfig};
pub use search::{CONTEXT_DIGITS, Hit, SearchIndex, SearchResult};

use crate::{cluster::Instance, events::Bus, storage::Storage};
use estimate::Estimator;
use run::Jobs;

/// The task layer's parts, sharing one database, bus, registry of running jobs, estimator and
/// search index.
pub struct TaskLayer {
    pub tasks: Tasks,
    pub queries: Queries,
    pub runs: RunContext,
    /// The search index the queries answer from; `app` has it follow the store.
    pub index: SearchIndex,
}

impl TaskLayer {
    pub fn new(
        storage: Storage,
        bus: Bus,
        limits: TaskLimits,
        cores: Cores,
        instance: Instance,
        memory: MemoryBudget,
    ) -> Self {
        let jobs = Jobs::default();
        // Pokes the runner when there is new work, so it does not wait for its next poll.
        let wake = Arc::new(Notify::new());
        let estimator = Estimator::new(cores.when_idle());
        let index = SearchIndex::new(memory.clone());
        Self {
            tasks: Tasks {
                storage: storage.clone(),
                bus: bus.clone(),
                jobs: jobs.clone(),
                wake: wake.clone(),
                limits,
                memory: memory.clone(),
                threads: cores.when_idle(),
            },
            queries: Queries {
                storage: storage.clone(),
                bus: bus.clone(),
                jobs: jobs.clone(),
                estimator: estimator.clone(),
                index: index.clone(),
                max_digits: limits.max_digits,
            },
            runs: RunContext {
                storage,
                bus,
                jobs,
                wake,
                cores,
                estimator,
                instance,
                memory,
            },
            index,
        }
    }
}
