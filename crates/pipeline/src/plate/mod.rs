//! Egyptian licence plates (`/v1/ocr/license_plate`): a photo of a car or a plate crop.
//!
//! - Reading: one conv-only CRNN trained with CTC on synthetic plates only
//!   (`training/plates/`, `plate_reader.onnx`) reads the whole plate left to right: the
//!   Arabic-Indic digits, then the letters in visual order. Digits and letters are
//!   disjoint classes, so the vertical rule needs no detection to split them.
//! - Localisation: the whole image is read as a plate first; unless that read is
//!   confident and well formed, [`locate::candidates`] proposes plate-shaped windows
//!   (vertical strokes, a light body) and every window is read; the best read wins.
//! - The answer follows documents.md: `result` (letters in reading order separated by
//!   spaces, a space, the digits in Arabic-Indic), `letters`, `digits` (ASCII),
//!   `vehicle_class` from the top band's colour, per-character confidence and the plate
//!   box. Numbers outside the governorate shapes and weak reads are reported in `extra`.

pub mod locate;

use std::path::{Path, PathBuf};

use image::RgbImage;
use ndarray::ArrayView2;
use serde_json::json;

use crate::error::{PipelineError, Result};
use crate::extraction::{Extraction, Quad};
use crate::runtime::{OnnxModel, RuntimeConfig, RuntimeError};

/// The model's file name, in the models directory or the repository's `models/trained/`.
pub const MODEL_FILE: &str = "plate_reader.onnx";

/// The 17 plate letters (documents.md), in model class order after the blank.
pub const LETTERS: [char; 17] = [
    'أ', 'ب', 'ج', 'د', 'ر', 'س', 'ص', 'ط', 'ع', 'ف', 'ق', 'ل', 'م', 'ن', 'ه', 'و', 'ى',
];

/// Model input height and width.
pub const INPUT_HEIGHT: u32 = 48;
pub const INPUT_WIDTH: u32 = 128;

/// A character read from the plate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlateChar {
    /// A letter or an ASCII digit.
    pub ch: char,
    pub confidence: f32,
    /// First and last model column (0-31) of the character.
    pub columns: (usize, usize),
}

impl PlateChar {
    pub fn is_digit(&self) -> bool {
        self.ch.is_ascii_digit()
    }
}

/// One read of one crop, characters in visual (left-to-right) order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlateRead {
    pub chars: Vec<PlateChar>,
}

impl PlateRead {
    /// ASCII digits, left to right (the reading order of numbers).
    pub fn digits(&self) -> String {
        self.chars
            .iter()
            .filter(|c| c.is_digit())
            .map(|c| c.ch)
            .collect()
    }

    /// Letters in reading order (right to left on the plate).
    pub fn letters(&self) -> Vec<char> {
        self.chars
            .iter()
            .rev()
            .filter(|c| !c.is_digit())
            .map(|c| c.ch)
            .collect()
    }

    /// Whether all digits come before all letters, as printed.
    pub fn ordered(&self) -> bool {
        let first_letter = self.chars.iter().position(|c| !c.is_digit());
        let last_digit = self.chars.iter().rposition(|c| c.is_digit());
        match (first_letter, last_digit) {
            (Some(l), Some(d)) => d < l,
            _ => true,
        }
    }

    pub fn min_confidence(&self) -> f32 {
        self.chars.iter().map(|c| c.confidence).fold(1.0, f32::min)
    }

    pub fn mean_confidence(&self) -> f32 {
        if self.chars.is_empty() {
            return 0.0;
        }
        self.chars.iter().map(|c| c.confidence).sum::<f32>() / self.chars.len() as f32
    }

    /// The number's shape against documents.md.
    pub fn shape(&self) -> PlateShape {
        PlateShape::of(self.digits().len(), self.letters().len())
    }

    /// How much this read looks like a plate, 0-1: confidence, both halves present, in
    /// order, a known shape.
    pub fn plausibility(&self) -> f32 {
        if self.chars.is_empty() {
            return 0.0;
        }
        let (nd, nl) = (self.digits().len(), self.letters().len());
        let mut s = 0.5 * self.mean_confidence() + 0.5 * self.min_confidence();
        if nd == 0 || nl == 0 {
            s *= 0.3;
        }
        if !self.ordered() {
            s *= 0.5;
        }
        s *= match self.shape() {
            PlateShape::Cairo | PlateShape::Giza | PlateShape::Other => 1.0,
            PlateShape::Short => 0.9,
            PlateShape::Unknown => 0.6,
        };
        s
    }
}

/// Plate number shapes (documents.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlateShape {
    /// 3 digits + 3 letters.
    Cairo,
    /// 4 digits + 2 letters.
    Giza,
    /// 4 digits + 3 letters.
    Other,
    /// 1-4 digits with 1-3 letters, outside the three rules (older or special plates).
    Short,
    /// Anything else: a misread.
    Unknown,
}

impl PlateShape {
    pub fn of(digits: usize, letters: usize) -> PlateShape {
        match (digits, letters) {
            (3, 3) => PlateShape::Cairo,
            (4, 2) => PlateShape::Giza,
            (4, 3) => PlateShape::Other,
            (1..=4, 1..=3) => PlateShape::Short,
            _ => PlateShape::Unknown,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PlateShape::Cairo => "cairo_3_3",
            PlateShape::Giza => "giza_4_2",
            PlateShape::Other => "governorate_4_3",
            PlateShape::Short => "short",
            PlateShape::Unknown => "unknown",
        }
    }
}

/// Greedy CTC decoding of one `[T, 28]` probability matrix: a character per run of
/// equal non-blank argmaxes; its confidence is the run's highest probability.
pub fn decode(probs: ArrayView2<'_, f32>) -> PlateRead {
    let chars = crate::ocr::text_recognize::ctc_runs(probs)
        .into_iter()
        .map(|run| PlateChar {
            ch: if run.class <= LETTERS.len() {
                LETTERS[run.class - 1]
            } else {
                char::from(b'0' + (run.class - 1 - LETTERS.len()) as u8)
            },
            confidence: run.confidence,
            columns: run.columns,
        })
        .collect();
    PlateRead { chars }
}

/// The model input for `quad` of `image`: the quad warped upright at twice the model
/// size, grey (BT.601), halved by 2 x 2 averaging (the training resize smooths too),
/// stretched between the 2nd and 98th percentiles; 0-1, row-major 48 x 128.
pub fn prepare(image: &RgbImage, quad: &Quad) -> Option<Vec<f32>> {
    crate::preprocess::stretched_grey_line(image, quad, INPUT_WIDTH, INPUT_HEIGHT)
}

/// What [`read`] can be told.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateParams {
    /// A whole-image read at least this plausible is taken without searching the photo
    /// for a plate. Default 0.9.
    pub accept_whole: f32,
    /// Reads below this plausibility are flagged `low_confidence`. Default 0.6.
    pub low_confidence: f32,
    /// Searching a photo stops after the batch in which a read reaches this
    /// plausibility. Default 0.9.
    pub accept_found: f32,
    /// Candidate windows read per batch. Default 6.
    pub batch: usize,
    pub locate: locate::LocateParams,
}

impl Default for PlateParams {
    fn default() -> Self {
        PlateParams {
            accept_whole: 0.9,
            low_confidence: 0.6,
            accept_found: 0.9,
            batch: 6,
            locate: locate::LocateParams::default(),
        }
    }
}

/// Why the plate model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PlateModelError {
    #[error("{MODEL_FILE} not found (looked in {0:?})")]
    ModelMissing(Vec<PathBuf>),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// The plate reader's model.
pub struct PlateModels {
    reader: OnnxModel,
}

impl std::fmt::Debug for PlateModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlateModels").finish_non_exhaustive()
    }
}

/// Where [`PlateModels::load`] looks: the models directory, then the repository's
/// `models/trained/` (where `training/plates/train.sh` writes, and what is committed).
pub fn model_candidates(models_dir: Option<&Path>) -> Vec<PathBuf> {
    crate::models::trained_model_candidates(models_dir, MODEL_FILE)
}

/// The chosen read with where it came from.
#[derive(Debug, Clone)]
pub struct PlateResult {
    pub read: PlateRead,
    /// The window read, in input pixels (tl, tr, br, bl).
    pub quad: Quad,
    /// Whether the whole image was taken as the plate.
    pub whole_image: bool,
    pub vehicle_class: Option<&'static str>,
}

impl PlateModels {
    /// Loads `plate_reader.onnx` from the models directory, then the repository's
    /// `models/trained/`.
    pub fn load(
        models_dir: Option<&Path>,
        runtime: &RuntimeConfig,
    ) -> Result<PlateModels, PlateModelError> {
        let candidates = model_candidates(models_dir);
        let path = candidates
            .iter()
            .find(|p| p.is_file())
            .ok_or_else(|| PlateModelError::ModelMissing(candidates.clone()))?;
        Ok(PlateModels {
            reader: OnnxModel::load(path, runtime)?,
        })
    }

    /// Reads prepared inputs in one batch.
    pub fn read_prepared(&mut self, inputs: &[Vec<f32>]) -> Result<Vec<PlateRead>, RuntimeError> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let out = self.reader.run_line_batch(
            MODEL_FILE,
            inputs,
            INPUT_HEIGHT as usize,
            INPUT_WIDTH as usize,
        )?;
        Ok(out.outer_iter().map(|p| decode(p)).collect())
    }

    /// Reads the quads of `image`, one read per quad (an empty read for a degenerate one).
    pub fn read_quads(
        &mut self,
        image: &RgbImage,
        quads: &[Quad],
    ) -> Result<Vec<PlateRead>, RuntimeError> {
        let prepared: Vec<Option<Vec<f32>>> = quads.iter().map(|q| prepare(image, q)).collect();
        let inputs: Vec<Vec<f32>> = prepared.iter().flatten().cloned().collect();
        let mut reads = self.read_prepared(&inputs)?.into_iter();
        Ok(prepared
            .iter()
            .map(|p| {
                if p.is_some() {
                    reads.next().unwrap_or_default()
                } else {
                    PlateRead::default()
                }
            })
            .collect())
    }

    /// Finds and reads the plate of a car photo or a plate crop.
    pub fn find_and_read(
        &mut self,
        image: &RgbImage,
        params: &PlateParams,
    ) -> Result<Option<PlateResult>, RuntimeError> {
        let (w, h) = (image.width() as f32, image.height() as f32);
        let mut quads: Vec<Quad> = Vec::new();
        let mut reads: Vec<PlateRead> = Vec::new();
        let best = |reads: &[PlateRead]| {
            reads
                .iter()
                .map(PlateRead::plausibility)
                .fold(0.0, f32::max)
        };
        // A plate-shaped image may be the plate itself: read it whole, and slightly
        // inset (a crop with a wide border).
        let aspect = w / h.max(1.0);
        let whole_reads = if (1.2..=4.5).contains(&aspect) {
            let whole: Quad = [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]];
            let (dx, dy) = (w * 0.04, h * 0.06);
            let inset: Quad = [[dx, dy], [w - dx, dy], [w - dx, h - dy], [dx, h - dy]];
            // Tight crops cut close to the outer characters: read a padded copy too
            // (edge pixels repeated), which gives them the margin training had.
            let (px, py) = (w * 0.07, h * 0.1);
            let padded: Quad = [[-px, -py], [w + px, -py], [w + px, h + py], [-px, h + py]];
            quads.extend([whole, inset, padded]);
            reads.extend(self.read_quads(image, &quads)?);
            quads.len()
        } else {
            0
        };
        if best(&reads) < params.accept_whole {
            // Search the photo: blob candidates in rank order, a batch at a time, until
            // one reads as a confident, well-formed plate.
            let mut found = locate::blob_candidates(image, &params.locate);
            if found.is_empty() {
                found = locate::candidates(image, &params.locate);
            }
            for chunk in found.chunks(params.batch.max(1)) {
                let more: Vec<Quad> = chunk.iter().map(|c| c.quad()).collect();
                reads.extend(self.read_quads(image, &more)?);
                quads.extend(more);
                if best(&reads) >= params.accept_found {
                    break;
                }
            }
        }
        let Some((i, best)) = reads
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.chars.is_empty())
            .max_by(|a, b| a.1.plausibility().total_cmp(&b.1.plausibility()))
        else {
            return Ok(None);
        };
        let quad = quads[i];
        Ok(Some(PlateResult {
            read: best.clone(),
            quad,
            whole_image: i < whole_reads,
            vehicle_class: vehicle_class(image, &quad),
        }))
    }
}

/// Band colours (documents.md), as the renderer and real plates show them, with the
/// `vehicle_class` names.
const BANDS: [(&str, [f32; 3]); 8] = [
    ("private", [96.0, 170.0, 225.0]),
    ("taxi", [240.0, 140.0, 40.0]),
    ("truck", [205.0, 40.0, 40.0]),
    ("rental", [130.0, 85.0, 50.0]),
    ("bus", [150.0, 150.0, 150.0]),
    ("tourist_bus", [222.0, 200.0, 150.0]),
    ("police", [25.0, 45.0, 120.0]),
    ("diplomatic", [40.0, 140.0, 70.0]),
];

/// The vehicle class from the band colour: the top fifth of the plate window against
/// the body below, white-balanced on the body, nearest band colour. `None` when the band
/// is not told apart from the body (no coloured band seen).
pub fn vehicle_class(image: &RgbImage, quad: &Quad) -> Option<&'static str> {
    let crop = crate::geometry::perspective_crop(image, quad, 64, 32)?;
    let median = |y0: u32, y1: u32| -> [f32; 3] {
        let mut ch: [Vec<u8>; 3] = [Vec::new(), Vec::new(), Vec::new()];
        for y in y0..y1 {
            for x in 8..56 {
                let p = crop.get_pixel(x, y).0;
                for k in 0..3 {
                    ch[k].push(p[k]);
                }
            }
        }
        ch.map(|mut v| {
            v.sort_unstable();
            f32::from(v[v.len() / 2])
        })
    };
    // The band is the top ~27% of the plate; the window may carry a margin.
    let band = median(3, 9);
    // The body's light background: the brighter half of the body rows.
    let body = {
        let mut px: Vec<[u8; 3]> = Vec::new();
        for y in 14..30 {
            for x in 4..60 {
                px.push(crop.get_pixel(x, y).0);
            }
        }
        px.sort_by_key(|p| u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]));
        let top = &px[px.len() * 3 / 4..];
        let mut m = [0f32; 3];
        for p in top {
            for k in 0..3 {
                m[k] += f32::from(p[k]) / top.len() as f32;
            }
        }
        m
    };
    let white = body.iter().cloned().fold(1.0, f32::max);
    let balanced = |c: [f32; 3]| -> [f32; 3] {
        let mut o = [0f32; 3];
        for k in 0..3 {
            o[k] = (c[k] / body[k].max(1.0) * white.min(255.0)).min(255.0);
        }
        o
    };
    let b = balanced(band);
    let diff: f32 = (0..3).map(|k| (b[k] - white).abs()).sum();
    if diff < 30.0 {
        return None;
    }
    BANDS
        .iter()
        .min_by(|x, y| dist(&x.1, &b).total_cmp(&dist(&y.1, &b)))
        .map(|(name, _)| *name)
}

fn dist(a: &[f32; 3], b: &[f32; 3]) -> f32 {
    (0..3).map(|k| (a[k] - b[k]).powi(2)).sum::<f32>().sqrt()
}

/// Arabic-Indic form of ASCII digits.
pub fn arabic_indic(digits: &str) -> String {
    digits
        .chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// The route's reader: the extraction documents.md describes.
pub fn read(
    models: &mut PlateModels,
    image: &RgbImage,
    params: &PlateParams,
) -> Result<Extraction> {
    let found = models
        .find_and_read(image, params)
        .map_err(PipelineError::inference)?;
    let Some(found) = found else {
        return Err(PipelineError::document(
            hawiya_documents::Code::CardNotDetected,
            "no licence plate was found in the image",
        ));
    };
    let read = &found.read;
    let (digits, letters) = (read.digits(), read.letters());
    if digits.is_empty() && letters.is_empty() {
        return Err(PipelineError::document(
            hawiya_documents::Code::CardNotDetected,
            "no licence plate was found in the image",
        ));
    }
    let letters_spaced = letters
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let result = match (letters_spaced.is_empty(), digits.is_empty()) {
        (false, false) => format!("{letters_spaced} {}", arabic_indic(&digits)),
        (true, _) => arabic_indic(&digits),
        (_, true) => letters_spaced.clone(),
    };
    let plausibility = read.plausibility();
    let shape = read.shape();
    let min_conf = read.min_confidence();
    let mut ex = Extraction::default();
    let f = ex.push("result", result);
    f.confidence = Some(min_conf);
    f.bbox = Some(found.quad);
    let digit_conf = read
        .chars
        .iter()
        .filter(|c| c.is_digit())
        .map(|c| c.confidence)
        .fold(1.0, f32::min);
    let letter_conf = read
        .chars
        .iter()
        .filter(|c| !c.is_digit())
        .map(|c| c.confidence)
        .fold(1.0, f32::min);
    ex.push("letters", letters_spaced).confidence = Some(letter_conf);
    ex.push("digits", digits.clone()).confidence = Some(digit_conf);
    ex.push(
        "vehicle_class",
        found
            .vehicle_class
            .map(serde_json::Value::from)
            .unwrap_or(serde_json::Value::Null),
    );
    // Characters in reading order: letters right to left, then digits left to right.
    let chars: Vec<serde_json::Value> = read
        .chars
        .iter()
        .rev()
        .filter(|c| !c.is_digit())
        .chain(read.chars.iter().filter(|c| c.is_digit()))
        .map(|c| {
            json!({
                "char": if c.is_digit() { arabic_indic(&c.ch.to_string()) } else { c.ch.to_string() },
                "confidence": c.confidence,
            })
        })
        .collect();
    ex.extra.insert("characters".into(), json!(chars));
    ex.extra.insert("plate_quad".into(), json!(found.quad));
    ex.extra.insert("shape".into(), json!(shape.name()));
    ex.extra.insert("plausibility".into(), json!(plausibility));
    let low = plausibility < params.low_confidence || shape == PlateShape::Unknown;
    ex.extra.insert("low_confidence".into(), json!(low));
    let mut warnings = Vec::new();
    if shape == PlateShape::Unknown {
        warnings.push(format!(
            "{} digits and {} letters match no Egyptian plate shape",
            digits.len(),
            letters.len()
        ));
    } else if shape == PlateShape::Short {
        warnings.push(
            "the number is shorter than the Cairo (3+3), Giza (4+2) and governorate (4+3) shapes"
                .to_string(),
        );
    }
    if !read.ordered() {
        warnings.push("digits and letters were not read on their own sides of the rule".into());
    }
    if plausibility < params.low_confidence {
        warnings.push(format!("low confidence read ({plausibility:.2})"));
    }
    if !warnings.is_empty() {
        ex.extra.insert("warnings".into(), json!(warnings));
    }
    Ok(ex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn one_hot(seq: &[usize]) -> Array2<f32> {
        let mut a = Array2::<f32>::zeros((seq.len(), 28));
        for (t, &c) in seq.iter().enumerate() {
            a[[t, c]] = 0.9;
        }
        a
    }

    #[test]
    fn decoding_splits_digits_and_letters_in_reading_order() {
        // Visual: ١ ٢ ٢ | letters ج (3) then أ (1) left to right.
        let d = |n: usize| 18 + n;
        let probs = one_hot(&[0, d(1), d(1), 0, d(2), 0, d(2), 0, 3, 3, 0, 1, 0]);
        let r = decode(probs.view());
        assert_eq!(r.digits(), "122");
        assert_eq!(r.letters(), vec!['أ', 'ج']);
        assert!(r.ordered());
        assert_eq!(r.shape(), PlateShape::Short);
    }

    #[test]
    fn shapes_follow_the_governorate_rules() {
        assert_eq!(PlateShape::of(3, 3), PlateShape::Cairo);
        assert_eq!(PlateShape::of(4, 2), PlateShape::Giza);
        assert_eq!(PlateShape::of(4, 3), PlateShape::Other);
        assert_eq!(PlateShape::of(5, 3), PlateShape::Unknown);
        assert_eq!(PlateShape::of(0, 3), PlateShape::Unknown);
    }

    #[test]
    fn prepared_inputs_are_stretched() {
        let img = RgbImage::from_fn(200, 100, |x, _| {
            let v = if x < 100 { 60 } else { 200 };
            image::Rgb([v, v, v])
        });
        let q: Quad = [[0.0, 0.0], [200.0, 0.0], [200.0, 100.0], [0.0, 100.0]];
        let p = prepare(&img, &q).unwrap();
        assert_eq!(p.len(), (INPUT_WIDTH * INPUT_HEIGHT) as usize);
        assert!(p[0] < 0.05 && p[INPUT_WIDTH as usize - 1] > 0.95);
    }
}
