//! Leases, for several instances on one database: which instance runs a task, until when its
//! claim holds unless renewed, and how many runs of it were lost with their instance.
//!
//! One column per statement: SQLite's `ALTER TABLE` adds one column at a time.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            // The instance running the task, while it runs; shown in logs and to operators.
            string_len_null(Tasks::Owner, 128),
            // A running task whose lease has passed is presumed lost with its instance.
            timestamp_with_time_zone_null(Tasks::LeaseUntil),
            // Runs lost with their instance since the task was last submitted or retried.
            integer(Tasks::LostRuns).default(0).take(),
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tasks::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Tasks::Owner, Tasks::LeaseUntil, Tasks::LostRuns] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tasks::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Owner,
    LeaseUntil,
    LostRuns,
}
