//! Server configuration: defaults, then a TOML file, then `HAWIYA_*` environment variables,
//! then command-line flags (applied by the `hawiya` binary).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Every setting of the server, with its default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on. Default 127.0.0.1:8080: local only until the operator opens it.
    pub listen: SocketAddr,
    /// Directory for the SQLite file and other state. Default `./data`.
    pub data_dir: PathBuf,
    /// A `postgres://` URL to share state between replicas; SQLite in `data_dir` when unset.
    pub database_url: Option<String>,
    /// How long a request waits for a database connection (opening one included) before it
    /// is answered 503 with code 5030, and `/ready` reports the database down. Default
    /// 3000 ms: rides out a brief spike, yet a dead database never holds a request longer.
    pub database_acquire_timeout_ms: u64,
    /// Directory of the built models. Default: `HAWIYA_MODELS`, else `~/.cache/hawiya/models`.
    pub models_dir: Option<PathBuf>,
    /// Path of `libonnxruntime.so`. Default: `ORT_DYLIB_PATH`, else next to the models.
    pub ort_library: Option<PathBuf>,
    /// `cpu` or `cuda` (needs a build with the `cuda` feature and the onnxruntime-gpu library).
    pub provider: String,
    /// ONNX Runtime intra-op threads per worker. Default 1: one worker per core keeps every
    /// core busy without the threads of two workers competing (faces.md).
    pub intra_op_threads: usize,
    /// Check document validity (expiry) as of this date instead of today: for re-reading
    /// archived scans as of their capture, and for evaluating fixed synthetic sets.
    pub validity_date: Option<chrono::NaiveDate>,
    /// Refuse a document the classifier confidently sees as another kind (a passport sent
    /// to `id/front`). Default true; turn off if a real card type is wrongly refused.
    pub document_check: bool,
    /// Inference worker threads. Default: the number of CPU cores (one intra-op thread each).
    pub workers: usize,
    /// Requests admitted to the inference queue before 429. Default 32 (about two seconds of
    /// ID fronts on 2 cores: longer waits are better refused).
    pub queue_capacity: usize,
    /// Time a request may take end to end before 504. Default 30 s.
    pub request_timeout_secs: u64,
    /// Largest request body. Default 16 MiB: two 3 MB images in base64 plus JSON overhead.
    pub max_body_bytes: usize,
    /// Largest decoded image. Default 3 MB (api.md).
    pub max_image_bytes: usize,
    /// Largest decoded liveness frame. Default 500 KB (api.md).
    pub max_frame_bytes: usize,
    /// Largest image canvas in pixels, checked before decoding. Default 40 MP.
    pub max_image_pixels: u64,
    /// Default per-tenant rate limits (api.md: 10 a second, 60 a minute).
    pub rate_per_second: u32,
    pub rate_per_minute: u32,
    /// Access token lifetime. Default 86400 s (api.md `expireInSeconds`).
    pub access_token_ttl_secs: u64,
    /// Refresh token lifetime. Default 604800 s (api.md `refreshTokenExpireInSeconds`).
    pub refresh_token_ttl_secs: u64,
    /// How long a transaction and its steps are kept. Default 7 days.
    pub transaction_ttl_secs: u64,
    /// How often expired transactions are purged. Default every 10 minutes.
    pub purge_interval_secs: u64,
    /// Default face dissimilarity threshold (4x dlib's L2 operating point of 0.6).
    pub face_threshold: f32,
    /// AML match score (0-100) from which a list entry is reported. Default: the
    /// screening default (85, chosen on the generated evaluation set; see
    /// benches/results/aml.md). Tenants may override it.
    pub aml_threshold: Option<f32>,
    /// Most AML matches returned per screening, best first. Default 50: every match above
    /// the threshold in all but a very common name's case (benches/results/aml.md).
    pub aml_max_results: usize,
    /// `text` or `json` logs.
    pub log_format: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".parse().expect("valid default address"),
            data_dir: PathBuf::from("data"),
            database_url: None,
            database_acquire_timeout_ms: 3000,
            models_dir: None,
            ort_library: None,
            provider: "cpu".into(),
            intra_op_threads: 1,
            validity_date: None,
            document_check: true,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue_capacity: 32,
            request_timeout_secs: 30,
            max_body_bytes: 16 * 1024 * 1024,
            max_image_bytes: 3 * 1024 * 1024,
            max_frame_bytes: 500 * 1024,
            max_image_pixels: 40_000_000,
            rate_per_second: 10,
            rate_per_minute: 60,
            access_token_ttl_secs: 86_400,
            refresh_token_ttl_secs: 604_800,
            transaction_ttl_secs: 7 * 86_400,
            purge_interval_secs: 600,
            face_threshold: 2.4,
            aml_threshold: None,
            aml_max_results: 50,
            log_format: "text".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("parsing {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("environment variable {name}={value:?}: {message}")]
    Env {
        name: String,
        value: String,
        message: String,
    },
}

impl ServerConfig {
    /// Defaults, overridden by `file` (if given), then by `HAWIYA_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse {
                    path: path.to_path_buf(),
                    source,
                })?
            }
            None => ServerConfig::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    /// Applies `HAWIYA_<FIELD>` overrides (upper-case field names).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.parse().map_err(|e: T::Err| ConfigError::Env {
                name: name.to_string(),
                value: value.to_string(),
                message: e.to_string(),
            })
        }
        macro_rules! env_field {
            ($field:ident, $name:literal) => {
                if let Some(v) = get($name) {
                    self.$field = parse($name, &v)?;
                }
            };
            ($field:ident, $name:literal, opt) => {
                if let Some(v) = get($name) {
                    self.$field = if v.is_empty() {
                        None
                    } else {
                        Some(parse($name, &v)?)
                    };
                }
            };
        }
        env_field!(listen, "HAWIYA_LISTEN");
        env_field!(data_dir, "HAWIYA_DATA");
        env_field!(database_url, "HAWIYA_DATABASE_URL", opt);
        env_field!(
            database_acquire_timeout_ms,
            "HAWIYA_DATABASE_ACQUIRE_TIMEOUT_MS"
        );
        env_field!(models_dir, "HAWIYA_MODELS", opt);
        env_field!(ort_library, "ORT_DYLIB_PATH", opt);
        env_field!(provider, "HAWIYA_PROVIDER");
        env_field!(intra_op_threads, "HAWIYA_INTRA_OP_THREADS");
        env_field!(validity_date, "HAWIYA_VALIDITY_DATE", opt);
        env_field!(document_check, "HAWIYA_DOCUMENT_CHECK");
        env_field!(workers, "HAWIYA_WORKERS");
        env_field!(queue_capacity, "HAWIYA_QUEUE_CAPACITY");
        env_field!(request_timeout_secs, "HAWIYA_REQUEST_TIMEOUT_SECS");
        env_field!(max_body_bytes, "HAWIYA_MAX_BODY_BYTES");
        env_field!(max_image_bytes, "HAWIYA_MAX_IMAGE_BYTES");
        env_field!(max_frame_bytes, "HAWIYA_MAX_FRAME_BYTES");
        env_field!(max_image_pixels, "HAWIYA_MAX_IMAGE_PIXELS");
        env_field!(rate_per_second, "HAWIYA_RATE_PER_SECOND");
        env_field!(rate_per_minute, "HAWIYA_RATE_PER_MINUTE");
        env_field!(access_token_ttl_secs, "HAWIYA_ACCESS_TOKEN_TTL_SECS");
        env_field!(refresh_token_ttl_secs, "HAWIYA_REFRESH_TOKEN_TTL_SECS");
        env_field!(transaction_ttl_secs, "HAWIYA_TRANSACTION_TTL_SECS");
        env_field!(purge_interval_secs, "HAWIYA_PURGE_INTERVAL_SECS");
        env_field!(face_threshold, "HAWIYA_FACE_THRESHOLD");
        env_field!(aml_threshold, "HAWIYA_AML_THRESHOLD", opt);
        env_field!(aml_max_results, "HAWIYA_AML_MAX_RESULTS");
        env_field!(log_format, "HAWIYA_LOG_FORMAT");
        Ok(())
    }

    /// The store's pool options: the configured acquire timeout, the rest the defaults.
    pub fn store_options(&self) -> hawiya_store::StoreOptions {
        hawiya_store::StoreOptions {
            acquire_timeout: std::time::Duration::from_millis(
                self.database_acquire_timeout_ms.max(1),
            ),
            ..hawiya_store::StoreOptions::default()
        }
    }

    /// The database URL in effect: the configured one, else SQLite in `data_dir`.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("hawiya.db").display()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_defaults() {
        let mut c = ServerConfig::default();
        c.apply_env(|n| match n {
            "HAWIYA_RATE_PER_SECOND" => Some("3".into()),
            "HAWIYA_DATABASE_URL" => Some("postgres://x@h/db".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.rate_per_second, 3);
        assert_eq!(c.database_url.as_deref(), Some("postgres://x@h/db"));
        let err = c
            .apply_env(|n| (n == "HAWIYA_WORKERS").then(|| "many".into()))
            .unwrap_err();
        assert!(err.to_string().contains("HAWIYA_WORKERS"));
    }

    #[test]
    fn file_rejects_unknown_keys() {
        assert!(toml::from_str::<ServerConfig>("listn = \"x\"").is_err());
        let c: ServerConfig = toml::from_str("queue_capacity = 4").unwrap();
        assert_eq!(c.queue_capacity, 4);
        assert_eq!(c.rate_per_minute, 60);
    }
}
