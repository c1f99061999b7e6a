use std::{fs::File, path::PathBuf, str::FromStr, time::Duration};

use sea_orm::DatabaseConnection;
use sqlx::{
    Connection,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{
        SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions,
        SqliteSynchronous,
    },
};

use super::{StorageError, StorageResult};

/// How long a statement waits for SQLite's lock before giving up with `SQLITE_BUSY`.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Readers run in parallel under WAL; writes are serialised by [`super::Storage::begin_write`].
const SQLITE_CONNECTIONS: u32 = 8;
const POSTGRES_CONNECTIONS: u32 = 16;
const POSTGRES_LOCK_TIMEOUT: &str = "5s";
const POSTGRES_IDLE_IN_TRANSACTION: &str = "15s";
/// A request that cannot get a connection should fail fast, not hang for the default 30 s.
pub(super) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

pub(super) async fn open(url: &str) -> StorageResult<DatabaseConnection> {
    if url.starts_with("sqlite:") {
        open_sqlite(url).await
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        open_postgres(url).await
    } else {
        Err(StorageError::InvalidUrl(format!(
            "{url:?} is neither a sqlite: nor a postgres:// URL"
        )))
    }
}

async fn open_sqlite(url: &str) -> StorageResult<DatabaseConnection> {
    // Every setting is explicit: sqlx's defaults have changed between versions, and each one
    // here is load-bearing (WAL for concurrent readers, foreign keys for the event log).
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| StorageError::InvalidUrl(e.to_string()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(SQLITE_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .after_release(|connection, _| Box::pin(close_if_left_in_transaction(connection)))
        .connect_with(options)
        .await?;
    Ok(DatabaseConnection::from(pool))
}

/// Whether a connection coming back to the pool may serve again: not if it is still inside a
/// transaction.
///
/// That happens after a full disk: a `COMMIT` that fails with `SQLITE_FULL` can leave SQLite's
/// transaction open, and the rollback queued when the transaction is dropped can fail too. Such a
/// connection would hold the database's write lock for as long as it lives, and every other
/// writer would get `SQLITE_BUSY` long after space was freed. Closing it ends the transaction.
async fn close_if_left_in_transaction(connection: &mut SqliteConnection) -> sqlx::Result<bool> {
    // The ping goes through the connection's worker after the queued rollback, so the
    // transaction depth read next is the one the rollback left.
    connection.ping().await?;
    let in_transaction = connection.is_in_transaction();
    if in_transaction {
        tracing::warn!("closing a database connection left inside a failed transaction");
    }
    Ok(!in_transaction)
}

async fn open_postgres(url: &str) -> StorageResult<DatabaseConnection> {
    // A write never waits long for a row lock (it answers 503 instead), and an instance paused
    // or cut off in the middle of a transaction loses its session, and with it its locks, rather
    // than hold up every other instance until TCP gives up on it.
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| StorageError::InvalidUrl(e.to_string()))?
        .options([
            ("lock_timeout", POSTGRES_LOCK_TIMEOUT),
            (
                "idle_in_transaction_session_timeout",
                POSTGRES_IDLE_IN_TRANSACTION,
            ),
        ]);
    let pool = PgPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await?;
    Ok(DatabaseConnection::from(pool))
}

/// Held for as long as this process serves from a SQLite file; while it is, another process
/// asking for the same file is refused. The operating system drops the lock with the process,
/// however it ends (kill -9 included), so a stale lock cannot outlive it.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Locks the SQLite file `url` names for this process alone. `None` for Postgres and for
/// in-memory databases, which other processes cannot open anyway.
///
/// The lock is `flock` on the database file itself, which SQLite's own `fcntl` locks ignore, so
/// it never gets in the way of SQLite and leaves no extra file behind.
pub fn lock_sqlite_file(url: &str) -> StorageResult<Option<FileLock>> {
    // sqlx names an in-memory database `file:sqlx-in-memory-N`, not `:memory:`: go by the URL.
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(None);
    }
    let options =
        SqliteConnectOptions::from_str(url).map_err(|e| StorageError::InvalidUrl(e.to_string()))?;
    let path = options.get_filename();
    if path.as_os_str().is_empty() {
        return Ok(None);
    }
    let path: PathBuf = path.to_path_buf();
    let file = File::open(&path).map_err(|err| StorageError::Lock {
        path: path.clone(),
        reason: err.to_string(),
    })?;
    match file.try_lock() {
        Ok(()) => Ok(Some(FileLock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => Err(StorageError::InUse { path }),
        Err(std::fs::TryLockError::Error(err)) => Err(StorageError::Lock {
            path,
            reason: err.to_string(),
        }),
    }
}
