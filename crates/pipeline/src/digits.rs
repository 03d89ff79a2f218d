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
}

impl Default for DigitCropParams {
    fn default() -> Self {
        DigitCropParams {
            horizontal_margin: 0.5,
            vertical_margin: 0.25,
            search_padding: 0.35,
            work_height: 64,
            tighten: true,
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
        while i >= 0 && i < h as i64 {
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
    let y0 = grow(peak as i64, -1);
    let y1 = grow(peak as i64, 1) + 1;
    let cols: Vec<u32> = (0..w)
        .map(|x| (y0..y1).filter(|&y| ink(x, y)).count() as u32)
        .collect();
    // A column needs two ink pixels: single specks of noise do not widen the box.
    let x0 = cols.iter().position(|&n| n >= 2)? as u32;
    let x1 = cols.iter().rposition(|&n| n >= 2)? as u32 + 1;
    (x1 > x0 && y1 > y0).then_some((x0, y0, x1, y1))
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
    let ink_h = (y1 - y0).max(1) as f32;
    let mx = params.horizontal_margin * ink_h;
    let my = params.vertical_margin * ink_h;
    let (cx0, cy0) = (x0 as f32 - mx, y0 as f32 - my);
    let (cx1, cy1) = (x1 as f32 + mx, y1 as f32 + my);
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
        to_src(cx0, cy0),
        to_src(cx1, cy0),
        to_src(cx1, cy1),
        to_src(cx0, cy1),
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
}

/// Greedy CTC decoding of one line's `[T, C]` probabilities.
pub fn decode(probs: ndarray::ArrayView2<'_, f32>) -> DigitRead {
    let mut out = DigitRead::default();
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
