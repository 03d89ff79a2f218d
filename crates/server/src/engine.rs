//! Wiring of the inference engine from the server's configuration.

use std::path::PathBuf;

use hawiya_pipeline::runtime::{Provider, RuntimeConfig};
use hawiya_pipeline::worker::WorkerConfig;
use hawiya_pipeline::{Engine, EngineConfig, Worker};

use crate::config::ServerConfig;

/// The worker configuration the server's settings describe.
pub fn worker_config(config: &ServerConfig) -> WorkerConfig {
    let provider = match config.provider.as_str() {
        "cuda" => Provider::Cuda { device: 0 },
        _ => Provider::Cpu,
    };
    // The library ships next to the models (models/build.sh puts it in models/../lib).
    let library_path = config.ort_library.clone().or_else(|| {
        // The models directory in effect: configured, else HAWIYA_MODELS, else the cache.
        let models: PathBuf =
            hawiya_pipeline::models::ModelDir::resolve(config.models_dir.as_deref())
                .ok()?
                .root()
                .to_path_buf();
        let candidate = models
            .parent()?
            .join(if matches!(provider, Provider::Cuda { .. }) {
                "lib-gpu"
            } else {
                "lib"
            })
            .join("libonnxruntime.so");
        candidate.exists().then_some(candidate)
    });
    WorkerConfig {
        runtime: RuntimeConfig {
            library_path,
            intra_op_threads: config.intra_op_threads.max(1),
            provider,
            ..RuntimeConfig::default()
        },
        models_dir: config.models_dir.clone(),
        ..WorkerConfig::default()
    }
}

/// Starts the worker pool; each worker loads and warms its models before taking jobs.
pub fn start_engine(config: &ServerConfig) -> Engine {
    let engine_config = EngineConfig {
        workers: config.workers,
        queue_capacity: config.queue_capacity,
    };
    let worker_config = worker_config(config);
    Engine::start(&engine_config, move |index| {
        Worker::load(index, &worker_config).map_err(|e| e.into())
    })
}
