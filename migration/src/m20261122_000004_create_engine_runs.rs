//! The engine's measured speed on this machine: one row per computation, from which the time a
//! new task will take is estimated.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EngineRuns::Table)
                    .if_not_exists()
                    .col(big_integer(EngineRuns::Id).primary_key().auto_increment())
                    .col(big_integer(EngineRuns::Digits))
                    .col(integer(EngineRuns::Threads))
                    // The engine's own estimate of the work, in nanoseconds on one reference
                    // core; seconds / work is this machine's rate.
                    .col(double(EngineRuns::Work))
                    .col(double(EngineRuns::Seconds))
                    .col(timestamp_with_time_zone(EngineRuns::RecordedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EngineRuns::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum EngineRuns {
    Table,
    Id,
    Digits,
    Threads,
    Work,
    Seconds,
    RecordedAt,
}
