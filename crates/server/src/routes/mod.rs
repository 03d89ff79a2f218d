//! The routes: a table of every OCR route (JSON and `/file`), credentials, probes.

pub mod aml;
pub mod credentials;
pub mod ocr;
pub mod probes;

use axum::http::StatusCode;
use hawiya_pipeline::image::ImageError;
use hawiya_pipeline::{DocumentKind, EngineError, PipelineError};
use hawiya_store::StoreError;

use crate::envelope::{codes, ApiError};
use crate::input::image_too_large;

/// What a route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Document(DocumentKind),
    FaceMatch,
    FaceCompare,
    Liveness,
    Classification,
    Aml,
}

/// One OCR route of api.md.
#[derive(Debug)]
pub struct RouteSpec {
    pub path: &'static str,
    pub task: Task,
    pub summary: &'static str,
    /// Base64 image fields of the JSON body.
    pub image_fields: &'static [&'static str],
    /// Multipart file parts and the image field each fills.
    pub file_parts: &'static [(&'static str, &'static str)],
    /// Required text fields.
    pub text_fields: &'static [&'static str],
}

const IMAGE: &[&str] = &["image"];
const FILE: &[(&str, &str)] = &[("file", "image"), ("image", "image")];

const fn document(path: &'static str, kind: DocumentKind, summary: &'static str) -> RouteSpec {
    RouteSpec {
        path,
        task: Task::Document(kind),
        summary,
        image_fields: IMAGE,
        file_parts: FILE,
        text_fields: &[],
    }
}

/// Every OCR route; each also exists as `<path>/file`.
pub static ROUTES: &[RouteSpec] = &[
    document(
        "/v1/ocr/id/front",
        DocumentKind::IdFront,
        "Read the front of an Egyptian national ID",
    ),
    document(
        "/v1/ocr/id/back",
        DocumentKind::IdBack,
        "Read the back of an Egyptian national ID",
    ),
    document(
        "/v1/ocr/passport",
        DocumentKind::Passport,
        "Read a passport's machine readable zone",
    ),
    document(
        "/v1/ocr/car/license/front",
        DocumentKind::CarLicenseFront,
        "Read the front (owner) of a vehicle licence",
    ),
    document(
        "/v1/ocr/car/license/back",
        DocumentKind::CarLicenseBack,
        "Read the back (vehicle) of a vehicle licence",
    ),
    document(
        "/v1/ocr/driving_license",
        DocumentKind::DrivingLicense,
        "Read a driving licence",
    ),
    document(
        "/v1/ocr/license_plate",
        DocumentKind::LicensePlate,
        "Read an Egyptian license plate from a car photo or a plate crop",
    ),
    RouteSpec {
        path: "/v1/ocr/face/match",
        task: Task::FaceMatch,
        summary: "Match a selfie to the ID photo of a transaction's id/front",
        image_fields: IMAGE,
        file_parts: FILE,
        text_fields: &["transaction_id"],
    },
    RouteSpec {
        path: "/v1/ocr/face/compare",
        task: Task::FaceCompare,
        summary: "Compare the faces in two images",
        image_fields: &["face_image1", "face_image2"],
        file_parts: &[
            ("face_image1", "face_image1"),
            ("face_image2", "face_image2"),
        ],
        text_fields: &[],
    },
    RouteSpec {
        path: "/v1/ocr/liveness/multi",
        task: Task::Liveness,
        summary: "Check liveness on three frames of a face",
        image_fields: &["face_1", "face_2", "face_3"],
        file_parts: &[
            ("face_1", "face_1"),
            ("face_2", "face_2"),
            ("face_3", "face_3"),
        ],
        text_fields: &[],
    },
    RouteSpec {
        path: "/v1/ocr/classification",
        task: Task::Classification,
        summary: "Classify a document image",
        image_fields: IMAGE,
        file_parts: FILE,
        text_fields: &[],
    },
    RouteSpec {
        path: "/v1/ocr/aml/validate",
        task: Task::Aml,
        summary: "Screen a name and ID number against AML lists",
        image_fields: &[],
        file_parts: &[],
        text_fields: &["idNumber", "name"],
    },
];

/// Maps a pipeline failure to the API's status and code.
pub fn pipeline_error(e: PipelineError, field: &str) -> ApiError {
    match e {
        PipelineError::Image(img) => image_error(img, field),
        PipelineError::Document { code, message } => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code.number(), message)
        }
        PipelineError::NotImplemented(message) => {
            ApiError::new(StatusCode::NOT_IMPLEMENTED, codes::NOT_IMPLEMENTED, message)
        }
        PipelineError::ModelUnavailable(message) => {
            tracing::error!(error = %message, "model unavailable");
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, codes::UNAVAILABLE, message)
        }
        PipelineError::Inference(message) => {
            tracing::error!(error = %message, "inference failed");
            ApiError::internal("inference failed; the error is logged on the server")
        }
    }
}

fn image_error(e: ImageError, field: &str) -> ApiError {
    let message = format!("{field}: {e}");
    match e {
        ImageError::TooLarge { size, limit } => image_too_large(field, size, limit),
        ImageError::TooManyPixels { .. } => {
            let mut err = ApiError::bad_field(field, message);
            err.status = StatusCode::PAYLOAD_TOO_LARGE;
            err
        }
        ImageError::UnsupportedFormat => {
            let mut err = ApiError::bad_field(field, message);
            err.status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
            err
        }
        ImageError::Empty | ImageError::Truncated | ImageError::Corrupt(_) => {
            ApiError::bad_field(field, message)
        }
    }
}

pub fn engine_error(e: EngineError) -> ApiError {
    match e {
        EngineError::Overloaded(_) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::OVERLOADED,
            e.to_string(),
        ),
        EngineError::Stopped => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::UNAVAILABLE,
            e.to_string(),
        ),
        EngineError::Panicked(message) => {
            tracing::error!(error = %message, "inference job panicked");
            ApiError::internal("inference failed; the error is logged on the server")
        }
    }
}

pub fn store_error(e: StoreError) -> ApiError {
    if e.is_unavailable() {
        tracing::warn!(error = %e, "database unavailable");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::UNAVAILABLE,
            "the database is unavailable; retry shortly",
        )
    } else {
        tracing::error!(error = %e, "database error");
        ApiError::internal("database error; the error is logged on the server")
    }
}
