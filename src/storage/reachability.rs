//! Failing fast while Postgres is out of reach.
//!
//! While the server is down or restarting, an operation that needs a connection would wait the
//! pool's whole acquire timeout for its error: sqlx keeps retrying a refused connection until
//! then. Instead, [`Storage::watch_reachability`] pings the server every [`WATCH_EVERY`] on a
//! connection of its own; while it cannot (the connection refused or cut, or no answer within
//! [`PING_TIMEOUT`]), every operation fails at once with [`StorageError::Unreachable`], and the
//! first ping answered lets them through again.
//!
//! Only silence counts: a server that answers, even with an error (too many connections, say),
//! can be reached, and its pooled connections may still serve. On SQLite nothing is watched and
//! nothing is refused.

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use sea_orm::DatabaseConnection;
use sqlx::{Connection, PgConnection, postgres::PgConnectOptions};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::{Storage, StorageError, StorageResult};
use crate::domain::Unavailable;

/// How often the watcher pings: the longest an outage goes unnoticed, and a recovery too.
const WATCH_EVERY: Duration = Duration::from_millis(500);

/// A ping not answered within this is a server out of reach (a frozen process, a network that
/// drops packets): far above a ping's round trip, far below the pool's acquire timeout.
const PING_TIMEOUT: Duration = Duration::from_secs(1);

/// Whether the watcher last found the database out of reach.
#[derive(Debug, Default)]
pub(super) struct Reachability {
    unreachable: AtomicBool,
}

impl Reachability {
    /// Records what the last ping found; `true` when that changed it.
    fn set_unreachable(&self, unreachable: bool) -> bool {
        self.unreachable.swap(unreachable, Ordering::Relaxed) != unreachable
    }
}

impl Storage {
    /// The pool, or [`StorageError::Unreachable`] at once while the watcher finds the database
    /// out of reach.
    pub(super) fn pool(&self) -> StorageResult<&DatabaseConnection> {
        if self.reachability.unreachable.load(Ordering::Relaxed) {
            return Err(StorageError::Unreachable);
        }
        Ok(&self.db)
    }

    /// Pings Postgres every [`WATCH_EVERY`] on a connection of its own until `stop`, and has
    /// operations fail at once while it cannot (see the module documentation). Returns at once on
    /// SQLite.
    pub async fn watch_reachability(self, stop: CancellationToken) {
        if !self.is_shared() {
            return;
        }
        let options = self.postgres_options();
        let mut connection = None;
        let mut ticks = tokio::time::interval(WATCH_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = ticks.tick() => {}
            }
            let pinged = tokio::time::timeout(PING_TIMEOUT, ping(&mut connection, &options)).await;
            let out_of_reach = match pinged {
                Ok(Ok(())) => false,
                Ok(Err(err)) => {
                    connection = None;
                    StorageError::from(err).unavailable() == Some(Unavailable::Unreachable)
                }
                // The connection may be left mid-message: a new one next time.
                Err(_) => {
                    connection = None;
                    true
                }
            };
            metrics::gauge!("pilane_database_reachable").set(f64::from(u8::from(!out_of_reach)));
            if self.reachability.set_unreachable(out_of_reach) {
                if out_of_reach {
                    warn!("the database cannot be reached; requests get 503 at once until it can");
                } else {
                    info!("the database can be reached again");
                }
            }
        }
    }
}

/// Pings on `connection`, connecting first when there is none.
async fn ping(
    connection: &mut Option<PgConnection>,
    options: &PgConnectOptions,
) -> sqlx::Result<()> {
    let connection = match connection {
        Some(connection) => connection,
        None => connection.insert(PgConnection::connect_with(options).await?),
    };
    connection.ping().await
}
