//! The state one worker thread owns: its model sessions and OCR engines.
//!
//! Models are optional one by one: a missing file disables the routes that need it, not
//! the server. [`Worker::load`] loads whatever the models directory holds, runs one
//! warm-up inference per model (the first run allocates buffers and picks kernels, which
//! would otherwise land on the first client), and records what is missing.

use std::path::PathBuf;
use std::time::Instant;

use ndarray::{Array4, ArrayView4};

use crate::models::{ModelDir, ModelFile, ModelsError};
use crate::ocr::tesseract::{TesseractConfig, TesseractError, TesseractPool};
use crate::ocr::text_detect::TextDetectorModel;
use crate::ocr::text_recognize::{OnnxTextRecognizer, TextRecognizerModel};
use crate::runtime::{OnnxModel, RuntimeConfig, RuntimeError};

/// How a worker loads its models.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerConfig {
    pub runtime: RuntimeConfig,
    /// Default `None`: `HAWIYA_MODELS`, then `~/.cache/hawiya/models` (see [`ModelDir`]).
    pub models_dir: Option<PathBuf>,
    pub tesseract: TesseractConfig,
    /// Run one inference per model at load. Default true: the first run of a session
    /// costs several times a normal one.
    pub warm_up: bool,
    /// Models without which the worker must not start. Default none: a missing model
    /// turns its routes into errors and `/ready` still reports the rest.
    pub required: Vec<ModelFile>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            runtime: RuntimeConfig::default(),
            models_dir: None,
            tesseract: TesseractConfig::default(),
            warm_up: true,
            required: Vec::new(),
        }
    }
}

/// Why a worker could not start.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Models(#[from] ModelsError),
    #[error("loading {file}: {source}")]
    Load {
        file: ModelFile,
        #[source]
        source: RuntimeError,
    },
    #[error("warm-up of {file} failed: {source}")]
    WarmUp {
        file: ModelFile,
        #[source]
        source: RuntimeError,
    },
    #[error("required models missing from {dir}: {missing:?}")]
    RequiredMissing {
        dir: PathBuf,
        missing: Vec<ModelFile>,
    },
}

/// The models one worker holds. Other model kinds add a field here and a line in
/// [`Worker::load`].
#[derive(Default)]
pub struct ModelSet {
    /// PP-OCR DB text detection.
    pub text_detector: Option<OnnxModel>,
    /// PP-OCR Latin recognition with its dictionary.
    pub text_recognizer: Option<OnnxTextRecognizer>,
    /// Face detection and the 128-d embedding.
    pub face: Option<crate::face::FaceModels>,
    /// The card locator and the Arabic-Indic digit recognizer of the ID readers.
    pub id: Option<crate::national_id::IdModels>,
    /// The passive anti-spoof networks for liveness/multi.
    pub liveness: Option<crate::liveness::LivenessModels>,
    /// The document classifier (classification, and the reader routes' document check).
    pub classifier: Option<crate::classify::DocClassifier>,
    /// The licence plate reader (license_plate).
    pub plate: Option<crate::plate::PlateModels>,
    /// The trained MRZ line reader (passport's fast path).
    pub mrz_reader: Option<crate::passport::mrz_reader::MrzReader>,
    /// Model files that were not found when the worker loaded.
    pub missing: Vec<ModelFile>,
}

impl std::fmt::Debug for ModelSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelSet")
            .field("text_detector", &self.text_detector.is_some())
            .field("text_recognizer", &self.text_recognizer.is_some())
            .field("face", &self.face.is_some())
            .field("id", &self.id.is_some())
            .field("liveness", &self.liveness.is_some())
            .field("classifier", &self.classifier.is_some())
            .field("plate", &self.plate.is_some())
            .field("mrz_reader", &self.mrz_reader.is_some())
            .field("missing", &self.missing)
            .finish()
    }
}

/// Per-thread inference state. Built once per worker thread by the engine's factory.
#[derive(Debug)]
pub struct Worker {
    /// The worker's index in the pool (for logs and metrics).
    pub index: usize,
    pub models: ModelSet,
    tesseract_config: TesseractConfig,
    /// Created on first use, so workers that never read Arabic skip its start-up cost.
    tesseract: Option<TesseractPool>,
}

/// The model files [`Worker::load`] knows how to load.
const LOADED_FILES: [ModelFile; 2] = [ModelFile::TextDetect, ModelFile::TextRecognizeLatin];

impl Worker {
    /// A worker with no models, for tests of the plumbing and for routes that need none.
    pub fn bare(index: usize) -> Self {
        Worker {
            index,
            models: ModelSet::default(),
            tesseract_config: TesseractConfig::default(),
            tesseract: None,
        }
    }

    /// Loads every known model present in the models directory and warms each up.
    pub fn load(index: usize, config: &WorkerConfig) -> Result<Worker, WorkerError> {
        // A missing directory is every model missing: fatal only if one is required.
        let dir = ModelDir::resolve(config.models_dir.as_deref())?;
        if !dir.exists() {
            tracing::error!(worker = index, dir = %dir.root().display(), "models directory missing");
        }
        let check = dir.check(&LOADED_FILES);
        let required_missing: Vec<ModelFile> = config
            .required
            .iter()
            .copied()
            .filter(|f| dir.find(*f).is_none())
            .collect();
        if !required_missing.is_empty() {
            return Err(WorkerError::RequiredMissing {
                dir: dir.root().to_path_buf(),
                missing: required_missing,
            });
        }
        if !check.missing.is_empty() {
            tracing::warn!(worker = index, dir = %dir.root().display(), missing = ?check.missing, "models missing; their routes are disabled");
        }
        let load = |file: ModelFile| -> Result<Option<OnnxModel>, WorkerError> {
            let Some(path) = dir.find(file) else {
                return Ok(None);
            };
            let started = Instant::now();
            let model = OnnxModel::load(&path, &config.runtime)
                .map_err(|source| WorkerError::Load { file, source })?;
            tracing::info!(worker = index, model = %file, ms = started.elapsed().as_millis() as u64, "model loaded");
            Ok(Some(model))
        };

        let mut models = ModelSet {
            missing: check.missing,
            ..ModelSet::default()
        };
        models.text_detector = load(ModelFile::TextDetect)?;
        if let Some(model) = load(ModelFile::TextRecognizeLatin)? {
            let dict = dir.find(ModelFile::TextRecognizeLatinDict);
            models.text_recognizer = Some(
                OnnxTextRecognizer::new(model, dict.as_deref()).map_err(|source| {
                    WorkerError::Load {
                        file: ModelFile::TextRecognizeLatin,
                        source,
                    }
                })?,
            );
        }

        if dir.find(ModelFile::FaceEmbed).is_some() {
            match crate::face::FaceModels::load(dir.root(), &config.runtime) {
                Ok(face) => models.face = Some(face),
                // The face routes answer with an error; the document routes still work.
                Err(e) => tracing::error!(worker = index, error = %e, "face models not loaded"),
            }
        }

        if dir.find(ModelFile::AntiSpoof).is_some() && dir.find(ModelFile::Liveness).is_some() {
            match crate::liveness::LivenessModels::load(dir.root(), &config.runtime) {
                Ok(mut liveness) => {
                    // Warmed here rather than in warm_up so that field stays untouched.
                    if config.warm_up {
                        if let Err(e) = liveness.warm_up() {
                            tracing::warn!(error = %e, "liveness models warm-up failed");
                        }
                    }
                    models.liveness = Some(liveness);
                }
                // liveness/multi answers with an error; the other routes still work.
                Err(e) => tracing::error!(worker = index, error = %e, "liveness models not loaded"),
            }
        }

        match crate::national_id::IdModels::load(Some(dir.root()), &config.runtime) {
            Ok(id) => models.id = Some(id),
            // The ID routes answer 503; the other routes still work.
            Err(e) => tracing::error!(worker = index, error = %e, "ID reader models not loaded"),
        }

        match crate::classify::DocClassifier::load(Some(dir.root()), &config.runtime) {
            Ok(c) => models.classifier = Some(c),
            // classification answers 503 and the readers skip their document check.
            Err(e) => tracing::error!(worker = index, error = %e, "document classifier not loaded"),
        }

        match crate::plate::PlateModels::load(Some(dir.root()), &config.runtime) {
            Ok(p) => models.plate = Some(p),
            // license_plate answers 503; the other routes still work.
            Err(e) => tracing::error!(worker = index, error = %e, "plate reader model not loaded"),
        }

        match crate::passport::mrz_reader::MrzReader::load(Some(dir.root()), &config.runtime) {
            Ok(r) => models.mrz_reader = Some(r),
            // passport reads with PP-OCR alone, more slowly.
            Err(e) => tracing::warn!(worker = index, error = %e, "MRZ reader model not loaded"),
        }

        let mut worker = Worker {
            index,
            models,
            tesseract_config: config.tesseract.clone(),
            tesseract: None,
        };
        if config.warm_up {
            worker.warm_up()?;
        }
        Ok(worker)
    }

    /// One inference per loaded model on a blank input of a typical size.
    pub fn warm_up(&mut self) -> Result<(), WorkerError> {
        if let Some(det) = self.models.text_detector.as_mut() {
            // 736 x 736 is the size a card photo is detected at (TextDetectParams).
            let input = Array4::<f32>::zeros((1, 3, 736, 736));
            warm(ModelFile::TextDetect, || {
                det.probability_map(input.view()).map(drop)
            })?;
        }
        if let Some(rec) = self.models.text_recognizer.as_mut() {
            let input = Array4::<f32>::zeros((1, 3, 48, 320));
            warm(ModelFile::TextRecognizeLatin, || {
                rec.class_probabilities(ArrayView4::from(&input)).map(drop)
            })?;
        }
        if let Some(face) = self.models.face.as_mut() {
            if let Err(e) = face.warm_up() {
                tracing::warn!(error = %e, "face models warm-up failed");
            }
        }
        if let Some(classifier) = self.models.classifier.as_mut() {
            let blank =
                image::RgbImage::new(crate::classify::INPUT_SIZE, crate::classify::INPUT_SIZE);
            if let Err(e) = classifier.probabilities(&blank) {
                tracing::warn!(error = %e, "document classifier warm-up failed");
            }
        }
        Ok(())
    }

    /// The worker's Tesseract engines, created on first use.
    pub fn tesseract(&mut self) -> Result<&mut TesseractPool, TesseractError> {
        if self.tesseract.is_none() {
            self.tesseract = Some(TesseractPool::new(&self.tesseract_config)?);
        }
        Ok(self.tesseract.as_mut().expect("created above"))
    }
}

fn warm(
    file: ModelFile,
    run: impl FnOnce() -> Result<(), RuntimeError>,
) -> Result<(), WorkerError> {
    let started = Instant::now();
    run().map_err(|source| WorkerError::WarmUp { file, source })?;
    tracing::debug!(model = %file, ms = started.elapsed().as_millis() as u64, "warmed up");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_models_directory_leaves_a_worker_without_models() {
        let config = WorkerConfig {
            models_dir: Some("/nonexistent/hawiya-models".into()),
            ..WorkerConfig::default()
        };
        let worker = Worker::load(3, &config).unwrap();
        assert_eq!(worker.index, 3);
        assert!(worker.models.text_detector.is_none());
        assert!(worker.models.text_recognizer.is_none());
        assert_eq!(
            worker.models.missing,
            vec![ModelFile::TextDetect, ModelFile::TextRecognizeLatin]
        );
    }

    #[test]
    fn a_missing_required_model_stops_the_worker() {
        let config = WorkerConfig {
            models_dir: Some("/nonexistent/hawiya-models".into()),
            required: vec![ModelFile::TextDetect],
            ..WorkerConfig::default()
        };
        match Worker::load(0, &config) {
            Err(WorkerError::RequiredMissing { missing, .. }) => {
                assert_eq!(missing, vec![ModelFile::TextDetect])
            }
            other => panic!("expected RequiredMissing, got {other:?}"),
        }
    }
}
