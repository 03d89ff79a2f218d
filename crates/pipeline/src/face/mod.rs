//! Face verification for `face/match` and `face/compare`: detect (BlazeFace), align to
//! dlib's 150 px chip, embed (dlib's 128-d ResNet), compare by Euclidean distance.
//!
//! The answer follows the hosted API: `dissimilarity` is 4 x the L2 distance, so the
//! default `threshold` 2.4 is dlib's "same person below 0.6" rule, and `isMatched` is
//! `dissimilarity < threshold`. Stages are generic over [`FaceNet`], so they run in tests
//! without ONNX Runtime. Nothing here knows about HTTP.

pub mod align;
pub mod detect;
pub mod embed;

use std::path::Path;

use hawiya_documents::{Code, FieldIssue};
use image::RgbImage;
use ndarray::{ArrayD, ArrayViewD};
use serde_json::json;

use crate::extraction::Extraction;
use crate::models::{ModelDir, ModelFile};
use crate::runtime::{OnnxModel, RuntimeConfig, RuntimeError};

pub use align::{ChipParams, Landmarks};
pub use detect::{DetectorParams, Face};
pub use embed::EMBEDDING_LEN;

/// BlazeFace's file in the models directory. Not (yet) a [`ModelFile`]: see the module
/// owner's note in the face report.
pub const BLAZEFACE_FILE: &str = "blazeface_back.onnx";

/// The default decision threshold on `dissimilarity`: dlib's 0.6 on the L2 distance.
pub const DEFAULT_THRESHOLD: f32 = 2.4;
/// `dissimilarity = DISSIMILARITY_PER_L2 * distance`, the hosted API's scale.
pub const DISSIMILARITY_PER_L2: f32 = 4.0;

/// A network with one input: returns every output with its name.
pub trait FaceNet {
    fn infer(
        &mut self,
        input: ArrayViewD<'_, f32>,
    ) -> Result<Vec<(String, ArrayD<f32>)>, RuntimeError>;
}

impl FaceNet for OnnxModel {
    fn infer(
        &mut self,
        input: ArrayViewD<'_, f32>,
    ) -> Result<Vec<(String, ArrayD<f32>)>, RuntimeError> {
        let names: Vec<String> = self.outputs().iter().map(|o| o.name.clone()).collect();
        let outputs = self.run_many(&[input])?;
        Ok(names.into_iter().zip(outputs).collect())
    }
}

/// Why face verification could not run at all (a face not found is an answer, not this).
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("face model output: {0}")]
    UnexpectedOutput(String),
}

/// Everything tunable in face verification.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaceParams {
    pub detector: DetectorParams,
    pub chip: ChipParams,
    pub score: ScoreParams,
}

/// The `score` (0-100) reported next to `dissimilarity`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreParams {
    /// Steepness of the logistic per unit of dissimilarity. Default 2.5: the genuine and
    /// impostor means measured on real pairs (L2 0.39 and 0.81, i.e. 0.84 dissimilarity on
    /// either side of 2.4) then score about 89 and 11.
    pub steepness: f32,
}

impl Default for ScoreParams {
    fn default() -> Self {
        ScoreParams { steepness: 2.5 }
    }
}

/// `score = 100 / (1 + exp(steepness * (dissimilarity - threshold)))`: strictly
/// decreasing in the dissimilarity, exactly 50 at the threshold (so `isMatched` is
/// `score > 50`), 99.8 at dissimilarity 0 with the default steepness, rounded to 2
/// decimals.
pub fn score(dissimilarity: f32, threshold: f32, params: &ScoreParams) -> f32 {
    let s = 100.0 / (1.0 + (params.steepness * (dissimilarity - threshold)).exp());
    (s * 100.0).round() / 100.0
}

/// A face's descriptor with where it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceEmbedding {
    /// 128 values, raw (not normalised).
    pub vector: Vec<f32>,
    /// The face it came from, in the input image's pixels.
    pub face: Face,
    /// How many faces the image held (the largest was embedded).
    pub faces_found: usize,
}

/// The face networks of one worker.
pub struct FaceModels<D = OnnxModel, E = OnnxModel> {
    pub detector: detect::Detector<D>,
    pub embedder: embed::Embedder<E>,
    pub params: FaceParams,
}

impl FaceModels {
    /// Loads BlazeFace and the ResNet from `models_dir`.
    pub fn load(models_dir: &Path, config: &RuntimeConfig) -> Result<FaceModels, FaceError> {
        let dir = ModelDir::new(models_dir);
        let detector = OnnxModel::load(&models_dir.join(BLAZEFACE_FILE), config)?;
        let embedder = OnnxModel::load(&dir.path(ModelFile::FaceEmbed), config)?;
        Ok(FaceModels::new(detector, embedder, FaceParams::default()))
    }
}

impl<D: FaceNet, E: FaceNet> FaceModels<D, E> {
    pub fn new(detector: D, embedder: E, params: FaceParams) -> Self {
        FaceModels {
            detector: detect::Detector::new(detector, params.detector.clone()),
            embedder: embed::Embedder::new(embedder),
            params,
        }
    }

    /// One pass of each network on a blank input, so the first request does not pay for
    /// ONNX Runtime's lazy initialisation.
    pub fn warm_up(&mut self) -> Result<(), FaceError> {
        let blank = RgbImage::new(detect::INPUT_SIZE, detect::INPUT_SIZE);
        self.detector.detect(&blank)?;
        let chip = RgbImage::new(embed::CHIP_SIZE, embed::CHIP_SIZE);
        self.embedder.embed(&[&chip])?;
        Ok(())
    }

    /// Every face found, largest first.
    pub fn detect(&mut self, image: &RgbImage) -> Result<Vec<Face>, FaceError> {
        self.detector.detect(image)
    }

    /// dlib's chip of `face`.
    pub fn align(&self, image: &RgbImage, face: &Face) -> Option<RgbImage> {
        align::align(image, &face.landmarks, &self.params.chip)
    }

    /// The descriptor of the largest face, or `None` when no face is found.
    pub fn embed_largest(&mut self, image: &RgbImage) -> Result<Option<FaceEmbedding>, FaceError> {
        let faces = self.detect(image)?;
        let Some(face) = faces.first().cloned() else {
            return Ok(None);
        };
        let Some(chip) = self.align(image, &face) else {
            return Ok(None);
        };
        let mut vectors = self.embedder.embed(&[&chip])?;
        Ok(Some(FaceEmbedding {
            vector: vectors.swap_remove(0),
            face,
            faces_found: faces.len(),
        }))
    }
}

/// The descriptor of the largest face in `image` (for the ID front reader to keep).
pub fn embed_largest<D: FaceNet, E: FaceNet>(
    models: &mut FaceModels<D, E>,
    image: &RgbImage,
) -> Result<Option<FaceEmbedding>, FaceError> {
    models.embed_largest(image)
}

/// One side of a comparison, as found.
struct Side<'a> {
    /// The API's request field, for issues (`face_image1`, `image`, ...).
    field: &'a str,
    /// The answer's flag (`detected_face_image` or `detected_id_face_image`).
    flag: &'a str,
    /// The prefix of this side's extra fields.
    extra: &'a str,
    vector: Option<Vec<f32>>,
    face: Option<Face>,
    faces_found: Option<usize>,
}

fn side_of<'a>(
    field: &'a str,
    flag: &'a str,
    extra: &'a str,
    found: Option<FaceEmbedding>,
) -> Side<'a> {
    match found {
        Some(e) => Side {
            field,
            flag,
            extra,
            vector: Some(e.vector),
            faces_found: Some(e.faces_found),
            face: Some(e.face),
        },
        None => Side {
            field,
            flag,
            extra,
            vector: None,
            face: None,
            faces_found: Some(0),
        },
    }
}

fn round4(v: f32) -> f64 {
    (f64::from(v) * 1e4).round() / 1e4
}

fn face_json(face: &Face) -> serde_json::Value {
    let p = |p: [f32; 2]| json!([round4(p[0]), round4(p[1])]);
    json!({
        "box": face.bbox.map(round4),
        "score": round4(face.score),
        "landmarks": {
            "left_eye": p(face.landmarks.left_eye),
            "right_eye": p(face.landmarks.right_eye),
            "nose": p(face.landmarks.nose),
            "mouth": p(face.landmarks.mouth),
        }
    })
}

/// The answer shared by `face/match` and `face/compare`.
///
/// Fields: `isMatched`, `dissimilarity` (null when either face is missing), `threshold`,
/// `score`, `detected_face_image`, `detected_id_face_image`. Extras: `distance` (L2),
/// `faces_found_<side>` (the largest face is the one compared), `face_<side>` (box,
/// detector score, landmarks).
fn answer(
    first: Side<'_>,
    second: Side<'_>,
    threshold: f32,
    score_params: &ScoreParams,
) -> Extraction {
    let mut out = Extraction::default();
    let distance = match (&first.vector, &second.vector) {
        (Some(a), Some(b)) => embed::l2_distance(a, b),
        _ => None,
    };
    let dissimilarity = distance.map(|d| d * DISSIMILARITY_PER_L2);
    let matched = dissimilarity.is_some_and(|d| d < threshold);
    out.push("isMatched", matched);
    out.push("dissimilarity", dissimilarity.map(round4));
    out.push("threshold", round4(threshold));
    out.push(
        "score",
        dissimilarity.map_or(0.0, |d| f64::from(score(d, threshold, score_params))),
    );
    for side in [&first, &second] {
        out.push(side.flag, side.vector.is_some());
        if side.vector.is_none() {
            out.issues.push(
                FieldIssue::new(side.field, "", Code::ImageQualityTooLow)
                    .with_detail(format!("no face found in {}", side.field)),
            );
        }
        if let Some(n) = side.faces_found {
            out.extra
                .insert(format!("faces_found_{}", side.extra), json!(n));
        }
        if let Some(face) = &side.face {
            out.extra
                .insert(format!("face_{}", side.extra), face_json(face));
        }
    }
    if let Some(d) = distance {
        out.extra.insert("distance".into(), json!(round4(d)));
    }
    out
}

/// `face/compare`: the largest face of `first` (reported as `detected_face_image`)
/// against the largest face of `second` (`detected_id_face_image`).
pub fn compare_images<D: FaceNet, E: FaceNet>(
    models: &mut FaceModels<D, E>,
    first: &RgbImage,
    second: &RgbImage,
    threshold: f32,
) -> Result<Extraction, FaceError> {
    let a = models.embed_largest(first)?;
    let b = models.embed_largest(second)?;
    Ok(answer(
        side_of("face_image1", "detected_face_image", "image1", a),
        side_of("face_image2", "detected_id_face_image", "image2", b),
        threshold,
        &models.params.score,
    ))
}

/// `face/match`: the largest face of `selfie` against the stored ID-photo descriptor.
/// An `id_embedding` of the wrong length counts as "no ID face".
pub fn match_embedding<D: FaceNet, E: FaceNet>(
    models: &mut FaceModels<D, E>,
    selfie: &RgbImage,
    id_embedding: &[f32],
    threshold: f32,
) -> Result<Extraction, FaceError> {
    let a = models.embed_largest(selfie)?;
    let id_ok = id_embedding.len() == EMBEDDING_LEN && id_embedding.iter().all(|v| v.is_finite());
    let id_side = Side {
        field: "transaction_id",
        flag: "detected_id_face_image",
        extra: "id",
        vector: id_ok.then(|| id_embedding.to_vec()),
        face: None,
        faces_found: None,
    };
    Ok(answer(
        side_of("image", "detected_face_image", "image", a),
        id_side,
        threshold,
        &models.params.score,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_is_fifty_at_the_threshold_and_monotone() {
        let p = ScoreParams::default();
        assert_eq!(score(2.4, 2.4, &p), 50.0);
        assert!(score(0.0, 2.4, &p) > 99.0);
        let mut last = f32::MAX;
        for i in 0..60 {
            let s = score(i as f32 * 0.1, 2.4, &p);
            assert!(s <= last, "{i}");
            last = s;
        }
        assert!(score(4.8, 2.4, &p) < 1.0);
    }

    /// A detector that finds nothing and an embedder that must not be called.
    struct NoFace;
    impl FaceNet for NoFace {
        fn infer(
            &mut self,
            _input: ArrayViewD<'_, f32>,
        ) -> Result<Vec<(String, ArrayD<f32>)>, RuntimeError> {
            let z = |n: usize, k: usize| ArrayD::from_elem(vec![1, n, k], -20.0f32);
            Ok(vec![
                ("scores_16".into(), z(512, 1)),
                ("scores_32".into(), z(384, 1)),
                ("boxes_16".into(), z(512, 16)),
                ("boxes_32".into(), z(384, 16)),
            ])
        }
    }
    struct Unreachable;
    impl FaceNet for Unreachable {
        fn infer(
            &mut self,
            _input: ArrayViewD<'_, f32>,
        ) -> Result<Vec<(String, ArrayD<f32>)>, RuntimeError> {
            panic!("embedder called without a face")
        }
    }

    #[test]
    fn no_face_is_an_answer_with_issues_not_an_error() {
        let mut models = FaceModels::new(NoFace, Unreachable, FaceParams::default());
        let image = RgbImage::new(640, 480);
        let out = compare_images(&mut models, &image, &image, DEFAULT_THRESHOLD).unwrap();
        assert_eq!(out.get("isMatched"), Some(&json!(false)));
        assert_eq!(out.get("detected_face_image"), Some(&json!(false)));
        assert_eq!(out.get("detected_id_face_image"), Some(&json!(false)));
        assert_eq!(out.get("dissimilarity"), Some(&serde_json::Value::Null));
        assert_eq!(out.issues.len(), 2);
        assert_eq!(out.extra["faces_found_image1"], json!(0));

        let out = match_embedding(&mut models, &image, &[0.0; 128], 2.4).unwrap();
        assert_eq!(out.get("detected_face_image"), Some(&json!(false)));
        assert_eq!(out.get("detected_id_face_image"), Some(&json!(true)));
        assert_eq!(out.issues.len(), 1);
        assert_eq!(out.issues[0].field, "image");
    }

    #[test]
    fn answer_thresholds_four_times_the_distance() {
        let side = |v: Vec<f32>| Side {
            field: "f",
            flag: "detected_face_image",
            extra: "x",
            vector: Some(v),
            face: None,
            faces_found: None,
        };
        let mut b = vec![0.0f32; 128];
        b[0] = 0.5; // L2 0.5 -> dissimilarity 2.0 < 2.4
        let out = answer(
            side(vec![0.0; 128]),
            side(b.clone()),
            2.4,
            &ScoreParams::default(),
        );
        assert_eq!(out.get("isMatched"), Some(&json!(true)));
        assert_eq!(out.get("dissimilarity"), Some(&json!(2.0)));
        b[0] = 0.7; // 2.8 >= 2.4
        let out = answer(side(vec![0.0; 128]), side(b), 2.4, &ScoreParams::default());
        assert_eq!(out.get("isMatched"), Some(&json!(false)));
        assert!(out.get("score").unwrap().as_f64().unwrap() < 50.0);
    }
}
