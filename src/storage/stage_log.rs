//! The append-only stage log: the timeline on each task's page, and the ids a reconnecting browser
//! resumes from.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::{Storage, StorageResult, entities::task_event};
use crate::domain::{EventId, Stage, StageEvent, TaskId};

impl Storage {
    /// A task's stage log, oldest first.
    pub async fn stages(&self, task_id: TaskId) -> StorageResult<Vec<StageEvent>> {
        task_event::Entity::find()
            .filter(task_event::Column::TaskId.eq(task_id.0))
            .order_by_asc(task_event::Column::Id)
            .all(self.pool()?)
            .await?
            .into_iter()
            .map(to_domain)
            .collect()
    }

    /// The events after `after`, oldest first, at most `limit` of them: what a reconnecting
    /// browser missed.
    pub async fn events_after(&self, after: EventId, limit: u64) -> StorageResult<Vec<StageEvent>> {
        task_event::Entity::find()
            .filter(task_event::Column::Id.gt(after.0))
            .order_by_asc(task_event::Column::Id)
            .limit(limit)
            .all(self.pool()?)
            .await?
            .into_iter()
            .map(to_domain)
            .collect()
    }

    /// The newest event id, or `EventId(0)` before anything happened.
    pub async fn latest_event_id(&self) -> StorageResult<EventId> {
        let latest: Option<i64> = task_event::Entity::find()
            .select_only()
            .column(task_event::Column::Id)
            .order_by_desc(task_event::Column::Id)
            .limit(1)
            .into_tuple()
            .one(self.pool()?)
            .await?;
        Ok(EventId(latest.unwrap_or(0)))
    }
}

pub(super) async fn insert_event(
    db: &impl ConnectionTrait,
    task_id: TaskId,
    stage: Stage,
    attempt: i32,
    message: Option<&str>,
) -> StorageResult<EventId> {
    let row = task_event::ActiveModel {
        task_id: Set(task_id.0),
        stage: Set(stage.as_str().to_owned()),
        attempt: Set(attempt),
        message: Set(message.map(str::to_owned)),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(EventId(row.id))
}

fn to_domain(row: task_event::Model) -> StorageResult<StageEvent> {
    Ok(StageEvent {
        id: EventId(row.id),
        task_id: TaskId(row.task_id),
        stage: Stage::parse(&row.stage)?,
        attempt: row.attempt,
        message: row.message,
        at: row.at,
    })
}

impl Storage {
    /// The stage logs of several tasks at once, oldest first.
    pub async fn stages_of(&self, task_ids: &[TaskId]) -> StorageResult<Vec<StageEvent>> {
        if task_ids.is_empty() {
            return Ok(Vec::new());
        }
        task_event::Entity::find()
            .filter(task_event::Column::TaskId.is_in(task_ids.iter().map(|id| id.0)))
            .order_by_asc(task_event::Column::Id)
            .all(self.pool()?)
            .await?
            .into_iter()
            .map(to_domain)
            .collect()
    }
}
