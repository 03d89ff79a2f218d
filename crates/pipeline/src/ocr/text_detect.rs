//! Text line detection with a PP-OCR DB (Differentiable Binarization) model.
//!
//! The model maps an image to a per-pixel text probability. Post-processing follows
//! RapidOCR 3.10 (`ch_ppocr_det`): binarise at `thresh`, dilate 2x2, take contours, fit a
//! least-area rectangle to each, score it by the mean probability inside, grow it by
//! `area * unclip_ratio / perimeter` (the model is trained on shrunk text kernels), and
//! map it back to input pixels.

use image::{GrayImage, Luma, RgbImage};
use ndarray::{Array2, ArrayView2, ArrayView4, Ix4};

use crate::geometry::{
    convex_quad_contains, distance, min_area_rect, order_like_ppocr, polygon_area,
    polygon_perimeter, quad_bounds, Point, Quad,
};
use crate::preprocess::{resize_bilinear, to_nchw, Normalization};
use crate::runtime::{OnnxModel, RuntimeError};

/// A model that maps a `[1, 3, H, W]` normalised image to a `[H, W]` text probability map.
/// Implemented by [`OnnxModel`]; tests use fakes.
pub trait TextDetectorModel {
    fn probability_map(&mut self, input: ArrayView4<'_, f32>) -> Result<Array2<f32>, RuntimeError>;
}

impl TextDetectorModel for OnnxModel {
    fn probability_map(&mut self, input: ArrayView4<'_, f32>) -> Result<Array2<f32>, RuntimeError> {
        let output = self.run_f32(input.into_dyn())?;
        let shape = output.shape().to_vec();
        let output = output
            .into_dimensionality::<Ix4>()
            .map_err(|_| RuntimeError::Shape {
                model: self.name().to_string(),
                what: "output",
                detail: format!("expected [1, 1, H, W], got {shape:?}"),
            })?;
        Ok(output
            .index_axis_move(ndarray::Axis(0), 0)
            .index_axis_move(ndarray::Axis(0), 0))
    }
}

/// Which side `limit_side_len` constrains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitType {
    /// Scale up so the short side is at least the limit.
    Min,
    /// Scale down so the long side is at most the limit.
    Max,
}

/// Parameters of detection. Defaults are RapidOCR 3.10's `config.yaml` for PP-OCR det.
#[derive(Debug, Clone, PartialEq)]
pub struct TextDetectParams {
    /// Default 736 with [`LimitType::Min`]: RapidOCR's setting for this model; small text
    /// on a card photographed at 640 px is lost at lower resolutions.
    pub limit_side_len: u32,
    pub limit_type: LimitType,
    /// Long side cap applied after `limit_side_len`. Default 2000: RapidOCR's
    /// `max_side_len`; it bounds the cost of phone photos (12 MP would take seconds).
    pub max_side_len: u32,
    /// Probability above which a pixel is text. Default 0.3 (RapidOCR, PaddleOCR).
    pub thresh: f32,
    /// Minimum mean probability inside a box. Default 0.5 (RapidOCR).
    pub box_thresh: f32,
    /// Contours considered at most. Default 1000 (RapidOCR): a bound on post-processing
    /// time for noise-filled maps.
    pub max_candidates: usize,
    /// How far a box grows: `area * ratio / perimeter`. Default 1.6 (RapidOCR); the
    /// model predicts text kernels shrunk by about this much.
    pub unclip_ratio: f32,
    /// Dilate the binary map 2x2 before contours. Default true (RapidOCR): joins
    /// characters a one-pixel gap apart into one line.
    pub use_dilation: bool,
    /// Boxes with a shorter side below this (in map pixels) are dropped. Default 3
    /// (RapidOCR's `min_size`; the grown box must reach `min_size + 2`).
    pub min_size: f32,
    /// Boxes whose top-left corners differ by less than this in y are one row when
    /// sorting into reading order. Default 10 px (RapidOCR's `sorted_boxes`).
    pub same_row_tolerance: f32,
}

impl Default for TextDetectParams {
    fn default() -> Self {
        TextDetectParams {
            limit_side_len: 736,
            limit_type: LimitType::Min,
            max_side_len: 2000,
            thresh: 0.3,
            box_thresh: 0.5,
            max_candidates: 1000,
            unclip_ratio: 1.6,
            use_dilation: true,
            min_size: 3.0,
            same_row_tolerance: 10.0,
        }
    }
}

/// One detected text line in input image pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectedLine {
    /// Corners clockwise from top-left.
    pub quad: Quad,
    /// Mean text probability inside the (unexpanded) box.
    pub score: f32,
}

/// The model input for one image and how to map results back.
#[derive(Debug, Clone)]
pub struct DetectorInput {
    /// `[1, 3, H, W]`, H and W multiples of 32.
    pub tensor: ndarray::Array4<f32>,
    pub source_width: u32,
    pub source_height: u32,
}

/// The model input size for a `width` x `height` image: scaled as `params` say, then
/// rounded to multiples of 32 (the network downsamples 32x). `None` if it rounds to 0.
pub fn input_size(width: u32, height: u32, params: &TextDetectParams) -> Option<(u32, u32)> {
    let (w, h) = (width as f32, height as f32);
    let limit = params.limit_side_len as f32;
    let mut ratio = match params.limit_type {
        LimitType::Min if w.min(h) < limit => limit / w.min(h),
        LimitType::Max if w.max(h) > limit => limit / w.max(h),
        _ => 1.0,
    };
    let long = w.max(h) * ratio;
    if long > params.max_side_len as f32 {
        ratio *= params.max_side_len as f32 / long;
    }
    // int() then Python's round(): ties to even.
    let round32 = |v: f32| ((v * ratio).trunc() / 32.0).round_ties_even() as u32 * 32;
    let (rw, rh) = (round32(w), round32(h));
    (rw > 0 && rh > 0).then_some((rw, rh))
}

/// Resizes and normalises `image` for the model.
pub fn prepare(image: &RgbImage, params: &TextDetectParams) -> Option<DetectorInput> {
    let (w, h) = input_size(image.width(), image.height(), params)?;
    let resized = resize_bilinear(image, w, h);
    Some(DetectorInput {
        tensor: to_nchw(&resized, &Normalization::PP_OCR),
        source_width: image.width(),
        source_height: image.height(),
    })
}

/// The binary text mask: `prob > thresh`, dilated 2x2 when asked (OpenCV's anchor for an
/// even kernel puts the extra pixel up and left).
pub fn binarize(prob: ArrayView2<'_, f32>, params: &TextDetectParams) -> GrayImage {
    let (h, w) = prob.dim();
    let on = |x: usize, y: usize| prob[[y, x]] > params.thresh;
    GrayImage::from_fn(w as u32, h as u32, |x, y| {
        let (x, y) = (x as usize, y as usize);
        let hit = if params.use_dilation {
            on(x, y)
                || (x > 0 && on(x - 1, y))
                || (y > 0 && on(x, y - 1))
                || (x > 0 && y > 0 && on(x - 1, y - 1))
        } else {
            on(x, y)
        };
        Luma([if hit { 255 } else { 0 }])
    })
}

/// Mean probability inside `quad` (RapidOCR's `box_score_fast`: the box's integer corners,
/// pixels on the boundary included).
pub fn box_score(prob: ArrayView2<'_, f32>, quad: &Quad) -> f32 {
    let (h, w) = prob.dim();
    let (x0, y0, x1, y1) = quad_bounds(quad);
    let clamp = |v: f32, hi: usize| (v as i64).clamp(0, hi as i64 - 1) as usize;
    let (xmin, xmax) = (clamp(x0.floor(), w), clamp(x1.ceil(), w));
    let (ymin, ymax) = (clamp(y0.floor(), h), clamp(y1.ceil(), h));
    let corners = quad.map(|p| [p[0].trunc(), p[1].trunc()]);
    let (mut sum, mut n) = (0.0f64, 0usize);
    for y in ymin..=ymax {
        for x in xmin..=xmax {
            if convex_quad_contains(&corners, [x as f32, y as f32]) {
                sum += prob[[y, x]] as f64;
                n += 1;
            }
        }
    }
    if n == 0 {
        0.0
    } else {
        (sum / n as f64) as f32
    }
}

/// Boxes from a probability map of `map_w` x `map_h`, in the coordinates of a
/// `dest_w` x `dest_h` image.
pub fn boxes_from_map(
    prob: ArrayView2<'_, f32>,
    dest_w: u32,
    dest_h: u32,
    params: &TextDetectParams,
) -> Vec<DetectedLine> {
    let (map_h, map_w) = prob.dim();
    let mask = binarize(prob, params);
    let contours = imageproc::contours::find_contours::<i32>(&mask);
    let mut lines = Vec::new();
    // Only outer borders: a hole inside a text blob would otherwise yield a second,
    // smaller box over the same text.
    for contour in contours
        .iter()
        .filter(|c| c.border_type == imageproc::contours::BorderType::Outer)
        .take(params.max_candidates)
    {
        let points: Vec<Point> = contour
            .points
            .iter()
            .map(|p| [p.x as f32, p.y as f32])
            .collect();
        let Some(rect) = min_area_rect(&points) else {
            continue;
        };
        if rect.short_side() < params.min_size {
            continue;
        }
        let quad = order_like_ppocr(rect.corners());
        let score = box_score(prob, &quad);
        if score < params.box_thresh {
            continue;
        }
        let perimeter = polygon_perimeter(&quad);
        if perimeter <= 0.0 {
            continue;
        }
        let grown = rect.expanded(polygon_area(&quad) * params.unclip_ratio / perimeter);
        if grown.short_side() < params.min_size + 2.0 {
            continue;
        }
        let (sx, sy) = (dest_w as f32 / map_w as f32, dest_h as f32 / map_h as f32);
        let mapped = order_like_ppocr(grown.corners()).map(|[x, y]| {
            [
                (x * sx).round().clamp(0.0, dest_w as f32),
                (y * sy).round().clamp(0.0, dest_h as f32),
            ]
        });
        // RapidOCR's `filter_det_res`: clip into the image and drop slivers.
        let quad = mapped.map(|[x, y]| {
            [
                x.min(dest_w.saturating_sub(1) as f32).trunc(),
                y.min(dest_h.saturating_sub(1) as f32).trunc(),
            ]
        });
        if distance(quad[0], quad[1]).trunc() <= 3.0 || distance(quad[0], quad[3]).trunc() <= 3.0 {
            continue;
        }
        lines.push(DetectedLine { quad, score });
    }
    lines
}

/// Sorts into reading order: by top-left y, rows split where consecutive y differ by at
/// least `tolerance`, left to right within a row (RapidOCR's `sorted_boxes`).
pub fn sort_reading_order(lines: &mut [DetectedLine], tolerance: f32) {
    lines.sort_by(|a, b| a.quad[0][1].total_cmp(&b.quad[0][1]));
    let mut row = 0usize;
    let mut keyed: Vec<(usize, f32, DetectedLine)> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if i > 0 && line.quad[0][1] - lines[i - 1].quad[0][1] >= tolerance {
            row += 1;
        }
        keyed.push((row, line.quad[0][0], line.clone()));
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    for (slot, (_, _, line)) in lines.iter_mut().zip(keyed) {
        *slot = line;
    }
}

/// Detects text lines in `image`, in reading order.
pub fn detect<M: TextDetectorModel + ?Sized>(
    model: &mut M,
    image: &RgbImage,
    params: &TextDetectParams,
) -> Result<Vec<DetectedLine>, RuntimeError> {
    let Some(input) = prepare(image, params) else {
        return Ok(Vec::new());
    };
    let prob = model.probability_map(input.tensor.view())?;
    let mut lines = boxes_from_map(prob.view(), input.source_width, input.source_height, params);
    sort_reading_order(&mut lines, params.same_row_tolerance);
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A detector that "sees" text in fixed rectangles of the model input, given as
    /// fractions of its size, so tests control the map without a network.
    struct FakeDetector {
        boxes: Vec<[f32; 4]>,
        seen: Vec<Vec<usize>>,
    }

    impl TextDetectorModel for FakeDetector {
        fn probability_map(
            &mut self,
            input: ArrayView4<'_, f32>,
        ) -> Result<Array2<f32>, RuntimeError> {
            self.seen.push(input.shape().to_vec());
            let (h, w) = (input.shape()[2], input.shape()[3]);
            let mut map = Array2::<f32>::zeros((h, w));
            for [x0, y0, x1, y1] in &self.boxes {
                for y in (y0 * h as f32) as usize..(y1 * h as f32) as usize {
                    for x in (x0 * w as f32) as usize..(x1 * w as f32) as usize {
                        map[[y, x]] = 0.9;
                    }
                }
            }
            Ok(map)
        }
    }

    #[test]
    fn input_sizes_follow_rapidocr() {
        let p = TextDetectParams::default();
        // The short side goes up to 736, both rounded to multiples of 32.
        assert_eq!(input_size(640, 640, &p), Some((736, 736)));
        assert_eq!(input_size(1000, 500, &p), Some((1472, 736)));
        // Large photos are left alone by `Min` but capped by `max_side_len`.
        // 4000 * 0.5 / 32 = 62.5 rounds to even: 62 * 32.
        assert_eq!(input_size(4000, 3000, &p), Some((1984, 1504)));
        assert_eq!(input_size(0, 10, &p), None);
    }

    #[test]
    fn finds_boxes_grown_and_mapped_to_the_input() {
        let mut model = FakeDetector {
            // Two lines, the lower one listed first: output must be in reading order.
            boxes: vec![[0.1, 0.6, 0.7, 0.7], [0.2, 0.2, 0.8, 0.3]],
            seen: vec![],
        };
        let image = RgbImage::new(1000, 500);
        let lines = detect(&mut model, &image, &TextDetectParams::default()).unwrap();
        assert_eq!(model.seen, vec![vec![1, 3, 736, 1472]]);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let top = &lines[0];
        assert!(top.score > 0.85, "{}", top.score);
        // The kernel spans map pixels x 294..1177, y 147..220 (dilation adds one), so
        // unclip grows it by 883 * 73 * 1.6 / (2 * (883 + 73)) = 53.9 map px per side;
        // the map is 1.472x the input: x 163..836, y 63..186 in input pixels.
        let (x0, y0, x1, y1) = quad_bounds(&top.quad);
        for (got, want) in [(x0, 163.0), (y0, 63.0), (x1, 836.0), (y1, 186.0)] {
            assert!((got - want).abs() <= 2.0, "{:?}", top.quad);
        }
        assert!(lines[1].quad[0][1] > 250.0);
    }

    #[test]
    fn weak_and_tiny_regions_are_dropped() {
        let p = TextDetectParams::default();
        let mut prob = Array2::<f32>::zeros((64, 64));
        // A region above `thresh` but below `box_thresh`.
        prob.slice_mut(ndarray::s![10..20, 10..50]).fill(0.4);
        // A region too thin for `min_size`.
        prob.slice_mut(ndarray::s![40..41, 10..50]).fill(0.9);
        assert!(boxes_from_map(prob.view(), 64, 64, &p).is_empty());
    }

    #[test]
    fn dilation_joins_a_one_pixel_gap() {
        let mut prob = Array2::<f32>::zeros((10, 10));
        prob.slice_mut(ndarray::s![2..6, 1..4]).fill(0.9);
        prob.slice_mut(ndarray::s![2..6, 5..9]).fill(0.9);
        let joined = binarize(prob.view(), &TextDetectParams::default());
        assert_eq!(joined.get_pixel(4, 3).0[0], 255);
        let split = binarize(
            prob.view(),
            &TextDetectParams {
                use_dilation: false,
                ..Default::default()
            },
        );
        assert_eq!(split.get_pixel(4, 3).0[0], 0);
    }

    #[test]
    fn box_score_is_the_mean_inside_the_box() {
        let mut prob = Array2::<f32>::zeros((10, 10));
        prob.slice_mut(ndarray::s![0..10, 0..5]).fill(1.0);
        let score = box_score(
            prob.view(),
            &[[0.0, 0.0], [9.0, 0.0], [9.0, 9.0], [0.0, 9.0]],
        );
        assert!((score - 0.5).abs() < 1e-6, "{score}");
    }
}
