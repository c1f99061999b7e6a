//! One row per requested n: its status, live progress, and result.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tasks::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Tasks::Id))
                    // One task per n: a resubmission finds the existing row.
                    .col(big_integer_uniq(Tasks::N))
                    .col(string_len(Tasks::Status, 16))
                    .col(double(Tasks::Progress).default(0.0))
                    .col(string_len_null(Tasks::Phase, 16))
                    .col(small_integer_null(Tasks::Digit))
                    .col(text_null(Tasks::Error))
                    // Fencing token: bumped on every claim; a run's writes name the attempt they belong to.
                    .col(integer(Tasks::Attempt).default(0))
                    .col(timestamp_with_time_zone(Tasks::CreatedAt))
                    .col(timestamp_with_time_zone(Tasks::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Tasks::StartedAt))
                    .col(timestamp_with_time_zone_null(Tasks::FinishedAt))
                    .to_owned(),
            )
            .await?;
        // The runner claims the oldest queued task; the table lists by status.
        manager
            .create_index(
                Index::create()
                    .name("idx_tasks_status_id")
                    .table(Tasks::Table)
                    .col(Tasks::Status)
                    .col(Tasks::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Tasks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    N,
    Status,
    Progress,
    Phase,
    Digit,
    Error,
    Attempt,
    CreatedAt,
    UpdatedAt,
    StartedAt,
    FinishedAt,
}
