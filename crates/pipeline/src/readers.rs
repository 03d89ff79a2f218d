//! One entry point per API task, dispatched to the reader modules. The server calls these
//! inside [`crate::Engine::run`], so decoding and inference happen on worker threads.

use serde::{Deserialize, Serialize};

use crate::error::{PipelineError, Result};
use crate::extraction::Extraction;
use crate::image::{decode, ImageLimits};
use crate::worker::Worker;

/// The documents a reader route can be asked to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    IdFront,
    IdBack,
    Passport,
    DrivingLicense,
    CarLicenseFront,
    CarLicenseBack,
    LicensePlate,
}

impl DocumentKind {
    /// The name of the transaction step this document fills.
    pub fn step(self) -> &'static str {
        match self {
            DocumentKind::IdFront => "id_front",
            DocumentKind::IdBack => "id_back",
            DocumentKind::Passport => "passport",
            DocumentKind::DrivingLicense => "driving_license",
            DocumentKind::CarLicenseFront => "car_license_front",
            DocumentKind::CarLicenseBack => "car_license_back",
            DocumentKind::LicensePlate => "license_plate",
        }
    }

    /// The `services.classification.doc_type` value of this document.
    pub fn doc_type(self) -> &'static str {
        match self {
            DocumentKind::IdFront | DocumentKind::IdBack => "national_id",
            DocumentKind::Passport => "passport",
            DocumentKind::DrivingLicense => "driving_license",
            DocumentKind::CarLicenseFront | DocumentKind::CarLicenseBack => "car_license",
            DocumentKind::LicensePlate => "license_plate",
        }
    }
}

/// What a reader needs besides the image.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The date validity (expiry, birth dates in the future) is judged against. Default:
    /// today (UTC); the server may pin it (`validity_date`) to re-read archived scans or
    /// to evaluate a fixed synthetic set.
    pub today: chrono::NaiveDate,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            today: chrono::Utc::now().date_naive(),
        }
    }
}

/// Reads one document image. `bytes` are the client's encoded image.
pub fn read_document(
    worker: &mut Worker,
    kind: DocumentKind,
    bytes: &[u8],
    limits: &ImageLimits,
    options: &ReadOptions,
) -> Result<Extraction> {
    let image = decode(bytes, limits)?;
    let _ = (worker, image, options);
    Err(PipelineError::NotImplemented(format!(
        "the {} reader is not built yet",
        kind.step()
    )))
}

/// `face/compare`: two face images; `liveness` also runs the passive check on both.
pub fn compare_faces(
    worker: &mut Worker,
    first: &[u8],
    second: &[u8],
    liveness: bool,
    limits: &ImageLimits,
) -> Result<Extraction> {
    let _ = (worker, decode(first, limits)?, decode(second, limits)?, liveness);
    Err(PipelineError::NotImplemented(
        "face verification is not built yet".into(),
    ))
}

/// `face/match`: a selfie against the ID photo's stored embedding.
pub fn match_face(
    worker: &mut Worker,
    selfie: &[u8],
    id_embedding: &[f32],
    limits: &ImageLimits,
) -> Result<Extraction> {
    let _ = (worker, decode(selfie, limits)?, id_embedding);
    Err(PipelineError::NotImplemented(
        "face verification is not built yet".into(),
    ))
}

/// `liveness/multi`: three frames of one face.
pub fn check_liveness(
    worker: &mut Worker,
    frames: [&[u8]; 3],
    id_embedding: Option<&[f32]>,
    limits: &ImageLimits,
) -> Result<Extraction> {
    for frame in frames {
        decode(frame, limits)?;
    }
    let _ = (worker, id_embedding);
    Err(PipelineError::NotImplemented(
        "liveness checking is not built yet".into(),
    ))
}

/// `classification`: which document an image shows.
pub fn classify(worker: &mut Worker, bytes: &[u8], limits: &ImageLimits) -> Result<Extraction> {
    let _ = (worker, decode(bytes, limits)?);
    Err(PipelineError::NotImplemented(
        "document classification is not built yet".into(),
    ))
}
