//! A real server on a loopback port, with a real database, for the HTTP tests.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use hawiya_server::{AppState, ServerConfig};
use hawiya_store::Store;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};

/// Which database a test server uses.
#[derive(Clone, Debug)]
pub enum Db {
    /// A SQLite file in this directory.
    Sqlite(PathBuf),
    /// A PostgreSQL database URL.
    Postgres(String),
}

impl Db {
    pub fn url(&self) -> String {
        match self {
            Db::Sqlite(dir) => format!("sqlite://{}?mode=rwc", dir.join("hawiya.db").display()),
            Db::Postgres(url) => url.clone(),
        }
    }
}

/// The databases to run each test against: a fresh SQLite file always, and a fresh
/// PostgreSQL database when `HAWIYA_TEST_PG_URL` is set.
pub async fn databases() -> Vec<(Db, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![(Db::Sqlite(dir.path().to_path_buf()), Some(dir))];
    match std::env::var("HAWIYA_TEST_PG_URL") {
        Ok(base) if !base.is_empty() => {
            out.push((Db::Postgres(fresh_pg_database(&base).await), None))
        }
        _ => eprintln!("skipping PostgreSQL: HAWIYA_TEST_PG_URL not set"),
    }
    out
}

/// Creates an empty database next to `base` and returns its URL.
pub async fn fresh_pg_database(base: &str) -> String {
    use sqlx::Connection;
    let name = format!("hawiya_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(base)
        .await
        .expect("connecting to PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("creating a test database");
    let (prefix, _) = base.rsplit_once('/').expect("a URL with a database name");
    format!("{prefix}/{name}")
}

pub struct TestServer {
    pub base: String,
    pub addr: SocketAddr,
    pub state: AppState,
    pub client: Client,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A tenant with a key, a user, and a fresh access token.
pub struct Tenant {
    pub name: String,
    pub key: String,
    pub token: String,
    pub refresh: String,
}

pub fn test_config() -> ServerConfig {
    ServerConfig {
        workers: 1,
        queue_capacity: 4,
        // Generous: tests send bursts; the rate-limit test sets its own tenant limits.
        rate_per_second: 1000,
        rate_per_minute: 100_000,
        ..ServerConfig::default()
    }
}

/// Whether the reader models are built (`HAWIYA_MODELS` holds text detection and the
/// face embedding); prints why a test skips otherwise.
pub fn models_present() -> bool {
    let dir = std::env::var_os("HAWIYA_MODELS").map(std::path::PathBuf::from);
    match dir {
        Some(d) if d.join("text_det.onnx").exists() && d.join("face_embed.onnx").exists() => true,
        _ => {
            eprintln!("SKIPPED: models not built (run scripts/setup.sh)");
            false
        }
    }
}

/// The public-domain portrait of scikit-image (NASA), kept with the pipeline's tests.
pub fn astronaut() -> image::RgbImage {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../pipeline/tests/data/astronaut.png"
    );
    image::open(path).expect("the astronaut portrait").to_rgb8()
}

pub fn encode_jpeg(img: &image::RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

impl TestServer {
    /// A server with the real models on a fresh SQLite database, judging validity as of
    /// a synthetic set's reference date.
    /// Keep the returned folder (the SQLite database) for as long as the server runs.
    pub async fn with_models_as_of(
        reference_date: chrono::NaiveDate,
    ) -> (TestServer, Option<tempfile::TempDir>) {
        let (db, dir) = databases().await.remove(0);
        let config = ServerConfig {
            validity_date: Some(reference_date),
            request_timeout_secs: 120,
            ..test_config()
        };
        let server = TestServer::start_with_models(&db, config).await;
        (server, dir)
    }

    pub async fn start(db: &Db, config: ServerConfig) -> TestServer {
        let store = Store::connect(&db.url()).await.expect("opening the store");
        // The contract tests need no models: bare workers answer every reader with its
        // real decoding and errors. Reader tests over HTTP use `start_with_models`.
        let engine = hawiya_pipeline::Engine::start(
            &hawiya_pipeline::EngineConfig {
                workers: config.workers,
                queue_capacity: config.queue_capacity,
            },
            |i| Ok(hawiya_pipeline::Worker::bare(i)),
        );
        Self::start_with_engine(store, config, engine).await
    }

    /// A server whose workers load the real models.
    pub async fn start_with_models(db: &Db, config: ServerConfig) -> TestServer {
        let store = Store::connect(&db.url()).await.expect("opening the store");
        let engine = hawiya_server::engine::start_engine(&config);
        Self::start_with_engine(store, config, engine).await
    }

    async fn start_with_engine(
        store: Store,
        config: ServerConfig,
        engine: hawiya_pipeline::Engine,
    ) -> TestServer {
        let secret = store.signing_secret().await.unwrap();
        let state = AppState::new(config, store, engine, &secret);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = hawiya_server::router(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestServer {
            base: format!("http://{addr}"),
            addr,
            state,
            client: Client::new(),
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Creates a tenant and user in the store and logs in over HTTP.
    pub async fn tenant(&self, name: &str) -> Tenant {
        let (tenant, key) = self.state.store.create_tenant(name).await.unwrap();
        self.state
            .store
            .add_user(&tenant.id, "user@example.com", "correct horse")
            .await
            .unwrap();
        let resp = self
            .client
            .post(self.url("/api/credentials/Login"))
            .header("ApiKey", &key)
            .header("TenancyName", name)
            .json(&json!({
                "tenancyName": name,
                "userNameOrEmailAddress": "user@example.com",
                "password": "correct horse",
            }))
            .send()
            .await
            .unwrap();
        let (status, body) = envelope(resp).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Tenant {
            name: name.to_string(),
            key,
            token: body["data"]["accessToken"].as_str().unwrap().to_string(),
            refresh: body["data"]["refreshToken"].as_str().unwrap().to_string(),
        }
    }

    /// Logs in an existing user and returns a [`Tenant`] handle for requests.
    pub async fn tenant_token(&self, key: &str, user: &str, password: &str) -> Tenant {
        let resp = self
            .client
            .post(self.url("/api/credentials/Login"))
            .header("ApiKey", key)
            .json(&json!({ "userNameOrEmailAddress": user, "password": password }))
            .send()
            .await
            .unwrap();
        let (status, body) = envelope(resp).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Tenant {
            name: String::new(),
            key: key.to_string(),
            token: body["data"]["accessToken"].as_str().unwrap().to_string(),
            refresh: body["data"]["refreshToken"].as_str().unwrap().to_string(),
        }
    }

    pub async fn post_json(
        &self,
        path: &str,
        tenant: &Tenant,
        body: &Value,
    ) -> (StatusCode, Value) {
        let resp = self
            .client
            .post(self.url(path))
            .header("ApiKey", &tenant.key)
            .bearer_auth(&tenant.token)
            .json(body)
            .send()
            .await
            .unwrap();
        envelope(resp).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        tenant: &Tenant,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let resp = self
            .client
            .post(self.url(path))
            .header("ApiKey", &tenant.key)
            .bearer_auth(&tenant.token)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        envelope(resp).await
    }
}

/// Reads a response that must be the envelope, and checks its shape.
pub async fn envelope(resp: Response) -> (StatusCode, Value) {
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = resp.text().await.unwrap();
    assert!(
        ct.starts_with("application/json"),
        "status {status}, content type {ct:?}, body {text:?}"
    );
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    for key in [
        "services",
        "data",
        "error_code",
        "error_message",
        "error_descriptions",
    ] {
        assert!(body.get(key).is_some(), "envelope without {key}: {body}");
    }
    assert!(
        body["services"]["validations"]["validation_errors"].is_array(),
        "{body}"
    );
    if status.is_success() {
        assert!(body["error_code"].is_null(), "{body}");
    } else {
        assert!(
            body["error_code"].is_u64(),
            "an error without error_code: {body}"
        );
        assert!(body["error_message"].is_string(), "{body}");
    }
    (status, body)
}

/// A small valid PNG.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7) as u8, (y * 3) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x ^ y) as u8, (y * 3) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// The validation codes an envelope gives `field`.
pub fn codes_on(env: &serde_json::Value, field: &str) -> Vec<u64> {
    env["services"]["validations"]["validation_errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["field"] == field)
        .flat_map(|v| v["errors"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["code"].as_u64())
        .collect()
}

pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
