//! The shared state of the router.

use std::sync::Arc;
use std::time::Duration;

use hawiya_pipeline::image::ImageLimits;
use hawiya_pipeline::Engine;
use hawiya_store::Store;

use crate::auth::TokenKeys;
use crate::config::ServerConfig;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimits;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<ServerConfig>,
    pub store: Store,
    pub engine: Engine,
    pub metrics: Metrics,
    pub rate_limits: RateLimits,
    pub tokens: Arc<TokenKeys>,
}

impl AppState {
    pub fn new(config: ServerConfig, store: Store, engine: Engine, signing_secret: &[u8]) -> Self {
        AppState {
            config: Arc::new(config),
            store,
            engine,
            metrics: Metrics::new(),
            rate_limits: RateLimits::default(),
            tokens: Arc::new(TokenKeys::new(signing_secret)),
        }
    }

    /// Limits for a document image.
    pub fn image_limits(&self) -> ImageLimits {
        ImageLimits {
            max_bytes: self.config.max_image_bytes,
            max_pixels: self.config.max_image_pixels,
            ..ImageLimits::default()
        }
    }

    /// Limits for one liveness frame.
    pub fn frame_limits(&self) -> ImageLimits {
        ImageLimits {
            max_bytes: self.config.max_frame_bytes,
            ..self.image_limits()
        }
    }

    /// Reader options: validity judged as of `validity_date` when configured, else today.
    pub fn read_options(&self) -> hawiya_pipeline::ReadOptions {
        let defaults = hawiya_pipeline::ReadOptions::default();
        hawiya_pipeline::ReadOptions {
            today: self.config.validity_date.unwrap_or(defaults.today),
            check_document: self.config.document_check,
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.config.request_timeout_secs)
    }

    pub fn transaction_ttl(&self) -> Duration {
        Duration::from_secs(self.config.transaction_ttl_secs)
    }
}
