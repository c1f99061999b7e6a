//! Postgres's `NOTIFY`/`LISTEN`: how instances sharing one database tell each other that
//! something changed. A payload names what changed (ids only, never digits); each instance then
//! reads the rows itself. On SQLite there is one instance, and nothing to tell.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sqlx::postgres::{PgListener, PgPoolOptions};

use super::{Storage, StorageResult, connect::ACQUIRE_TIMEOUT};

/// The one channel every instance listens on.
const CHANNEL: &str = "pilane_changes";

/// A dedicated connection that receives what other instances announce.
pub struct ChangeListener {
    listener: PgListener,
}

impl Storage {
    /// Whether other instances may share this database (and so need telling about changes).
    pub fn is_shared(&self) -> bool {
        self.db.get_database_backend() == DbBackend::Postgres
    }

    /// Announces `payload` to every listening instance, this one included. Call after the change
    /// it describes has committed. Does nothing on SQLite.
    pub async fn notify(&self, payload: &str) -> StorageResult<()> {
        if !self.is_shared() {
            return Ok(());
        }
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), payload.into()],
        );
        self.pool()?.execute_raw(statement).await?;
        Ok(())
    }

    /// Opens a connection of its own (not one of the pool's) listening for announcements.
    /// `None` on SQLite.
    pub async fn listen(&self) -> StorageResult<Option<ChangeListener>> {
        if !self.is_shared() {
            return Ok(None);
        }
        let options = self.postgres_options();
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy_with(options);
        let mut listener = PgListener::connect_with(&pool).await?;
        // The pool is the listener's own: closing the main pool must not end it mid-wait.
        listener.ignore_pool_close_event(true);
        listener.listen(CHANNEL).await?;
        Ok(Some(ChangeListener { listener }))
    }
}

impl ChangeListener {
    /// The next announcement. `Ok(None)` when the connection was lost: whatever was announced
    /// meanwhile is gone, and the caller should listen again and resync.
    pub async fn next(&mut self) -> StorageResult<Option<String>> {
        let notification = self.listener.try_recv().await?;
        Ok(notification.map(|notification| notification.payload().to_owned()))
    }
}
