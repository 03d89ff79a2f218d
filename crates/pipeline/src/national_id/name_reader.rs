//! A second reader for the card's Arabic name lines, beside Tesseract.
//!
//! Tesseract `ara` drops letters that a Naskh face stacks in a ligature (`محمد` read
//! `مد`, `مجدي` read `مدي`) and loses short names on blurred cards. This reader is the
//! project's own (`training/names/train.sh`): a small conv-only CRNN trained with CTC on
//! name lines of synthetic ID fronts, photographed the way a phone photo of a card
//! degrades after it is warped flat. It reads a row left to right (visual order); the
//! text is returned in logical order. The caller decides between its read and
//! Tesseract's ([`super::front`]).
//!
//! The same network and recipe, trained on other lines, make other [`LineModel`]s: the
//! vehicle licence's plate number reader ([`crate::licence::plate_number`]).

use std::path::{Path, PathBuf};

use image::RgbImage;
use ndarray::ArrayView2;

use crate::extraction::Quad;
use crate::runtime::{OnnxModel, RuntimeConfig, RuntimeError};

/// The model file, in the models directory or the repository's `models/trained/`.
pub const MODEL_FILE: &str = "name_reader.onnx";

/// The model's classes after the CTC blank, in order (training/names/train.py's CHARSET;
/// index 1 is the space).
pub const CHARSET: &str = " ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي";

/// A trained line model of this kind (`training/names/train.py --kind`): its file and
/// its classes after the CTC blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineModel {
    pub file: &'static str,
    pub charset: &'static str,
    /// Lines stretched to the whole input width instead of padded ([`prepare`]).
    pub stretch: bool,
}

/// The ID card's name-line reader.
pub const NAMES: LineModel = LineModel {
    file: MODEL_FILE,
    charset: CHARSET,
    stretch: false,
};

/// Input height; a line keeps its aspect at this height, up to [`INPUT_WIDTH`].
pub const INPUT_HEIGHT: u32 = 32;
/// Input width; narrower lines are padded on the right with paper (1.0).
pub const INPUT_WIDTH: u32 = 256;

/// One line read: the text in logical order and the weakest character's probability.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NameRead {
    pub text: String,
    /// The lowest per-character probability (1 for an empty read).
    pub confidence: f32,
}

/// A loaded line reader ([`NAMES`], or another [`LineModel`] trained the same way).
pub struct LineReader {
    model: OnnxModel,
    spec: LineModel,
}

/// The name-line reader.
pub type NameReader = LineReader;

impl std::fmt::Debug for LineReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LineReader({})", self.spec.file)
    }
}

/// Where [`LineReader::load`] looks for `spec`'s file.
pub fn model_candidates(spec: LineModel, models_dir: Option<&Path>) -> Vec<PathBuf> {
    crate::models::trained_model_candidates(models_dir, spec.file)
}

impl LineReader {
    /// Loads `spec`'s model; `Ok(None)` when no copy exists (the readers then do without
    /// it, as before the model was trained).
    pub fn load(
        spec: LineModel,
        models_dir: Option<&Path>,
        runtime: &RuntimeConfig,
    ) -> Result<Option<LineReader>, RuntimeError> {
        match model_candidates(spec, models_dir)
            .iter()
            .find(|p| p.is_file())
        {
            Some(path) => Ok(Some(LineReader {
                model: OnnxModel::load(path, runtime)?,
                spec,
            })),
            None => Ok(None),
        }
    }

    /// Reads the line inside `quad` of `image` (a rectified card) as right-to-left text
    /// (the visual order reversed); `None` for a quad that cannot be cropped.
    pub fn read(
        &mut self,
        image: &RgbImage,
        quad: &Quad,
    ) -> Result<Option<NameRead>, RuntimeError> {
        let charset = self.spec.charset;
        Ok(self
            .probabilities(image, quad)?
            .map(|p| decode_with(p.view(), charset)))
    }

    /// The reader's per-step class probabilities for the line under `quad` (steps in
    /// visual order, left to right; class 0 the CTC blank, class `i` the `i-1`th
    /// character of the charset), to score known words with [`crate::ctc::log_likelihood`].
    pub fn probabilities(
        &mut self,
        image: &RgbImage,
        quad: &Quad,
    ) -> Result<Option<ndarray::Array2<f32>>, RuntimeError> {
        let Some(input) = prepare(image, quad, self.spec.stretch) else {
            return Ok(None);
        };
        let out = self.model.run_line_batch(
            self.spec.file,
            &[input],
            INPUT_HEIGHT as usize,
            INPUT_WIDTH as usize,
        )?;
        Ok(out.outer_iter().next().map(|p| p.to_owned()))
    }
}

/// The classes of `text` in the reader's visual order (right to left reversed), or
/// `None` where a character is not in [`CHARSET`].
pub fn label_sequence(text: &str) -> Option<Vec<usize>> {
    let charset: Vec<char> = CHARSET.chars().collect();
    text.chars()
        .rev()
        .map(|c| charset.iter().position(|&x| x == c).map(|i| i + 1))
        .collect()
}

/// The model input for `quad`: warped upright at height [`INPUT_HEIGHT`] keeping its
/// aspect (at most [`INPUT_WIDTH`] wide), grey, stretched between its 2nd and 98th
/// percentiles, padded on the right with 1.0; row-major 32 x 256. With `stretch`, warped
/// to the whole width whatever its aspect.
pub fn prepare(image: &RgbImage, quad: &Quad, stretch: bool) -> Option<Vec<f32>> {
    let (qw, qh) = crate::geometry::quad_size(quad);
    if qw < 2.0 || qh < 2.0 {
        return None;
    }
    let w = match stretch {
        true => INPUT_WIDTH,
        false => ((qw * INPUT_HEIGHT as f32 / qh).round() as u32).clamp(1, INPUT_WIDTH),
    };
    let line = crate::preprocess::stretched_grey_line(image, quad, w, INPUT_HEIGHT)?;
    let (w, full) = (w as usize, INPUT_WIDTH as usize);
    let mut out = vec![1.0f32; full * INPUT_HEIGHT as usize];
    for (y, row) in line.chunks(w).enumerate() {
        out[y * full..y * full + w].copy_from_slice(row);
    }
    Some(out)
}

/// Greedy CTC decoding of the name reader's `[T, classes]` probabilities; the visual
/// order reversed.
pub fn decode(probs: ArrayView2<'_, f32>) -> NameRead {
    decode_with(probs, CHARSET)
}

/// [`decode`] over `charset`'s classes.
pub fn decode_with(probs: ArrayView2<'_, f32>, charset: &str) -> NameRead {
    let charset: Vec<char> = charset.chars().collect();
    let read: Vec<(char, f32)> = crate::ocr::text_recognize::ctc_runs(probs)
        .into_iter()
        .filter_map(|run| Some((*charset.get(run.class - 1)?, run.confidence)))
        .collect();
    let text: String = read.iter().rev().map(|&(c, _)| c).collect();
    NameRead {
        text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        confidence: read.iter().map(|&(_, p)| p).fold(1.0, f32::min),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn ctc_likelihood_sums_alignments_and_prefers_the_word_read() {
        let class = |c: char| label_sequence(&c.to_string()).unwrap()[0];
        // Two steps, over blank, `د`, `ع`: each step sure of one class.
        let mut probs = Array2::<f32>::from_elem((2, CHARSET.chars().count() + 1), 0.0);
        probs[[0, class('د')]] = 0.9;
        probs[[0, 0]] = 0.1;
        probs[[1, class('ع')]] = 0.8;
        probs[[1, 0]] = 0.2;
        // `عد` in visual order is `د` then `ع`: one alignment, 0.9 x 0.8.
        let labels = label_sequence("عد").unwrap();
        assert!((crate::ctc::log_likelihood(probs.view(), &labels) - (0.72f32).ln()).abs() < 1e-4);
        // `د` alone: `د` at step 0 and a blank at step 1 (step 1 gives `د` nothing).
        let one = label_sequence("د").unwrap();
        assert!(
            (crate::ctc::log_likelihood(probs.view(), &one) - (0.9f32 * 0.2).ln()).abs() < 1e-4
        );
        // A word the steps do not show is far less likely.
        let other = label_sequence("سد").unwrap();
        assert!(crate::ctc::log_likelihood(probs.view(), &other) < -20.0);
        assert_eq!(label_sequence("abc"), None);
    }

    #[test]
    fn decoding_reverses_visual_order_and_keeps_the_weakest_character() {
        let charset: Vec<char> = CHARSET.chars().collect();
        let class = |c: char| charset.iter().position(|&x| x == c).unwrap() + 1;
        // Visual order of `سعد` is `د`, `ع`, `س`; repeats and blanks collapse.
        let steps = [
            (class('د'), 0.9),
            (class('د'), 0.95),
            (0, 0.99),
            (class('ع'), 0.6),
            (class('س'), 0.8),
            (0, 0.99),
        ];
        let mut probs = Array2::<f32>::zeros((steps.len(), charset.len() + 1));
        for (t, &(c, p)) in steps.iter().enumerate() {
            probs[[t, c]] = p;
        }
        let read = decode(probs.view());
        assert_eq!(read.text, "سعد");
        assert!((read.confidence - 0.6).abs() < 1e-6);
    }

    #[test]
    fn narrow_lines_are_padded_with_paper() {
        let img = RgbImage::from_fn(100, 50, |x, _| {
            let v = if x < 50 { 30 } else { 220 };
            image::Rgb([v, v, v])
        });
        let q: Quad = [[0.0, 0.0], [100.0, 0.0], [100.0, 50.0], [0.0, 50.0]];
        let p = prepare(&img, &q, false).unwrap();
        assert_eq!(p.len(), (INPUT_WIDTH * INPUT_HEIGHT) as usize);
        // 100 x 50 at height 32 is 64 wide: ink, paper, then padding.
        assert!(p[0] < 0.05 && p[63] > 0.95 && p[200] == 1.0);
        // Stretched, the ink fills the left half of the width.
        let p = prepare(&img, &q, true).unwrap();
        assert!(p[0] < 0.05 && p[120] < 0.05 && p[136] > 0.95 && p[255] > 0.95);
    }
}
