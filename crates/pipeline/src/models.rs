//! Where the model files live and which of them are present.
//!
//! The directory is, in order: an explicit override (server configuration), the
//! `HAWIYA_MODELS` environment variable, `~/.cache/hawiya/models` (where `models/build.sh`
//! writes). File names are fixed here and nowhere else.

use std::path::{Path, PathBuf};

/// Every model file the server can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelFile {
    /// PP-OCR DB text detection.
    TextDetect,
    /// PP-OCR CTC text recognition, Latin script.
    TextRecognizeLatin,
    /// The recogniser's character list, when the ONNX file carries none in its metadata.
    TextRecognizeLatinDict,
    MtcnnPnet,
    MtcnnRnet,
    MtcnnOnet,
    FaceEmbed,
    AntiSpoof,
    Liveness,
}

impl ModelFile {
    pub const ALL: [ModelFile; 9] = [
        ModelFile::TextDetect,
        ModelFile::TextRecognizeLatin,
        ModelFile::TextRecognizeLatinDict,
        ModelFile::MtcnnPnet,
        ModelFile::MtcnnRnet,
        ModelFile::MtcnnOnet,
        ModelFile::FaceEmbed,
        ModelFile::AntiSpoof,
        ModelFile::Liveness,
    ];

    /// The file name inside the models directory.
    pub fn file_name(self) -> &'static str {
        match self {
            ModelFile::TextDetect => "text_det.onnx",
            ModelFile::TextRecognizeLatin => "text_rec_latin.onnx",
            ModelFile::TextRecognizeLatinDict => "text_rec_latin.dict.txt",
            ModelFile::MtcnnPnet => "mtcnn_pnet.onnx",
            ModelFile::MtcnnRnet => "mtcnn_rnet.onnx",
            ModelFile::MtcnnOnet => "mtcnn_onet.onnx",
            ModelFile::FaceEmbed => "face_embed.onnx",
            ModelFile::AntiSpoof => "antispoof.onnx",
            ModelFile::Liveness => "liveness.onnx",
        }
    }

    /// True for files that are only a fallback for something else (the dictionary is
    /// read from the recogniser's metadata first), so their absence is no gap.
    pub fn is_optional(self) -> bool {
        matches!(self, ModelFile::TextRecognizeLatinDict)
    }
}

impl std::fmt::Display for ModelFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.file_name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelsError {
    #[error("no models directory: set HAWIYA_MODELS or configure one (HOME is unset too)")]
    NoDirectory,
    #[error("models directory {0} does not exist; run models/build.sh")]
    DirectoryMissing(PathBuf),
}

/// Where a model the project trains itself (`models/trained/`) is looked for, in order:
/// the configured models directory (where `models/build.sh` copies it), then the
/// repository's `models/trained/` (a checkout that has not run the build yet).
pub fn trained_model_candidates(models_dir: Option<&Path>, file: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(dir) = ModelDir::resolve(models_dir) {
        out.push(dir.root().join(file));
    }
    out.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../models/trained")
            .join(file),
    );
    out
}

/// A models directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelDir {
    root: PathBuf,
}

/// What [`ModelDir::check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelCheck {
    pub present: Vec<ModelFile>,
    pub missing: Vec<ModelFile>,
}

impl ModelCheck {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

impl ModelDir {
    /// A directory given explicitly (tests, configuration).
    pub fn new(root: impl Into<PathBuf>) -> ModelDir {
        ModelDir { root: root.into() }
    }

    /// The configured directory: `configured`, else `HAWIYA_MODELS`, else
    /// `~/.cache/hawiya/models`. Does not check that it exists (see [`ModelDir::exists`]).
    pub fn resolve(configured: Option<&Path>) -> Result<ModelDir, ModelsError> {
        if let Some(dir) = configured {
            return Ok(ModelDir::new(dir));
        }
        if let Some(dir) = std::env::var_os("HAWIYA_MODELS").filter(|s| !s.is_empty()) {
            return Ok(ModelDir::new(dir));
        }
        let home = std::env::var_os("HOME")
            .filter(|s| !s.is_empty())
            .ok_or(ModelsError::NoDirectory)?;
        Ok(ModelDir::new(Path::new(&home).join(".cache/hawiya/models")))
    }

    /// [`ModelDir::resolve`], and an error when the directory does not exist.
    pub fn resolve_existing(configured: Option<&Path>) -> Result<ModelDir, ModelsError> {
        let dir = ModelDir::resolve(configured)?;
        if dir.exists() {
            Ok(dir)
        } else {
            Err(ModelsError::DirectoryMissing(dir.root))
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn exists(&self) -> bool {
        self.root.is_dir()
    }

    pub fn path(&self, file: ModelFile) -> PathBuf {
        self.root.join(file.file_name())
    }

    /// The path of `file` when it is present.
    pub fn find(&self, file: ModelFile) -> Option<PathBuf> {
        let path = self.path(file);
        path.is_file().then_some(path)
    }

    /// Which of `wanted` are present and which missing; optional files are never listed
    /// as missing.
    pub fn check(&self, wanted: &[ModelFile]) -> ModelCheck {
        let mut check = ModelCheck::default();
        for &file in wanted {
            if self.path(file).is_file() {
                check.present.push(file);
            } else if !file.is_optional() {
                check.missing.push(file);
            }
        }
        check
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_reports_exactly_the_missing_files() {
        let dir = std::env::temp_dir().join(format!("hawiya-models-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("text_det.onnx"), b"x").unwrap();
        let models = ModelDir::new(&dir);
        let check = models.check(&[
            ModelFile::TextDetect,
            ModelFile::TextRecognizeLatin,
            ModelFile::TextRecognizeLatinDict,
            ModelFile::FaceEmbed,
        ]);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(check.present, vec![ModelFile::TextDetect]);
        assert_eq!(
            check.missing,
            vec![ModelFile::TextRecognizeLatin, ModelFile::FaceEmbed]
        );
        assert!(!check.is_complete());
    }

    #[test]
    fn an_explicit_directory_wins() {
        let dir = ModelDir::resolve(Some(Path::new("/srv/models"))).unwrap();
        assert_eq!(
            dir.path(ModelFile::TextDetect),
            Path::new("/srv/models/text_det.onnx")
        );
        assert!(ModelDir::resolve_existing(Some(Path::new("/nonexistent/m"))).is_err());
    }

    #[test]
    fn file_names_are_unique() {
        let mut names: Vec<_> = ModelFile::ALL.iter().map(|f| f.file_name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ModelFile::ALL.len());
    }
}
