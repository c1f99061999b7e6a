use crate::domain::UnknownValue;

/// Everything that can go wrong below the task layer.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the database URL is not valid: {0}")]
    InvalidUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("database connection error: {0}")]
    Connection(#[from] sqlx::Error),
    /// A row holds a value this version cannot read: the database was written by something else.
    #[error("the database holds a value this version does not understand: {0}")]
    Corrupt(#[from] UnknownValue),
    /// The digit store would have to change digits it already holds: one of the two is wrong.
    #[error("the new digits disagree with the stored ones at decimal {position}")]
    DigitsDisagree { position: u64 },
}

pub type StorageResult<T> = Result<T, StorageError>;
