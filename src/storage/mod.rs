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
mod notify;
mod reachability;
mod stage_log;
mod tasks;
mod transition;

use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use connect::{FileLock, lock_sqlite_file};
pub use digits::{CHUNK_DIGITS, READ_BATCH};
pub use engine_runs::EngineRun;
pub use error::{StorageError, StorageResult};
pub use notify::ChangeListener;
pub use tasks::{Claim, Fit, Lost, Run};

/// A cheap handle to the database; clone it freely.
#[derive(Clone)]
pub struct Storage {
    /// Every operation reaches it through [`Storage::pool`], which refuses at once while the
    /// database is out of reach.
    db: DatabaseConnection,
    /// Held for the whole of every write transaction on SQLite; `None` on Postgres.
    write_lock: Option<Arc<Mutex<()>>>,
    reachability: Arc<reachability::Reachability>,
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
        Ok(Self {
            db,
            write_lock,
            reachability: Arc::default(),
        })
    }

    /// Applies every migration not applied yet. On Postgres, instances starting at once take
    /// turns: the first applies them, the others then find nothing left to do.
    pub async fn migrate(&self) -> StorageResult<()> {
        use migration::MigratorTrait;
        if self.is_shared() {
            let txn = self.db.begin().await?;
            advisory_lock(&txn, MIGRATIONS_LOCK).await?;
            migration::Migrator::up(&txn, None).await?;
            txn.commit().await?;
        } else {
            migration::Migrator::up(&self.db, None).await?;
        }
        Ok(())
    }

    /// Whether the database answers at all.
    pub async fn ping(&self) -> StorageResult<()> {
        self.pool()?.ping().await?;
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

    /// What the pool connects with, for the Postgres connections kept outside it (the
    /// listener's, the reachability watcher's). Only on Postgres: callers check
    /// [`Storage::is_shared`] first.
    fn postgres_options(&self) -> sqlx::postgres::PgConnectOptions {
        (*self.db.get_postgres_connection_pool().connect_options()).clone()
    }

    async fn begin_write(&self) -> StorageResult<WriteTxn> {
        let guard = self.lock_writes().await;
        let txn = self.pool()?.begin().await?;
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

/// Keys of the Postgres advisory locks Pilane takes ("pilane" in ASCII, then a tag).
const MIGRATIONS_LOCK: i64 = 0x7069_6c61_6e65_006d;
const DIGIT_STORE_LOCK: i64 = 0x7069_6c61_6e65_0064;
/// Held from counting the queue to adding to it, so that racing submissions cannot overfill it.
const QUEUE_LOCK: i64 = 0x7069_6c61_6e65_0071;

/// Waits for the Postgres advisory lock `key`, held until the transaction ends; a no-op on SQLite,
/// where [`Storage::begin_write`] already serialises writers.
///
/// The wait is not bounded by `lock_timeout`: a completion waiting while another stores 10^8
/// digits must not give up its computed digits. A holder that stalls loses its session to
/// `idle_in_transaction_session_timeout`, which ends the wait.
async fn advisory_lock(db: &impl ConnectionTrait, key: i64) -> StorageResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("SET LOCAL lock_timeout = 0").await?;
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [key.into()],
        );
        db.execute_raw(statement).await?;
    }
    Ok(())
}

impl WriteTxn {
    async fn commit(self) -> StorageResult<()> {
        self.txn.commit().await?;
        Ok(())
    }

    /// Undoes what the transaction wrote before the write lock is let go. Dropping it would roll
    /// back too, but later, on the connection's way back to the pool: on SQLite the next writer,
    /// already past the lock, could meet the database still locked by it.
    async fn rollback(self) -> StorageResult<()> {
        self.txn.rollback().await?;
        Ok(())
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &Self::Target {
        &self.txn
    }
}
