//! The MRZ line reader trained for this project (`training/mrz/`, `mrz_reader.onnx`): a
//! small conv-only CRNN over `A-Z0-9<` with CTC, trained on synthetic OCR-B lines only.
//! It reads a line cut by its quad at 512 x 32 in a few milliseconds, against about
//! 40 ms for PP-OCR's Latin recogniser over its 18 700 symbols; PP-OCR stays the fallback
//! when its reading does not pass the check digits.

use std::path::{Path, PathBuf};

use image::RgbImage;

use super::recognize::{decode_masked, LineRead, MrzClasses};
use crate::geometry::Quad;
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
    crate::preprocess::stretched_grey_line(image, quad, INPUT_WIDTH, INPUT_HEIGHT)
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
        let out = self.model.run_line_batch(
            MODEL_FILE,
            &inputs,
            INPUT_HEIGHT as usize,
            INPUT_WIDTH as usize,
        )?;
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
