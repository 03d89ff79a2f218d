//! Text line recognition with a PP-OCR CTC model.
//!
//! Each line is cut out of the image with a perspective warp, resized to height 48 keeping
//! its aspect, normalised, and batched with lines of similar width (sorted, so padding is
//! small). The model outputs per-column class probabilities; greedy CTC decoding takes the
//! best class per column, merges repeats and drops the blank. Follows RapidOCR 3.10
//! (`ch_ppocr_rec`).

use std::path::Path;

use image::RgbImage;
use ndarray::{Array3, Array4, ArrayView2, ArrayView4, Axis, Ix3};

use crate::geometry::{distance, perspective_crop, Quad};
use crate::preprocess::{resize_bilinear, write_chw, Normalization};
use crate::runtime::{OnnxModel, RuntimeError};

/// The classes of a CTC recogniser: index 0 is the blank, then the dictionary, then a
/// space (PP-OCR appends one to every dictionary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charset {
    classes: Vec<String>,
}

impl Charset {
    /// From the dictionary's entries, one per line, as in PP-OCR dictionary files and the
    /// `character` metadata of PP-OCR ONNX exports.
    pub fn from_dictionary(text: &str) -> Charset {
        let mut classes = vec![String::new()];
        classes.extend(text.lines().map(|l| l.trim_end_matches('\r').to_string()));
        classes.push(" ".to_string());
        Charset { classes }
    }

    /// The dictionary stored in the model (`character` metadata), the source of truth
    /// because it cannot drift from the weights.
    pub fn from_model(model: &OnnxModel) -> Option<Charset> {
        model
            .metadata("character")
            .filter(|s| !s.is_empty())
            .map(|s| Charset::from_dictionary(&s))
    }

    pub fn from_file(path: &Path) -> std::io::Result<Charset> {
        Ok(Charset::from_dictionary(&std::fs::read_to_string(path)?))
    }

    /// Number of classes, blank and space included: the model's last output dimension.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.classes.len() <= 2
    }

    /// The text of class `index`; the blank is empty.
    pub fn class(&self, index: usize) -> Option<&str> {
        self.classes.get(index).map(String::as_str)
    }
}

/// A model that maps a `[N, 3, 48, W]` batch to `[N, T, C]` class probabilities.
/// Implemented by [`OnnxTextRecognizer`]; tests use fakes.
pub trait TextRecognizerModel {
    fn charset(&self) -> &Charset;
    fn class_probabilities(
        &mut self,
        batch: ArrayView4<'_, f32>,
    ) -> Result<Array3<f32>, RuntimeError>;
}

/// A PP-OCR recognition session and its dictionary.
#[derive(Debug)]
pub struct OnnxTextRecognizer {
    pub model: OnnxModel,
    pub charset: Charset,
}

impl OnnxTextRecognizer {
    /// Takes the dictionary from the model's metadata, else from `dictionary`.
    pub fn new(model: OnnxModel, dictionary: Option<&Path>) -> Result<Self, RuntimeError> {
        let charset = match Charset::from_model(&model) {
            Some(c) => c,
            None => {
                let path = dictionary.ok_or_else(|| RuntimeError::Model {
                    path: model.name().into(),
                    message: "no `character` metadata and no dictionary file".into(),
                })?;
                Charset::from_file(path).map_err(|e| RuntimeError::Model {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?
            }
        };
        if let Some(&classes) = model.outputs().first().and_then(|o| o.shape.last()) {
            if classes > 0 && classes as usize != charset.len() {
                return Err(RuntimeError::Shape {
                    model: model.name().to_string(),
                    what: "dictionary size",
                    detail: format!("model has {classes} classes, dictionary {}", charset.len()),
                });
            }
        }
        Ok(OnnxTextRecognizer { model, charset })
    }
}

impl TextRecognizerModel for OnnxTextRecognizer {
    fn charset(&self) -> &Charset {
        &self.charset
    }

    fn class_probabilities(
        &mut self,
        batch: ArrayView4<'_, f32>,
    ) -> Result<Array3<f32>, RuntimeError> {
        let output = self.model.run_f32(batch.into_dyn())?;
        let shape = output.shape().to_vec();
        output
            .into_dimensionality::<Ix3>()
            .map_err(|_| RuntimeError::Shape {
                model: self.model.name().to_string(),
                what: "output",
                detail: format!("expected [N, T, C], got {shape:?}"),
            })
    }
}

/// Parameters of recognition. Defaults are RapidOCR 3.10's for PP-OCR rec.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRecognizeParams {
    /// Input height. Default 48: the height the PP-OCRv5/v6 rec models were trained at.
    pub height: u32,
    /// Narrowest batch width. Default 320 (`rec_img_shape` [3, 48, 320]): shorter lines
    /// are padded to it, as in training.
    pub min_width: u32,
    /// Lines per model call. Default 1 (RapidOCR's `rec_batch_num` is 6): a batch is
    /// padded to its widest line, and on one CPU thread a batch costs the sum of its
    /// padded lines, so the padding is all loss. A licence's few Latin groups (aspects 3
    /// to 16) cost 190-250 ms a card one by one against 265-465 ms in batches of 6 (dev
    /// seed 15, driving licences: p50 739 -> 642 ms, reads identical).
    pub batch_size: usize,
    /// A crop this much taller than wide is a vertical line and is turned 90 degrees.
    /// Default 1.5 (RapidOCR's `get_rotate_crop_image`).
    pub rotate_ratio: f32,
}

impl Default for TextRecognizeParams {
    fn default() -> Self {
        TextRecognizeParams {
            height: 48,
            min_width: 320,
            batch_size: 1,
            rotate_ratio: 1.5,
        }
    }
}

/// One decoded character.
#[derive(Debug, Clone, PartialEq)]
pub struct RecognizedChar {
    pub text: String,
    /// The character's CTC column centre as a fraction of the line crop's width (0 left,
    /// 1 right), to place it on the image.
    pub position: f32,
    pub confidence: f32,
}

/// The text of one line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecognizedText {
    pub text: String,
    /// Mean of the best-class probability over the kept columns; 0 for no text.
    pub confidence: f32,
    pub chars: Vec<RecognizedChar>,
}

/// Cuts `quad` out of `image` upright at its own size (RapidOCR's
/// `get_rotate_crop_image`), turning tall crops 90 degrees counter-clockwise.
pub fn crop_line(image: &RgbImage, quad: &Quad, params: &TextRecognizeParams) -> Option<RgbImage> {
    let width = distance(quad[0], quad[1]).max(distance(quad[2], quad[3])) as u32;
    let height = distance(quad[0], quad[3]).max(distance(quad[1], quad[2])) as u32;
    let crop = perspective_crop(image, quad, width, height)?;
    if height as f32 / width as f32 >= params.rotate_ratio {
        Some(image::imageops::rotate270(&crop))
    } else {
        Some(crop)
    }
}

/// Width a crop takes at the model's height, before padding: `ceil(48 * w / h)`, at most
/// `limit`.
fn scaled_width(crop: &RgbImage, height: u32, limit: u32) -> u32 {
    let ratio = crop.width() as f32 / crop.height().max(1) as f32;
    ((height as f32 * ratio).ceil() as u32).clamp(1, limit.max(1))
}

/// Builds one batch: every crop resized to `height` and padded with zeros to the widest
/// aspect in the batch (at least `min_width`). Returns the tensor and each crop's width.
pub fn prepare_batch(crops: &[&RgbImage], params: &TextRecognizeParams) -> (Array4<f32>, Vec<u32>) {
    let h = params.height;
    let max_ratio = crops
        .iter()
        .map(|c| c.width() as f32 / c.height().max(1) as f32)
        .fold(params.min_width as f32 / h as f32, f32::max);
    let batch_width = (h as f32 * max_ratio) as u32;
    let mut tensor = Array4::<f32>::zeros((crops.len(), 3, h as usize, batch_width as usize));
    let mut widths = Vec::with_capacity(crops.len());
    for (i, crop) in crops.iter().enumerate() {
        let w = scaled_width(crop, h, batch_width);
        let resized = resize_bilinear(crop, w, h);
        write_chw(
            &resized,
            &Normalization::PP_OCR,
            tensor.index_axis_mut(Axis(0), i),
        );
        widths.push(w);
    }
    (tensor, widths)
}

/// One character of a greedy CTC decoding (index 0 is the blank and never one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CtcRun {
    /// The class index.
    pub class: usize,
    /// The probability of its surest column.
    pub confidence: f32,
    /// Its first and last column.
    pub columns: (usize, usize),
}

/// Greedy CTC decoding of `[T, C]` probabilities into runs: each column's best class, a
/// repeat of the previous column's class extending its run, blanks separating runs.
pub fn ctc_runs(probs: ArrayView2<'_, f32>) -> Vec<CtcRun> {
    let mut runs: Vec<CtcRun> = Vec::new();
    let mut prev = 0usize;
    for (t, row) in probs.outer_iter().enumerate() {
        let (best, p) =
            row.iter().enumerate().fold(
                (0, f32::MIN),
                |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc },
            );
        if best != 0 {
            match runs.last_mut() {
                Some(run) if best == prev => {
                    run.confidence = run.confidence.max(p);
                    run.columns.1 = t;
                }
                _ => runs.push(CtcRun {
                    class: best,
                    confidence: p,
                    columns: (t, t),
                }),
            }
        }
        prev = best;
    }
    runs
}

/// Greedy CTC decoding of one line's `[T, C]` probabilities. `content_fraction` is the
/// part of the input width that held the line (the rest was padding), to place
/// characters.
pub fn ctc_greedy_decode(
    probs: ArrayView2<'_, f32>,
    charset: &Charset,
    content_fraction: f32,
) -> RecognizedText {
    let columns = probs.nrows();
    let mut out = RecognizedText::default();
    let mut previous = usize::MAX;
    let mut sum = 0.0f32;
    for (t, row) in probs.rows().into_iter().enumerate() {
        let (best, p) =
            row.iter().enumerate().fold(
                (0, f32::MIN),
                |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc },
            );
        // A repeat of the previous column is the same character (CTC), unless a blank
        // came between; index 0 is the blank.
        if best != 0 && best != previous {
            if let Some(text) = charset.class(best) {
                out.text.push_str(text);
                out.chars.push(RecognizedChar {
                    text: text.to_string(),
                    position: (((t as f32 + 0.5) / columns as f32) / content_fraction.max(1e-6))
                        .min(1.0),
                    confidence: p,
                });
                sum += p;
            }
        }
        previous = best;
    }
    if !out.chars.is_empty() {
        out.confidence = sum / out.chars.len() as f32;
    }
    out
}

/// Recognises already-cropped lines; results are in the order of `crops`.
pub fn recognize_crops<M: TextRecognizerModel + ?Sized>(
    model: &mut M,
    crops: &[RgbImage],
    params: &TextRecognizeParams,
) -> Result<Vec<RecognizedText>, RuntimeError> {
    let mut order: Vec<usize> = (0..crops.len()).collect();
    let aspect = |c: &RgbImage| c.width() as f32 / c.height().max(1) as f32;
    order.sort_by(|&a, &b| aspect(&crops[a]).total_cmp(&aspect(&crops[b])));
    let mut results = vec![RecognizedText::default(); crops.len()];
    for chunk in order.chunks(params.batch_size.max(1)) {
        let batch: Vec<&RgbImage> = chunk.iter().map(|&i| &crops[i]).collect();
        let (tensor, widths) = prepare_batch(&batch, params);
        let batch_width = tensor.shape()[3] as f32;
        let probs = model.class_probabilities(tensor.view())?;
        if probs.shape()[0] != chunk.len() {
            return Err(RuntimeError::Shape {
                model: "text recognizer".into(),
                what: "batch size",
                detail: format!("sent {}, got {}", chunk.len(), probs.shape()[0]),
            });
        }
        for ((slot, &index), width) in probs.outer_iter().zip(chunk).zip(widths) {
            results[index] = ctc_greedy_decode(slot, model.charset(), width as f32 / batch_width);
        }
    }
    Ok(results)
}

/// Crops `quads` from `image` and recognises them; a quad that cannot be cropped yields
/// empty text.
pub fn recognize_lines<M: TextRecognizerModel + ?Sized>(
    model: &mut M,
    image: &RgbImage,
    quads: &[Quad],
    params: &TextRecognizeParams,
) -> Result<Vec<RecognizedText>, RuntimeError> {
    let crops: Vec<Option<RgbImage>> = quads.iter().map(|q| crop_line(image, q, params)).collect();
    let present: Vec<RgbImage> = crops.iter().flatten().cloned().collect();
    let mut recognized = recognize_crops(model, &present, params)?.into_iter();
    Ok(crops
        .iter()
        .map(|c| match c {
            Some(_) => recognized.next().unwrap_or_default(),
            None => RecognizedText::default(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn charset() -> Charset {
        Charset::from_dictionary("A\nB\nC")
    }

    /// Emits, for each batch item, columns that spell the item's width class: a
    /// deterministic function of the input so batching and ordering can be checked.
    struct FakeRecognizer {
        charset: Charset,
        batches: Vec<Vec<usize>>,
    }

    impl TextRecognizerModel for FakeRecognizer {
        fn charset(&self) -> &Charset {
            &self.charset
        }
        fn class_probabilities(
            &mut self,
            batch: ArrayView4<'_, f32>,
        ) -> Result<Array3<f32>, RuntimeError> {
            self.batches.push(batch.shape().to_vec());
            let (n, w) = (batch.shape()[0], batch.shape()[3]);
            let t = w / 8;
            let mut out = Array3::<f32>::zeros((n, t, self.charset.len()));
            for i in 0..n {
                // Count the non-padding columns of row 24, channel 0: padding is exactly 0.
                let content = (0..w).filter(|&x| batch[[i, 0, 24, x]] != 0.0).count();
                // Class 1 ("A") for narrow lines, 2 ("B") for wide ones, then a blank.
                let class = if content < 200 { 1 } else { 2 };
                out[[i, 0, class]] = 0.8;
                for col in 1..t {
                    out[[i, col, 0]] = 1.0;
                }
            }
            Ok(out)
        }
    }

    #[test]
    fn charset_has_blank_first_and_space_last() {
        let c = charset();
        assert_eq!(c.len(), 5);
        assert_eq!(c.class(0), Some(""));
        assert_eq!(c.class(1), Some("A"));
        assert_eq!(c.class(4), Some(" "));
    }

    #[test]
    fn ctc_merges_repeats_and_drops_blanks() {
        // Columns: A A blank A B B space C
        let seq = [1, 1, 0, 1, 2, 2, 4, 3];
        let mut probs = Array2::<f32>::zeros((seq.len(), 5));
        for (t, &c) in seq.iter().enumerate() {
            probs[[t, c]] = if t == 4 { 0.5 } else { 0.9 };
        }
        let r = ctc_greedy_decode(probs.view(), &charset(), 1.0);
        assert_eq!(r.text, "AAB C");
        assert_eq!(r.chars.len(), 5);
        // Mean over kept columns: four at 0.9 and one at 0.5.
        assert!((r.confidence - (0.9 * 4.0 + 0.5) / 5.0).abs() < 1e-6);
        // The first A sits in column 0 of 8: centre at 1/16.
        assert!((r.chars[0].position - 1.0 / 16.0).abs() < 1e-6);
    }

    #[test]
    fn no_text_has_zero_confidence() {
        let mut probs = Array2::<f32>::zeros((4, 5));
        probs.column_mut(0).fill(1.0);
        let r = ctc_greedy_decode(probs.view(), &charset(), 1.0);
        assert_eq!(r.text, "");
        assert_eq!(r.confidence, 0.0);
    }

    #[test]
    fn batches_are_sorted_by_width_and_results_keep_input_order() {
        let wide = RgbImage::from_pixel(600, 30, image::Rgb([200, 200, 200]));
        let narrow = RgbImage::from_pixel(60, 30, image::Rgb([200, 200, 200]));
        let crops = vec![wide.clone(), narrow.clone(), wide];
        let mut model = FakeRecognizer {
            charset: charset(),
            batches: vec![],
        };
        let params = TextRecognizeParams {
            batch_size: 2,
            ..Default::default()
        };
        let results = recognize_crops(&mut model, &crops, &params).unwrap();
        let texts: Vec<_> = results.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["B", "A", "B"]);
        // Narrow + one wide in the first batch (padded to 48 * 600 / 30 = 960), the other
        // wide alone in the second.
        assert_eq!(
            model.batches,
            vec![vec![2, 3, 48, 960], vec![1, 3, 48, 960]]
        );
    }

    #[test]
    fn short_lines_are_padded_to_the_minimum_width() {
        let crop = RgbImage::from_pixel(40, 20, image::Rgb([255, 255, 255]));
        let (tensor, widths) = prepare_batch(&[&crop], &TextRecognizeParams::default());
        assert_eq!(tensor.shape(), &[1, 3, 48, 320]);
        assert_eq!(widths, vec![96]);
        assert_eq!(tensor[[0, 0, 10, 95]], 1.0);
        assert_eq!(tensor[[0, 0, 10, 96]], 0.0);
    }

    #[test]
    fn tall_crops_are_turned() {
        let image = RgbImage::new(100, 100);
        let crop = crop_line(
            &image,
            &[[10.0, 10.0], [20.0, 10.0], [20.0, 60.0], [10.0, 60.0]],
            &TextRecognizeParams::default(),
        )
        .unwrap();
        assert_eq!(crop.dimensions(), (50, 10));
    }
}
