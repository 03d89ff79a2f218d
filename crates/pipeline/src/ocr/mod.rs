//! Text reading: PP-OCR line detection and recognition (ONNX), and Tesseract for scripts
//! and fields the PP-OCR Latin model does not cover (Arabic).
//!
//! [`read_text`] runs detection then recognition on a whole image; readers that know
//! where their fields are call the stages directly.

pub mod tesseract;
pub mod text_detect;
pub mod text_recognize;

use image::RgbImage;

use crate::error::PipelineError;
use crate::geometry::{quad_point_along, Point, Quad};
use crate::models::ModelFile;
use crate::runtime::RuntimeError;
use crate::worker::Worker;
use text_detect::{TextDetectParams, TextDetectorModel};
use text_recognize::{TextRecognizeParams, TextRecognizerModel};

/// Why text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("model {0} is not loaded in this worker")]
    ModelNotLoaded(ModelFile),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Tesseract(#[from] tesseract::TesseractError),
}

impl From<OcrError> for PipelineError {
    fn from(e: OcrError) -> Self {
        // Every OCR failure is the server's (a model missing or failing), never the
        // client's: unreadable text is an empty result, not an error.
        PipelineError::inference(e)
    }
}

/// Parameters of [`read_text`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReadTextParams {
    pub detect: TextDetectParams,
    pub recognize: TextRecognizeParams,
    /// Lines recognised below this confidence are dropped. Default 0.5 (RapidOCR's
    /// `text_score`): below it the Latin model is mostly reading noise or other scripts.
    pub min_confidence: f32,
}

impl Default for ReadTextParams {
    fn default() -> Self {
        ReadTextParams {
            detect: TextDetectParams::default(),
            recognize: TextRecognizeParams::default(),
            min_confidence: 0.5,
        }
    }
}

/// One character and where its centre lies on the input image.
#[derive(Debug, Clone, PartialEq)]
pub struct TextChar {
    pub text: String,
    pub center: Point,
    pub confidence: f32,
}

/// One line of text found on an image.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    /// Corners clockwise from top-left, in input pixels.
    pub quad: Quad,
    pub text: String,
    /// Recognition confidence (mean best-class probability), 0-1.
    pub confidence: f32,
    /// Detection score (mean text probability in the box), 0-1.
    pub detection_score: f32,
    pub chars: Vec<TextChar>,
}

/// Detects and recognises text lines with any detector and recogniser (tests use fakes).
/// Lines come in reading order; empty and low-confidence lines are dropped.
pub fn read_text_with<D, R>(
    detector: &mut D,
    recognizer: &mut R,
    image: &RgbImage,
    params: &ReadTextParams,
) -> Result<Vec<TextLine>, RuntimeError>
where
    D: TextDetectorModel + ?Sized,
    R: TextRecognizerModel + ?Sized,
{
    let detected = text_detect::detect(detector, image, &params.detect)?;
    let quads: Vec<Quad> = detected.iter().map(|d| d.quad).collect();
    let recognized = text_recognize::recognize_lines(recognizer, image, &quads, &params.recognize)?;
    Ok(detected
        .into_iter()
        .zip(recognized)
        .filter(|(_, r)| !r.text.trim().is_empty() && r.confidence >= params.min_confidence)
        .map(|(d, r)| TextLine {
            chars: r
                .chars
                .into_iter()
                .map(|c| TextChar {
                    center: quad_point_along(&d.quad, c.position),
                    text: c.text,
                    confidence: c.confidence,
                })
                .collect(),
            quad: d.quad,
            text: r.text,
            confidence: r.confidence,
            detection_score: d.score,
        })
        .collect())
}

/// [`read_text_with`] using the worker's PP-OCR models and default parameters.
pub fn read_text(worker: &mut Worker, image: &RgbImage) -> Result<Vec<TextLine>, OcrError> {
    read_text_params(worker, image, &ReadTextParams::default())
}

/// [`read_text`] with explicit parameters.
pub fn read_text_params(
    worker: &mut Worker,
    image: &RgbImage,
    params: &ReadTextParams,
) -> Result<Vec<TextLine>, OcrError> {
    let models = &mut worker.models;
    let detector = models
        .text_detector
        .as_mut()
        .ok_or(OcrError::ModelNotLoaded(ModelFile::TextDetect))?;
    let recognizer = models
        .text_recognizer
        .as_mut()
        .ok_or(OcrError::ModelNotLoaded(ModelFile::TextRecognizeLatin))?;
    Ok(read_text_with(detector, recognizer, image, params)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, Array3, ArrayView4};
    use text_recognize::Charset;

    /// Text everywhere in the middle band of the image.
    struct BandDetector;
    impl TextDetectorModel for BandDetector {
        fn probability_map(
            &mut self,
            input: ArrayView4<'_, f32>,
        ) -> Result<Array2<f32>, RuntimeError> {
            let (h, w) = (input.shape()[2], input.shape()[3]);
            let mut map = Array2::zeros((h, w));
            map.slice_mut(ndarray::s![h * 2 / 5..h * 3 / 5, w / 10..w * 9 / 10])
                .fill(0.95);
            Ok(map)
        }
    }

    /// Reads "AB" at the given confidence whatever it is shown.
    struct ConstRecognizer(Charset, f32);
    impl TextRecognizerModel for ConstRecognizer {
        fn charset(&self) -> &Charset {
            &self.0
        }
        fn class_probabilities(
            &mut self,
            batch: ArrayView4<'_, f32>,
        ) -> Result<Array3<f32>, RuntimeError> {
            let n = batch.shape()[0];
            let mut out = Array3::zeros((n, 4, self.0.len()));
            for i in 0..n {
                out[[i, 0, 1]] = self.1;
                out[[i, 1, 0]] = 1.0;
                out[[i, 2, 2]] = self.1;
                out[[i, 3, 0]] = 1.0;
            }
            Ok(out)
        }
    }

    #[test]
    fn lines_carry_text_box_and_character_positions() {
        let image = RgbImage::new(800, 200);
        let mut rec = ConstRecognizer(Charset::from_dictionary("A\nB"), 0.9);
        let lines = read_text_with(
            &mut BandDetector,
            &mut rec,
            &image,
            &ReadTextParams::default(),
        )
        .unwrap();
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(line.text, "AB");
        assert!((line.confidence - 0.9).abs() < 1e-6);
        // "A" lies left of "B", both inside the box.
        assert!(line.chars[0].center[0] < line.chars[1].center[0]);
        assert!(line.chars[1].center[0] <= line.quad[1][0]);
    }

    #[test]
    fn low_confidence_lines_are_dropped() {
        let image = RgbImage::new(800, 200);
        let mut rec = ConstRecognizer(Charset::from_dictionary("A\nB"), 0.3);
        let lines = read_text_with(
            &mut BandDetector,
            &mut rec,
            &image,
            &ReadTextParams::default(),
        )
        .unwrap();
        assert!(lines.is_empty());
    }

    #[test]
    fn a_bare_worker_reports_the_missing_model() {
        let mut worker = Worker::bare(0);
        let err = read_text(&mut worker, &RgbImage::new(10, 10)).unwrap_err();
        assert!(
            matches!(err, OcrError::ModelNotLoaded(ModelFile::TextDetect)),
            "{err}"
        );
    }
}
