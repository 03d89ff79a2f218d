//! An in-process server on a loopback port with a throwaway SQLite database and one
//! tenant: what `eval` and `scan` use when no server is given, so they go through exactly
//! the routes a client uses.

use anyhow::Context;
use hawiya_server::{AppState, ServerConfig};
use hawiya_store::Store;

pub struct LocalServer {
    pub base: String,
    pub key: String,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl LocalServer {
    /// `validity_date`: judge expiry as of this date (a synthetic set's reference date).
    pub async fn start(validity_date: Option<chrono::NaiveDate>) -> anyhow::Result<LocalServer> {
        let dir = tempfile::tempdir()?;
        let mut config = ServerConfig::load(None)?;
        config.data_dir = dir.path().to_path_buf();
        config.database_url = None;
        // Evaluation sends requests one after another: no rate limit applies.
        config.rate_per_second = u32::MAX / 2;
        config.rate_per_minute = u32::MAX / 2;
        config.request_timeout_secs = 120;
        config.validity_date = validity_date.or(config.validity_date);
        let store = Store::connect(&config.effective_database_url())
            .await
            .context("opening the evaluation database")?;
        let (tenant, key) = store.create_tenant("eval").await?;
        store.add_user(&tenant.id, "eval@localhost", "eval").await?;
        let secret = store.signing_secret().await?;
        let engine = hawiya_server::engine::start_engine(&config);
        let state = AppState::new(config, store, engine, &secret);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let app = hawiya_server::router(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        // Wait for the models to load so the first latencies are not the warm-up.
        for _ in 0..600 {
            if state.engine.ready() || state.engine.failed() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        if state.engine.failed() {
            anyhow::bail!("the inference workers failed to start: see the log above");
        }
        Ok(LocalServer {
            base,
            key,
            _dir: dir,
            task,
        })
    }
}
