//! Which document an image shows: `/v1/ocr/classification`, and the check every reader
//! route makes that it was given the document it reads.
//!
//! A small CNN (`doc_classifier.onnx`, trained on synthetic documents and non-documents
//! by `training/classifier/`) looks at the whole image shrunk to 96 x 96. Two cues it
//! cannot learn from synthetic data alone overrule it:
//! - a face that fills much of the image is a selfie or a portrait, not a card (the
//!   holder photo of a card covers a few percent of a card photo);
//! - a low top probability is `unknown`: the classes are documents, and an image that is
//!   none of them should not be forced into the nearest one.
//!
//! The model sits behind [`ClassifierModel`] so the decision rules test without it.

use std::path::Path;

use image::imageops::FilterType;
use image::RgbImage;
use ndarray::{Array2, Array4, ArrayView4};

use crate::readers::DocumentKind;
use crate::runtime::{OnnxModel, RuntimeConfig, RuntimeError};

/// The model's file name, in the models directory or the repository's `models/trained/`.
pub const MODEL_FILE: &str = "doc_classifier.onnx";
/// Model input side in pixels.
pub const INPUT_SIZE: u32 = 96;

/// The classes of the model, in its output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocClass {
    Unknown,
    IdFront,
    IdBack,
    Passport,
    DrivingLicense,
    CarLicenseFront,
    CarLicenseBack,
    LicensePlate,
}

impl DocClass {
    pub const ALL: [DocClass; 8] = [
        DocClass::Unknown,
        DocClass::IdFront,
        DocClass::IdBack,
        DocClass::Passport,
        DocClass::DrivingLicense,
        DocClass::CarLicenseFront,
        DocClass::CarLicenseBack,
        DocClass::LicensePlate,
    ];

    /// The class name, as the training script and the scores in responses spell it.
    pub fn name(self) -> &'static str {
        match self {
            DocClass::Unknown => "unknown",
            DocClass::IdFront => "id_front",
            DocClass::IdBack => "id_back",
            DocClass::Passport => "passport",
            DocClass::DrivingLicense => "driving_license",
            DocClass::CarLicenseFront => "car_license_front",
            DocClass::CarLicenseBack => "car_license_back",
            DocClass::LicensePlate => "license_plate",
        }
    }

    /// `services.classification.doc_type` (api.md).
    pub fn doc_type(self) -> &'static str {
        match self {
            DocClass::Unknown => "unknown",
            DocClass::IdFront | DocClass::IdBack => "national_id",
            DocClass::Passport => "passport",
            DocClass::DrivingLicense => "driving_license",
            DocClass::CarLicenseFront | DocClass::CarLicenseBack => "car_license",
            DocClass::LicensePlate => "license_plate",
        }
    }

    /// `services.classification.side`: cards with two readable sides only.
    pub fn side(self) -> Option<&'static str> {
        match self {
            DocClass::IdFront | DocClass::CarLicenseFront => Some("front"),
            DocClass::IdBack | DocClass::CarLicenseBack => Some("back"),
            _ => None,
        }
    }

    /// The class a reader route expects.
    pub fn of(kind: DocumentKind) -> DocClass {
        match kind {
            DocumentKind::IdFront => DocClass::IdFront,
            DocumentKind::IdBack => DocClass::IdBack,
            DocumentKind::Passport => DocClass::Passport,
            DocumentKind::DrivingLicense => DocClass::DrivingLicense,
            DocumentKind::CarLicenseFront => DocClass::CarLicenseFront,
            DocumentKind::CarLicenseBack => DocClass::CarLicenseBack,
            DocumentKind::LicensePlate => DocClass::LicensePlate,
        }
    }

    /// The route that reads this class, for error messages.
    pub fn route(self) -> Option<&'static str> {
        match self {
            DocClass::Unknown => None,
            DocClass::IdFront => Some("/v1/ocr/id/front"),
            DocClass::IdBack => Some("/v1/ocr/id/back"),
            DocClass::Passport => Some("/v1/ocr/passport"),
            DocClass::DrivingLicense => Some("/v1/ocr/driving_license"),
            DocClass::CarLicenseFront => Some("/v1/ocr/car/license/front"),
            DocClass::CarLicenseBack => Some("/v1/ocr/car/license/back"),
            DocClass::LicensePlate => Some("/v1/ocr/license_plate"),
        }
    }

    /// Words for messages: "the back of a national ID".
    pub fn describe(self) -> &'static str {
        match self {
            DocClass::Unknown => "no known document",
            DocClass::IdFront => "the front of a national ID",
            DocClass::IdBack => "the back of a national ID",
            DocClass::Passport => "a passport",
            DocClass::DrivingLicense => "a driving licence",
            DocClass::CarLicenseFront => "the front of a vehicle licence",
            DocClass::CarLicenseBack => "the back of a vehicle licence",
            DocClass::LicensePlate => "a license plate",
        }
    }
}

/// The decision rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassifyParams {
    /// Below this top probability the answer is `unknown`. Default 0.45: on held-out
    /// synthetic documents (seed 9100) it kept 98.5 % of documents and still called
    /// 99.4 % of real face photos `unknown` (0.6 gave 97.8 % and 99.8 %).
    pub min_probability: f32,
    /// A face box covering more than this share of the image makes it `unknown`. Default
    /// 0.08: a card photo's holder photo is 1-4 % of the frame, a selfie's face 10-50 %.
    pub max_face_share: f32,
    /// A reader route refuses an image only when another document class is at least this
    /// probable. Default 0.9: a doubtful classification must not block a real card the
    /// network has never seen the like of; the reader's own checks then decide.
    pub reject_probability: f32,
}

impl Default for ClassifyParams {
    fn default() -> Self {
        ClassifyParams {
            min_probability: 0.45,
            max_face_share: 0.08,
            reject_probability: 0.9,
        }
    }
}

/// What the classifier decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub class: DocClass,
    /// The network's probability of `class` (of its top class when a cue overruled it).
    pub probability: f32,
    /// Every class's probability, in [`DocClass::ALL`] order.
    pub probabilities: [f32; 8],
    /// Why the answer is not the network's top class, when a cue overruled it.
    pub overruled_by: Option<&'static str>,
    /// The side (front/back) was decided on the card rectified by the locator rather
    /// than on the whole photo (see [`Classification::with_side_from_card`]).
    pub side_from_card: bool,
}

impl Classification {
    /// The classification as `services.classification` carries it, plus the evidence.
    pub fn to_json(&self) -> serde_json::Value {
        let scores: serde_json::Map<String, serde_json::Value> = DocClass::ALL
            .iter()
            .zip(self.probabilities)
            .map(|(c, p)| (c.name().to_string(), serde_json::json!(round3(p))))
            .collect();
        serde_json::json!({
            "doc_type": self.class.doc_type(),
            "side": self.class.side(),
            "confidence": round3(self.probability),
            "overruled_by": self.overruled_by,
            "side_decided_on": if self.side_from_card { "rectified card" } else { "photo" },
            "scores": scores,
        })
    }

    /// The side of a two-sided card as the classifier sees it on the rectified card
    /// (`on_card`, the same network run on the card the locator warped flat and upright),
    /// when both views agree on the document type; otherwise `self` unchanged.
    ///
    /// Why: in the whole photo the card may fill a fifth of the frame and lie on its side,
    /// and the network sees it at 96 x 96; rectified, the card fills the input the right
    /// way up. On 800 synth photos of the four two-sided kinds (`side_eval`, seed 930001,
    /// a random quarter turn each) the class was right for the whole photo in 99.5%, for
    /// the rectified card alone in 99.2% (the network was trained on photos, and takes a
    /// few rectified vehicle licence backs for ID fronts), and with this rule in 99.8%.
    /// So the document type stays the whole photo's, and the card only decides the side
    /// of the same document.
    pub fn with_side_from_card(mut self, on_card: &Classification) -> Classification {
        // Both sides of a document share its type, so the card's class has a side too.
        if self.class.side().is_some() && on_card.class.doc_type() == self.class.doc_type() {
            if on_card.class != self.class {
                self.class = on_card.class;
                self.probability = on_card.probability;
            }
            self.side_from_card = true;
        }
        self
    }
}

/// Three decimals, as f64 so the JSON shows them without float noise.
fn round3(v: f32) -> f64 {
    (v as f64 * 1000.0).round() / 1000.0
}

/// The network, or a stand-in for tests: `[N, 3, 96, 96]` RGB in 0-1 to `[N, 8]`.
pub trait ClassifierModel {
    fn probabilities(&mut self, batch: ArrayView4<'_, f32>) -> Result<Array2<f32>, RuntimeError>;
}

impl ClassifierModel for OnnxModel {
    fn probabilities(&mut self, batch: ArrayView4<'_, f32>) -> Result<Array2<f32>, RuntimeError> {
        let out = self.run_f32(batch.into_dyn())?;
        out.into_dimensionality().map_err(|e| RuntimeError::Shape {
            model: MODEL_FILE.into(),
            what: "output",
            detail: e.to_string(),
        })
    }
}

/// Why the classifier could not load.
#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    #[error("document classifier model not found; looked in {0:?} (run models/build.sh)")]
    ModelMissing(Vec<std::path::PathBuf>),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// The document classifier of one worker.
pub struct DocClassifier<M = OnnxModel> {
    model: M,
}

impl<M> std::fmt::Debug for DocClassifier<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocClassifier").finish_non_exhaustive()
    }
}

impl DocClassifier<OnnxModel> {
    /// Loads `doc_classifier.onnx` from the models directory or `models/trained/`.
    pub fn load(
        models_dir: Option<&Path>,
        runtime: &RuntimeConfig,
    ) -> Result<Self, ClassifierError> {
        let candidates = crate::models::trained_model_candidates(models_dir, MODEL_FILE);
        let path = candidates
            .iter()
            .find(|p| p.is_file())
            .ok_or_else(|| ClassifierError::ModelMissing(candidates.clone()))?;
        Ok(DocClassifier {
            model: OnnxModel::load(path, runtime)?,
        })
    }
}

impl<M: ClassifierModel> DocClassifier<M> {
    pub fn with_model(model: M) -> Self {
        DocClassifier { model }
    }

    /// The network's class probabilities for one image.
    pub fn probabilities(&mut self, image: &RgbImage) -> Result<[f32; 8], RuntimeError> {
        let input = thumbnail_tensor(image);
        let out = self.model.probabilities(input.view())?;
        if out.shape() != [1, 8] {
            return Err(RuntimeError::Shape {
                model: MODEL_FILE.into(),
                what: "output",
                detail: format!("{:?}, expected [1, 8]", out.shape()),
            });
        }
        let mut p = [0f32; 8];
        for (i, v) in out.row(0).iter().enumerate() {
            p[i] = if v.is_finite() { *v } else { 0.0 };
        }
        Ok(p)
    }

    /// Classifies one image. `largest_face_share` is the area of the largest face box
    /// over the image's area, when a face detector ran.
    pub fn classify(
        &mut self,
        image: &RgbImage,
        largest_face_share: Option<f32>,
        params: &ClassifyParams,
    ) -> Result<Classification, RuntimeError> {
        let probabilities = self.probabilities(image)?;
        Ok(decide(probabilities, largest_face_share, params))
    }
}

/// The decision rules over the network's output and the face cue.
pub fn decide(
    probabilities: [f32; 8],
    largest_face_share: Option<f32>,
    params: &ClassifyParams,
) -> Classification {
    let (top, p) = probabilities
        .iter()
        .copied()
        .enumerate()
        .fold(
            (0, f32::MIN),
            |best, (i, p)| if p > best.1 { (i, p) } else { best },
        );
    let class = DocClass::ALL[top];
    let mut out = Classification {
        class,
        probability: p,
        probabilities,
        overruled_by: None,
        side_from_card: false,
    };
    if class == DocClass::Unknown {
        return out;
    }
    if largest_face_share.is_some_and(|s| s > params.max_face_share) {
        out.class = DocClass::Unknown;
        out.overruled_by = Some("a face fills much of the image: a portrait, not a document");
    } else if p < params.min_probability {
        out.class = DocClass::Unknown;
        out.overruled_by = Some("no document class is probable enough");
    }
    out
}

/// When a reader route should refuse the image: another document is confidently seen.
/// `None` lets the reader run (its own checks then decide).
pub fn mismatch(
    expected: DocumentKind,
    seen: &Classification,
    params: &ClassifyParams,
) -> Option<String> {
    let want = DocClass::of(expected);
    if seen.class == want || seen.class == DocClass::Unknown {
        return None;
    }
    if seen.probability < params.reject_probability {
        return None;
    }
    Some(format!(
        "this image shows {} ({:.0}% sure), not {}: send it to {}",
        seen.class.describe(),
        seen.probability * 100.0,
        want.describe(),
        seen.class.route().unwrap_or("the matching route"),
    ))
}

/// The model input: the whole image resized to 96 x 96 with a triangle filter (the
/// antialiased bilinear the training script uses), RGB in 0-1.
pub fn thumbnail_tensor(image: &RgbImage) -> Array4<f32> {
    let small = image::imageops::resize(image, INPUT_SIZE, INPUT_SIZE, FilterType::Triangle);
    let n = INPUT_SIZE as usize;
    let mut input = Array4::<f32>::zeros((1, 3, n, n));
    for (x, y, px) in small.enumerate_pixels() {
        for c in 0..3 {
            input[[0, c, y as usize, x as usize]] = px.0[c] as f32 / 255.0;
        }
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probs(class: usize, p: f32) -> [f32; 8] {
        let mut out = [(1.0 - p) / 7.0; 8];
        out[class] = p;
        out
    }

    #[test]
    fn confident_document_is_kept() {
        let c = decide(probs(3, 0.97), Some(0.02), &ClassifyParams::default());
        assert_eq!(c.class, DocClass::Passport);
        assert_eq!(c.overruled_by, None);
    }

    #[test]
    fn the_rectified_card_decides_the_side_of_the_same_document() {
        let p = ClassifyParams::default();
        // Whole photo: an ID back (1 = id_front, 2 = id_back in the model's order);
        // rectified card: an ID front. The side follows the card.
        let photo = decide(probs(2, 0.8), None, &p);
        let card = decide(probs(1, 0.95), None, &p);
        let c = photo.clone().with_side_from_card(&card);
        assert_eq!(c.class, DocClass::IdFront);
        assert!(c.side_from_card);
        assert_eq!(c.to_json()["side_decided_on"], "rectified card");
        // Another document type on the card (a vehicle licence front): the photo's
        // answer stands.
        let other = decide(probs(5, 0.95), None, &p);
        let c = photo.clone().with_side_from_card(&other);
        assert_eq!(c.class, DocClass::IdBack);
        assert!(!c.side_from_card);
        // A passport has no side to decide.
        let passport = decide(probs(3, 0.95), None, &p);
        assert!(
            !passport
                .clone()
                .with_side_from_card(&passport)
                .side_from_card
        );
    }

    #[test]
    fn low_probability_is_unknown() {
        let c = decide(probs(1, 0.40), None, &ClassifyParams::default());
        assert_eq!(c.class, DocClass::Unknown);
        assert!(c.overruled_by.is_some());
    }

    #[test]
    fn a_large_face_is_a_portrait() {
        let c = decide(probs(1, 0.99), Some(0.3), &ClassifyParams::default());
        assert_eq!(c.class, DocClass::Unknown);
    }

    #[test]
    fn mismatch_only_when_another_document_is_sure() {
        let params = ClassifyParams::default();
        let passport = decide(probs(3, 0.98), None, &params);
        let msg = mismatch(DocumentKind::IdFront, &passport, &params).expect("refused");
        assert!(
            msg.contains("passport") && msg.contains("/v1/ocr/passport"),
            "{msg}"
        );
        assert_eq!(mismatch(DocumentKind::Passport, &passport, &params), None);
        // Back sent as the front.
        let back = decide(probs(2, 0.95), None, &params);
        assert!(mismatch(DocumentKind::IdFront, &back, &params).is_some());
        // Unsure: let the reader try.
        let unsure = decide(probs(2, 0.7), None, &params);
        assert_eq!(mismatch(DocumentKind::IdFront, &unsure, &params), None);
        let unknown = decide(probs(0, 0.9), None, &params);
        assert_eq!(mismatch(DocumentKind::IdFront, &unknown, &params), None);
    }

    struct Fixed([f32; 8]);
    impl ClassifierModel for Fixed {
        fn probabilities(
            &mut self,
            batch: ArrayView4<'_, f32>,
        ) -> Result<Array2<f32>, RuntimeError> {
            assert_eq!(batch.shape(), &[1, 3, 96, 96]);
            Ok(Array2::from_shape_vec((1, 8), self.0.to_vec()).expect("shape"))
        }
    }

    #[test]
    fn classifier_runs_the_model_on_a_thumbnail() {
        let mut c = DocClassifier::with_model(Fixed(probs(7, 0.9)));
        let img = RgbImage::from_pixel(300, 140, image::Rgb([200, 200, 200]));
        let out = c.classify(&img, None, &ClassifyParams::default()).unwrap();
        assert_eq!(out.class, DocClass::LicensePlate);
        assert_eq!(out.to_json()["doc_type"], "license_plate");
        assert_eq!(out.to_json()["side"], serde_json::Value::Null);
    }

    #[test]
    fn thumbnail_is_rgb_in_unit_range() {
        let img = RgbImage::from_pixel(50, 20, image::Rgb([255, 0, 128]));
        let t = thumbnail_tensor(&img);
        assert_eq!(t.shape(), &[1, 3, 96, 96]);
        assert!((t[[0, 0, 10, 10]] - 1.0).abs() < 1e-6);
        assert!(t[[0, 1, 10, 10]].abs() < 1e-6);
        assert!((t[[0, 2, 10, 10]] - 128.0 / 255.0).abs() < 1e-6);
    }
}
