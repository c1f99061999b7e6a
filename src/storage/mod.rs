//! Persistence: the only module that knows SQL. SeaORM entities stay in here; the public methods
//! on [`Storage`] take and return the domain's types.
//!
//! Writes on SQLite are serialised through one in-process lock ([`Storage::begin_write`]): SQLite
//! allows one writer at a time, and a transaction that reads before it writes can fail with
//! `SQLITE_BUSY` on the upgrade no matter how long `busy_timeout` is. Taking the lock first turns
//! that into an orderly wait. Postgres needs no such lock: its writes race safely on row locks and
//! the conditional updates below.

mod connect;
mod digits;
mod engine_runs;
mod entities;
mod error;
mod stage_log;
mod tasks;

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use digits::CHUNK_DIGITS;
pub use engine_runs::EngineRun;
pub use error::{StorageError, StorageResult, Unavailable};
pub use tasks::{Counts, ListQuery, QueueFull, Run, Submission, SubmitOutcome};

/// A cheap handle to the database; clone it freely.
#[derive(Clone)]
pub struct Storage {
    db: DatabaseConnection,
    /// Held for the whole of every write transaction on SQLite; `None` on Postgres.
    write_lock: Option<Arc<Mutex<()>>>,
}

/// A write transaction that holds the write lock (on SQLite) until it is committed or dropped.
struct WriteTxn {
    txn: DatabaseTransaction,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl Storage {
    /// Opens the database named by `url` (`sqlite:` path or `postgres://`), creating a SQLite
    /// file if it does not exist yet.
    pub async fn connect(url: &str) -> StorageResult<Self> {
        let db = connect::open(url).await?;
        let write_lock = match db.get_database_backend() {
            DbBackend::Sqlite => Some(Arc::new(Mutex::new(()))),
            _ => None,
        };
        Ok(Self { db, write_lock })
    }

    /// Applies every migration not applied yet.
    pub async fn migrate(&self) -> StorageResult<()> {
        use migration::MigratorTrait;
        migration::Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Whether the database answers at all.
    pub async fn ping(&self) -> StorageResult<()> {
        self.db.ping().await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) -> StorageResult<()> {
        self.db.close_by_ref().await?;
        Ok(())
    }

    pub fn backend_name(&self) -> &'static str {
        match self.db.get_database_backend() {
            DbBackend::Sqlite => "sqlite",
            DbBackend::Postgres => "postgres",
            _ => "other",
        }
    }

    async fn begin_write(&self) -> StorageResult<WriteTxn> {
        let guard = self.lock_writes().await;
        let txn = self.db.begin().await?;
        Ok(WriteTxn { txn, _guard: guard })
    }

    /// Takes the write lock on SQLite; `None` (no lock needed) on Postgres.
    async fn lock_writes(&self) -> Option<OwnedMutexGuard<()>> {
        match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        }
    }
}

impl WriteTxn {
    async fn commit(self) -> StorageResult<()> {
        self.txn.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &Self::Target {
        &self.txn
    }
}
