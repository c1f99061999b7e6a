use crate::domain::{Unavailable, UnknownValue, group_thousands};

/// Everything that can go wrong below the task layer.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the database URL is not valid: {0}")]
    InvalidUrl(String),
    /// Another process serves from this SQLite file. SQLite takes one instance; several need
    /// Postgres.
    #[error(
        "another Pilane process is already serving from {}; a SQLite file takes one instance \
         (to run several, give them one Postgres database: DATABASE_URL=postgres://...)",
        path.display()
    )]
    InUse { path: std::path::PathBuf },
    #[error("could not lock the database file {}: {reason}", path.display())]
    Lock {
        path: std::path::PathBuf,
        reason: String,
    },
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("database connection error: {0}")]
    Connection(#[from] sqlx::Error),
    /// The database was out of reach at the last look (see `Storage::watch_reachability`): the
    /// operation is refused at once rather than wait for a connection.
    #[error("the database cannot be reached")]
    Unreachable,
    /// A row holds a value this version cannot read: the database was written by something else.
    #[error("the database holds a value this version does not understand: {0}")]
    Corrupt(#[from] UnknownValue),
    /// A submission or retry that would add to a queue already holding as many tasks as it may.
    #[error("the queue is full: {} tasks are waiting", group_thousands(*queued))]
    QueueFull { queued: u64 },
    /// The digit store would have to change digits it already holds: one of the two is wrong.
    #[error("the new digits disagree with the stored ones at decimal {position}")]
    DigitsDisagree { position: u64 },
}

pub type StorageResult<T> = Result<T, StorageError>;

impl StorageError {
    /// Whether this error is the database being unavailable for a while, and why.
    pub fn unavailable(&self) -> Option<Unavailable> {
        match self {
            StorageError::Database(err) => unavailable_db(err),
            StorageError::Connection(err) => unavailable_sqlx(err),
            StorageError::Unreachable => Some(Unavailable::Unreachable),
            _ => None,
        }
    }
}

fn unavailable_db(err: &sea_orm::DbErr) -> Option<Unavailable> {
    use sea_orm::{DbErr, RuntimeErr};
    match err {
        DbErr::ConnectionAcquire(_) => Some(Unavailable::Unreachable),
        DbErr::Conn(RuntimeErr::SqlxError(err))
        | DbErr::Exec(RuntimeErr::SqlxError(err))
        | DbErr::Query(RuntimeErr::SqlxError(err)) => unavailable_sqlx(err),
        _ => None,
    }
}

fn unavailable_sqlx(err: &sqlx::Error) -> Option<Unavailable> {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            Some(Unavailable::Unreachable)
        }
        sqlx::Error::Database(db) => {
            let code = db.code()?;
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                unavailable_sqlite(&code)
            } else {
                unavailable_postgres(&code)
            }
        }
        _ => None,
    }
}

/// By SQLite's primary result code (the low byte of an extended one).
fn unavailable_sqlite(code: &str) -> Option<Unavailable> {
    match code.parse::<i32>().ok()? & 0xff {
        5 | 6 => Some(Unavailable::Busy), // SQLITE_BUSY, SQLITE_LOCKED
        13 => Some(Unavailable::Full),    // SQLITE_FULL
        _ => None,
    }
}

/// By Postgres's SQLSTATE.
fn unavailable_postgres(code: &str) -> Option<Unavailable> {
    match code {
        // lock_not_available, serialization_failure, deadlock_detected
        "55P03" | "40001" | "40P01" => Some(Unavailable::Busy),
        "53100" => Some(Unavailable::Full), // disk_full
        // insufficient_resources, out_of_memory, too_many_connections: passing, not full
        _ if code.starts_with("53") => Some(Unavailable::Busy),
        // admin_shutdown, crash_shutdown, cannot_connect_now
        "57P01" | "57P02" | "57P03" => Some(Unavailable::Unreachable),
        _ if code.starts_with("08") => Some(Unavailable::Unreachable),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_busy_locked_and_full_are_passing_conditions() {
        assert_eq!(unavailable_sqlite("5"), Some(Unavailable::Busy));
        assert_eq!(unavailable_sqlite("517"), Some(Unavailable::Busy)); // SQLITE_BUSY_SNAPSHOT
        assert_eq!(unavailable_sqlite("6"), Some(Unavailable::Busy));
        assert_eq!(unavailable_sqlite("13"), Some(Unavailable::Full));
        assert_eq!(unavailable_sqlite("2067"), None); // a unique constraint is a real fault
    }

    #[test]
    fn postgres_lock_disk_and_shutdown_states_are_passing_conditions() {
        assert_eq!(unavailable_postgres("55P03"), Some(Unavailable::Busy));
        assert_eq!(unavailable_postgres("53100"), Some(Unavailable::Full));
        assert_eq!(unavailable_postgres("53300"), Some(Unavailable::Busy));
        assert_eq!(
            unavailable_postgres("57P01"),
            Some(Unavailable::Unreachable)
        );
        assert_eq!(unavailable_postgres("23505"), None);
    }
}
