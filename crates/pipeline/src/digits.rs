//! The Arabic-Indic digit line recogniser: the ID number and the printed dates of the
//! national ID card.
//!
//! Tesseract's `ara` cannot read Arabic-Indic digits (native-deps.md), so these lines go
//! to a small conv-only CRNN trained with CTC on crops of synthetic cards
//! (`training/digits/`, digits.md). Two things decide its accuracy and both live here, so
//! that training data and the product go through the same code:
//! - [`crop_digit_line`]: cut the line upright, tighten on the ink, add margins measured
//!   in ink heights (a model trained on one margin reads another badly);
//! - [`prepare_input`]: grey, contrast-stretched, resized to the model height, padded to
//!   the model width.
//!
//! Classes are the CTC blank, `٠`-`٩` (answered as ASCII `0`-`9`) and `/` (dates).

use std::path::{Path, PathBuf};

use image::{GrayImage, Luma, RgbImage};
use ndarray::{Array4, ArrayView3, Ix3};

use crate::geometry::{distance, perspective_crop, Quad};
use crate::runtime::{OnnxModel, RuntimeConfig, RuntimeError};

/// The model's file name, in the models directory or the repository's `models/trained/`.
pub const MODEL_FILE: &str = "id_digits.onnx";

/// Output classes after the blank (index 0), in model order.
pub const CLASSES: [char; 11] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '/'];

/// Model input height in pixels (digits.md: 32 keeps `٠`, a small dot, above 10 px).
pub const INPUT_HEIGHT: u32 = 32;
/// Model input width in pixels: 14 digits with the widest trained margins fit at height 32.
pub const INPUT_WIDTH: u32 = 256;

/// How a line is cut out for the recogniser.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DigitCropParams {
    /// Space kept left and right of the ink, in ink heights. Default 0.5: the middle of
    /// the 0.1-1.6 range the model is trained on.
    pub horizontal_margin: f32,
    /// Space kept above and below the ink, in ink heights. Default 0.25: the middle of
    /// the 0.1-0.5 trained range; more shrinks the digits under 10 px at height 32.
    pub vertical_margin: f32,
    /// Context taken around the given box before looking for ink, in box heights.
    /// Default 0.35: detector boxes and layout regions cut strokes now and then, and the
    /// ink search needs to see the whole line.
    pub search_padding: f32,
    /// Height of the upright working crop. Default 64 px: twice the model height, so the
    /// final resize only shrinks.
    pub work_height: u32,
    /// Whether to tighten on the ink at all. Default true (digits.md: tight crops read
    /// best); a retry may turn it off when glare breaks the ink search.
    pub tighten: bool,
    /// Slant, across the line, above which a tightened crop follows the line's slope
    /// instead of boxing it level, in ink heights. Default 0.25: a line rectified from a
    /// card outline a few degrees off (the locator's rare miss) climbs a height or more
    /// over 14 digits, and its level box reads with digits lost; straight lines measure
    /// well under this (a digit's own shape moves the fitted slope little), so their
    /// crops are unchanged. `f32::INFINITY` turns it off.
    pub max_slant: f32,
    /// Width, in (levelled) ink heights, below which a line is never cut along a slope.
    /// Default 5: the number (about 10) and the full dates (about 6) are long enough for
    /// their slope to be measured; a house number's two or three digits are not, and a
    /// slope fitted to them follows the digits' shapes.
    pub slant_min_width: f32,
}

impl Default for DigitCropParams {
    fn default() -> Self {
        DigitCropParams {
            horizontal_margin: 0.5,
            vertical_margin: 0.25,
            search_padding: 0.35,
            work_height: 64,
            tighten: true,
            max_slant: 0.25,
            slant_min_width: 5.0,
        }
    }
}

/// A quad grown by `dx` along its width and `dy` along its height, on each side.
pub fn grow_quad(q: &Quad, dx: f32, dy: f32) -> Quad {
    let unit = |a: [f32; 2], b: [f32; 2]| {
        let d = distance(a, b).max(1e-6);
        [(b[0] - a[0]) / d, (b[1] - a[1]) / d]
    };
    let u = unit(q[0], q[1]);
    let v = unit(q[0], q[3]);
    let m = |p: [f32; 2], su: f32, sv: f32| {
        [
            p[0] + u[0] * su * dx + v[0] * sv * dy,
            p[1] + u[1] * su * dx + v[1] * sv * dy,
        ]
    };
    [
        m(q[0], -1.0, -1.0),
        m(q[1], 1.0, -1.0),
        m(q[2], 1.0, 1.0),
        m(q[3], -1.0, 1.0),
    ]
}

fn to_gray(rgb: &RgbImage) -> GrayImage {
    GrayImage::from_fn(rgb.width(), rgb.height(), |x, y| {
        let p = rgb.get_pixel(x, y).0;
        let v = 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32;
        Luma([v.round() as u8])
    })
}

/// The ink's bounding box `(x0, y0, x1, y1)` (exclusive ends) in an upright line image:
/// the row band around the inkiest row, then the columns with ink inside that band.
/// `None` when no ink stands out.
pub fn ink_bounds(gray: &GrayImage) -> Option<(u32, u32, u32, u32)> {
    let (w, h) = gray.dimensions();
    if w < 4 || h < 4 {
        return None;
    }
    let t = crate::preprocess::otsu_level(gray);
    let ink = |x: u32, y: u32| gray.get_pixel(x, y).0[0] <= t;
    let rows: Vec<u32> = (0..h)
        .map(|y| (0..w).filter(|&x| ink(x, y)).count() as u32)
        .collect();
    let (y0, y1) = line_extent(&rows)?;
    let cols: Vec<u32> = (0..w)
        .map(|x| (y0..y1).filter(|&y| ink(x, y)).count() as u32)
        .collect();
    // A column needs two ink pixels: single specks of noise do not widen the box.
    let x0 = cols.iter().position(|&n| n >= 2)? as u32;
    let x1 = cols.iter().rposition(|&n| n >= 2)? as u32 + 1;
    (x1 > x0 && y1 > y0).then_some((x0, y0, x1, y1))
}

/// The rows `(start, end)` of the line through the fullest of `rows` (ink pixels per
/// row), or `None` where no row holds two.
fn line_extent(rows: &[u32]) -> Option<(u32, u32)> {
    let (peak, &max) = rows.iter().enumerate().max_by_key(|(_, &n)| n)?;
    if max < 2 {
        return None;
    }
    // Rows belong to the line while they hold a few percent of the peak's ink; a blank
    // row or two (the gap under a dot) does not end it.
    let floor = (max as f32 * 0.04).max(1.0) as u32;
    let grow = |mut i: i64, step: i64| {
        let mut gap = 0;
        let mut last = i;
        while i >= 0 && i < rows.len() as i64 {
            if rows[i as usize] >= floor {
                last = i;
                gap = 0;
            } else {
                gap += 1;
                if gap > 2 {
                    break;
                }
            }
            i += step;
        }
        last as u32
    };
    Some((grow(peak as i64, -1), grow(peak as i64, 1) + 1))
}

/// A slanted line's slope and its extent measured across it: `(slope, y0, y1)`, the
/// line's top and bottom at column `(x0 + x1) / 2` of `bounds` (its level ink box, as
/// [`ink_bounds`] gives it). The slope is the least-squares fit of each column's ink
/// centre. `None` where the slant over the line's width stays under `max_slant` ink
/// heights (the line is level enough as boxed), or where levelling leaves the line not
/// thinner by half its rise (the slope is not the line's).
pub fn line_slant(
    gray: &GrayImage,
    bounds: (u32, u32, u32, u32),
    max_slant: f32,
) -> Option<(f32, f32, f32)> {
    let (x0, y0, x1, y1) = bounds;
    let t = crate::preprocess::otsu_level(gray);
    let ink = |x: u32, y: u32| gray.get_pixel(x, y).0[0] <= t;
    let xc = (x0 + x1) as f32 / 2.0;
    // Weighted sums over columns: each column's ink centre, weighted by its ink.
    let (mut sw, mut sx, mut sy, mut sxx, mut sxy) = (0f64, 0f64, 0f64, 0f64, 0f64);
    for x in x0..x1 {
        let (mut n, mut total) = (0u32, 0u64);
        for y in y0..y1 {
            if ink(x, y) {
                n += 1;
                total += y as u64;
            }
        }
        if n < 2 {
            continue;
        }
        let (w, dx, cy) = (n as f64, (x as f32 - xc) as f64, total as f64 / n as f64);
        sw += w;
        sx += w * dx;
        sy += w * cy;
        sxx += w * dx * dx;
        sxy += w * dx * cy;
    }
    let spread = sxx * sw - sx * sx;
    if sw == 0.0 || spread <= 0.0 {
        return None;
    }
    let slope = ((sw * sxy - sx * sy) / spread) as f32;
    let ink_h = (y1 - y0).max(1) as f32;
    if (slope * (x1 - x0) as f32).abs() <= max_slant * ink_h {
        return None;
    }
    // The ink levelled: each pixel moved up or down by the slope, the rows counted again.
    let shift = |x: u32| slope * (x as f32 - xc);
    let (lo, hi) = (shift(x0).min(shift(x1)), shift(x0).max(shift(x1)));
    let base = y0 as f32 - hi;
    let mut rows = vec![0u32; ((y1 as f32 - lo) - base).ceil().max(1.0) as usize + 1];
    for x in x0..x1 {
        for y in y0..y1 {
            if ink(x, y) {
                let last = rows.len() - 1;
                let level = (y as f32 - shift(x) - base).round().max(0.0) as usize;
                rows[level.min(last)] += 1;
            }
        }
    }
    let (top, bottom) = line_extent(&rows)?;
    // A real slant levelled leaves the line thinner by much of its rise; a slope fitted
    // to other ink in the box (a label's letters beside the digits) does not.
    let rise = (slope * (x1 - x0) as f32).abs();
    let levelled = (bottom - top) as f32;
    (levelled <= ink_h - 0.5 * rise).then_some((slope, base + top as f32, base + bottom as f32))
}

/// A line cut out for the recogniser, with where its corners lie on the source image.
#[derive(Debug, Clone)]
pub struct DigitCrop {
    pub image: GrayImage,
    /// The crop's corners on the source image (tl, tr, br, bl).
    pub quad: Quad,
}

/// Cuts the line in `quad` (a detector box or a layout region, tl, tr, br, bl) out of
/// `image` upright, tightened on its ink, with margins in ink heights.
pub fn crop_digit_line(
    image: &RgbImage,
    quad: &Quad,
    params: &DigitCropParams,
) -> Option<DigitCrop> {
    let box_h = (distance(quad[0], quad[3]) + distance(quad[1], quad[2])) / 2.0;
    let box_w = (distance(quad[0], quad[1]) + distance(quad[3], quad[2])) / 2.0;
    if box_h < 2.0 || box_w < 2.0 {
        return None;
    }
    let pad = params.search_padding * box_h;
    let search = grow_quad(quad, pad, pad);
    let (sw, sh) = (box_w + 2.0 * pad, box_h + 2.0 * pad);
    let scale = params.work_height as f32 / sh;
    let (ww, wh) = (((sw * scale).round() as u32).max(1), params.work_height);
    let upright = perspective_crop(image, &search, ww, wh)?;
    let gray = to_gray(&upright);
    let (x0, y0, x1, y1) = match params.tighten.then(|| ink_bounds(&gray)).flatten() {
        Some(b) => b,
        None => {
            // The given box itself, as the ink box.
            let p = pad * scale;
            (
                p as u32,
                p as u32,
                (ww as f32 - p) as u32,
                (wh as f32 - p) as u32,
            )
        }
    };
    // A slanted line is cut along its slope; a level one keeps its ink box.
    let (slope, top, bottom) = params
        .tighten
        .then(|| line_slant(&gray, (x0, y0, x1, y1), params.max_slant))
        .flatten()
        .filter(|&(_, top, bottom)| (x1 - x0) as f32 >= params.slant_min_width * (bottom - top))
        .unwrap_or((0.0, y0 as f32, y1 as f32));
    let ink_h = (bottom - top).max(1.0);
    let mx = params.horizontal_margin * ink_h;
    let my = params.vertical_margin * ink_h;
    let (cx0, cy0) = (x0 as f32 - mx, top - my);
    let (cx1, cy1) = (x1 as f32 + mx, bottom + my);
    let xc = (x0 + x1) as f32 / 2.0;
    let (rise0, rise1) = (slope * (cx0 - xc), slope * (cx1 - xc));
    // Cut from the source image again (not the working crop) so margins past the search
    // area still show real pixels.
    let to_src = |x: f32, y: f32| {
        let (u, v) = (x / ww as f32, y / wh as f32);
        let top = [
            search[0][0] + (search[1][0] - search[0][0]) * u,
            search[0][1] + (search[1][1] - search[0][1]) * u,
        ];
        let bottom = [
            search[3][0] + (search[2][0] - search[3][0]) * u,
            search[3][1] + (search[2][1] - search[3][1]) * u,
        ];
        [
            top[0] + (bottom[0] - top[0]) * v,
            top[1] + (bottom[1] - top[1]) * v,
        ]
    };
    let crop_quad = [
        to_src(cx0, cy0 + rise0),
        to_src(cx1, cy0 + rise1),
        to_src(cx1, cy1 + rise1),
        to_src(cx0, cy1 + rise0),
    ];
    let out_h = params.work_height;
    let out_w = (((cx1 - cx0) / (cy1 - cy0)) * out_h as f32)
        .round()
        .max(1.0) as u32;
    let rgb = perspective_crop(image, &crop_quad, out_w, out_h)?;
    Some(DigitCrop {
        image: to_gray(&rgb),
        quad: crop_quad,
    })
}

/// The crop with its contrast stretched locally: each column between the darkest and
/// the lightest pixel within `window` columns either side. Glare lays a bright patch
/// over part of a line, and one stretch for the whole crop leaves the digits under it
/// too grey to read; stretched locally they come back black. Stretches narrower than
/// `min_span` grey levels are background only and turn white (no noise is amplified).
pub fn locally_stretched(crop: &GrayImage, window: u32, min_span: u8) -> GrayImage {
    let (w, h) = crop.dimensions();
    let mut column_min = vec![255u8; w as usize];
    let mut column_max = vec![0u8; w as usize];
    for (x, _, p) in crop.enumerate_pixels() {
        let v = p.0[0];
        column_min[x as usize] = column_min[x as usize].min(v);
        column_max[x as usize] = column_max[x as usize].max(v);
    }
    let mut out = GrayImage::new(w, h);
    for x in 0..w {
        let from = x.saturating_sub(window) as usize;
        let to = (x + window + 1).min(w) as usize;
        let lo = column_min[from..to].iter().copied().min().unwrap_or(0);
        let hi = column_max[from..to].iter().copied().max().unwrap_or(255);
        let span = hi.saturating_sub(lo);
        for y in 0..h {
            let v = crop.get_pixel(x, y).0[0];
            let stretched = match span < min_span {
                true => 255,
                false => ((v.saturating_sub(lo)) as u32 * 255 / span as u32).min(255) as u8,
            };
            out.put_pixel(x, y, Luma([stretched]));
        }
    }
    out
}

/// The model input for one crop: contrast stretched between the 2nd and 98th
/// percentiles (shade and glare vary a lot across a card), resized to
/// [`INPUT_HEIGHT`] keeping the aspect (squeezed only when wider than [`INPUT_WIDTH`]),
/// padded on the right with the background level.
pub fn prepare_input(crop: &GrayImage) -> GrayImage {
    let mut hist = [0u32; 256];
    for p in crop.pixels() {
        hist[p.0[0] as usize] += 1;
    }
    let n: u32 = hist.iter().sum();
    let pct = |q: f32| {
        let target = (n as f32 * q) as u32;
        let mut acc = 0;
        for (i, &c) in hist.iter().enumerate() {
            acc += c;
            if acc > target {
                return i as f32;
            }
        }
        255.0
    };
    let (lo, hi) = (pct(0.02), pct(0.98));
    let span = (hi - lo).max(16.0);
    let aspect = crop.width() as f32 / crop.height().max(1) as f32;
    let w = ((aspect * INPUT_HEIGHT as f32).round() as u32).clamp(1, INPUT_WIDTH);
    let resized =
        image::imageops::resize(crop, w, INPUT_HEIGHT, image::imageops::FilterType::Triangle);
    GrayImage::from_fn(INPUT_WIDTH, INPUT_HEIGHT, |x, y| {
        if x < w {
            let v = (resized.get_pixel(x, y).0[0] as f32 - lo) / span;
            Luma([(v.clamp(0.0, 1.0) * 255.0).round() as u8])
        } else {
            Luma([255])
        }
    })
}

/// A model mapping `[N, 1, 32, 256]` inputs in 0-1 to `[N, T, 12]` class probabilities.
/// Implemented by [`OnnxModel`]; tests use fakes.
pub trait DigitModel {
    fn probabilities(
        &mut self,
        batch: ndarray::ArrayView4<'_, f32>,
    ) -> Result<ndarray::Array3<f32>, RuntimeError>;
}

impl DigitModel for OnnxModel {
    fn probabilities(
        &mut self,
        batch: ndarray::ArrayView4<'_, f32>,
    ) -> Result<ndarray::Array3<f32>, RuntimeError> {
        let out = self.run_f32(batch.into_dyn())?;
        let shape = out.shape().to_vec();
        out.into_dimensionality::<Ix3>()
            .map_err(|_| RuntimeError::Shape {
                model: self.name().to_string(),
                what: "output",
                detail: format!("expected [N, T, {}], got {shape:?}", CLASSES.len() + 1),
            })
    }
}

/// One recognised line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DigitRead {
    /// ASCII digits and `/`.
    pub text: String,
    /// The lowest character confidence (0 for no text): one doubtful digit makes the
    /// whole number doubtful.
    pub confidence: f32,
    /// Per character, the best class probability.
    pub char_confidences: Vec<f32>,
    /// Per character, the runner-up class and its probability (for repairs guided by
    /// the ID number's rules).
    pub alternatives: Vec<(char, f32)>,
    /// The model's class probabilities per step (`[steps, 1 + CLASSES]`, the blank
    /// first), to score texts it did not choose ([`crate::ctc::log_likelihood`]).
    pub probabilities: ndarray::Array2<f32>,
}

/// The classes of `text` as CTC labels (blank 0 excluded); `None` for any character
/// outside [`CLASSES`].
pub fn labels(text: &str) -> Option<Vec<usize>> {
    text.chars()
        .map(|c| CLASSES.iter().position(|&k| k == c).map(|i| i + 1))
        .collect()
}

/// Greedy CTC decoding of one line's `[T, C]` probabilities.
pub fn decode(probs: ndarray::ArrayView2<'_, f32>) -> DigitRead {
    let mut out = DigitRead {
        probabilities: probs.to_owned(),
        ..DigitRead::default()
    };
    let mut previous = 0usize;
    for row in probs.rows() {
        let mut order: Vec<usize> = (0..row.len()).collect();
        order.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
        let best = order[0];
        if best != 0 && best != previous {
            if let Some(&c) = CLASSES.get(best - 1) {
                out.text.push(c);
                out.char_confidences.push(row[best]);
                let alt = order[1..]
                    .iter()
                    .find(|&&i| i != 0)
                    .map(|&i| (CLASSES[i - 1], row[i]))
                    .unwrap_or(('?', 0.0));
                out.alternatives.push(alt);
            }
        } else if best != 0 && best == previous {
            // The same character held over more columns: keep its surest column.
            if let Some(c) = out.char_confidences.last_mut() {
                *c = c.max(row[best]);
            }
        }
        previous = best;
    }
    out.confidence = out
        .char_confidences
        .iter()
        .copied()
        .fold(if out.text.is_empty() { 0.0 } else { 1.0 }, f32::min);
    out
}

/// Why the recogniser could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DigitsError {
    #[error("{MODEL_FILE} not found (looked in {0:?}); run training/digits/train.sh")]
    ModelMissing(Vec<PathBuf>),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// The trained recogniser.
pub struct DigitRecognizer<M: DigitModel = OnnxModel> {
    model: M,
}

impl<M: DigitModel> std::fmt::Debug for DigitRecognizer<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigitRecognizer").finish_non_exhaustive()
    }
}

/// Where [`DigitRecognizer::load`] looks: the models directory, then the repository's
/// `models/trained/` (where `training/digits/train.sh` writes, and what is committed).
pub fn model_candidates(models_dir: Option<&Path>) -> Vec<PathBuf> {
    crate::models::trained_model_candidates(models_dir, MODEL_FILE)
}

impl DigitRecognizer<OnnxModel> {
    /// Loads `id_digits.onnx` from the first of [`model_candidates`] that exists.
    pub fn load(models_dir: Option<&Path>, runtime: &RuntimeConfig) -> Result<Self, DigitsError> {
        let candidates = model_candidates(models_dir);
        let path = candidates
            .iter()
            .find(|p| p.is_file())
            .ok_or_else(|| DigitsError::ModelMissing(candidates.clone()))?;
        Ok(DigitRecognizer {
            model: OnnxModel::load(path, runtime)?,
        })
    }
}

impl<M: DigitModel> DigitRecognizer<M> {
    pub fn with_model(model: M) -> Self {
        DigitRecognizer { model }
    }

    /// Reads prepared inputs ([`prepare_input`]), one result per input.
    pub fn recognize_prepared(
        &mut self,
        inputs: &[GrayImage],
    ) -> Result<Vec<DigitRead>, RuntimeError> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let (h, w) = (INPUT_HEIGHT as usize, INPUT_WIDTH as usize);
        let mut batch = Array4::<f32>::zeros((inputs.len(), 1, h, w));
        for (i, img) in inputs.iter().enumerate() {
            for (x, y, p) in img.enumerate_pixels() {
                if (x as usize) < w && (y as usize) < h {
                    batch[[i, 0, y as usize, x as usize]] = p.0[0] as f32 / 255.0;
                }
            }
        }
        let probs = self.model.probabilities(batch.view())?;
        let probs: ArrayView3<'_, f32> = probs.view();
        Ok(probs.outer_iter().map(|p| decode(p)).collect())
    }

    /// Reads one already-cut line crop (grey).
    pub fn recognize(&mut self, crop: &GrayImage) -> Result<DigitRead, RuntimeError> {
        Ok(self
            .recognize_prepared(&[prepare_input(crop)])?
            .pop()
            .unwrap_or_default())
    }

    /// Reads one already-cut line crop (colour).
    pub fn recognize_rgb(&mut self, crop: &RgbImage) -> Result<DigitRead, RuntimeError> {
        self.recognize(&to_gray(crop))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_stretch_brings_back_digits_under_glare() {
        // A line whose right half lies under glare: ink 20 on 200 at the left, ink 200
        // on 250 at the right; a blank stretch of background between.
        let crop = GrayImage::from_fn(120, 10, |x, y| {
            let ink = (3..7).contains(&y) && x % 10 < 4;
            Luma([match (x < 40, x >= 80, ink) {
                (true, _, true) => 20,
                (true, _, false) => 200,
                (_, true, true) => 200,
                (_, true, false) => 250,
                _ => 201,
            }])
        });
        let out = locally_stretched(&crop, 10, 32);
        // The glared ink is black again, its background white.
        assert!(out.get_pixel(100, 5).0[0] < 10);
        assert!(out.get_pixel(105, 5).0[0] > 245);
        // Plain background far from any ink stays white, not stretched noise.
        assert_eq!(out.get_pixel(60, 5).0[0], 255);
    }
    use ndarray::Array2;

    fn dark_box(w: u32, h: u32, r: (u32, u32, u32, u32)) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            if x >= r.0 && x < r.2 && y >= r.1 && y < r.3 {
                image::Rgb([20, 20, 20])
            } else {
                image::Rgb([230, 225, 220])
            }
        })
    }

    #[test]
    fn ink_bounds_find_the_dark_block() {
        let img = to_gray(&dark_box(200, 60, (40, 20, 150, 40)));
        assert_eq!(ink_bounds(&img), Some((40, 20, 150, 40)));
        let blank = to_gray(&dark_box(200, 60, (0, 0, 0, 0)));
        assert_eq!(ink_bounds(&blank), None);
    }

    /// Fourteen 8x20 "digits" 14 px apart whose tops climb `rise` px per px to the right.
    fn digit_row(rise: f32) -> RgbImage {
        RgbImage::from_fn(400, 200, |x, y| {
            let in_digit = (100..296).contains(&x) && (x - 100) % 14 < 8;
            let top = 100.0 - rise * (x as f32 - 100.0);
            if in_digit && (y as f32) >= top && (y as f32) < top + 20.0 {
                image::Rgb([20, 20, 20])
            } else {
                image::Rgb([230, 225, 220])
            }
        })
    }

    #[test]
    fn slanted_lines_are_cut_along_their_slope() {
        // The row climbs 20 px (one digit height) from left to right; the box given is
        // level around all of it, as a row of ink boxes gives it.
        let quad = [[90.0, 70.0], [306.0, 70.0], [306.0, 130.0], [90.0, 130.0]];
        let params = DigitCropParams::default();
        let crop = crop_digit_line(&digit_row(20.0 / 196.0), &quad, &params).unwrap();
        let [tl, tr, br, bl] = crop.quad;
        // The crop's edges climb with the row, and it is one digit (plus margins) tall.
        let climb = (tl[1] - tr[1] + bl[1] - br[1]) / 2.0;
        assert!(
            (climb - 20.0 * (tr[0] - tl[0]) / 196.0).abs() < 4.0,
            "{:?}",
            crop.quad
        );
        let tall = (bl[1] - tl[1] + br[1] - tr[1]) / 2.0;
        assert!((tall - 20.0 * 1.5).abs() < 4.0, "{:?}", crop.quad);
        // A level row keeps its level box.
        let level = crop_digit_line(&digit_row(0.0), &quad, &params).unwrap();
        assert_eq!(level.quad[0][1], level.quad[1][1]);
        assert!(
            (level.quad[3][1] - level.quad[0][1] - 30.0).abs() < 2.0,
            "{:?}",
            level.quad
        );
        // Turned off, the slanted row is boxed level around all of it.
        let off = DigitCropParams {
            max_slant: f32::INFINITY,
            ..params
        };
        let boxed = crop_digit_line(&digit_row(20.0 / 196.0), &quad, &off).unwrap();
        assert_eq!(boxed.quad[0][1], boxed.quad[1][1]);
        assert!(
            boxed.quad[3][1] - boxed.quad[0][1] > 45.0,
            "{:?}",
            boxed.quad
        );
    }

    #[test]
    fn crops_keep_the_asked_margins() {
        // Ink 20 px tall, 110 wide; a loose box around it.
        let img = dark_box(400, 200, (100, 90, 210, 110));
        let quad = [[80.0, 80.0], [240.0, 80.0], [240.0, 120.0], [80.0, 120.0]];
        let params = DigitCropParams {
            horizontal_margin: 1.0,
            vertical_margin: 0.5,
            ..Default::default()
        };
        let crop = crop_digit_line(&img, &quad, &params).unwrap();
        // Expected crop in source pixels: x 80..230, y 80..120: aspect 150 / 40.
        let aspect = crop.image.width() as f32 / crop.image.height() as f32;
        assert!((aspect - 3.75).abs() < 0.25, "{aspect}");
        assert!((crop.quad[0][0] - 80.0).abs() < 3.0, "{:?}", crop.quad);
        assert!((crop.quad[2][1] - 120.0).abs() < 3.0, "{:?}", crop.quad);
    }

    #[test]
    fn prepared_inputs_have_the_model_size_and_white_padding() {
        let crop = to_gray(&dark_box(64, 32, (10, 8, 50, 24)));
        let input = prepare_input(&crop);
        assert_eq!(input.dimensions(), (INPUT_WIDTH, INPUT_HEIGHT));
        assert_eq!(input.get_pixel(INPUT_WIDTH - 1, 0).0[0], 255);
        assert_eq!(input.get_pixel(30, 16).0[0], 0);
    }

    #[test]
    fn ctc_decoding_merges_repeats_and_keeps_alternatives() {
        // Columns: 3 3 blank 3 / 1 ; class index = digit + 1.
        let mut p = Array2::<f32>::from_elem((6, 12), 0.0);
        let cols = [
            (4, 0.9),
            (4, 0.95),
            (0, 0.8),
            (4, 0.7),
            (11, 0.6),
            (2, 0.85),
        ];
        for (t, (c, v)) in cols.iter().enumerate() {
            p[[t, *c]] = *v;
            p[[t, 9]] += 0.05; // an '8' runner-up everywhere
        }
        let read = decode(p.view());
        assert_eq!(read.text, "33/1");
        assert_eq!(read.char_confidences, vec![0.95, 0.7, 0.6, 0.85]);
        assert_eq!(read.alternatives[0].0, '8');
        assert!((read.confidence - 0.6).abs() < 1e-6);
    }

    struct Fixed;
    impl DigitModel for Fixed {
        fn probabilities(
            &mut self,
            batch: ndarray::ArrayView4<'_, f32>,
        ) -> Result<ndarray::Array3<f32>, RuntimeError> {
            let mut out = ndarray::Array3::zeros((batch.shape()[0], 4, 12));
            for mut line in out.outer_iter_mut() {
                line[[0, 8]] = 1.0;
                line[[1, 0]] = 1.0;
                line[[2, 1]] = 1.0;
                line[[3, 0]] = 1.0;
            }
            Ok(out)
        }
    }

    #[test]
    fn recognizer_runs_any_model() {
        let mut rec = DigitRecognizer::with_model(Fixed);
        let read = rec.recognize(&GrayImage::new(80, 20)).unwrap();
        assert_eq!(read.text, "70");
        assert_eq!(read.confidence, 1.0);
    }
}
