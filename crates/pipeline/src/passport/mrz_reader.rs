//! The MRZ line reader trained for this project (`training/mrz/`, `mrz_reader.onnx`): a
//! small conv-only CRNN over `A-Z0-9<` with CTC, trained on synthetic OCR-B lines only.
//! It reads a line cut by its quad at 512 x 32 in a few milliseconds, against about
//! 40 ms for PP-OCR's Latin recogniser over its 18 700 symbols; PP-OCR stays the fallback
//! when its reading does not pass the check digits.

use std::path::{Path, PathBuf};

use image::RgbImage;
use ndarray::{Array4, Ix3};

use super::recognize::{decode_masked, LineRead, MrzClasses};
use crate::geometry::{perspective_crop, Quad};
use crate::runtime::{OnnxModel, RuntimeConfig, RuntimeError};

/// The model's file name, in the models directory or the repository's `models/trained/`.
pub const MODEL_FILE: &str = "mrz_reader.onnx";

/// Model input height and width (a line, stretched to the width).
pub const INPUT_HEIGHT: u32 = 32;
pub const INPUT_WIDTH: u32 = 512;

/// The trained MRZ line reader.
pub struct MrzReader {
    model: OnnxModel,
    classes: MrzClasses,
}

impl std::fmt::Debug for MrzReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MrzReader").finish_non_exhaustive()
    }
}

/// Where [`MrzReader::load`] looks: the models directory, then the repository's
/// `models/trained/` (where `training/mrz/train.sh` writes, and what is committed).
pub fn model_candidates(models_dir: Option<&Path>) -> Vec<PathBuf> {
    crate::models::trained_model_candidates(models_dir, MODEL_FILE)
}

/// The input of one line: the quad cut at twice the input size, 2 x 2 box-averaged, grey
/// (BT.601), stretched between its 2nd and 98th percentiles to 0-1, as in training.
pub fn prepare(image: &RgbImage, quad: &Quad) -> Option<Vec<f32>> {
    let (w2, h2) = (INPUT_WIDTH * 2, INPUT_HEIGHT * 2);
    let crop = perspective_crop(image, quad, w2, h2)?;
    let grey = |x: u32, y: u32| -> f32 {
        let p = crop.get_pixel(x, y).0;
        (299.0 * f32::from(p[0]) + 587.0 * f32::from(p[1]) + 114.0 * f32::from(p[2])) / 1000.0
    };
    let (w, h) = (INPUT_WIDTH as usize, INPUT_HEIGHT as usize);
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = (2 * x as u32, 2 * y as u32);
            out[y * w + x] =
                (grey(sx, sy) + grey(sx + 1, sy) + grey(sx, sy + 1) + grey(sx + 1, sy + 1)) / 4.0;
        }
    }
    let mut sorted = out.clone();
    sorted.sort_by(f32::total_cmp);
    let at = |q: f32| sorted[((sorted.len() - 1) as f32 * q).round() as usize];
    let (lo, mut hi) = (at(0.02), at(0.98));
    if hi - lo < 8.0 {
        hi = lo + 8.0;
    }
    for v in &mut out {
        *v = ((*v - lo) / (hi - lo)).clamp(0.0, 1.0);
    }
    Some(out)
}

impl MrzReader {
    /// Loads `mrz_reader.onnx` from the models directory, then the repository's
    /// `models/trained/`.
    pub fn load(models_dir: Option<&Path>, runtime: &RuntimeConfig) -> Result<Self, RuntimeError> {
        let candidates = model_candidates(models_dir);
        let path = candidates
            .iter()
            .find(|p| p.is_file())
            .cloned()
            .unwrap_or_else(|| candidates[0].clone());
        Ok(MrzReader {
            model: OnnxModel::load(&path, runtime)?,
            classes: MrzClasses::identity(),
        })
    }

    /// Reads each quad (tl, tr, br, bl along the reading direction) of `image` in one
    /// batch; a degenerate quad reads as an empty line.
    pub fn read_lines(
        &mut self,
        image: &RgbImage,
        quads: &[Quad],
    ) -> Result<Vec<LineRead>, RuntimeError> {
        let prepared: Vec<Option<Vec<f32>>> = quads.iter().map(|q| prepare(image, q)).collect();
        let inputs: Vec<&Vec<f32>> = prepared.iter().flatten().collect();
        if inputs.is_empty() {
            return Ok(vec![LineRead::default(); quads.len()]);
        }
        let (h, w) = (INPUT_HEIGHT as usize, INPUT_WIDTH as usize);
        let mut batch = Array4::<f32>::zeros((inputs.len(), 1, h, w));
        for (i, input) in inputs.iter().enumerate() {
            let mut plane = batch.slice_mut(ndarray::s![i, 0, .., ..]);
            for (dst, src) in plane.iter_mut().zip(input.iter()) {
                *dst = *src;
            }
        }
        let out = self.model.run_f32(batch.into_dyn().view())?;
        let out = out
            .into_dimensionality::<Ix3>()
            .map_err(|e| RuntimeError::Shape {
                model: MODEL_FILE.into(),
                what: "output",
                detail: e.to_string(),
            })?;
        let mut reads = out
            .outer_iter()
            .map(|p| decode_masked(p, &self.classes, 1.0))
            .collect::<Vec<_>>()
            .into_iter();
        Ok(prepared
            .iter()
            .map(|p| {
                if p.is_some() {
                    reads.next().unwrap_or_default()
                } else {
                    LineRead::default()
                }
            })
            .collect())
    }
}
