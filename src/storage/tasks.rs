//! The task table: submitting, listing, claiming, leases, and every status change, each applied
//! through `transition` as a conditional update, so that a transition the domain forbids, or one
//! that lost a race, changes nothing.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TryInsertResult,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType},
};

use super::{
    Storage, StorageError, StorageResult,
    entities::task::{self, Column},
    stage_log::insert_event,
    transition::{Detail, Guard, fenced, transition},
};
use crate::domain::{
    Counts, DigitCount, DigitCounts, EventId, ListQuery, Phase, Stage, Status, Submission,
    SubmitOutcome, Task, TaskId, TaskPage, Transition, UnknownValue, Verification,
};

/// One claimed run of a task. Writes made on its behalf take effect only while the task is still
/// running under this attempt, so a run that was cancelled or handed back cannot overwrite what
/// came after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub task_id: TaskId,
    pub attempt: i32,
}

/// Which running tasks [`Storage::take_back_lost`] takes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lost {
    /// Every running task: no other process can be running it.
    All,
    /// Those whose lease ran out (or that never had one).
    LeaseExpired,
}

/// How many digits a claimed task may ask for.
#[derive(Debug, Clone, Copy)]
pub struct Fit {
    /// What fits now.
    pub now: u64,
    /// What could fit once everything else is done.
    pub ever: u64,
}

impl Fit {
    /// Any task at all.
    pub const ANY: Self = Self {
        now: u64::MAX,
        ever: u64::MAX,
    };
}

/// What [`Storage::claim_next`] found.
#[derive(Debug)]
pub enum Claim {
    Claimed {
        run: Run,
        task: Box<Task>,
        event: EventId,
    },
    NoneQueued,
    /// The oldest queued task the caller could ever take asks for more than it can take now.
    OldestTooBig {
        task_id: TaskId,
        n: u64,
    },
}

impl Storage {
    /// Registers a task for `n`, or finds the one that exists. A failed or cancelled task is
    /// queued again, since asking for it again means wanting it.
    ///
    /// A submission that would add to the queue while `queue_limit` tasks already wait is refused
    /// with [`StorageError::QueueFull`]; asking for an existing task never is. The limit is exact: the count
    /// and the insert share SQLite's write lock, or on Postgres an advisory lock that every
    /// instance's submissions and retries take.
    pub async fn submit(&self, n: DigitCount, queue_limit: u64) -> StorageResult<Submission> {
        let txn = self.begin_write().await?;
        let existing = task::Entity::find()
            .filter(Column::N.eq(stored_n(n)))
            .one(&*txn)
            .await?
            .map(to_domain)
            .transpose()?;
        let adds_to_queue = existing.as_ref().is_none_or(|task| task.status.can_retry());
        if adds_to_queue {
            queue_has_room(&*txn, queue_limit).await?;
        }
        let now = Utc::now();
        let row = task::ActiveModel {
            n: Set(stored_n(n)),
            status: Set(Status::Queued.as_str().to_owned()),
            progress: Set(0.0),
            attempt: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let inserted = task::Entity::insert(row)
            .on_conflict_do_nothing_on([Column::N])
            .exec(&*txn)
            .await?;
        let submission = match inserted {
            TryInsertResult::Inserted(result) => {
                let id = TaskId(result.last_insert_id);
                let event = insert_event(&*txn, id, Stage::Registered, 0, None).await?;
                let task = find(&*txn, id).await?;
                Submission {
                    task,
                    outcome: SubmitOutcome::Created,
                    event: Some(event),
                }
            }
            TryInsertResult::Conflicted | TryInsertResult::Empty => {
                let existing = find_by_n(&*txn, n).await?;
                let retried = transition(
                    &*txn,
                    existing.id,
                    Transition::Retry,
                    Guard::Anyone,
                    Detail::None,
                )
                .await?;
                match retried {
                    Some((task, event)) => Submission {
                        task,
                        outcome: SubmitOutcome::Retried,
                        event: Some(event),
                    },
                    None => Submission {
                        task: existing,
                        outcome: SubmitOutcome::Existing,
                        event: None,
                    },
                }
            }
        };
        txn.commit().await?;
        Ok(submission)
    }

    pub async fn task(&self, id: TaskId) -> StorageResult<Option<Task>> {
        task::Entity::find_by_id(id.0)
            .one(self.pool()?)
            .await?
            .map(to_domain)
            .transpose()
    }

    /// A page of tasks, newest first, and where the pages beside it start.
    pub async fn list(&self, query: &ListQuery) -> StorageResult<TaskPage> {
        let mut select = task::Entity::find();
        if let Some(status) = query.status {
            select = select.filter(Column::Status.eq(status.as_str()));
        }
        if let Some(before) = query.before {
            select = select.filter(Column::Id.lt(before.0));
        }
        // Paging backwards reads the rows just above the cursor, then puts them newest-first.
        let backwards = query.is_backwards();
        if let Some(after) = query.after.filter(|_| backwards) {
            select = select.filter(Column::Id.gt(after.0));
        }
        select = if backwards {
            select.order_by_asc(Column::Id)
        } else {
            select.order_by_desc(Column::Id)
        };
        let mut rows = select.limit(query.limit + 1).all(self.pool()?).await?;
        let more = rows.len() as u64 > query.limit;
        rows.truncate(query.limit as usize);
        if backwards {
            rows.reverse();
        }
        let tasks = rows
            .into_iter()
            .map(to_domain)
            .collect::<StorageResult<_>>()?;
        Ok(TaskPage::new(query, tasks, more))
    }

    /// How many tasks have each status (statuses with none are left out).
    pub async fn status_counts(&self) -> StorageResult<Vec<(Status, u64)>> {
        let rows: Vec<(String, i64)> = task::Entity::find()
            .select_only()
            .column(Column::Status)
            .column_as(Column::Id.count(), "count")
            .group_by(Column::Status)
            .into_tuple()
            .all(self.pool()?)
            .await?;
        rows.into_iter()
            .map(|(status, count)| Ok((Status::parse(&status)?, u64::try_from(count).unwrap_or(0))))
            .collect()
    }

    pub async fn counts(&self) -> StorageResult<Counts> {
        let pool = self.pool()?;
        let count = |status: Status| {
            task::Entity::find()
                .filter(Column::Status.eq(status.as_str()))
                .count(pool)
        };
        Ok(Counts {
            queued: count(Status::Queued).await?,
            running: count(Status::Running).await?,
        })
    }

    /// Claims the oldest queued task of at most `fit.ever` digits for a new run by `owner`,
    /// whose claim holds for `lease` unless renewed ([`Storage::renew_leases`]), if it asks for
    /// at most `fit.now`: an older task is never passed over for a smaller one, so a big task
    /// waiting for memory is not starved by small ones. Bigger tasks than `fit.ever` are left to
    /// instances that can take them.
    pub async fn claim_next(&self, owner: &str, lease: Duration, fit: Fit) -> StorageResult<Claim> {
        let txn = self.begin_write().await?;
        let mut oldest = task::Entity::find()
            .select_only()
            .column(Column::Id)
            .column(Column::N)
            .filter(Column::Status.eq(Status::Queued.as_str()))
            .filter(Column::N.lte(i64::try_from(fit.ever).unwrap_or(i64::MAX)))
            .order_by_asc(Column::Id)
            .limit(1);
        if txn.get_database_backend() == DbBackend::Postgres {
            // Several instances claim at once; each skips the rows another is taking.
            oldest = oldest.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let Some((id, n)) = oldest.into_tuple::<(i64, i64)>().one(&*txn).await? else {
            return Ok(Claim::NoneQueued);
        };
        let n = u64::try_from(n).map_err(|_| UnknownValue {
            kind: "n",
            value: n.to_string(),
        })?;
        if n > fit.now {
            return Ok(Claim::OldestTooBig {
                task_id: TaskId(id),
                n,
            });
        }
        let claimed = transition(
            &*txn,
            TaskId(id),
            Transition::Claim,
            Guard::Anyone,
            Detail::Owner(owner, lease_end(lease)),
        )
        .await?;
        txn.commit().await?;
        Ok(
            claimed.map_or(Claim::NoneQueued, |(task, event)| Claim::Claimed {
                run: Run {
                    task_id: task.id,
                    attempt: task.attempt,
                },
                task: Box::new(task),
                event,
            }),
        )
    }

    /// Extends the leases of `runs`, which `owner` is computing, to `lease` from now: the
    /// heartbeat of a live instance. Only runs still computing are named, so a task whose run
    /// ended without a last word (or a dead process's, under a reused instance id) is not kept
    /// alive by the heartbeat. Returns how many it still holds.
    pub async fn renew_leases(
        &self,
        owner: &str,
        runs: &[Run],
        lease: Duration,
    ) -> StorageResult<u64> {
        if runs.is_empty() {
            return Ok(0);
        }
        let these_runs = runs.iter().fold(Condition::any(), |any, run| {
            any.add(
                Condition::all()
                    .add(Column::Id.eq(run.task_id.0))
                    .add(Column::Attempt.eq(run.attempt)),
            )
        });
        let _guard = self.lock_writes().await;
        let renewed = task::Entity::update_many()
            .col_expr(Column::LeaseUntil, Expr::value(lease_end(lease)))
            .filter(Column::Status.eq(Status::Running.as_str()))
            .filter(Column::Owner.eq(owner))
            .filter(these_runs)
            .exec(self.pool()?)
            .await?;
        Ok(renewed.rows_affected)
    }

    /// Takes back the running tasks whose instance is gone: with [`Lost::All`], every running
    /// task (only at startup, and only where one process owns the database); with
    /// [`Lost::LeaseExpired`], those whose lease has run out. Each goes back to the queue with
    /// its attempt spent (its run may still be alive and must stay fenced off), unless this is
    /// its `max_lost_runs`-th lost run: then it fails with `give_up`, since it may be what
    /// stops its instances.
    pub async fn take_back_lost(
        &self,
        lost: Lost,
        max_lost_runs: u32,
        requeue: &str,
        give_up: &str,
    ) -> StorageResult<Vec<(Task, EventId)>> {
        let now = Utc::now();
        let mut running = task::Entity::find()
            .select_only()
            .column(Column::Id)
            .column(Column::LostRuns)
            .filter(Column::Status.eq(Status::Running.as_str()));
        let expired_before = match lost {
            Lost::All => None,
            Lost::LeaseExpired => {
                running =
                    running.filter(Column::LeaseUntil.is_null().or(Column::LeaseUntil.lt(now)));
                Some(now)
            }
        };
        let running: Vec<(i64, i32)> = running
            .order_by_asc(Column::Id)
            .into_tuple()
            .all(self.pool()?)
            .await?;
        let plan = |lost_runs: i32| {
            if u32::try_from(lost_runs).unwrap_or(0) + 1 >= max_lost_runs {
                (Transition::Fail, give_up)
            } else {
                (Transition::HandBack, requeue)
            }
        };
        let guard = Guard::Lost { expired_before };
        let mut taken = Vec::with_capacity(running.len());
        if lost == Lost::All {
            // Alone on the database (startup on SQLite): one transaction for all of them.
            let txn = self.begin_write().await?;
            for (id, lost_runs) in running {
                let (to, message) = plan(lost_runs);
                let detail = Detail::Error(message);
                if let Some(applied) = transition(&*txn, TaskId(id), to, guard, detail).await? {
                    taken.push(applied);
                }
            }
            txn.commit().await?;
            return Ok(taken);
        }
        // Shared: one transaction per task, so a row another instance holds locked (up to
        // `lock_timeout`) delays only itself, and two sweepers cannot deadlock. The update
        // re-checks the lease, so a task renewed or finished meanwhile is left alone.
        for (id, lost_runs) in running {
            let (to, message) = plan(lost_runs);
            let applied = async {
                let txn = self.begin_write().await?;
                let applied =
                    transition(&*txn, TaskId(id), to, guard, Detail::Error(message)).await?;
                txn.commit().await?;
                StorageResult::Ok(applied)
            }
            .await;
            match applied {
                Ok(Some(applied)) => taken.push(applied),
                Ok(None) => {}
                // What was taken back is committed: report it; the rest waits for the next sweep.
                Err(_) if !taken.is_empty() => break,
                Err(err) => return Err(err),
            }
        }
        Ok(taken)
    }

    /// Logs a stage that does not change the status (`taken`, `calculated`). `None` when the run
    /// no longer owns the task.
    pub async fn record_stage(&self, run: Run, stage: Stage) -> StorageResult<Option<EventId>> {
        let txn = self.begin_write().await?;
        let now = Utc::now();
        let mut update = task::Entity::update_many().col_expr(Column::UpdatedAt, Expr::value(now));
        if stage == Stage::Taken {
            update = update.col_expr(Column::StartedAt, Expr::value(now));
        }
        let touched = fenced(update, run).exec(&*txn).await?.rows_affected;
        if touched == 0 {
            txn.rollback().await?;
            return Ok(None);
        }
        let event = insert_event(&*txn, run.task_id, stage, run.attempt, None).await?;
        txn.commit().await?;
        Ok(Some(event))
    }

    /// Saves how far a run has come. Returns `false` when the run no longer owns the task (it was
    /// cancelled or handed back), which tells the run to stop.
    pub async fn record_progress(
        &self,
        run: Run,
        fraction: f64,
        phase: Phase,
    ) -> StorageResult<bool> {
        let _guard = self.lock_writes().await;
        let update = task::Entity::update_many()
            .col_expr(Column::Progress, Expr::value(fraction.clamp(0.0, 1.0)))
            .col_expr(Column::Phase, Expr::value(phase.as_str()))
            .col_expr(Column::UpdatedAt, Expr::value(Utc::now()));
        Ok(fenced(update, run).exec(self.pool()?).await?.rows_affected == 1)
    }

    /// Marks a run done with the n-th digit, the counts of its decimals and what they were
    /// checked against (for digits computed by this run) and, in the same transaction, extends
    /// the digit store with `decimals` (the first n decimals).
    /// `verified_upto` is how much of the store the caller already compared with `decimals`;
    /// whatever the store gained since is compared here.
    pub async fn complete(
        &self,
        run: Run,
        digit: u8,
        counts: DigitCounts,
        computed: Option<(&[u8], u64, &Verification)>,
    ) -> StorageResult<Option<EventId>> {
        let txn = self.begin_write().await?;
        // Digits first, so the `stored` stage is stamped after them; a run that no longer owns
        // the task rolls them back with the rest.
        if let Some((decimals, verified_upto, _)) = computed {
            super::digits::extend(&*txn, decimals, verified_upto).await?;
        }
        let completed = transition(
            &*txn,
            run.task_id,
            Transition::Complete,
            Guard::Run(run.attempt),
            Detail::Done(
                digit,
                counts,
                computed.map(|(_, _, verification)| verification),
            ),
        )
        .await?;
        let Some((_, event)) = completed else {
            // The digits written above go with the run that lost the task.
            txn.rollback().await?;
            return Ok(None);
        };
        txn.commit().await?;
        Ok(Some(event))
    }

    /// Keeps the digit counts of a task done before they were counted at completion.
    pub async fn record_digit_counts(&self, id: TaskId, counts: DigitCounts) -> StorageResult<()> {
        let _guard = self.lock_writes().await;
        task::Entity::update_many()
            .col_expr(Column::DigitCounts, Expr::value(counts.to_stored()))
            .filter(Column::Id.eq(id.0))
            .filter(Column::Status.eq(Status::Done.as_str()))
            .exec(self.pool()?)
            .await?;
        Ok(())
    }

    /// The done task with the largest n, if any is done.
    pub async fn largest_done_task(&self) -> StorageResult<Option<Task>> {
        task::Entity::find()
            .filter(Column::Status.eq(Status::Done.as_str()))
            .order_by_desc(Column::N)
            .one(self.pool()?)
            .await?
            .map(to_domain)
            .transpose()
    }

    /// The done tasks whose digits were never counted, smallest n first.
    pub async fn done_without_digit_counts(&self) -> StorageResult<Vec<Task>> {
        task::Entity::find()
            .filter(Column::Status.eq(Status::Done.as_str()))
            .filter(Column::DigitCounts.is_null())
            .order_by_asc(Column::N)
            .all(self.pool()?)
            .await?
            .into_iter()
            .map(to_domain)
            .collect()
    }

    /// Ends a run as failed, keeping the error in plain words.
    pub async fn fail(&self, run: Run, error: &str) -> StorageResult<Option<EventId>> {
        self.fenced_transition(run, Transition::Fail, Detail::Error(error))
            .await
    }

    /// Puts a task its run could not finish (shutdown, the database gone) back in the queue, with
    /// the reason in the stage log. It does not count as a lost run.
    pub async fn hand_back(&self, run: Run, reason: &str) -> StorageResult<Option<EventId>> {
        self.fenced_transition(run, Transition::HandBack, Detail::Error(reason))
            .await
    }

    /// Cancels a queued or running task. `None` when the task is in neither state.
    pub async fn cancel(&self, id: TaskId) -> StorageResult<Option<(Task, EventId)>> {
        self.unfenced_transition(id, Transition::Cancel).await
    }

    /// Queues a failed or cancelled task again, unless `queue_limit` tasks already wait (exactly,
    /// as for [`Storage::submit`]). `Ok(None)` when the task is not one that can be retried.
    pub async fn retry(
        &self,
        id: TaskId,
        queue_limit: u64,
    ) -> StorageResult<Option<(Task, EventId)>> {
        let txn = self.begin_write().await?;
        queue_has_room(&*txn, queue_limit).await?;
        let applied = transition(&*txn, id, Transition::Retry, Guard::Anyone, Detail::None).await?;
        txn.commit().await?;
        Ok(applied)
    }

    async fn fenced_transition(
        &self,
        run: Run,
        to: Transition,
        detail: Detail<'_>,
    ) -> StorageResult<Option<EventId>> {
        let txn = self.begin_write().await?;
        let applied = transition(&*txn, run.task_id, to, Guard::Run(run.attempt), detail).await?;
        txn.commit().await?;
        Ok(applied.map(|(_, event)| event))
    }

    async fn unfenced_transition(
        &self,
        id: TaskId,
        to: Transition,
    ) -> StorageResult<Option<(Task, EventId)>> {
        let txn = self.begin_write().await?;
        let applied = transition(&*txn, id, to, Guard::Anyone, Detail::None).await?;
        txn.commit().await?;
        Ok(applied)
    }
}

/// Refuses with [`StorageError::QueueFull`] unless the queue has room for one more task, holding
/// (on Postgres) the queue's advisory lock until `txn` ends, so that no other submission counts
/// before this one has added its task.
async fn queue_has_room(txn: &impl ConnectionTrait, queue_limit: u64) -> StorageResult<()> {
    super::advisory_lock(txn, super::QUEUE_LOCK).await?;
    let queued = task::Entity::find()
        .filter(Column::Status.eq(Status::Queued.as_str()))
        .count(txn)
        .await?;
    if queued >= queue_limit {
        return Err(StorageError::QueueFull { queued });
    }
    Ok(())
}

/// When a lease taken or renewed now ends.
fn lease_end(lease: Duration) -> DateTime<Utc> {
    let now = Utc::now();
    chrono::TimeDelta::from_std(lease)
        .ok()
        .and_then(|lease| now.checked_add_signed(lease))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub(super) async fn find(db: &impl ConnectionTrait, id: TaskId) -> StorageResult<Task> {
    let row = task::Entity::find_by_id(id.0).one(db).await?;
    to_domain(row.ok_or(sea_orm::DbErr::RecordNotFound(format!("task {id}")))?)
}

async fn find_by_n(db: &impl ConnectionTrait, n: DigitCount) -> StorageResult<Task> {
    let row = task::Entity::find()
        .filter(Column::N.eq(stored_n(n)))
        .one(db)
        .await?;
    to_domain(row.ok_or(sea_orm::DbErr::RecordNotFound(format!("task for n = {n}")))?)
}

/// Counts are far below `i64::MAX`: the limit is checked before anything is stored.
fn stored_n(n: DigitCount) -> i64 {
    i64::try_from(n.get()).unwrap_or(i64::MAX)
}

fn to_domain(row: task::Model) -> StorageResult<Task> {
    let unknown = |kind: &'static str, value: String| UnknownValue { kind, value };
    Ok(Task {
        id: TaskId(row.id),
        n: DigitCount::from_stored(
            u64::try_from(row.n).map_err(|_| unknown("n", row.n.to_string()))?,
        ),
        status: Status::parse(&row.status)?,
        progress: row.progress,
        phase: row.phase.as_deref().map(Phase::parse).transpose()?,
        digit: row
            .digit
            .map(|d| u8::try_from(d).map_err(|_| unknown("digit", d.to_string())))
            .transpose()?,
        error: row.error,
        attempt: row.attempt,
        lost_runs: row.lost_runs,
        digit_counts: row
            .digit_counts
            .as_deref()
            .map(|stored| {
                DigitCounts::from_stored(stored)
                    .ok_or_else(|| unknown("digit counts", stored.to_owned()))
            })
            .transpose()?,
        verification: row
            .verification
            .as_deref()
            .map(|stored| {
                Verification::from_stored(stored)
                    .ok_or_else(|| unknown("verification", stored.to_owned()))
            })
            .transpose()?,
        created_at: row.created_at,
        updated_at: row.updated_at,
        started_at: row.started_at,
        finished_at: row.finished_at,
    })
}
