//! Runs each test against every available backend: SQLite always (a fresh temp directory),
//! PostgreSQL when `HAWIYA_TEST_PG_URL` is set (a fresh schema per test, so tests running in
//! parallel never see each other's rows).
// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::io::Write;
use std::sync::Once;

use hawiya_store::{Store, StoreOptions};
use sqlx::Connection;

/// Env var naming a PostgreSQL server to test against, e.g.
/// `postgres://postgres@127.0.0.1:55432/postgres`. The role needs `CREATE` on the database.
pub const PG_URL_VAR: &str = "HAWIYA_TEST_PG_URL";

/// Tests fail fast rather than wait the production 3 s when something is wrong.
fn test_options() -> StoreOptions {
    StoreOptions {
        acquire_timeout: std::time::Duration::from_secs(2),
        ..StoreOptions::default()
    }
}

enum Target {
    Sqlite { dir: tempfile::TempDir },
    Postgres { base_url: String, schema: String },
}

/// One backend for one test. `connect` may be called repeatedly to reopen the same data.
pub struct TestDb {
    target: Target,
}

impl TestDb {
    pub fn name(&self) -> &'static str {
        match self.target {
            Target::Sqlite { .. } => "sqlite",
            Target::Postgres { .. } => "postgres",
        }
    }

    /// The URL `Store::connect` gets for this backend.
    pub fn url(&self) -> String {
        match &self.target {
            Target::Sqlite { dir } => {
                format!("sqlite://{}", dir.path().join("hawiya.db").display())
            }
            Target::Postgres { base_url, schema } => {
                let sep = if base_url.contains('?') { '&' } else { '?' };
                // search_path confines every table (and sqlx's migration table) to the
                // schema; application_name lets a test find its own server connections.
                format!(
                    "{base_url}{sep}options=-c%20search_path%3D{schema}&application_name={schema}"
                )
            }
        }
    }

    /// PostgreSQL only: the `application_name` of this test's connections.
    pub fn pg_application_name(&self) -> Option<&str> {
        match &self.target {
            Target::Postgres { schema, .. } => Some(schema),
            Target::Sqlite { .. } => None,
        }
    }

    pub async fn connect(&self) -> Store {
        // Captured by the harness; shown with a failure, so it says which backend failed.
        eprintln!("backend: {}", self.name());
        Store::connect_with(&self.url(), &test_options())
            .await
            .unwrap_or_else(|e| panic!("connect {}: {e}", self.name()))
    }

    /// Closes the store and drops the PostgreSQL schema. (A test that panics leaves its
    /// schema behind; they are named `hawiya_test_*` for manual cleanup.)
    pub async fn finish(self, store: Store) {
        store.close().await;
        if let Target::Postgres { base_url, schema } = &self.target {
            let mut conn = sqlx::PgConnection::connect(base_url)
                .await
                .expect("connect for cleanup");
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&mut conn)
                .await
                .expect("drop test schema");
        }
    }
}

/// Every backend available to this run.
pub async fn test_dbs() -> Vec<TestDb> {
    let mut dbs = vec![TestDb {
        target: Target::Sqlite {
            dir: tempfile::tempdir().expect("temp dir"),
        },
    }];
    match std::env::var(PG_URL_VAR) {
        Ok(base_url) if !base_url.is_empty() => {
            let schema = format!("hawiya_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&base_url)
                .await
                .unwrap_or_else(|e| panic!("{PG_URL_VAR} is set but unreachable: {e}"));
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(&mut conn)
                .await
                .expect("create test schema");
            dbs.push(TestDb {
                target: Target::Postgres { base_url, schema },
            });
        }
        _ => {
            static NOTICE: Once = Once::new();
            // Straight to stderr, past the harness's output capture, once per test binary.
            NOTICE.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "skipping PostgreSQL: {PG_URL_VAR} not set"
                );
            });
        }
    }
    dbs
}
