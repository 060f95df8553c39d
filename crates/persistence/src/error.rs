//! Storage errors, classified so the service can turn constraint violations into the
//! rule that was broken and everything else into an internal error.

use sea_orm::{DbErr, SqlErr};

/// What went wrong in a repository call.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// A unique constraint refused the write (the text names the constraint; internal).
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    /// A foreign key pointed at a row that does not exist (anymore).
    #[error("a referenced row does not exist: {0}")]
    MissingReference(String),
    /// Anything else: connection trouble, bugs. Never shown to clients.
    #[error("database error")]
    Db(#[source] DbErr),
}

impl From<DbErr> for RepoError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => RepoError::Conflict(detail),
            Some(SqlErr::ForeignKeyConstraintViolation(detail)) => {
                RepoError::MissingReference(detail)
            }
            _ => RepoError::Db(err),
        }
    }
}

/// Shorthand for repository results.
pub type RepoResult<T> = Result<T, RepoError>;
