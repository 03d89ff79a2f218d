//! The store's one error type, and the rule that sorts database failures into "the database
//! is not there right now" ([`StoreError::Unavailable`]) and everything else.

use sqlx::postgres::PgDatabaseError;
use sqlx::sqlite::SqliteError;

/// Everything the store can fail with.
///
/// The server maps these once: `Unavailable` to 503 (and `/ready` failing), `NotFound` to the
/// API's not-found answer, `Conflict` to 409, `InvalidInput` to 400, the rest to 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached: connection refused or lost, pool acquire timed out,
    /// server shutting down, SQLite file locked past the busy timeout. Transient: the pool
    /// reconnects by itself once the database is back.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),

    /// The named thing does not exist for this tenant (or has expired).
    #[error("{0} not found")]
    NotFound(&'static str),

    /// A uniqueness rule would be broken, e.g. a tenancy name or user login already taken.
    #[error("{0}")]
    Conflict(&'static str),

    /// An argument was rejected before reaching the database.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        field: &'static str,
        reason: &'static str,
    },

    /// The connection URL has a scheme other than `sqlite:` or `postgres://`, or does not
    /// parse. The message never repeats the URL, which may carry a password.
    #[error("invalid database URL: {0}")]
    InvalidUrl(&'static str),

    /// Applying the embedded migrations failed (e.g. the database has a newer schema).
    #[error("database migration failed: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),

    /// Argon2 hashing failed, or its worker thread panicked.
    #[error("password hashing failed: {0}")]
    PasswordHash(String),

    /// A stored value does not have the shape the store writes (e.g. an embedding whose byte
    /// length is not a multiple of 4).
    #[error("stored data is corrupt: {0}")]
    Corrupt(&'static str),

    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl StoreError {
    /// True for [`StoreError::Unavailable`]: worth retrying later, and `/ready` should fail.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if is_unavailable(&err) {
            StoreError::Unavailable(err)
        } else {
            StoreError::Database(err)
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        match err {
            // A migration that fails because the connection dropped is an outage, not a
            // schema problem.
            sqlx::migrate::MigrateError::Execute(inner) if is_unavailable(&inner) => {
                StoreError::Unavailable(inner)
            }
            other => StoreError::Migrate(other),
        }
    }
}

/// PostgreSQL SQLSTATEs that mean "the server is not (or no longer) serving us".
fn pg_code_is_unavailable(code: &str) -> bool {
    // Class 08: connection exceptions.
    code.starts_with("08")
        // admin_shutdown, crash_shutdown, cannot_connect_now (starting up / recovering).
        || matches!(code, "57P01" | "57P02" | "57P03")
        // too_many_connections: the server is full, try again later.
        || code == "53300"
}

/// SQLite primary result codes (the low byte of the extended code) that mean the file can't
/// be used right now.
fn sqlite_code_is_unavailable(extended: i32) -> bool {
    const SQLITE_BUSY: i32 = 5;
    const SQLITE_LOCKED: i32 = 6;
    const SQLITE_IOERR: i32 = 10;
    const SQLITE_CANTOPEN: i32 = 14;
    matches!(
        extended & 0xff,
        SQLITE_BUSY | SQLITE_LOCKED | SQLITE_IOERR | SQLITE_CANTOPEN
    )
}

pub(crate) fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<PgDatabaseError>() {
                pg_code_is_unavailable(pg.code())
            } else if db.try_downcast_ref::<SqliteError>().is_some() {
                db.code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .is_some_and(sqlite_code_is_unavailable)
            } else {
                false
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_level_errors_are_unavailable() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(StoreError::from(sqlx::Error::Io(refused)).is_unavailable());
        assert!(StoreError::from(sqlx::Error::PoolTimedOut).is_unavailable());
        assert!(StoreError::from(sqlx::Error::PoolClosed).is_unavailable());
        assert!(!StoreError::from(sqlx::Error::RowNotFound).is_unavailable());
        assert!(!StoreError::from(sqlx::Error::ColumnNotFound("x".into())).is_unavailable());
    }

    #[test]
    fn server_side_codes_are_classified() {
        assert!(pg_code_is_unavailable("08006"));
        assert!(pg_code_is_unavailable("57P01"));
        assert!(pg_code_is_unavailable("53300"));
        assert!(!pg_code_is_unavailable("23505")); // unique_violation
        assert!(!pg_code_is_unavailable("42P01")); // undefined_table
        assert!(sqlite_code_is_unavailable(5));
        assert!(sqlite_code_is_unavailable(517)); // SQLITE_BUSY_SNAPSHOT
        assert!(!sqlite_code_is_unavailable(2067)); // SQLITE_CONSTRAINT_UNIQUE
    }
}
