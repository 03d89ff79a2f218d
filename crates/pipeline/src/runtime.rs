//! ONNX Runtime set-up and a thin model wrapper.
//!
//! `ort` is built with `load-dynamic`: the shared library is opened at run time, once per
//! process, from the first of: [`RuntimeConfig::library_path`], the `ORT_DYLIB_PATH`
//! environment variable, `libonnxruntime.so` next to the executable. Without this step the
//! first `ort` call would panic inside `ort` ("dlopen failed"); here a missing or
//! incompatible library is a [`RuntimeError`] that names the path that was tried.
//!
//! Each worker owns its sessions ([`ort::session::Session::run`] takes `&mut self`), so a
//! session is never shared between threads and needs no lock.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ndarray::{Array3, Array4, ArrayD, ArrayViewD, Ix3};
use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::TensorRef;

/// The library file name `ort` looks for when nothing else is configured.
pub const LIBRARY_FILE: &str = "libonnxruntime.so";

/// Where a session runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Provider {
    /// The default: every deployment has CPUs, and the shipped models are small.
    #[default]
    Cpu,
    /// ONNX Runtime's CUDA execution provider on GPU `device`. Needs the crate feature
    /// `cuda` and the library from the `onnxruntime-gpu` wheel.
    Cuda { device: i32 },
}

/// How sessions are created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// The ONNX Runtime shared library. Default `None`: fall back to `ORT_DYLIB_PATH`, then
    /// `libonnxruntime.so` next to the executable (how the Docker image ships it).
    pub library_path: Option<PathBuf>,
    /// Threads inside one operator. Default 1: the engine runs one worker per core, so more
    /// threads per session only make workers compete for the same cores.
    pub intra_op_threads: usize,
    /// Whether idle intra-op threads spin. Default false: with spinning on, 2 threads were
    /// slower than 1 on a 2-core machine (faces.md); spinning also burns the core another
    /// worker needs.
    pub allow_spinning: bool,
    /// Default [`Provider::Cpu`].
    pub provider: Provider,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            library_path: None,
            intra_op_threads: 1,
            allow_spinning: false,
            provider: Provider::Cpu,
        }
    }
}

/// Why a model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(
        "ONNX Runtime library not found (tried {tried}); set ORT_DYLIB_PATH or the runtime \
         library path, or run scripts/setup.sh"
    )]
    LibraryMissing { tried: String },
    #[error("ONNX Runtime library at {path} could not be loaded: {message}")]
    LibraryLoad { path: PathBuf, message: String },
    #[error("the CUDA provider was requested, but this build lacks the `cuda` feature")]
    CudaNotBuilt,
    #[error("model file {0} does not exist")]
    ModelMissing(PathBuf),
    #[error("model {path}: {message}")]
    Model { path: PathBuf, message: String },
    #[error("model {model}: unexpected {what}: {detail}")]
    Shape {
        model: String,
        what: &'static str,
        detail: String,
    },
    #[error("inference with {model} failed: {message}")]
    Run { model: String, message: String },
}

static ENVIRONMENT: OnceLock<Environment> = OnceLock::new();
/// Serialises the first initialisation: `OnceLock::get_or_try_init` is not stable.
static INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Picks the library to load: the configured path, then `ORT_DYLIB_PATH`, then the file
/// next to the executable. Returns every candidate tried when none exists.
pub fn resolve_library_path(configured: Option<&Path>) -> Result<PathBuf, RuntimeError> {
    let mut tried = Vec::new();
    let from_env = std::env::var_os("ORT_DYLIB_PATH")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);
    let next_to_exe = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(LIBRARY_FILE)));
    for candidate in [configured.map(Path::to_path_buf), from_env, next_to_exe]
        .into_iter()
        .flatten()
    {
        if candidate.is_file() {
            return Ok(candidate);
        }
        tried.push(candidate.display().to_string());
    }
    Err(RuntimeError::LibraryMissing {
        tried: if tried.is_empty() {
            "nothing configured".into()
        } else {
            tried.join(", ")
        },
    })
}

/// Loads the library and creates the process-wide environment, once. Later calls return
/// the same environment whatever their `config` says: a process has one ONNX Runtime.
pub fn environment(config: &RuntimeConfig) -> Result<&'static Environment, RuntimeError> {
    if let Some(env) = ENVIRONMENT.get() {
        return Ok(env);
    }
    let _guard = INIT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(env) = ENVIRONMENT.get() {
        return Ok(env);
    }
    let path = resolve_library_path(config.library_path.as_deref())?;
    let builder = ort::init_from(&path).map_err(|e| RuntimeError::LibraryLoad {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let env = builder
        .with_name("hawiya")
        .build()
        .map_err(|e| RuntimeError::LibraryLoad {
            path: path.clone(),
            message: e.to_string(),
        })?;
    tracing::info!(library = %path.display(), "ONNX Runtime loaded");
    Ok(ENVIRONMENT.get_or_init(|| env))
}

/// Name, element type and shape of one model input or output; `-1` marks a dynamic axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    pub name: String,
    pub shape: Vec<i64>,
}

/// One ONNX session with its input and output descriptions.
pub struct OnnxModel {
    session: Session,
    name: String,
    inputs: Vec<TensorInfo>,
    outputs: Vec<TensorInfo>,
}

impl std::fmt::Debug for OnnxModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxModel")
            .field("name", &self.name)
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .finish()
    }
}

fn describe(outlets: &[ort::value::Outlet]) -> Vec<TensorInfo> {
    outlets
        .iter()
        .map(|o| TensorInfo {
            name: o.name().to_string(),
            shape: o
                .dtype()
                .tensor_shape()
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default(),
        })
        .collect()
}

impl OnnxModel {
    /// Opens `path` with the threading and provider of `config`.
    pub fn load(path: &Path, config: &RuntimeConfig) -> Result<OnnxModel, RuntimeError> {
        if !path.is_file() {
            return Err(RuntimeError::ModelMissing(path.to_path_buf()));
        }
        let env = environment(config)?;
        let model_err = |message: String| RuntimeError::Model {
            path: path.to_path_buf(),
            message,
        };
        let mut builder = Session::builder(env)
            .map_err(|e| model_err(e.to_string()))?
            // `All` is ORT_ENABLE_ALL (what Python onnxruntime uses by default); ort's
            // `Level3` is only ORT_ENABLE_LAYOUT.
            .with_optimization_level(GraphOptimizationLevel::All)
            .map_err(|e| model_err(e.to_string()))?
            .with_intra_threads(config.intra_op_threads.max(1))
            .map_err(|e| model_err(e.to_string()))?
            // One operator at a time: the shipped models are chains, and inter-op threads
            // would only add more threads competing for the worker's core.
            .with_inter_threads(1)
            .map_err(|e| model_err(e.to_string()))?
            .with_intra_op_spinning(config.allow_spinning)
            .map_err(|e| model_err(e.to_string()))?;
        match config.provider {
            Provider::Cpu => {}
            #[cfg(feature = "cuda")]
            Provider::Cuda { device } => {
                builder = builder
                    .with_execution_providers([ort::ep::CUDA::default()
                        .with_device_id(device)
                        .build()
                        .error_on_failure()])
                    .map_err(|e| model_err(e.to_string()))?;
            }
            #[cfg(not(feature = "cuda"))]
            Provider::Cuda { .. } => return Err(RuntimeError::CudaNotBuilt),
        }
        let session = builder
            .commit_from_file(path)
            .map_err(|e| model_err(e.to_string()))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(OnnxModel {
            inputs: describe(session.inputs()),
            outputs: describe(session.outputs()),
            session,
            name,
        })
    }

    /// The file stem, for logs and errors.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn inputs(&self) -> &[TensorInfo] {
        &self.inputs
    }

    pub fn outputs(&self) -> &[TensorInfo] {
        &self.outputs
    }

    /// A custom metadata entry of the model (PP-OCR rec models carry their dictionary
    /// under `character`).
    pub fn metadata(&self, key: &str) -> Option<String> {
        self.session.metadata().ok()?.custom(key)
    }

    /// Runs a single-input model and returns its first output.
    pub fn run_f32(&mut self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, RuntimeError> {
        let mut outputs = self.run_many(&[input])?;
        Ok(outputs.swap_remove(0))
    }

    /// Runs a line recogniser: `inputs` (row-major `height` x `width` grey planes, each
    /// at most that long) as one `[N, 1, height, width]` batch; its `[N, T, classes]`
    /// output. `model` names the file in a shape error.
    pub fn run_line_batch<I: AsRef<[f32]>>(
        &mut self,
        model: &str,
        inputs: &[I],
        height: usize,
        width: usize,
    ) -> Result<Array3<f32>, RuntimeError> {
        let mut batch = Array4::<f32>::zeros((inputs.len(), 1, height, width));
        for (mut plane, input) in batch.outer_iter_mut().zip(inputs) {
            for (dst, src) in plane.iter_mut().zip(input.as_ref()) {
                *dst = *src;
            }
        }
        self.run_f32(batch.into_dyn().view())?
            .into_dimensionality::<Ix3>()
            .map_err(|e| RuntimeError::Shape {
                model: model.into(),
                what: "output",
                detail: e.to_string(),
            })
    }

    /// Runs the model on `inputs`, in the model's input order, and returns every output.
    pub fn run_many(
        &mut self,
        inputs: &[ArrayViewD<'_, f32>],
    ) -> Result<Vec<ArrayD<f32>>, RuntimeError> {
        if inputs.len() != self.inputs.len() {
            return Err(RuntimeError::Shape {
                model: self.name.clone(),
                what: "input count",
                detail: format!("model takes {}, got {}", self.inputs.len(), inputs.len()),
            });
        }
        let run_err = |name: &str, e: ort::Error| RuntimeError::Run {
            model: name.to_string(),
            message: e.to_string(),
        };
        let mut values = Vec::with_capacity(inputs.len());
        for (info, array) in self.inputs.iter().zip(inputs) {
            // A view needs standard (C) layout to be passed without a copy.
            let tensor = if array.is_standard_layout() {
                TensorRef::from_array_view(array.view())
            } else {
                return Err(RuntimeError::Shape {
                    model: self.name.clone(),
                    what: "input layout",
                    detail: format!("{} is not contiguous", info.name),
                });
            }
            .map_err(|e| run_err(&self.name, e))?;
            values.push((info.name.clone(), tensor));
        }
        let name = self.name.clone();
        let outputs = self.session.run(values).map_err(|e| run_err(&name, e))?;
        let mut result = Vec::with_capacity(outputs.len());
        for (_, value) in outputs.iter() {
            let array = value
                .try_extract_array::<f32>()
                .map_err(|e| run_err(&name, e))?;
            result.push(array.to_owned());
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_one_worker_per_core() {
        let config = RuntimeConfig::default();
        assert_eq!(config.intra_op_threads, 1);
        assert!(!config.allow_spinning);
        assert_eq!(config.provider, Provider::Cpu);
    }

    #[test]
    fn a_missing_configured_library_names_what_was_tried() {
        let missing = Path::new("/nonexistent/libonnxruntime.so");
        match resolve_library_path(Some(missing)) {
            // ORT_DYLIB_PATH (set by .cargo/config.toml) may still resolve; then it must
            // not be the missing file.
            Ok(found) => assert_ne!(found, missing),
            Err(RuntimeError::LibraryMissing { tried }) => {
                assert!(tried.contains("/nonexistent/libonnxruntime.so"), "{tried}")
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }

    #[test]
    fn loading_a_missing_model_is_an_error_not_a_panic() {
        let err =
            OnnxModel::load(Path::new("/nonexistent/model.onnx"), &Default::default()).unwrap_err();
        assert!(matches!(err, RuntimeError::ModelMissing(_)), "{err}");
    }
}
