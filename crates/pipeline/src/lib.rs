//! The inference core of hawiya: decode and normalise images, run models (ONNX Runtime,
//! Tesseract) on dedicated worker threads behind explicit admission, one module per reader.
//! No HTTP types here.

pub mod card;
pub mod classify;
pub mod ctc;
pub mod digits;
pub mod engine;
pub mod error;
pub mod extraction;
pub mod face;
pub mod geometry;
pub mod image;
pub mod licence;
pub mod liveness;
pub mod models;
pub mod national_id;
pub mod ocr;
pub mod passport;
pub mod plate;
pub mod preprocess;
pub mod quality;
pub mod readers;
pub mod runtime;
pub mod spoofing;
pub mod worker;

pub use engine::{Engine, EngineConfig, EngineError};
pub use error::{PipelineError, Result};
pub use extraction::{Extraction, Field, Quad};
pub use readers::{read_document, DocumentKind, ReadOptions};
pub use worker::{ModelSet, Worker, WorkerConfig, WorkerError};
