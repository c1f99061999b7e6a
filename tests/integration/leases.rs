//! Leases and fencing at the storage layer, on whichever database the suite runs on: a run whose
//! lease was lost changes nothing, and a task lost too often fails with the reason.

use std::time::Duration;

use pilane::{
    domain::{DigitCount, DigitCounts, EventId, Status, Task, Verification},
    storage::{Claim, Fit, Lost, Run, Storage},
};

use crate::helpers::{fixture_decimals, test_database};

const REQUEUED: &str = "lost; it runs again";
const GIVE_UP: &str = "lost too often";

async fn storage_with_task(dir: &tempfile::TempDir, n: u64) -> (Storage, pilane::domain::TaskId) {
    let url = test_database(dir.path()).await;
    let storage = Storage::connect(&url).await.expect("the database opens");
    storage.migrate().await.expect("migrations apply");
    let n = DigitCount::new(n, 1_000_000).expect("a valid count");
    let submitted = storage
        .submit(n, u64::MAX)
        .await
        .expect("the database takes the task, and an empty queue has room");
    (storage, submitted.task.id)
}

/// Claims the oldest queued task for `owner`, with a lease of `lease`.
async fn claim(storage: &Storage, owner: &str, lease: Duration) -> Run {
    match storage
        .claim_next(owner, lease, Fit::ANY)
        .await
        .expect("the claim works")
    {
        Claim::Claimed { run, .. } => run,
        other => panic!("a task to claim, not {other:?}"),
    }
}

/// One sweep for expired leases, with at most 3 lost runs per task.
async fn sweep(storage: &Storage) -> Vec<(Task, EventId)> {
    storage
        .take_back_lost(Lost::LeaseExpired, 3, REQUEUED, GIVE_UP)
        .await
        .expect("the sweep works")
}

#[tokio::test]
async fn a_run_whose_lease_ran_out_changes_nothing_and_its_digits_are_dropped() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (storage, id) = storage_with_task(&dir, 20).await;
    let zombie = claim(&storage, "stopped-instance", Duration::ZERO).await;

    let taken = sweep(&storage).await;
    assert_eq!(taken.len(), 1, "the expired lease is taken back");
    assert_eq!(taken[0].0.status, Status::Queued);
    let live = claim(&storage, "live-instance", Duration::from_secs(30)).await;
    assert_eq!(
        live.attempt,
        zombie.attempt + 1,
        "a new attempt fences the old"
    );

    let decimals = fixture_decimals(20).as_bytes();
    assert!(
        !storage
            .record_progress(zombie, 0.5, pilane::domain::Phase::Series)
            .await
            .expect("the write runs"),
        "the zombie's progress touches no row"
    );
    let late = storage
        .complete(
            zombie,
            decimals[19] - b'0',
            DigitCounts::of(decimals),
            Some((decimals, 0, &Verification::default())),
        )
        .await
        .expect("the write runs");
    assert_eq!(late, None, "the zombie's completion changes nothing");
    assert_eq!(
        storage.stored_len().await.expect("readable"),
        0,
        "and its digits were dropped with it"
    );

    let done = storage
        .complete(
            live,
            decimals[19] - b'0',
            DigitCounts::of(decimals),
            Some((decimals, 0, &Verification::default())),
        )
        .await
        .expect("the write runs");
    assert!(done.is_some(), "the live run completes");
    let task = storage.task(id).await.expect("readable").expect("exists");
    assert_eq!(
        (task.status, task.digit),
        (Status::Done, Some(decimals[19] - b'0'))
    );
    let stored = storage.stages(id).await.expect("readable");
    let stored: Vec<_> = stored
        .iter()
        .filter(|stage| stage.stage.as_str() == "stored")
        .collect();
    assert_eq!(stored.len(), 1, "exactly one result");
    assert_eq!(stored[0].attempt, live.attempt);
    storage.close().await.expect("the database closes");
}

#[tokio::test]
async fn a_heartbeat_keeps_a_live_claim_from_being_taken_back() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (storage, _) = storage_with_task(&dir, 20).await;
    let run = claim(&storage, "busy-instance", Duration::ZERO).await;
    let renewed = storage
        .renew_leases("busy-instance", &[run], Duration::from_secs(30))
        .await
        .expect("the heartbeat works");
    assert_eq!(renewed, 1);
    let taken = sweep(&storage).await;
    assert!(taken.is_empty(), "a renewed lease is left alone");
    storage.close().await.expect("the database closes");
}

#[tokio::test]
async fn a_heartbeat_renews_only_the_runs_still_computing_not_everything_its_owner_once_claimed() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (storage, _) = storage_with_task(&dir, 20).await;
    // A run of "web-1" that ended without a last word, e.g. before a restart under the same id.
    claim(&storage, "web-1", Duration::ZERO).await;
    let renewed = storage
        .renew_leases("web-1", &[], Duration::from_secs(30))
        .await
        .expect("the heartbeat works");
    assert_eq!(renewed, 0);
    let taken = sweep(&storage).await;
    assert_eq!(taken.len(), 1, "nobody computes it, so it is taken back");
    storage.close().await.expect("the database closes");
}

#[tokio::test]
async fn a_task_lost_with_its_instance_max_attempts_times_fails_with_the_reason_until_retried() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (storage, id) = storage_with_task(&dir, 20).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        claim(&storage, "crashing-instance", Duration::ZERO).await;
        let taken = sweep(&storage).await;
        statuses.push(taken[0].0.status);
    }
    assert_eq!(statuses, [Status::Queued, Status::Queued, Status::Failed]);
    let task = storage.task(id).await.expect("readable").expect("exists");
    assert_eq!(task.error.as_deref(), Some(GIVE_UP), "the reason is kept");

    let retried = storage.retry(id, 10).await.expect("the retry works");
    assert!(retried.is_some(), "queued again");
    claim(&storage, "crashing-instance", Duration::ZERO).await;
    let taken = sweep(&storage).await;
    assert_eq!(
        taken[0].0.status,
        Status::Queued,
        "a retry starts the count of lost runs over"
    );
    storage.close().await.expect("the database closes");
}
