//! One entry point per API task, dispatched to the reader modules. The server calls these
//! inside [`crate::Engine::run`], so decoding and inference happen on worker threads.

use serde::{Deserialize, Serialize};

use hawiya_documents::Code;

use crate::classify::{ClassifyParams, DocClass};
use crate::error::{PipelineError, Result};
use crate::extraction::Extraction;
use crate::image::{decode, ImageLimits};
use crate::quality::QualityParams;
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
        DocClass::of(self).doc_type()
    }

    /// The `services.classification.side` value (`front`/`back`) of two-sided cards.
    pub fn side(self) -> Option<&'static str> {
        DocClass::of(self).side()
    }
}

/// What a reader needs besides the image.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The date validity (expiry, birth dates in the future) is judged against. Default:
    /// today (UTC); the server may pin it (`validity_date`) to re-read archived scans or
    /// to evaluate a fixed synthetic set.
    pub today: chrono::NaiveDate,
    /// Refuse an image the classifier confidently sees as another document (a passport
    /// sent to `id/front`, the back sent as the front). Default true.
    pub check_document: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            today: chrono::Utc::now().date_naive(),
            check_document: true,
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
    let image = &image.rgb;
    let plate = kind == DocumentKind::LicensePlate;
    // Quality first: an unreadable photo gets 1050 and its reason, not a failed read.
    let quality = crate::quality::assess(image, &QualityParams::for_document(plate));
    if quality.unreadable().is_some() {
        return Err(PipelineError::document(
            Code::ImageQualityTooLow,
            format!("the document cannot be read: {}", quality.summary()),
        ));
    }
    let classification = match worker.models.classifier.as_mut() {
        Some(c) if options.check_document => Some(
            c.classify(image, None, &ClassifyParams::default())
                .map_err(PipelineError::inference)?,
        ),
        _ => None,
    };
    if let Some(seen) = &classification {
        if let Some(message) = crate::classify::mismatch(kind, seen, &ClassifyParams::default()) {
            return Err(PipelineError::document(Code::CardNotDetected, message));
        }
    }
    let mut extraction = match read_kind(worker, kind, image, options) {
        // A milder quality problem is the likely cause of a document not found.
        Err(PipelineError::Document { code, message })
            if !quality.findings.is_empty()
                && matches!(code, Code::CardNotDetected | Code::InvalidMrz) =>
        {
            return Err(PipelineError::document(
                Code::ImageQualityTooLow,
                format!(
                    "{message}; the image quality is the likely cause: {}",
                    quality.summary()
                ),
            ));
        }
        other => other?,
    };
    let card = extraction
        .extra
        .get("card")
        .and_then(|c| c.get("quad"))
        .and_then(|q| serde_json::from_value::<[[f32; 2]; 4]>(q.clone()).ok());
    let spoofing = crate::spoofing::assess(
        image,
        card.as_ref(),
        &crate::spoofing::SpoofParams {
            // A plate is black on white: no colour to miss.
            expect_colour: !plate,
            ..Default::default()
        },
    );
    extraction
        .extra
        .insert("quality".into(), serde_json::json!(quality));
    extraction
        .extra
        .insert("spoofing".into(), spoofing.to_json());
    if let Some(seen) = classification {
        extraction
            .extra
            .insert("classification".into(), seen.to_json());
    }
    Ok(extraction)
}

/// The reader of `kind` on a decoded image.
fn read_kind(
    worker: &mut Worker,
    kind: DocumentKind,
    image: &image::RgbImage,
    options: &ReadOptions,
) -> Result<Extraction> {
    match kind {
        DocumentKind::Passport => crate::passport::read_params(
            worker,
            image,
            &crate::passport::PassportParams {
                today: Some(options.today),
                ..Default::default()
            },
        ),
        DocumentKind::IdFront | DocumentKind::IdBack => {
            read_national_id(worker, kind == DocumentKind::IdFront, image, options)
        }
        DocumentKind::DrivingLicense
        | DocumentKind::CarLicenseFront
        | DocumentKind::CarLicenseBack => read_licence(worker, kind, image, options),
        DocumentKind::LicensePlate => read_plate(worker, image),
    }
}

/// The licence plate reader (a car photo or a plate crop).
fn read_plate(worker: &mut Worker, image: &image::RgbImage) -> Result<Extraction> {
    let models = worker.models.plate.as_mut().ok_or_else(|| {
        PipelineError::ModelUnavailable(
            "the licence plate reader's model (plate_reader.onnx) is not loaded on this server"
                .into(),
        )
    })?;
    crate::plate::read(models, image, &crate::plate::PlateParams::default())
}

/// The ID readers, with the worker's ID models lent to them for the call; the front also
/// keeps the holder's face embedding for `face/match`.
fn read_national_id(
    worker: &mut Worker,
    front: bool,
    image: &image::RgbImage,
    options: &ReadOptions,
) -> Result<Extraction> {
    let params = crate::national_id::IdReadParams {
        today: Some(options.today),
        ..Default::default()
    };
    let mut models = worker.models.id.take().ok_or_else(|| {
        PipelineError::ModelUnavailable(
            "the ID reader's models (id_digits.onnx) are not loaded on this server".into(),
        )
    })?;
    let result = if front {
        crate::national_id::front::read(worker, &mut models, image, &params)
    } else {
        crate::national_id::back::read(worker, &mut models, image, &params)
    };
    worker.models.id = Some(models);
    let mut extraction = result?;
    if front && extraction.face_embedding.is_none() {
        // The card photo is the largest face in a photo of the card.
        if let Some(face) = worker.models.face.as_mut() {
            match crate::face::embed_largest(face, image) {
                Ok(Some(e)) => extraction.face_embedding = Some(e.vector),
                Ok(None) => tracing::info!("no face found on the ID front"),
                Err(e) => tracing::warn!(error = %e, "ID photo embedding failed"),
            }
        }
    }
    Ok(extraction)
}

/// The licence readers, with the worker's ID models (card locator, digit recogniser)
/// lent to them for the call.
fn read_licence(
    worker: &mut Worker,
    kind: DocumentKind,
    image: &image::RgbImage,
    options: &ReadOptions,
) -> Result<Extraction> {
    let mut params = crate::licence::LicenceReadParams::default();
    params.id.today = Some(options.today);
    let mut models = worker.models.id.take().ok_or_else(|| {
        PipelineError::ModelUnavailable(
            "the licence readers' models (id_digits.onnx) are not loaded on this server".into(),
        )
    })?;
    let result = crate::licence::read(worker, &mut models, kind, image, &params);
    worker.models.id = Some(models);
    result
}

fn face_models(worker: &mut Worker) -> Result<&mut crate::face::FaceModels> {
    worker.models.face.as_mut().ok_or_else(|| {
        PipelineError::ModelUnavailable(
            "the face models (blazeface_back.onnx, face_embed.onnx) are not loaded on this server"
                .into(),
        )
    })
}

/// `face/compare`: two face images; `liveness` also runs the passive check on both.
pub fn compare_faces(
    worker: &mut Worker,
    first: &[u8],
    second: &[u8],
    liveness: bool,
    threshold: f32,
    limits: &ImageLimits,
) -> Result<Extraction> {
    let (a, b) = (decode(first, limits)?, decode(second, limits)?);
    let _ = liveness;
    crate::face::compare_images(face_models(worker)?, &a.rgb, &b.rgb, threshold)
        .map_err(PipelineError::inference)
}

/// `face/match`: a selfie against the ID photo's stored embedding.
pub fn match_face(
    worker: &mut Worker,
    selfie: &[u8],
    id_embedding: &[f32],
    threshold: f32,
    limits: &ImageLimits,
) -> Result<Extraction> {
    let image = decode(selfie, limits)?;
    crate::face::match_embedding(face_models(worker)?, &image.rgb, id_embedding, threshold)
        .map_err(PipelineError::inference)
}

/// `liveness/multi`: three frames of one face.
pub fn check_liveness(
    worker: &mut Worker,
    frames: [&[u8]; 3],
    id_embedding: Option<&[f32]>,
    limits: &ImageLimits,
) -> Result<Extraction> {
    let decoded = [
        decode(frames[0], limits)?,
        decode(frames[1], limits)?,
        decode(frames[2], limits)?,
    ];
    let models = &mut worker.models;
    let (Some(face), Some(liveness)) = (models.face.as_mut(), models.liveness.as_mut()) else {
        return Err(PipelineError::ModelUnavailable(
            "liveness needs the face models (blazeface_back.onnx, face_embed.onnx) and \
             antispoof.onnx, liveness.onnx, which are not loaded on this server"
                .into(),
        ));
    };
    crate::liveness::check(
        face,
        liveness,
        [&decoded[0], &decoded[1], &decoded[2]],
        id_embedding,
        &crate::liveness::LivenessParams::default(),
    )
}

/// `classification`: which document an image shows, with the image-quality findings.
pub fn classify(worker: &mut Worker, bytes: &[u8], limits: &ImageLimits) -> Result<Extraction> {
    let image = decode(bytes, limits)?;
    let image = &image.rgb;
    let models = &mut worker.models;
    let classifier = models.classifier.as_mut().ok_or_else(|| {
        PipelineError::ModelUnavailable(
            "the document classifier (doc_classifier.onnx) is not loaded on this server".into(),
        )
    })?;
    // A large face means a portrait; without the face models that cue is skipped.
    let face_share = match models.face.as_mut() {
        Some(face) => {
            let faces = face.detect(image).map_err(PipelineError::inference)?;
            let area = (image.width() as f32 * image.height() as f32).max(1.0);
            Some(
                faces
                    .first()
                    .map_or(0.0, |f| f.width().max(0.0) * f.height().max(0.0) / area),
            )
        }
        None => None,
    };
    let params = ClassifyParams::default();
    let mut seen = classifier
        .classify(image, face_share, &params)
        .map_err(PipelineError::inference)?;
    // Front or back is decided again on the card warped flat and upright, where the
    // network sees it whole (see `Classification::with_side_from_card`).
    if let (Some(_), Some(id)) = (seen.class.side(), models.id.as_mut()) {
        if let Ok(card) = id.locator.locate(image, crate::card::ID1_ASPECT) {
            let on_card = classifier
                .classify(&card.rectified, None, &params)
                .map_err(PipelineError::inference)?;
            seen = seen.with_side_from_card(&on_card);
        }
    }
    let mut out = Extraction::default();
    out.push("doc_type", seen.class.doc_type()).confidence = Some(seen.probability);
    out.push("side", seen.class.side());
    let quality = crate::quality::assess(
        image,
        &QualityParams::for_document(seen.class == DocClass::LicensePlate),
    );
    out.extra.insert("classification".into(), seen.to_json());
    out.extra
        .insert("quality".into(), serde_json::json!(quality));
    Ok(out)
}
