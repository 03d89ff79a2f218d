//! Persistence for hawiya: tenants and their API keys, users and refresh tokens, the
//! installation's token signing secret, KYC transactions and their steps, and the audit log.
//! No images are ever stored.
//!
//! One [`Store`] handle (cheap to clone, `Send + Sync`) talks to either
//! - **SQLite** (the default; one file, one server): `sqlite:///abs/path/hawiya.db`,
//!   `sqlite://relative/path.db?mode=rwc`, or [`Store::open_dir`]. The file is created if
//!   missing and opened in WAL mode with foreign keys on and a busy timeout; or
//! - **PostgreSQL** (shared by several replicas): `postgres://user:pass@host/db`.
//!
//! ## Why an enum over two pools rather than sqlx's `Any` driver
//! `Any` only carries booleans, integers, floats, text and blobs: no timestamps, no JSON, and
//! every row decode goes through a dynamic value. The enum lets each backend keep its native
//! column types (`TIMESTAMPTZ`, `JSONB`, `BYTEA` on PostgreSQL), while the query text is
//! still written once: both backends accept `$1`-style placeholders, `ON CONFLICT ... DO
//! UPDATE` and `RETURNING`, and a `dispatch!` macro expands each query for both pool types.
//!
//! ## Migrations
//! Embedded, run at connect, one numbered set per backend: `migrations/sqlite/` and
//! `migrations/postgres/`. The two sets describe the same tables and differ only in column
//! types; a new migration (e.g. AML lists) adds a file with the same number to both.
//! sqlx records applied versions in `_sqlx_migrations` and refuses to start against a
//! database whose applied migrations were edited afterwards.

mod error;
mod model;
mod secret;

/// Runs `$body` with `$pool` bound to the concrete pool (`&SqlitePool` or `&PgPool`). The body
/// is compiled once per backend, so every bound and decoded Rust type must suit both drivers;
/// the SQL text itself is checked only at run time, by the suite running on both backends.
macro_rules! dispatch {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.inner.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}

mod aml;
mod audit;
mod tenants;
mod transactions;
mod users;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::{OnceCell, Semaphore};

pub use aml::{
    normalize_date, parse_list, AmlEntry, AmlFormat, AmlList, AmlMatch, AmlQuery, AmlSearchParams,
    ImportError, ParsedList,
};
pub use error::StoreError;
pub use model::{
    AuditRecord, Step, Tenant, TenantSettings, Transaction, User, DEFAULT_RATE_LIMIT_PER_MINUTE,
    DEFAULT_RATE_LIMIT_PER_SECOND,
};

/// File name used by [`Store::open_dir`].
pub const SQLITE_FILE_NAME: &str = "hawiya.db";

/// Key of the JWT signing secret in the `settings` table.
const SIGNING_SECRET_KEY: &str = "jwt_signing_secret";

/// Pool and connection tuning. `Default` gives values that suit one server process.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most connections the pool opens. Default 10: requests touch the database briefly
    /// (lookups and small writes), so a handful of connections serve many concurrent requests,
    /// and ten per replica stays far below PostgreSQL's default `max_connections` of 100.
    pub max_connections: u32,
    /// How long a query waits for a pooled connection (including opening a new one) before
    /// failing with [`StoreError::Unavailable`]. Default 3 s: long enough to ride out a brief
    /// spike, short enough that `/ready` reports a dead database promptly instead of hanging.
    pub acquire_timeout: Duration,
    /// How long SQLite waits on a lock held by another writer before failing. Default 5 s:
    /// writes here take milliseconds, so waiting this long means something is stuck.
    pub sqlite_busy_timeout: Duration,
    /// Most Argon2 hashes computed at once (logins, user creation); further ones wait.
    /// Default: the number of CPUs. Each hash is pure CPU work holding 19 MiB, so running
    /// more at once than there are cores only adds memory, and without a bound a login flood
    /// would fill tokio's blocking pool (512 threads, ~10 GiB).
    pub max_concurrent_password_hashes: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(3),
            sqlite_busy_timeout: Duration::from_secs(5),
            max_concurrent_password_hashes: std::thread::available_parallelism()
                .map_or(2, usize::from),
        }
    }
}

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

struct Inner {
    pool: Pool,
    /// Read once per process: the secret never changes after it is first written.
    signing_secret: OnceCell<Vec<u8>>,
    /// See [`StoreOptions::max_concurrent_password_hashes`].
    password_permits: Semaphore,
}

/// The handle to hawiya's database. Clone it freely: clones share one connection pool.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Connects with [`StoreOptions::default`] and applies pending migrations.
    ///
    /// `url` is `sqlite:...` (file created if missing, along with its parent directory) or
    /// `postgres://...` / `postgresql://...`. Fails with [`StoreError::Unavailable`] if the
    /// database can't be reached within the acquire timeout.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Self::connect_with(url, &StoreOptions::default()).await
    }

    /// [`Store::connect`] with explicit pool options.
    pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            let connect = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::InvalidUrl("not a valid sqlite: URL"))?;
            Self::open_sqlite(connect, options).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = PgConnectOptions::from_str(url)
                .map_err(|_| StoreError::InvalidUrl("not a valid postgres:// URL"))?;
            Self::open_postgres(connect, options).await
        } else {
            Err(StoreError::InvalidUrl(
                "expected a sqlite: or postgres:// URL",
            ))
        }
    }

    /// Opens (creating if needed) the SQLite database `dir/hawiya.db`, creating `dir` too.
    pub async fn open_dir(dir: &Path) -> Result<Store, StoreError> {
        let connect = SqliteConnectOptions::new().filename(dir.join(SQLITE_FILE_NAME));
        Self::open_sqlite(connect, &StoreOptions::default()).await
    }

    async fn open_sqlite(
        connect: SqliteConnectOptions,
        options: &StoreOptions,
    ) -> Result<Store, StoreError> {
        let connect = connect
            .create_if_missing(true)
            // WAL: readers don't block the writer and vice versa.
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is safe with WAL (no corruption on power loss; at worst the last commits
            // roll back) and avoids an fsync per audit-log insert.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(options.sqlite_busy_timeout)
            .foreign_keys(true);
        if let Some(parent) = connect.get_filename().parent() {
            if !parent.as_os_str().is_empty() && !parent.exists() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self::from_pool(Pool::Sqlite(pool), options))
    }

    async fn open_postgres(
        connect: PgConnectOptions,
        options: &StoreOptions,
    ) -> Result<Store, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        // The migrator takes a PostgreSQL advisory lock, so replicas starting together apply
        // each migration exactly once.
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self::from_pool(Pool::Postgres(pool), options))
    }

    fn from_pool(pool: Pool, options: &StoreOptions) -> Store {
        Store {
            inner: Arc::new(Inner {
                pool,
                signing_secret: OnceCell::new(),
                // Zero would deadlock every login; one is the least that works.
                password_permits: Semaphore::new(options.max_concurrent_password_hashes.max(1)),
            }),
        }
    }

    /// Runs Argon2 work off the async runtime (one hash is tens of milliseconds of CPU that
    /// would otherwise stall every request on that worker), at most
    /// [`StoreOptions::max_concurrent_password_hashes`] at a time.
    pub(crate) async fn password_work<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, StoreError> {
        let _permit = self
            .inner
            .password_permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| StoreError::PasswordHash(format!("hashing task failed: {e}")))
    }

    /// Which database this store uses.
    pub fn backend(&self) -> Backend {
        match self.inner.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A `SELECT 1`, for `/ready`. A database that is down gives [`StoreError::Unavailable`]
    /// after at most [`StoreOptions::acquire_timeout`]; once it is back, the pool replaces
    /// broken connections by itself and this succeeds again.
    pub async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Closes every pooled connection and waits for them to finish. Clones of this store
    /// fail with [`StoreError::Unavailable`] afterwards.
    pub async fn close(&self) {
        dispatch!(self, |pool| pool.close().await)
    }

    /// The secret the server signs access tokens (JWT) with: 32 random bytes, generated the
    /// first time any replica asks and kept in the database, so tokens stay valid across
    /// restarts and are accepted by every replica sharing a PostgreSQL database.
    pub async fn signing_secret(&self) -> Result<Vec<u8>, StoreError> {
        let secret = self
            .inner
            .signing_secret
            .get_or_try_init(|| self.load_or_create_signing_secret())
            .await?;
        Ok(secret.clone())
    }

    async fn load_or_create_signing_secret(&self) -> Result<Vec<u8>, StoreError> {
        let candidate = secret::new_signing_secret();
        let stored: Vec<u8> = dispatch!(self, |pool| {
            // Insert-if-absent, then read: when two replicas race, both read the winner's.
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(SIGNING_SECRET_KEY)
            .bind(&candidate)
            .execute(pool)
            .await?;
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(SIGNING_SECRET_KEY)
                .fetch_one(pool)
                .await?
        });
        if stored.len() < secret::SIGNING_SECRET_BYTES {
            return Err(StoreError::Corrupt("signing secret shorter than 32 bytes"));
        }
        Ok(stored)
    }
}

/// The current time at the resolution every backend stores.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A caller's TTL as a chrono offset; absurd values (beyond chrono's range) are rejected.
pub(crate) fn ttl_delta(ttl: Duration, field: &'static str) -> Result<TimeDelta, StoreError> {
    TimeDelta::from_std(ttl).map_err(|_| StoreError::InvalidInput {
        field,
        reason: "too large",
    })
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`] and a foreign-key violation
/// to [`StoreError::NotFound`]; other errors convert as usual.
pub(crate) fn map_constraint(
    err: sqlx::Error,
    conflict: &'static str,
    missing: &'static str,
) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        if db.is_unique_violation() {
            return StoreError::Conflict(conflict);
        }
        if db.is_foreign_key_violation() {
            return StoreError::NotFound(missing);
        }
    }
    StoreError::from(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{Connection, SqliteConnection};

    /// SQLite keeps timestamps as text and the queries compare them as text (`expires_at >
    /// $1`). That is only correct if sqlx's encoding sorts like time does, including across
    /// the 0, 3 and 6 fractional digits it emits. This pins that down.
    #[tokio::test]
    async fn sqlite_timestamp_text_sorts_chronologically() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        let base = DateTime::parse_from_rfc3339("2025-03-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let ordered = [
            base,
            base + TimeDelta::microseconds(1),
            base + TimeDelta::microseconds(999),
            base + TimeDelta::milliseconds(1),
            base + TimeDelta::microseconds(1_001),
            base + TimeDelta::milliseconds(100),
            base + TimeDelta::microseconds(100_001),
            base + TimeDelta::seconds(1),
        ];
        for pair in ordered.windows(2) {
            let less: bool = sqlx::query_scalar("SELECT $1 < $2")
                .bind(pair[0])
                .bind(pair[1])
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert!(less, "{} does not sort before {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn now_is_microsecond_resolution() {
        assert_eq!(now().timestamp_subsec_nanos() % 1_000, 0);
    }
}
