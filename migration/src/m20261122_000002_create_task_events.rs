//! The append-only stage log. Its ids are the SSE event ids, so a reconnecting browser can ask for
//! everything after the last id it saw.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TaskEvents::Table)
                    .if_not_exists()
                    .col(big_pk_auto(TaskEvents::Id))
                    .col(big_integer(TaskEvents::TaskId))
                    .col(string_len(TaskEvents::Stage, 16))
                    .col(integer(TaskEvents::Attempt))
                    .col(text_null(TaskEvents::Message))
                    .col(timestamp_with_time_zone(TaskEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_task_events_task")
                            .from(TaskEvents::Table, TaskEvents::TaskId)
                            .to(Tasks::Table, Tasks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_task_events_task_id")
                    .table(TaskEvents::Table)
                    .col(TaskEvents::TaskId)
                    .col(TaskEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TaskEvents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TaskEvents {
    Table,
    Id,
    TaskId,
    Stage,
    Attempt,
    Message,
    At,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
}
