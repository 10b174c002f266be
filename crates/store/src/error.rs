use amiable_domain::case::Rejection;
use amiable_domain::validation::ValidationErrors;

/// A storage failure. Never shown to clients: the server logs it and answers 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("invalid input: {0}")]
    Invalid(ValidationErrors),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0} already exists")]
    Duplicate(&'static str),
    #[error("the writer has stopped")]
    WriterStopped,
    #[error("invalid database configuration: {0}")]
    Config(String),
}

impl StoreError {
    pub fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }

    /// Whether the database refused a duplicate key.
    pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
        matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
    }
}

/// Why a case command did not append anything.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The decider refused the command; the code is stable.
    #[error("rejected: {0}")]
    Rejected(Rejection),
    /// The command named a version that is no longer current.
    #[error("version conflict: the case is at version {current_version}")]
    Conflict { current_version: i64 },
    #[error("case not found")]
    CaseNotFound,
    #[error("order not found")]
    OrderNotFound,
    #[error(transparent)]
    Storage(#[from] StoreError),
}

impl From<sqlx::Error> for CommandError {
    fn from(error: sqlx::Error) -> Self {
        CommandError::Storage(StoreError::Database(error))
    }
}
