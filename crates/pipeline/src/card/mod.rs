//! Card detection and rectification for every card-shaped document (national ID front and
//! back, driving and vehicle licences, TD1 cards, the passport data page).
//!
//! Three steps, each in its own module:
//! 1. a coarse quadrilateral: the learned locator ([`learned`], a small CNN predicting one
//!    heatmap per card corner in the card's own order) or, without a model, the classical
//!    finder ([`classical`], the largest convex edge contour of the right shape);
//! 2. [`refine`]: each side is snapped to the strongest edge near the coarse side at full
//!    resolution and the corners become the intersections of the fitted lines, which puts
//!    them where a rounded card's sharp corner would be (the synth truth's convention);
//! 3. orientation and warp: the learned heatmaps say which image corner is the card's own
//!    top-left (the four channels are read in all four rotations and the best-scoring one
//!    wins), and the card is warped flat and upright at [`CardLocatorParams::canonical_width`].
//!
//! Without the model, orientation is only known up to 180 degrees: the classical path
//! returns the card's long side horizontal with its first corner nearest the image's
//! top-left, which is right for photos taken upright.

pub mod classical;
pub mod learned;
pub mod refine;
pub mod warp;

use std::path::{Path, PathBuf};

use hawiya_documents::Code;
use image::RgbImage;

use crate::error::PipelineError;
use crate::geometry::{distance, polygon_area, Quad};
use crate::runtime::{OnnxModel, RuntimeConfig, RuntimeError};

pub use classical::ClassicalParams;
pub use learned::LearnedParams;
pub use refine::RefineParams;

/// File name of the learned locator, in the models directory or in the repo's
/// `models/trained/`.
pub const MODEL_FILE: &str = "card_locator.onnx";

/// Width over height of an ID-1 card (ISO/IEC 7810): national ID, driving licence, TD1.
pub const ID1_ASPECT: f32 = 85.6 / 54.0;
/// Width over height of a TD3 passport data page.
pub const TD3_ASPECT: f32 = 125.0 / 88.0;

/// A card found in a photo.
#[derive(Debug, Clone)]
pub struct LocatedCard {
    /// The card's corners in the input image, clockwise from the card's own top-left
    /// (reading orientation).
    pub quad: Quad,
    /// 0..1
    pub confidence: f32,
    /// Quarter turns (clockwise) the card had in the input image.
    pub quarter_turns: u8,
    /// The card warped flat and upright at the canonical size for its kind.
    pub rectified: RgbImage,
}

/// How the locator decides and warps.
#[derive(Debug, Clone, PartialEq)]
pub struct CardLocatorParams {
    /// Width of [`LocatedCard::rectified`] in pixels; the height follows the aspect.
    /// Default 1000: synth renders ID-1 cards 1000 px wide, which keeps the ID digits
    /// well above the 10 px digits.md asks for.
    pub canonical_width: u32,
    /// Below this confidence the photo is reported as showing no card (3011). Default
    /// 0.35: see [`learned::LearnedParams`] and benches/results/card.md for where the
    /// scores of cards and of card-less photos fall.
    pub min_confidence: f32,
    /// Above this confidence the classical finder is not tried as well. Default 0.8: a
    /// card whose four corners the net sees (evidence near 1) and whose sides are straight
    /// edges (support above 0.6) scores over it; anything less is worth a second opinion.
    pub sure_confidence: f32,
    /// Smallest card area as a share of the photo. Default 0.02: a card that small has
    /// text under 5 px, unreadable anyway; smaller candidates are background clutter.
    pub min_area_fraction: f32,
    /// How many of the net's strongest quads are also tried with each corner replaced by
    /// the parallelogram completion of the other three, when none is sure. Default 3:
    /// the right three corners are nearly always among the first few hypotheses; each
    /// completed quad costs one edge refinement (about 1 ms).
    pub completed_hypotheses: usize,
    pub classical: ClassicalParams,
    pub learned: LearnedParams,
    pub refine: RefineParams,
}

impl Default for CardLocatorParams {
    fn default() -> Self {
        CardLocatorParams {
            canonical_width: 1000,
            min_confidence: 0.35,
            sure_confidence: 0.8,
            min_area_fraction: 0.02,
            completed_hypotheses: 3,
            classical: ClassicalParams::default(),
            learned: LearnedParams::default(),
            refine: RefineParams::default(),
        }
    }
}

/// Why the locator could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CardLocatorError {
    #[error("card locator model {file} not found in {searched}")]
    ModelMissing {
        file: &'static str,
        searched: String,
    },
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("card locator model {model}: {detail}")]
    BadModel { model: String, detail: String },
}

/// A coarse finding before refinement: corners clockwise from the card's own top-left
/// (or, when orientation is unknown, from the first corner of a long side).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub quad: Quad,
    pub confidence: f32,
    /// Whether `quad[0]` really is the card's top-left (false: only up to 180 degrees).
    pub oriented: bool,
}

/// Finds, orients and rectifies cards.
pub struct CardLocator {
    params: CardLocatorParams,
    /// The learned locator; `None` runs the classical finder only.
    model: Option<learned::LearnedLocator>,
}

impl std::fmt::Debug for CardLocator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardLocator")
            .field("params", &self.params)
            .field("learned", &self.model.is_some())
            .finish()
    }
}

/// The repo's `models/trained/` folder, where the trained locator is committed.
fn repo_trained_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/trained")
}

impl CardLocator {
    /// Loads `card_locator.onnx` from `models_dir`, else from the repo's `models/trained/`.
    pub fn load(models_dir: &Path, rt: &RuntimeConfig) -> Result<Self, CardLocatorError> {
        Self::load_with(models_dir, rt, CardLocatorParams::default())
    }

    pub fn load_with(
        models_dir: &Path,
        rt: &RuntimeConfig,
        params: CardLocatorParams,
    ) -> Result<Self, CardLocatorError> {
        let candidates = [
            models_dir.join(MODEL_FILE),
            repo_trained_dir().join(MODEL_FILE),
        ];
        let Some(path) = candidates.iter().find(|p| p.is_file()) else {
            return Err(CardLocatorError::ModelMissing {
                file: MODEL_FILE,
                searched: candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let model = OnnxModel::load(path, rt)?;
        Ok(CardLocator {
            model: Some(learned::LearnedLocator::new(model, &params.learned)?),
            params,
        })
    }

    /// The classical finder only (no model file needed; orientation up to 180 degrees).
    pub fn classical() -> Self {
        Self::classical_with(CardLocatorParams::default())
    }

    pub fn classical_with(params: CardLocatorParams) -> Self {
        CardLocator {
            params,
            model: None,
        }
    }

    pub fn params(&self) -> &CardLocatorParams {
        &self.params
    }

    /// Whether the learned model is loaded.
    pub fn is_learned(&self) -> bool {
        self.model.is_some()
    }

    /// Finds the card in `image`. `aspect` is the document's width over height
    /// ([`ID1_ASPECT`], [`TD3_ASPECT`]). Fails with 3011 when no card is found.
    ///
    /// With the model, every quad of four of its strongest corner peaks is refined and
    /// scored; when none scores over [`CardLocatorParams::sure_confidence`], the classical
    /// finder's quad is tried too, oriented by the model's heatmaps. The best is kept. The
    /// confidence is the mean of the corner evidence (heatmaps, or the classical shape
    /// score without a model) and the refined outline's edge support.
    pub fn locate(&mut self, image: &RgbImage, aspect: f32) -> Result<LocatedCard, PipelineError> {
        let p = &self.params;
        let learned = match self.model.as_mut() {
            Some(model) => Some(model.run(image).map_err(PipelineError::inference)?),
            None => None,
        };
        let mut best: Option<Candidate> = None;
        let sure = |b: &Option<Candidate>| b.is_some_and(|b| b.confidence >= p.sure_confidence);
        if let Some(o) = learned.as_ref() {
            // The top four peaks' quad first; the other hypotheses only when it is not
            // sure (each costs a refinement).
            let coarse = o.decode(&p.learned);
            for &c in &coarse {
                keep_best(&mut best, self.assess(image, c, aspect, Some(o)));
                if sure(&best) {
                    break;
                }
            }
            // The net's commonest miss is one corner it fires on weakly or not at all,
            // while a stronger stray peak (a photo edge, a finger, the other card) takes
            // its place. Three right corners fix the fourth up to perspective: complete
            // each of the strongest hypotheses as a parallelogram, one corner at a time,
            // and let the edge refinement find the true sides.
            if !sure(&best) {
                for c in coarse.iter().take(p.completed_hypotheses) {
                    for k in 0..4 {
                        let mut q = c.quad;
                        let (prev, next, opposite) =
                            (q[(k + 3) % 4], q[(k + 1) % 4], q[(k + 2) % 4]);
                        q[k] = [
                            prev[0] + next[0] - opposite[0],
                            prev[1] + next[1] - opposite[1],
                        ];
                        let completed = Candidate { quad: q, ..*c };
                        keep_best(&mut best, self.assess(image, completed, aspect, Some(o)));
                    }
                }
            }
        }
        if !sure(&best) {
            let classical = classical::locate(image, aspect, p.min_area_fraction, &p.classical);
            let c = classical.and_then(|c| self.assess(image, c, aspect, learned.as_ref()));
            keep_best(&mut best, c);
        }
        let Some(found) = best else {
            return Err(no_card("no card-shaped region in the photo"));
        };
        if found.confidence < p.min_confidence {
            return Err(no_card(format!(
                "no card found (best confidence {:.2})",
                found.confidence
            )));
        }
        let height = ((p.canonical_width as f32 / aspect).round() as u32).max(1);
        let rectified = warp::rectify(image, &found.quad, p.canonical_width, height)
            .ok_or_else(|| no_card("the card quadrilateral is degenerate"))?;
        Ok(LocatedCard {
            quarter_turns: quarter_turns(&found.quad),
            quad: found.quad,
            confidence: found.confidence,
            rectified,
        })
    }

    /// Refines, orients and scores a coarse candidate; `None` when it is too small.
    fn assess(
        &self,
        image: &RgbImage,
        mut c: Candidate,
        aspect: f32,
        learned: Option<&learned::LearnedOutput>,
    ) -> Option<Candidate> {
        let p = &self.params;
        let (w, h) = (image.width() as f32, image.height() as f32);
        if polygon_area(&c.quad) < p.min_area_fraction * w * h {
            return None;
        }
        let refined = refine::refine(image, &c.quad, &p.refine);
        if let Some(r) = refined {
            c.quad = r.quad;
        }
        let support = refined.map_or(0.0, |r| r.edge_support);
        match learned {
            Some(o) => {
                let (q, evidence) = o.orient(&c.quad);
                if !c.oriented {
                    c.quad = q;
                    c.oriented = true;
                }
                c.confidence = evidence;
            }
            None => c.quad = long_side_first(c.quad, aspect),
        }
        c.confidence = 0.5 * (c.confidence + support) * shape_factor(&c.quad, aspect);
        Some(c)
    }
}

/// How much a quadrilateral looks like a photographed card of width-over-height `aspect`:
/// 1 within the range perspective explains, falling linearly to 0 beyond it. Measured on
/// 280 synth photos across the difficulty range (`card_eval`, CARD_EVAL_ASPECT): the
/// image-space aspect (mean of the long sides over mean of the short sides) stays within
/// 0.81-1.23 of the card's own, and opposite sides differ in length by at most 1.46x. The
/// free ranges below (1.3x, 1.6x) leave a margin over those; a quad with one corner on a
/// stray peak usually breaks one of them by far, or tilts a side away from its opposite
/// ([`opposite_skew_degrees`]).
pub fn shape_factor(q: &Quad, aspect: f32) -> f32 {
    let sides: [f32; 4] = std::array::from_fn(|i| distance(q[i], q[(i + 1) % 4]));
    if sides.iter().any(|s| *s < 1.0) {
        return 0.0;
    }
    let (a, b) = (sides[0] + sides[2], sides[1] + sides[3]);
    let measured = a.max(b) / a.min(b);
    let nominal = aspect.max(1.0 / aspect.max(1e-3));
    let aspect_off = (measured / nominal).ln().abs() - 1.3f32.ln();
    let ratio = |x: f32, y: f32| x.max(y) / x.min(y);
    let opposite_off = ratio(sides[0], sides[2])
        .max(ratio(sides[1], sides[3]))
        .ln()
        - 1.6f32.ln();
    // 0.4 in log units past the free range (about another 1.5x) takes the score to 0.
    let fall = |off: f32| (1.0 - off.max(0.0) / 0.4).max(0.0);
    // Opposite sides of 700 synth photos (card_eval seed 555, CARD_EVAL_ASPECT) stood at
    // most 18.9 degrees apart (p99 14.4); free to 22, to 0 at 42. A clear dev photo
    // (ID front 5151_206) lost to a quad with its first corner on a glare edge, 26
    // degrees skewed, by 0.0006 of confidence.
    let skew = (1.0 - (opposite_skew_degrees(q) - 22.0).max(0.0) / 20.0).max(0.0);
    fall(aspect_off) * fall(opposite_off) * skew
}

/// The larger of the angles, in degrees, between the card's opposite sides (0 for a
/// parallelogram). Perspective tilts them apart; a quad with a corner on a stray peak
/// usually far more.
pub fn opposite_skew_degrees(q: &Quad) -> f32 {
    let dir = |a: [f32; 2], b: [f32; 2]| (b[1] - a[1]).atan2(b[0] - a[0]);
    let between = |x: f32, y: f32| {
        let d = (x - y).abs() % std::f32::consts::TAU;
        d.min(std::f32::consts::TAU - d).to_degrees()
    };
    // Side 0 runs q0 -> q1, side 2 the same way from q3 to q2; sides 1 and 3 likewise.
    let top_bottom = between(dir(q[0], q[1]), dir(q[3], q[2]));
    let left_right = between(dir(q[1], q[2]), dir(q[0], q[3]));
    top_bottom.max(left_right)
}

fn keep_best(best: &mut Option<Candidate>, c: Option<Candidate>) {
    if let Some(c) = c {
        if best.is_none_or(|b| c.confidence > b.confidence) {
            *best = Some(c);
        }
    }
}

fn no_card(message: impl Into<String>) -> PipelineError {
    PipelineError::document(Code::CardNotDetected, message)
}

/// Quarter turns (clockwise) of a card whose own top edge runs from `q[0]` to `q[1]`.
pub fn quarter_turns(q: &Quad) -> u8 {
    let angle = (q[1][1] - q[0][1]).atan2(q[1][0] - q[0][0]);
    let turns = (angle / std::f32::consts::FRAC_PI_2).round() as i32;
    turns.rem_euclid(4) as u8
}

/// `q` made clockwise in image coordinates (y down), same starting corner.
pub fn clockwise(q: Quad) -> Quad {
    let twice: f32 = (0..4)
        .map(|i| {
            let (a, b) = (q[i], q[(i + 1) % 4]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum();
    if twice >= 0.0 {
        q
    } else {
        [q[0], q[3], q[2], q[1]]
    }
}

/// Rotates the corner order of a clockwise quad so that its first side is the card's top
/// (long side for a landscape `aspect`), choosing of the two such orders the one whose
/// first corner is nearer the image's top-left: upright photos are the common case.
pub fn long_side_first(q: Quad, aspect: f32) -> Quad {
    let q = clockwise(q);
    let rot = |r: usize| -> Quad { std::array::from_fn(|k| q[(k + r) % 4]) };
    let first_is_long =
        distance(q[0], q[1]) + distance(q[2], q[3]) >= distance(q[1], q[2]) + distance(q[3], q[0]);
    let wants_long = aspect >= 1.0;
    let base = if first_is_long == wants_long { 0 } else { 1 };
    let a = rot(base);
    let b = rot(base + 2);
    if a[0][0] + a[0][1] <= b[0][0] + b[0][1] {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_is_the_angle_between_opposite_sides() {
        let rect: Quad = [[0.0, 0.0], [100.0, 0.0], [100.0, 60.0], [0.0, 60.0]];
        assert!(opposite_skew_degrees(&rect) < 1e-3);
        // The top's first corner dropped by the width's tan(26.6 deg): that alone skews.
        let dropped: Quad = [[0.0, 50.0], [100.0, 0.0], [100.0, 60.0], [0.0, 60.0]];
        assert!((opposite_skew_degrees(&dropped) - 26.57).abs() < 0.1);
        assert!(shape_factor(&rect, 100.0 / 60.0) > 0.99);
        assert!(shape_factor(&dropped, 100.0 / 60.0) < 0.85);
    }

    #[test]
    fn quarter_turns_follow_the_top_edge() {
        let up: Quad = [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0]];
        assert_eq!(quarter_turns(&up), 0);
        // Turned 90 degrees clockwise: the top edge now runs downwards.
        let right: Quad = [[10.0, 0.0], [10.0, 10.0], [5.0, 10.0], [5.0, 0.0]];
        assert_eq!(quarter_turns(&right), 1);
        let down: Quad = [[10.0, 5.0], [0.0, 5.0], [0.0, 0.0], [10.0, 0.0]];
        assert_eq!(quarter_turns(&down), 2);
        let left: Quad = [[0.0, 10.0], [0.0, 0.0], [5.0, 0.0], [5.0, 10.0]];
        assert_eq!(quarter_turns(&left), 3);
    }

    #[test]
    fn shape_factor_keeps_cards_and_drops_quads_with_a_stray_corner() {
        let card: Quad = [[0.0, 0.0], [856.0, 0.0], [856.0, 540.0], [0.0, 540.0]];
        assert_eq!(shape_factor(&card, ID1_ASPECT), 1.0);
        // The same card standing on its side, and seen in perspective.
        let turned: Quad = [[0.0, 0.0], [540.0, 0.0], [540.0, 856.0], [0.0, 856.0]];
        assert_eq!(shape_factor(&turned, ID1_ASPECT), 1.0);
        let tilted: Quad = [[60.0, 0.0], [796.0, 0.0], [856.0, 540.0], [0.0, 540.0]];
        assert_eq!(shape_factor(&tilted, ID1_ASPECT), 1.0);
        // One corner on a peak far inside the card: a kite, not a card.
        let stray: Quad = [[0.0, 0.0], [856.0, 0.0], [856.0, 540.0], [700.0, 480.0]];
        assert!(
            shape_factor(&stray, ID1_ASPECT) < 0.3,
            "{}",
            shape_factor(&stray, ID1_ASPECT)
        );
        let sliver: Quad = [[0.0, 0.0], [856.0, 0.0], [856.0, 100.0], [0.0, 100.0]];
        assert_eq!(shape_factor(&sliver, ID1_ASPECT), 0.0);
    }

    #[test]
    fn long_side_first_puts_a_portrait_quad_landscape() {
        // A card standing on its side, listed from its bottom-left corner anticlockwise.
        let q: Quad = [[0.0, 16.0], [10.0, 16.0], [10.0, 0.0], [0.0, 0.0]];
        let o = long_side_first(q, ID1_ASPECT);
        assert!(distance(o[0], o[1]) > distance(o[1], o[2]), "{o:?}");
        assert_eq!(clockwise(o), o);
        assert_eq!(quarter_turns(&o) % 2, 1);
    }
}
