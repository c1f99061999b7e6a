//! The engine's measured speed: how long each computation took, beside the engine's own estimate
//! of its work, so that estimates for new tasks come from this machine.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::{Storage, StorageResult, entities::engine_run};

/// Measurements kept: the estimates use the latest few, the rest is history nobody reads.
const KEPT_RUNS: i64 = 100;

/// One computation as measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineRun {
    pub digits: u64,
    pub threads: usize,
    /// The engine's estimate of the work, in nanoseconds on one reference core.
    pub work: f64,
    pub seconds: f64,
}

impl Storage {
    /// Keeps one measured computation, and only the latest [`KEPT_RUNS`].
    pub async fn record_engine_run(&self, run: EngineRun) -> StorageResult<()> {
        let _guard = self.lock_writes().await;
        let inserted = engine_run::ActiveModel {
            digits: Set(i64::try_from(run.digits).unwrap_or(i64::MAX)),
            threads: Set(i32::try_from(run.threads).unwrap_or(i32::MAX)),
            work: Set(run.work),
            seconds: Set(run.seconds),
            recorded_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(self.pool()?)
        .await?;
        engine_run::Entity::delete_many()
            .filter(engine_run::Column::Id.lte(inserted.id - KEPT_RUNS))
            .exec(self.pool()?)
            .await?;
        Ok(())
    }

    /// The latest `limit` measured computations, newest first.
    pub async fn recent_engine_runs(&self, limit: u64) -> StorageResult<Vec<EngineRun>> {
        let rows = engine_run::Entity::find()
            .order_by_desc(engine_run::Column::Id)
            .limit(limit)
            .all(self.pool()?)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| EngineRun {
                digits: u64::try_from(row.digits).unwrap_or(0),
                threads: usize::try_from(row.threads).unwrap_or(1),
                work: row.work,
                seconds: row.seconds,
            })
            .collect())
    }
}
