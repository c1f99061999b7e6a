//! A status change applied as one conditional update: it takes effect only where the row is in
//! a state the transition may leave and its guard allows it, so a transition the domain forbids,
//! or one that lost a race, changes nothing.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, SimpleExpr},
};

use super::{
    Run, StorageResult,
    entities::task::{self, Column},
    stage_log::insert_event,
    tasks::find,
};
use crate::domain::{DigitCounts, EventId, Status, Task, TaskId, Transition, Verification};

/// What a transition writes besides the status.
pub(super) enum Detail<'a> {
    None,
    /// For a claim: the instance that runs it, and until when its lease holds.
    Owner(&'a str, DateTime<Utc>),
    Error(&'a str),
    /// For a completion: the n-th digit, the counts of the n decimals, and what they were
    /// checked against when computed here.
    Done(u8, DigitCounts, Option<&'a Verification>),
}

/// Whose say-so a transition needs.
#[derive(Debug, Clone, Copy)]
pub(super) enum Guard {
    /// A person's or the queue's: any row in a state the transition leaves.
    Anyone,
    /// The run holding this attempt: a run that lost the task changes nothing.
    Run(i32),
    /// Taking back a run lost with its instance; with a time, only if its lease ended before it.
    Lost {
        expired_before: Option<DateTime<Utc>>,
    },
}

/// Applies `to` where the row is in one of the states it may leave and `guard` allows it, logs
/// its stage, and returns the task as it is now.
pub(super) async fn transition(
    db: &impl ConnectionTrait,
    id: TaskId,
    to: Transition,
    guard: Guard,
    detail: Detail<'_>,
) -> StorageResult<Option<(Task, EventId)>> {
    let now = Utc::now();
    let null = || Expr::value(Option::<String>::None);
    let no_time = || Expr::value(Option::<DateTime<Utc>>::None);
    let mut update = task::Entity::update_many()
        .col_expr(Column::Status, Expr::value(to.to().as_str()))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id.0))
        .filter(Column::Status.is_in(to.from().iter().map(|status| status.as_str())));
    match guard {
        Guard::Anyone => {}
        Guard::Run(attempt) => update = update.filter(Column::Attempt.eq(attempt)),
        Guard::Lost { expired_before } => {
            if let Some(now) = expired_before {
                update = update.filter(Column::LeaseUntil.is_null().or(Column::LeaseUntil.lt(now)));
            }
            update = update.col_expr(Column::LostRuns, Expr::col(Column::LostRuns).add(1));
        }
    }
    let columns: Vec<(Column, SimpleExpr)> = match to {
        Transition::Claim => vec![
            (Column::Attempt, Expr::col(Column::Attempt).add(1)),
            (Column::Progress, Expr::value(0.0)),
            (Column::Phase, null()),
            (Column::Error, null()),
        ],
        Transition::Complete => vec![
            (Column::Progress, Expr::value(1.0)),
            (Column::Phase, null()),
            (Column::FinishedAt, Expr::value(now)),
        ],
        Transition::Fail | Transition::Cancel => vec![
            (Column::Phase, null()),
            (Column::FinishedAt, Expr::value(now)),
        ],
        Transition::HandBack | Transition::Retry => vec![
            (Column::Progress, Expr::value(0.0)),
            (Column::Phase, null()),
            (Column::Error, null()),
            (Column::StartedAt, no_time()),
            (Column::FinishedAt, no_time()),
        ],
    };
    for (column, value) in columns {
        update = update.col_expr(column, value);
    }
    if to != Transition::Claim {
        // Only a running task has an owner.
        update = update
            .col_expr(Column::Owner, null())
            .col_expr(Column::LeaseUntil, no_time());
    }
    if to == Transition::Retry {
        // Asking again means trying again: the count of lost runs starts over.
        update = update.col_expr(Column::LostRuns, Expr::value(0));
    }
    // The attempt is the fencing token, so it never goes back, not even when a run hands its own
    // task back: a hand-back retried after a commit whose answer was lost could otherwise match
    // the next run's reused number. Whether a run counts against the task is `lost_runs`.
    let message = match detail {
        Detail::None => None,
        Detail::Owner(owner, lease_until) => {
            update = update
                .col_expr(Column::Owner, Expr::value(owner))
                .col_expr(Column::LeaseUntil, Expr::value(lease_until));
            None
        }
        Detail::Done(digit, counts, verification) => {
            update = update
                .col_expr(Column::Digit, Expr::value(i16::from(digit)))
                .col_expr(Column::DigitCounts, Expr::value(counts.to_stored()))
                .col_expr(
                    Column::Verification,
                    Expr::value(verification.map(Verification::to_stored)),
                );
            None
        }
        Detail::Error(message) => {
            if to == Transition::Fail {
                update = update.col_expr(Column::Error, Expr::value(message));
            }
            Some(message)
        }
    };
    if update.exec(db).await?.rows_affected == 0 {
        return Ok(None);
    }
    let task = find(db, id).await?;
    // The event belongs to the run that made it.
    let attempt = match guard {
        Guard::Run(attempt) => attempt,
        Guard::Anyone | Guard::Lost { .. } => task.attempt,
    };
    let event = insert_event(db, id, to.stage(), attempt, message).await?;
    Ok(Some((task, event)))
}

/// Restricts an update to the rows a run still owns.
pub(super) fn fenced(
    update: sea_orm::UpdateMany<task::Entity>,
    run: Run,
) -> sea_orm::UpdateMany<task::Entity> {
    update
        .filter(Column::Id.eq(run.task_id.0))
        .filter(Column::Status.eq(Status::Running.as_str()))
        .filter(Column::Attempt.eq(run.attempt))
}
