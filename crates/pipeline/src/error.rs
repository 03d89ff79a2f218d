//! Errors of the inference core, mapped once to the API's codes by the server.

use hawiya_documents::Code;

use crate::image::ImageError;

/// Why a pipeline step produced no document.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The bytes are not an acceptable image.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The image decoded, but the document could not be read (card not found, no valid
    /// MRZ, quality too low ...). Carries the API code the envelope reports.
    #[error("{message}")]
    Document { code: Code, message: String },
    /// The reader for this route is not built yet.
    #[error("{0}")]
    NotImplemented(String),
    /// A model this step needs is not loaded on this server (missing from the models
    /// directory): the operator's to fix; the API answers 503.
    #[error("{0}")]
    ModelUnavailable(String),
    /// A model or the OCR engine failed: a server fault, not the client's.
    #[error("inference failed: {0}")]
    Inference(String),
}

impl PipelineError {
    pub fn document(code: Code, message: impl Into<String>) -> Self {
        PipelineError::Document {
            code,
            message: message.into(),
        }
    }

    pub fn inference(e: impl std::fmt::Display) -> Self {
        PipelineError::Inference(e.to_string())
    }
}

pub type Result<T, E = PipelineError> = std::result::Result<T, E>;
