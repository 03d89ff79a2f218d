//! `liveness/multi`: are three frames of one face a live person in front of the camera?
//!
//! Each check is reported as `{name, passed, value, threshold, gating}`; the verdict is
//! "live" only when every gating check passes. The checks:
//!
//! - `single_face`: each frame holds exactly one face (a second face is a bystander or a
//!   photo held next to the user, and makes "which face" ambiguous).
//! - `same_person`: the largest pairwise dissimilarity (4 x L2 of the 128-d embeddings,
//!   the face/compare scale) is under the face threshold.
//! - `not_identical`: the smallest pairwise mean absolute difference of the aligned
//!   150 px chips is above a floor: the same file sent three times (or re-encoded) is
//!   not three captures.
//! - `rigid_motion`: a similarity transform is fitted between the frames' landmarks and
//!   the residual is reported relative to the inter-ocular distance. Informative only:
//!   BlazeFace gives the pipeline 4 usable points (eyes, nose tip, mouth; the ear points
//!   are not kept), so a similarity (4 DOF) leaves 4 residual DOF and an affine only 2,
//!   while a homography fits 4 points exactly and says nothing. A flat print tilted in
//!   front of the camera and a real head turning both move these 4 points by a few
//!   percent of the face, which is the same order as the detector's landmark jitter. So
//!   the residual does not gate by default (`LivenessParams::gate_motion`).
//! - `antispoof` and `liveness_net`: the mean over frames of the two passive networks
//!   (antispoof.onnx `real`, liveness.onnx `probs[:,0]`) on the face crop.
//! - `capture_interval`: when every frame carries an EXIF capture time, they span at most
//!   0.5 s; without EXIF the check passes with a null value (most browsers strip it).
//!
//! `score` (0-100) is the mean of the two passive scores x 100, capped at 49 when any
//! gating check failed, so `score > 50` never contradicts `isLive`.

use std::path::Path;

use hawiya_documents::{Code, FieldIssue};
use image::{imageops, RgbImage};
use ndarray::{Array4, IxDyn};
use serde_json::{json, Value};

use crate::error::PipelineError;
use crate::extraction::Extraction;
use crate::face::align::Similarity;
use crate::face::embed::l2_distance;
use crate::face::{Face, FaceError, FaceModels, DISSIMILARITY_PER_L2, EMBEDDING_LEN};
use crate::image::DecodedImage;
use crate::models::{ModelDir, ModelFile};
use crate::runtime::{OnnxModel, RuntimeConfig, RuntimeError};

/// Input side of antispoof.onnx (models/README.md).
pub const ANTISPOOF_SIZE: u32 = 128;
/// Input side of liveness.onnx (models/README.md).
pub const LIVENESS_SIZE: u32 = 32;

/// Why the liveness check could not run (a spoof is an answer, not this).
#[derive(Debug, thiserror::Error)]
pub enum LivenessError {
    #[error(transparent)]
    Face(#[from] FaceError),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("liveness model output: {0}")]
    UnexpectedOutput(String),
}

/// The two passive anti-spoof networks.
pub struct LivenessModels {
    pub antispoof: OnnxModel,
    pub liveness: OnnxModel,
}

impl LivenessModels {
    pub fn load(models_dir: &Path, config: &RuntimeConfig) -> Result<Self, LivenessError> {
        let dir = ModelDir::new(models_dir);
        Ok(LivenessModels {
            antispoof: OnnxModel::load(&dir.path(ModelFile::AntiSpoof), config)?,
            liveness: OnnxModel::load(&dir.path(ModelFile::Liveness), config)?,
        })
    }

    /// One pass of each network, so the first request does not pay for lazy init.
    pub fn warm_up(&mut self) -> Result<(), LivenessError> {
        let blank = RgbImage::new(ANTISPOOF_SIZE, ANTISPOOF_SIZE);
        self.scores(&[&blank])?;
        Ok(())
    }

    /// `(antispoof real, liveness live)` per face crop, each in 0..1.
    pub fn scores(&mut self, crops: &[&RgbImage]) -> Result<Vec<(f32, f32)>, LivenessError> {
        if crops.is_empty() {
            return Ok(Vec::new());
        }
        let a = nhwc(crops, ANTISPOOF_SIZE);
        let real = self.antispoof.run_f32(a.into_dyn().view())?;
        let l = nhwc(crops, LIVENESS_SIZE);
        let probs = self.liveness.run_f32(l.into_dyn().view())?;
        let n = crops.len();
        if real.len() != n || probs.len() != 2 * n {
            return Err(LivenessError::UnexpectedOutput(format!(
                "{n} crops gave real {:?} and probs {:?}",
                real.shape(),
                probs.shape()
            )));
        }
        Ok((0..n)
            .map(|i| (real[IxDyn(&[i, 0])], probs[IxDyn(&[i, 0])]))
            .collect())
    }
}

/// Crops resized to `side`, as NHWC RGB scaled to 0..1 (both models were trained so).
fn nhwc(crops: &[&RgbImage], side: u32) -> Array4<f32> {
    let mut t = Array4::<f32>::zeros((crops.len(), side as usize, side as usize, 3));
    for (n, crop) in crops.iter().enumerate() {
        let small = imageops::resize(*crop, side, side, imageops::FilterType::Triangle);
        for (x, y, p) in small.enumerate_pixels() {
            for c in 0..3 {
                t[[n, y as usize, x as usize, c]] = f32::from(p[c]) / 255.0;
            }
        }
    }
    t
}

/// Everything tunable in the liveness decision.
#[derive(Debug, Clone, PartialEq)]
pub struct LivenessParams {
    /// Same-person threshold on dissimilarity. Default 2.4: face/compare's threshold
    /// (dlib's 0.6 L2), so "same person" means the same here as there.
    pub same_person_threshold: f32,
    /// Smallest mean absolute chip difference (0-255) between two frames. Default 1.0: the
    /// same image sent twice gives 0 and a JPEG re-encode well under 1, while two captures
    /// differ by sensor noise and sub-pixel alignment alone by several levels.
    pub min_chip_difference: f32,
    /// Largest similarity-fit residual, relative to inter-ocular distance, reported for
    /// the motion check. Default 0.08: a rigid moved print stays within landmark jitter
    /// (a few percent); larger is non-rigid (expression, strong head turn) or bad landmarks.
    pub max_rigid_residual: f32,
    /// Whether the motion check gates the verdict. Default false: with 4 landmarks the
    /// residual cannot separate a tilted print from a live head (module docs).
    pub gate_motion: bool,
    /// Lowest mean antispoof `real`. Default 0.5: the sigmoid's midpoint; models/README.md
    /// saw 0.45-0.90 on genuine photos, so higher would reject lives.
    pub min_antispoof: f32,
    /// Lowest mean liveness `probs[:,0]`. Default 0.5: the softmax's decision point.
    pub min_liveness: f32,
    /// Largest span of EXIF capture times, seconds. Default 0.5: the client captures three
    /// frames in a burst; a longer span is frames collected from elsewhere.
    pub max_capture_span_s: f64,
    /// Side of the passive-net crop around the face box, in box sizes. Default 1.0: the
    /// networks were trained on tight face crops.
    pub crop_scale: f32,
}

impl Default for LivenessParams {
    fn default() -> Self {
        LivenessParams {
            same_person_threshold: crate::face::DEFAULT_THRESHOLD,
            min_chip_difference: 1.0,
            max_rigid_residual: 0.08,
            gate_motion: false,
            min_antispoof: 0.5,
            min_liveness: 0.5,
            max_capture_span_s: 0.5,
            crop_scale: 1.0,
        }
    }
}

/// One reported check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    pub value: Option<f64>,
    pub threshold: f64,
    pub gating: bool,
}

impl Check {
    fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "passed": self.passed,
            "value": self.value.map(round4),
            "threshold": round4(self.threshold),
            "gating": self.gating,
        })
    }
}

fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// One frame as analysed.
struct FrameFace {
    faces: usize,
    face: Option<Face>,
    chip: Option<RgbImage>,
    embedding: Option<Vec<f32>>,
    passive: Option<(f32, f32)>,
}

fn square_crop(image: &RgbImage, face: &Face, scale: f32) -> Option<RgbImage> {
    let [l, t, r, b] = face.bbox;
    let side = (r - l).max(b - t) * scale;
    let (cx, cy) = ((l + r) / 2.0, (t + b) / 2.0);
    let x0 = (cx - side / 2.0).max(0.0).floor() as u32;
    let y0 = (cy - side / 2.0).max(0.0).floor() as u32;
    let x1 = ((cx + side / 2.0).ceil().max(0.0) as u32).min(image.width());
    let y1 = ((cy + side / 2.0).ceil().max(0.0) as u32).min(image.height());
    if x1 <= x0 + 1 || y1 <= y0 + 1 {
        return None;
    }
    Some(imageops::crop_imm(image, x0, y0, x1 - x0, y1 - y0).to_image())
}

fn chip_difference(a: &RgbImage, b: &RgbImage) -> f64 {
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    total as f64 / a.as_raw().len().max(1) as f64
}

/// Similarity-fit residual (RMS) of frame `b`'s landmarks predicted from frame `a`'s,
/// relative to `b`'s inter-ocular distance.
fn rigid_residual(a: &Face, b: &Face) -> Option<f64> {
    let p = |f: &Face| {
        f.landmarks
            .to_array()
            .map(|p| [f64::from(p[0]), f64::from(p[1])])
    };
    let (pa, pb) = (p(a), p(b));
    let s = Similarity::fit(&pa, &pb)?;
    let sq: f64 = pa
        .iter()
        .zip(&pb)
        .map(|(x, y)| {
            let q = s.apply(*x);
            (q[0] - y[0]).powi(2) + (q[1] - y[1]).powi(2)
        })
        .sum();
    let eyes = ((pb[0][0] - pb[1][0]).powi(2) + (pb[0][1] - pb[1][1]).powi(2)).sqrt();
    (eyes > 1.0).then(|| (sq / pa.len() as f64).sqrt() / eyes)
}

const PAIRS: [(usize, usize); 3] = [(0, 1), (0, 2), (1, 2)];

/// The liveness answer for three frames; see the module docs.
pub fn check(
    face: &mut FaceModels,
    models: &mut LivenessModels,
    frames: [&DecodedImage; 3],
    id_embedding: Option<&[f32]>,
    params: &LivenessParams,
) -> Result<Extraction, PipelineError> {
    check_inner(face, models, frames, id_embedding, params).map_err(PipelineError::inference)
}

fn check_inner(
    fm: &mut FaceModels,
    models: &mut LivenessModels,
    frames: [&DecodedImage; 3],
    id_embedding: Option<&[f32]>,
    params: &LivenessParams,
) -> Result<Extraction, LivenessError> {
    let mut found = Vec::with_capacity(3);
    for frame in frames {
        let faces = fm.detect(&frame.rgb)?;
        let face = faces.first().cloned();
        let chip = face.as_ref().and_then(|f| fm.align(&frame.rgb, f));
        found.push(FrameFace {
            faces: faces.len(),
            face,
            chip,
            embedding: None,
            passive: None,
        });
    }
    // One batch per network for the frames that have a face.
    let with_chip: Vec<usize> = (0..3).filter(|&i| found[i].chip.is_some()).collect();
    let chips: Vec<&RgbImage> = with_chip
        .iter()
        .map(|&i| found[i].chip.as_ref().expect("filtered"))
        .collect();
    let vectors = if chips.is_empty() {
        Vec::new()
    } else {
        fm.embedder.embed(&chips)?
    };
    for (&i, v) in with_chip.iter().zip(vectors) {
        found[i].embedding = Some(v);
    }
    let crops: Vec<(usize, RgbImage)> = (0..3)
        .filter_map(|i| {
            let f = found[i].face.as_ref()?;
            Some((i, square_crop(&frames[i].rgb, f, params.crop_scale)?))
        })
        .collect();
    let crop_refs: Vec<&RgbImage> = crops.iter().map(|(_, c)| c).collect();
    for ((i, _), s) in crops.iter().zip(models.scores(&crop_refs)?) {
        found[*i].passive = Some(s);
    }

    let mut checks = Vec::new();
    let single = found.iter().filter(|f| f.faces == 1).count();
    checks.push(Check {
        name: "single_face",
        passed: single == 3,
        value: Some(single as f64),
        threshold: 3.0,
        gating: true,
    });

    let pair_max = |f: &dyn Fn(usize, usize) -> Option<f64>| -> Option<Vec<f64>> {
        PAIRS.iter().map(|&(a, b)| f(a, b)).collect()
    };
    let dissim = pair_max(&|a, b| {
        let d = l2_distance(found[a].embedding.as_ref()?, found[b].embedding.as_ref()?)?;
        Some(f64::from(d * DISSIMILARITY_PER_L2))
    });
    let max_dissim = dissim.map(|v| v.into_iter().fold(0.0, f64::max));
    checks.push(Check {
        name: "same_person",
        passed: max_dissim.is_some_and(|d| d < f64::from(params.same_person_threshold)),
        value: max_dissim,
        threshold: f64::from(params.same_person_threshold),
        gating: true,
    });

    let diffs = pair_max(&|a, b| {
        let (x, y) = (found[a].chip.as_ref()?, found[b].chip.as_ref()?);
        Some(chip_difference(x, y))
    });
    let min_diff = diffs.map(|v| v.into_iter().fold(f64::INFINITY, f64::min));
    checks.push(Check {
        name: "not_identical",
        passed: min_diff.is_some_and(|d| d > f64::from(params.min_chip_difference)),
        value: min_diff,
        threshold: f64::from(params.min_chip_difference),
        gating: true,
    });

    let residuals =
        pair_max(&|a, b| rigid_residual(found[a].face.as_ref()?, found[b].face.as_ref()?));
    let max_res = residuals.map(|v| v.into_iter().fold(0.0, f64::max));
    checks.push(Check {
        name: "rigid_motion",
        // Passing = "the motion is not explained by a moved flat picture".
        passed: max_res.is_some_and(|r| r > f64::from(params.max_rigid_residual)),
        value: max_res,
        threshold: f64::from(params.max_rigid_residual),
        gating: params.gate_motion,
    });

    let passive: Vec<(f32, f32)> = found.iter().filter_map(|f| f.passive).collect();
    let mean = |k: fn(&(f32, f32)) -> f32| -> Option<f64> {
        (passive.len() == 3).then(|| passive.iter().map(|p| f64::from(k(p))).sum::<f64>() / 3.0)
    };
    let (anti, live) = (mean(|p| p.0), mean(|p| p.1));
    checks.push(Check {
        name: "antispoof",
        passed: anti.is_some_and(|v| v >= f64::from(params.min_antispoof)),
        value: anti,
        threshold: f64::from(params.min_antispoof),
        gating: true,
    });
    checks.push(Check {
        name: "liveness_net",
        passed: live.is_some_and(|v| v >= f64::from(params.min_liveness)),
        value: live,
        threshold: f64::from(params.min_liveness),
        gating: true,
    });

    let times: Option<Vec<_>> = frames.iter().map(|f| f.captured_at).collect();
    let span = times.map(|t| {
        let lo = *t.iter().min().expect("three");
        let hi = *t.iter().max().expect("three");
        (hi - lo).num_milliseconds() as f64 / 1000.0
    });
    checks.push(Check {
        name: "capture_interval",
        passed: span.is_none_or(|s| s <= params.max_capture_span_s),
        value: span,
        threshold: params.max_capture_span_s,
        gating: true,
    });

    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c.gating && !c.passed)
        .map(|c| c.name)
        .collect();
    let is_live = failed.is_empty();
    let raw = match (anti, live) {
        (Some(a), Some(l)) => 50.0 * (a + l),
        _ => 0.0,
    };
    let score = round4(if is_live { raw } else { raw.min(49.0) });

    let mut out = Extraction::default();
    out.push("isLive", is_live);
    out.push("score", (score * 100.0).round() / 100.0);
    for (i, f) in found.iter().enumerate() {
        if f.faces != 1 {
            let field = format!("face_{}", i + 1);
            out.issues.push(
                FieldIssue::new(&field, "", Code::ImageQualityTooLow)
                    .with_detail(format!("{} faces found in {field}, expected 1", f.faces)),
            );
        }
    }
    let mut liveness = json!({
        "verdict": if is_live { "live" } else { "spoof" },
        "score": score,
        "checks": checks.iter().map(Check::to_json).collect::<Vec<_>>(),
        "failed": failed,
        "frames": found.iter().map(|f| json!({
            "faces": f.faces,
            "antispoof": f.passive.map(|p| round4(f64::from(p.0))),
            "liveness": f.passive.map(|p| round4(f64::from(p.1))),
        })).collect::<Vec<_>>(),
    });
    if let Some(id) = id_embedding {
        let id_ok = id.len() == EMBEDDING_LEN && id.iter().all(|v| v.is_finite());
        // The first frame with a face stands for the user.
        let selfie = found.iter().find_map(|f| f.embedding.as_ref());
        let d = match (id_ok, selfie) {
            (true, Some(s)) => l2_distance(s, id).map(|d| d * DISSIMILARITY_PER_L2),
            _ => None,
        };
        let matches = d.is_some_and(|d| d < params.same_person_threshold);
        out.push("matches_id", matches);
        out.push("id_dissimilarity", d.map(|d| round4(f64::from(d))));
        liveness["matches_id"] = json!({
            "matched": matches,
            "dissimilarity": d.map(|d| round4(f64::from(d))),
            "threshold": round4(f64::from(params.same_person_threshold)),
        });
    }
    out.extra.insert("liveness".into(), liveness);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::Landmarks;

    fn face(points: [[f32; 2]; 4]) -> Face {
        Face {
            bbox: [0.0, 0.0, 100.0, 100.0],
            score: 0.9,
            landmarks: Landmarks {
                left_eye: points[0],
                right_eye: points[1],
                nose: points[2],
                mouth: points[3],
            },
        }
    }

    #[test]
    fn a_rigid_move_has_no_residual_and_a_non_rigid_one_has() {
        let a = face([[30.0, 40.0], [70.0, 40.0], [50.0, 60.0], [50.0, 80.0]]);
        // Rotated 10 degrees, scaled 1.2 and shifted: a flat picture moved.
        let (s, c) = 10f32.to_radians().sin_cos();
        let moved = a.landmarks.to_array().map(|p| {
            [
                1.2 * (c * p[0] - s * p[1]) + 15.0,
                1.2 * (s * p[0] + c * p[1]) - 7.0,
            ]
        });
        let r = rigid_residual(&a, &face(moved)).unwrap();
        assert!(r < 1e-4, "{r}");
        // The nose moves sideways alone, as in a head turn.
        let turned = face([[30.0, 40.0], [70.0, 40.0], [58.0, 60.0], [50.0, 80.0]]);
        let r = rigid_residual(&a, &turned).unwrap();
        assert!(
            r > LivenessParams::default().max_rigid_residual as f64,
            "{r}"
        );
    }

    #[test]
    fn chip_difference_is_the_mean_absolute_level_difference() {
        let a = RgbImage::from_pixel(4, 4, image::Rgb([10, 20, 30]));
        let b = RgbImage::from_pixel(4, 4, image::Rgb([13, 20, 27]));
        assert_eq!(chip_difference(&a, &a), 0.0);
        assert!((chip_difference(&a, &b) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn the_face_crop_is_square_and_clamped_to_the_image() {
        let img = RgbImage::new(100, 80);
        let mut f = face([[0.0; 2]; 4]);
        f.bbox = [70.0, 10.0, 90.0, 50.0];
        let crop = square_crop(&img, &f, 1.0).unwrap();
        // The 20 x 40 box becomes a 40 px square, reaching exactly to the right edge.
        assert_eq!((crop.width(), crop.height()), (40, 40));
        f.bbox = [200.0, 200.0, 220.0, 220.0];
        assert!(square_crop(&img, &f, 1.0).is_none());
    }
}
