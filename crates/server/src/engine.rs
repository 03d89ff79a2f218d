//! Wiring of the inference engine from the server's configuration.

use hawiya_pipeline::{Engine, EngineConfig, Worker};

use crate::config::ServerConfig;

/// Starts the worker pool; each worker loads its models before taking jobs.
pub fn start_engine(config: &ServerConfig) -> Engine {
    let engine_config = EngineConfig {
        workers: config.workers,
        queue_capacity: config.queue_capacity,
    };
    Engine::start(&engine_config, |index| Ok(Worker::bare(index)))
}
