//! Synthetic Egyptian documents with exact ground truth.
//!
//! [`render`] draws one document (national ID front/back, passport data page, TD1 card,
//! driving licence, vehicle licence front/back, licence plate alone or on a car), places it
//! in a photo and degrades the photo; [`render_card_flat`] returns the unwarped card for
//! training recognisers on crops. Each [`Sample`] carries a [`Truth`] that serialises to the
//! JSON the evaluation tools read: the route, the `data` fields as api.md names them and
//! documents.md normalises them, the validation codes a correct reader must report, and
//! geometry (card corners, every text line's quadrilateral, the face photo).
//!
//! Everything is deterministic in `(seed, kind, index)`: content and layout come from one
//! ChaCha stream, the photo from another, so the flat card and the photo agree.
//!
//! Modules, in the order a sample is made: [`people`] and [`data`] (content), [`text`]
//! (shaped bidirectional text), `cards` (layouts), `art` (patterns, faces, barcodes),
//! [`photo`] (placement and degradation), [`geometry`].

pub mod data;
pub mod fonts;
pub mod geometry;
pub mod mrz;
pub mod people;
pub mod photo;
pub mod text;
pub mod variants;

mod art;
mod cards;
mod plate_art;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use image::RgbImage;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

pub use fonts::{Font, FontSet};
pub use geometry::{Quad, Rect};
pub use people::InvalidCase;
pub use photo::PhotoParams;

/// What can go wrong while rendering.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("font file {file} not found; install the Debian package {package}")]
    MissingFont { file: String, package: String },
    #[error("font file {0} could not be parsed")]
    BadFont(PathBuf),
    #[error("fonts unavailable: {0}")]
    Fonts(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("image {path}: {source}")]
    Image {
        path: PathBuf,
        source: image::ImageError,
    },
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("degenerate perspective transform")]
    Projection,
}

/// The documents this crate renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    IdFront,
    IdBack,
    Passport,
    /// An ID-1 card with a 3 x 30 MRZ on its back.
    Td1,
    DrivingLicense,
    CarLicenseFront,
    CarLicenseBack,
    /// A plate cropped to its outline.
    Plate,
    /// A plate on a drawn car.
    PlateScene,
}

impl DocKind {
    pub const ALL: [DocKind; 9] = [
        DocKind::IdFront,
        DocKind::IdBack,
        DocKind::Passport,
        DocKind::Td1,
        DocKind::DrivingLicense,
        DocKind::CarLicenseFront,
        DocKind::CarLicenseBack,
        DocKind::Plate,
        DocKind::PlateScene,
    ];

    /// The API route that reads this document (api.md).
    pub fn route(self) -> &'static str {
        match self {
            DocKind::IdFront => "/v1/ocr/id/front",
            DocKind::IdBack => "/v1/ocr/id/back",
            DocKind::Passport | DocKind::Td1 => "/v1/ocr/passport",
            DocKind::DrivingLicense => "/v1/ocr/driving_license",
            DocKind::CarLicenseFront => "/v1/ocr/car/license/front",
            DocKind::CarLicenseBack => "/v1/ocr/car/license/back",
            DocKind::Plate | DocKind::PlateScene => "/v1/ocr/license_plate",
        }
    }

    /// A short name for file names (`id_front`).
    pub fn slug(self) -> &'static str {
        match self {
            DocKind::IdFront => "id_front",
            DocKind::IdBack => "id_back",
            DocKind::Passport => "passport",
            DocKind::Td1 => "td1",
            DocKind::DrivingLicense => "driving_license",
            DocKind::CarLicenseFront => "car_license_front",
            DocKind::CarLicenseBack => "car_license_back",
            DocKind::Plate => "plate",
            DocKind::PlateScene => "plate_scene",
        }
    }

    /// Invalid cases this document can show (a case needs the printed fields that
    /// contradict the number: the gender word is only on the back).
    pub fn invalid_cases(self) -> &'static [InvalidCase] {
        use InvalidCase::*;
        match self {
            DocKind::IdFront | DocKind::DrivingLicense => {
                &[BadCheckDigit, ImpossibleDate, UnknownGovernorate]
            }
            DocKind::IdBack => &[
                BadCheckDigit,
                ImpossibleDate,
                UnknownGovernorate,
                GenderMismatch,
                Expired,
            ],
            _ => &[],
        }
    }

    fn stream(self) -> u64 {
        DocKind::ALL.iter().position(|k| *k == self).unwrap_or(0) as u64
    }
}

/// How hard the photo is, from 0 (clean scan) to 1 (rotated, blurred, noisy, glare).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Difficulty {
    Easy,
    Normal,
    Hard,
    /// Any level in 0..=1.
    Level(f32),
}

impl Difficulty {
    pub fn level(self) -> f32 {
        match self {
            Difficulty::Easy => 0.15,
            Difficulty::Normal => 0.5,
            Difficulty::Hard => 0.9,
            Difficulty::Level(x) => x.clamp(0.0, 1.0),
        }
    }
}

/// Parameters of a synthetic set.
#[derive(Debug, Clone)]
pub struct SynthParams {
    /// Seed of the whole set; sample `index` of `kind` depends only on it. Default 0.
    pub seed: u64,
    /// Default `Normal`.
    pub difficulty: Difficulty,
    /// Folder of face photos (JPEG/PNG) for the card photo, or one photo file that every
    /// card carries; `None` draws a silhouette.
    pub faces_dir: Option<PathBuf>,
    /// Share of ID-number documents made deliberately invalid. Default 0.1: enough to
    /// exercise every validation code in a few hundred samples without drowning the
    /// valid reads that accuracy is measured on.
    pub invalid_fraction: f32,
    /// "Today" for birth and expiry dates. Default 2026-11-01, fixed so a set does not
    /// change with the clock. It is recorded in every [`Truth`]: evaluate with the server's
    /// `validity_date` set to it, since a reader judging by the real date will in time
    /// find short-lived documents (vehicle licences) expired.
    pub reference_date: NaiveDate,
    /// Width of the flat ID-1 card in pixels. Default 1000 (the brief's size; digits
    /// stay well above the 10 px digits.md asks for after a 0.4x photo).
    pub card_width: u32,
    /// Photo placement and degradation; derived from `difficulty` unless set.
    pub photo: Option<PhotoParams>,
}

impl Default for SynthParams {
    fn default() -> Self {
        SynthParams {
            seed: 0,
            difficulty: Difficulty::Normal,
            faces_dir: None,
            invalid_fraction: 0.1,
            reference_date: NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"),
            card_width: 1000,
            photo: None,
        }
    }
}

impl SynthParams {
    /// A photo at difficulty `level` (0..1) with synth's photo parameters for that level,
    /// except that the card may be turned by any quarter turn at every level (synth turns
    /// cards only from level 0.75 on): the card locator's evaluations, where orientation
    /// must mean something at every level.
    pub fn turned_photo(seed: u64, level: f32) -> SynthParams {
        let mut photo = PhotoParams::for_level(level);
        photo.quarter_turns = true;
        SynthParams {
            seed,
            difficulty: Difficulty::Level(level),
            photo: Some(photo),
            ..SynthParams::default()
        }
    }
}

/// A validation code a correct reader must report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectedCode {
    pub field: String,
    pub code: u32,
}

/// One printed text line.
#[derive(Debug, Clone, Serialize)]
pub struct TextLine {
    /// The text exactly as printed (Arabic-Indic digits where the card prints them).
    pub text: String,
    /// The api.md field it carries, if any (labels have none).
    pub field: Option<String>,
    /// The ink box in the output image, corners clockwise from the text's top left.
    pub quad: Quad,
    /// The font it was drawn in.
    pub font: String,
}

/// Ground truth of one sample.
#[derive(Debug, Clone, Serialize)]
pub struct Truth {
    /// `<kind>_<seed>_<index>`, also the file stem.
    pub id: String,
    pub kind: DocKind,
    pub route: &'static str,
    /// Every expected field, named as in api.md, normalised as in documents.md.
    pub data: serde_json::Map<String, serde_json::Value>,
    /// Fields of `data` whose exact spelling is a convention (transliterations):
    /// compare them loosely.
    pub approximate_fields: Vec<String>,
    pub expected_codes: Vec<ExpectedCode>,
    pub invalid_case: Option<InvalidCase>,
    /// Output image size `[w, h]`.
    pub image_size: [u32; 2],
    /// The document's corners in the output image, clockwise from its own top left.
    pub corners: Quad,
    /// Quarter turns the document was rotated by in the photo (0-3, clockwise).
    pub quarter_turns: u8,
    pub lines: Vec<TextLine>,
    /// The face photo on the document, if it has one.
    pub face: Option<Quad>,
    /// The date the document's validity was generated against (`SynthParams::reference_date`).
    pub reference_date: NaiveDate,
    /// The photo's degradation, for slicing results by difficulty.
    pub degradation: Option<photo::Degradation>,
}

/// A rendered document and its truth.
#[derive(Debug, Clone)]
pub struct Sample {
    pub image: RgbImage,
    pub truth: Truth,
    /// JPEG quality the photo should be saved at (part of the degradation).
    pub jpeg_quality: u8,
    /// Rounded-corner radius of the flat document in its pixels (0 for square ones);
    /// the photo step cuts the corners with it.
    pub corner_radius: f32,
}

impl Sample {
    /// The image encoded as JPEG at the sample's quality.
    pub fn to_jpeg(&self) -> Result<Vec<u8>, SynthError> {
        let mut out = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, self.jpeg_quality);
        self.image
            .write_with_encoder(enc)
            .map_err(|e| SynthError::Image {
                path: PathBuf::from("<memory>"),
                source: e,
            })?;
        Ok(out)
    }
}

fn rng_for(params: &SynthParams, kind: DocKind, index: u64, part: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    // Distinct streams per (kind, index, part) so samples do not share randomness.
    rng.set_stream((kind.stream() << 56) ^ (index << 1) ^ part);
    rng
}

/// The flat, unwarped document. Corners are the image's corners.
pub fn render_card_flat(
    kind: DocKind,
    params: &SynthParams,
    index: u64,
) -> Result<Sample, SynthError> {
    let fonts = FontSet::system()?;
    let mut rng = rng_for(params, kind, index, 0);
    let mut s = cards::render(kind, params, fonts, &mut rng)?;
    s.truth.id = format!("{}_{}_{}", kind.slug(), params.seed, index);
    s.truth.reference_date = params.reference_date;
    Ok(s)
}

/// The document photographed: flat card, then [`photo::photograph`].
pub fn render(kind: DocKind, params: &SynthParams, index: u64) -> Result<Sample, SynthError> {
    let flat = render_card_flat(kind, params, index)?;
    let mut rng = rng_for(params, kind, index, 1);
    let pp = params
        .photo
        .clone()
        .unwrap_or_else(|| PhotoParams::for_level(params.difficulty.level()));
    photo::photograph(flat, &pp, &mut rng)
}

/// Writes `dir/<id>.jpg` and `dir/<id>.json`; returns the image path.
pub fn write_sample(dir: &Path, sample: &Sample) -> Result<PathBuf, SynthError> {
    std::fs::create_dir_all(dir).map_err(|e| SynthError::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    let img = dir.join(format!("{}.jpg", sample.truth.id));
    let json = dir.join(format!("{}.json", sample.truth.id));
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| SynthError::Io { path: p, source: e }
    };
    std::fs::write(&img, sample.to_jpeg()?).map_err(io(&img))?;
    let text = serde_json::to_string_pretty(&sample.truth)?;
    std::fs::write(&json, text).map_err(io(&json))?;
    Ok(img)
}
