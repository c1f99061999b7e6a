//! The heartbeat that keeps this instance's claims, and the sweeper that takes back the claims
//! of instances that stopped.

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::Instance;
use crate::{
    domain::Change,
    events::Bus,
    storage::{Lost, Run, Storage, StorageResult},
};

/// What a task taken back from a lost run says in its stage log.
const REQUEUED: &str = "The instance computing it stopped before it finished (it crashed, was killed, or lost its lease); it runs again.";

/// Renews the leases of the runs `running` lists (those this instance is computing), until `stop`.
pub async fn heartbeat(
    storage: Storage,
    instance: Instance,
    running: impl Fn() -> Vec<Run> + Send + 'static,
    stop: CancellationToken,
) {
    let mut ticks = tokio::time::interval(instance.heartbeat_interval());
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = ticks.tick() => {}
        }
        let runs = running();
        if let Err(err) = storage
            .renew_leases(instance.id(), &runs, instance.lease())
            .await
        {
            // Missing a beat is survivable: the lease outlasts three of them.
            warn!(error = %err, "could not renew this instance's leases");
        }
    }
}

/// Takes back the tasks whose lease ran out, every sweep interval, until `stop`.
pub async fn sweep(storage: Storage, bus: Bus, instance: Instance, stop: CancellationToken) {
    let mut ticks = tokio::time::interval(instance.sweep_interval());
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = ticks.tick() => {}
        }
        if let Err(err) = take_back(&storage, &bus, &instance, Lost::LeaseExpired).await {
            warn!(error = %err, "could not look for tasks whose lease ran out");
        }
    }
}

/// Takes back the running tasks `lost` selects, logging and announcing each; returns how many.
pub async fn take_back(
    storage: &Storage,
    bus: &Bus,
    instance: &Instance,
    lost: Lost,
) -> StorageResult<usize> {
    let give_up = format!(
        "Its run was lost {} times before it finished (the instance computing it crashed, was \
         killed, or lost the database for a whole lease), so it is not tried again on its own: \
         it may be what stops them. Retry it to try once more.",
        instance.max_attempts()
    );
    let taken = storage
        .take_back_lost(lost, instance.max_attempts(), REQUEUED, &give_up)
        .await?;
    metrics::counter!("pilane_tasks_taken_back_total").increment(taken.len() as u64);
    for (task, event) in &taken {
        info!(
            task_id = %task.id,
            status = task.status.as_str(),
            "task lost with the instance running it is taken back"
        );
        bus.publish(Change::stage(task.id, *event));
    }
    Ok(taken.len())
}
