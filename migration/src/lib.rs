//! Pilane's schema, as SeaORM migrations: one self-contained file per change, applied in order by
//! [`Migrator`]. The same files build the same schema on SQLite and on Postgres.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_tasks;
mod m20261122_000002_create_task_events;
mod m20261122_000003_create_digit_chunks;
mod m20261122_000004_create_engine_runs;
mod m20261122_000005_add_task_leases;
mod m20261203_000006_add_task_digit_counts;
mod m20261203_000007_add_task_verification;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_tasks::Migration),
            Box::new(m20261122_000002_create_task_events::Migration),
            Box::new(m20261122_000003_create_digit_chunks::Migration),
            Box::new(m20261122_000004_create_engine_runs::Migration),
            Box::new(m20261122_000005_add_task_leases::Migration),
            Box::new(m20261203_000006_add_task_digit_counts::Migration),
            Box::new(m20261203_000007_add_task_verification::Migration),
        ]
    }
}
