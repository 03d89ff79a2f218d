//! Face detection with BlazeFace (MediaPipe's 256 px "back camera" model): the image is
//! shrunk and letterboxed to 256 x 256, the 896 anchors are decoded into boxes and six
//! keypoints, and overlapping candidates are blended (MediaPipe's weighted NMS).
//!
//! Why BlazeFace rather than MTCNN: faces.md measured the same verification results with
//! both on real photos, and BlazeFace about 5x cheaper (one 256 px pass instead of an
//! image pyramid and two more networks); the compare latency budget (150 ms for two
//! photos) leaves no room for two MTCNN cascades on one core.
//!
//! Small faces (a printed ID photo inside a photographed card) can fall below what a
//! 256 px view of the whole frame resolves; when the whole-frame pass finds nothing, the
//! detector looks again at overlapping tiles (see [`DetectorParams::tile_grid`]).
//!
//! BlazeFace was trained on upright faces, but an ID card is often photographed turned
//! by a quarter or half turn, and its printed face with it. A face whose keypoints show
//! it lying on its side, or whose score is low (an upside-down face is often found with
//! upright-looking keypoints), is detected again on a crop turned by each quarter turn,
//! keeping the most confident; when nothing is found upright the whole image is tried
//! turned by 90, 180 and 270 degrees (see [`DetectorParams::rotations`]). Eyes are named by the face's own axis
//! (mouth to eyes), so an upside-down face is aligned upright rather than mirrored.

use image::RgbImage;
use ndarray::{Array4, ArrayD};

use super::align::Landmarks;
use super::align::Point;
use super::{FaceError, FaceNet};

/// The model's input side.
pub const INPUT_SIZE: u32 = 256;
/// Anchors: stride 16 with 2 per cell, then stride 32 with 6 per cell (manifest.toml).
const ANCHOR_LAYOUT: [(u32, usize); 2] = [(16, 2), (32, 6)];
const NUM_ANCHORS: usize = 16 * 16 * 2 + 8 * 8 * 6;
/// Values per anchor in the box outputs: centre, size, six keypoints.
const BOX_VALUES: usize = 16;

/// Detection thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorParams {
    /// Lowest score kept. Default 0.5: MediaPipe's own default for this model; human's 0.2
    /// suits tracking video, but here a false face on a document would be embedded.
    pub min_score: f32,
    /// Overlap above which candidates are blended into one face. Default 0.3: MediaPipe's
    /// `min_suppression_threshold` for BlazeFace.
    pub iou_threshold: f32,
    /// Smallest face side kept, in pixels of the original image. Default 24: below that
    /// the 150 px chip is mostly interpolation, and the ResNet is unreliable.
    pub min_face_px: f32,
    /// When the whole image yields no face, retry on an `n x n` grid of overlapping tiles.
    /// Default 2: a face 1/10 of a 2000 px frame is then seen at about 50 px instead of 25.
    /// 0 or 1 disables the retry.
    pub tile_grid: u32,
    /// A face smaller than this in the model's 256 px view is detected again on a crop
    /// around it, where it fills a third of the view: landmarks of a 20 px face are a
    /// pixel or two off, which moves the chip. Default 64: on the real pairs (faces mostly
    /// larger) refining at 96 changed no decision and doubled the compare time under
    /// load; the small printed photo of an ID card is the case it is for. 0 disables.
    pub refine_below_px: f32,
    /// Side of the refinement crop, in face sizes. Default 3: the face fills a third of
    /// the view, as in a typical selfie.
    pub refine_crop: f32,
    /// Handle faces turned by quarter turns (a card photographed sideways or upside
    /// down): refine a turned face on an upright crop, and try the turned image when
    /// nothing is found upright. Default true. Upright faces (selfies) cost nothing more;
    /// an image with no upright face costs three more detector passes.
    pub rotations: bool,
    /// With `rotations`, a face scoring below this is also tried turned by each quarter
    /// turn, keeping the most confident. Default 0.8: on synthetic ID cards photographed
    /// upside down the printed face was found at 0.57-0.72 with its keypoints laid out
    /// as if upright (so the chip came out upside down), upright ones mostly at 0.75-0.92.
    pub upright_score: f32,
}

impl Default for DetectorParams {
    fn default() -> Self {
        DetectorParams {
            min_score: 0.5,
            iou_threshold: 0.3,
            min_face_px: 24.0,
            tile_grid: 2,
            refine_below_px: 64.0,
            refine_crop: 3.0,
            rotations: true,
            upright_score: 0.8,
        }
    }
}

/// One detected face, in pixels of the image given to [`Detector::detect`].
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    /// left, top, right, bottom.
    pub bbox: [f32; 4],
    pub score: f32,
    pub landmarks: Landmarks,
}

impl Face {
    pub fn width(&self) -> f32 {
        self.bbox[2] - self.bbox[0]
    }

    pub fn height(&self) -> f32 {
        self.bbox[3] - self.bbox[1]
    }

    pub fn area(&self) -> f32 {
        self.width().max(0.0) * self.height().max(0.0)
    }

    /// Quarter turns (0-3, clockwise) the face is turned by in the image, from its axis
    /// (mouth to the middle of the eyes): 0 upright, 1 lying with the top of the head to
    /// the image's right, 2 upside down, 3 top of the head to the left.
    pub fn quarter_turns(&self) -> u8 {
        let l = &self.landmarks;
        quarter_turns_of(l.left_eye, l.right_eye, l.mouth)
    }
}

/// See [`Face::quarter_turns`].
fn quarter_turns_of(eye_a: Point, eye_b: Point, mouth: Point) -> u8 {
    let up = [
        (eye_a[0] + eye_b[0]) / 2.0 - mouth[0],
        (eye_a[1] + eye_b[1]) / 2.0 - mouth[1],
    ];
    // Angle of `up` from the image's up (0, -1), clockwise positive (y points down).
    let angle = up[0].atan2(-up[1]).to_degrees();
    ((angle / 90.0).round() as i32).rem_euclid(4) as u8
}

/// `image` turned clockwise by `turns` quarter turns.
fn rotate(image: &RgbImage, turns: u8) -> RgbImage {
    match turns % 4 {
        1 => image::imageops::rotate90(image),
        2 => image::imageops::rotate180(image),
        3 => image::imageops::rotate270(image),
        _ => image.clone(),
    }
}

/// A point of an image of size `w x h` turned clockwise by `turns`, back in the unturned
/// image (continuous pixel coordinates).
fn unrotate_point(p: Point, turns: u8, w: f32, h: f32) -> Point {
    match turns % 4 {
        // rotate90 takes (x, y) to (h - y, x).
        1 => [p[1], h - p[0]],
        2 => [w - p[0], h - p[1]],
        // rotate270 takes (x, y) to (y, w - x).
        3 => [w - p[1], p[0]],
        _ => p,
    }
}

/// A candidate in model-input pixels: box, score, and the 6 keypoints.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub bbox: [f32; 4],
    pub score: f32,
    /// right eye, left eye, nose, mouth, right ear, left ear (MediaPipe's order).
    pub keypoints: [Point; 6],
}

/// Anchor centres in input pixels, in the model's output order.
pub fn anchors() -> Vec<Point> {
    let mut out = Vec::with_capacity(NUM_ANCHORS);
    for (stride, per_cell) in ANCHOR_LAYOUT {
        let cells = INPUT_SIZE / stride;
        for gy in 0..cells {
            for gx in 0..cells {
                let c = [
                    stride as f32 * (gx as f32 + 0.5),
                    stride as f32 * (gy as f32 + 0.5),
                ];
                out.extend(std::iter::repeat_n(c, per_cell));
            }
        }
    }
    out
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The four raw outputs, looked up by name.
pub struct RawOutputs<'a> {
    pub scores_16: &'a [f32],
    pub scores_32: &'a [f32],
    pub boxes_16: &'a [f32],
    pub boxes_32: &'a [f32],
}

/// Decodes the outputs into candidates scoring at least `min_score`.
pub fn decode(raw: &RawOutputs<'_>, anchors: &[Point], min_score: f32) -> Vec<Candidate> {
    let scores = raw.scores_16.iter().chain(raw.scores_32);
    let boxes = raw
        .boxes_16
        .chunks_exact(BOX_VALUES)
        .chain(raw.boxes_32.chunks_exact(BOX_VALUES));
    let mut out = Vec::new();
    for ((&logit, r), a) in scores.zip(boxes).zip(anchors) {
        let score = sigmoid(logit);
        if score < min_score {
            continue;
        }
        let (cx, cy) = (r[0] + a[0], r[1] + a[1]);
        let (w, h) = (r[2], r[3]);
        let mut keypoints = [[0.0; 2]; 6];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            *kp = [r[4 + 2 * k] + a[0], r[5 + 2 * k] + a[1]];
        }
        out.push(Candidate {
            bbox: [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0],
            score,
            keypoints,
        });
    }
    out
}

pub fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let area = |r: &[f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let union = area(a) + area(b) - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// MediaPipe's weighted NMS: the best remaining candidate and everything overlapping it
/// above `iou_threshold` become one face whose box and keypoints are the score-weighted
/// mean of the group (steadier landmarks than keeping one anchor's guess).
pub fn weighted_nms(mut candidates: Vec<Candidate>, iou_threshold: f32) -> Vec<Candidate> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(best) = candidates.first().copied() {
        let (group, rest): (Vec<Candidate>, Vec<Candidate>) = candidates
            .into_iter()
            .partition(|c| iou(&best.bbox, &c.bbox) > iou_threshold);
        candidates = rest;
        let total: f32 = group.iter().map(|c| c.score).sum();
        let mut blended = Candidate {
            bbox: [0.0; 4],
            score: best.score,
            keypoints: [[0.0; 2]; 6],
        };
        for c in &group {
            let w = c.score / total;
            for i in 0..4 {
                blended.bbox[i] += c.bbox[i] * w;
            }
            for k in 0..6 {
                blended.keypoints[k][0] += c.keypoints[k][0] * w;
                blended.keypoints[k][1] += c.keypoints[k][1] * w;
            }
        }
        out.push(blended);
    }
    out
}

/// Shrinks by averaging the source pixels each output pixel covers (OpenCV's
/// `INTER_AREA`), so a large photo does not alias on its way down to 256 px.
pub fn resize_area(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (sw, sh) = (image.width() as usize, image.height() as usize);
    let (dw, dh) = (width as usize, height as usize);
    if dw == 0 || dh == 0 || sw == 0 || sh == 0 {
        return RgbImage::new(width, height);
    }
    // Per output index, the source indices and weights it covers (weights sum to 1).
    let spans = |dst: usize, src: usize| -> Vec<Vec<(usize, f32)>> {
        let scale = src as f64 / dst as f64;
        (0..dst)
            .map(|d| {
                let (a, b) = (d as f64 * scale, ((d + 1) as f64 * scale).min(src as f64));
                let mut taps = Vec::new();
                let mut s = a.floor() as usize;
                while (s as f64) < b && s < src {
                    let cover = (b.min(s as f64 + 1.0) - a.max(s as f64)).max(0.0);
                    if cover > 0.0 {
                        taps.push((s, (cover / (b - a)) as f32));
                    }
                    s += 1;
                }
                if taps.is_empty() {
                    taps.push(((a as usize).min(src - 1), 1.0));
                }
                taps
            })
            .collect()
    };
    let xs = spans(dw, sw);
    let ys = spans(dh, sh);
    let src = image.as_raw();
    // Horizontal pass into f32 rows, then vertical.
    let mut tmp = vec![0f32; sh * dw * 3];
    for y in 0..sh {
        let line = &src[y * sw * 3..(y + 1) * sw * 3];
        let dst = &mut tmp[y * dw * 3..(y + 1) * dw * 3];
        for (x, taps) in xs.iter().enumerate() {
            let mut acc = [0f32; 3];
            for &(s, w) in taps {
                for k in 0..3 {
                    acc[k] += f32::from(line[s * 3 + k]) * w;
                }
            }
            dst[x * 3..x * 3 + 3].copy_from_slice(&acc);
        }
    }
    let mut out = vec![0u8; dh * dw * 3];
    for (y, taps) in ys.iter().enumerate() {
        let dst = &mut out[y * dw * 3..(y + 1) * dw * 3];
        for i in 0..dw * 3 {
            let v: f32 = taps.iter().map(|&(s, w)| tmp[s * dw * 3 + i] * w).sum();
            dst[i] = v.round().clamp(0.0, 255.0) as u8;
        }
    }
    RgbImage::from_raw(width, height, out).expect("sized for the image")
}

/// How a view of the image was placed in the 256 x 256 input.
#[derive(Debug, Clone, Copy)]
struct Letterbox {
    /// Model pixels per view pixel.
    scale_x: f32,
    scale_y: f32,
    pad_x: f32,
    pad_y: f32,
    /// Where the view starts in the full image.
    origin: Point,
}

impl Letterbox {
    fn to_image(self, p: Point) -> Point {
        [
            (p[0] - self.pad_x) / self.scale_x + self.origin[0],
            (p[1] - self.pad_y) / self.scale_y + self.origin[1],
        ]
    }
}

/// The view, shrunk to fit 256 x 256 keeping its aspect, centred on black, as the
/// model's `[1, 256, 256, 3]` NHWC tensor `x / 127 - 1`.
fn letterbox(view: &RgbImage, origin: Point) -> (Array4<f32>, Letterbox) {
    let (w, h) = view.dimensions();
    let s = INPUT_SIZE as f32 / w.max(h) as f32;
    let nw = ((w as f32 * s).round() as u32).clamp(1, INPUT_SIZE);
    let nh = ((h as f32 * s).round() as u32).clamp(1, INPUT_SIZE);
    let small = if w.max(h) > INPUT_SIZE {
        resize_area(view, nw, nh)
    } else {
        // Enlarging: bilinear (area averaging only shrinks).
        image::imageops::resize(view, nw, nh, image::imageops::FilterType::Triangle)
    };
    let (px, py) = ((INPUT_SIZE - nw) / 2, (INPUT_SIZE - nh) / 2);
    let n = INPUT_SIZE as usize;
    // Padding is black: pixel 0 is -1 after normalisation.
    let mut tensor = Array4::<f32>::from_elem((1, n, n, 3), -1.0);
    {
        let data = tensor.as_slice_mut().expect("standard layout");
        for (y, row) in small.as_raw().chunks_exact(nw as usize * 3).enumerate() {
            let start = ((py as usize + y) * n + px as usize) * 3;
            for (d, &v) in data[start..start + row.len()].iter_mut().zip(row) {
                *d = f32::from(v) / 127.0 - 1.0;
            }
        }
    }
    let lb = Letterbox {
        scale_x: nw as f32 / w as f32,
        scale_y: nh as f32 / h as f32,
        pad_x: px as f32,
        pad_y: py as f32,
        origin,
    };
    (tensor, lb)
}

/// BlazeFace with its anchors.
pub struct Detector<N> {
    net: N,
    anchors: Vec<Point>,
    pub params: DetectorParams,
}

impl<N: FaceNet> Detector<N> {
    pub fn new(net: N, params: DetectorParams) -> Self {
        Detector {
            net,
            anchors: anchors(),
            params,
        }
    }

    fn run_view(&mut self, view: &RgbImage, origin: Point) -> Result<Vec<Candidate>, FaceError> {
        let (tensor, lb) = letterbox(view, origin);
        let outputs = self.net.infer(tensor.into_dyn().view())?;
        let get = |name: &str| -> Result<&ArrayD<f32>, FaceError> {
            outputs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, a)| a)
                .ok_or_else(|| {
                    FaceError::UnexpectedOutput(format!("detector has no output {name}"))
                })
        };
        let (s16, s32, b16, b32) = (
            get("scores_16")?,
            get("scores_32")?,
            get("boxes_16")?,
            get("boxes_32")?,
        );
        let expect = |a: &ArrayD<f32>, n: usize| -> Result<(), FaceError> {
            if a.len() == n && a.is_standard_layout() {
                Ok(())
            } else {
                Err(FaceError::UnexpectedOutput(format!(
                    "detector output of {} values, expected {n}",
                    a.len()
                )))
            }
        };
        expect(s16, 512)?;
        expect(s32, 384)?;
        expect(b16, 512 * BOX_VALUES)?;
        expect(b32, 384 * BOX_VALUES)?;
        let raw = RawOutputs {
            scores_16: s16.as_slice().expect("checked"),
            scores_32: s32.as_slice().expect("checked"),
            boxes_16: b16.as_slice().expect("checked"),
            boxes_32: b32.as_slice().expect("checked"),
        };
        let mut found = decode(&raw, &self.anchors, self.params.min_score);
        for c in &mut found {
            let tl = lb.to_image([c.bbox[0], c.bbox[1]]);
            let br = lb.to_image([c.bbox[2], c.bbox[3]]);
            c.bbox = [tl[0], tl[1], br[0], br[1]];
            for k in &mut c.keypoints {
                *k = lb.to_image(*k);
            }
        }
        Ok(found)
    }

    /// Every face in `image`, largest first, in `image` pixels.
    pub fn detect(&mut self, image: &RgbImage) -> Result<Vec<Face>, FaceError> {
        let (w, h) = image.dimensions();
        if w == 0 || h == 0 {
            return Ok(Vec::new());
        }
        let mut candidates = self.run_view(image, [0.0, 0.0])?;
        let mut faces = self.finish(candidates);
        let grid = self.params.tile_grid;
        if faces.is_empty() && grid > 1 && w.max(h) > INPUT_SIZE * 2 {
            // Tiles of 2/(n+1) of each side, stepping by 1/(n+1): neighbours overlap by
            // half a tile, so a face cut by one tile's edge is whole in the next.
            candidates = Vec::new();
            let (tw, th) = (2 * w / (grid + 1), 2 * h / (grid + 1));
            for ty in 0..grid {
                for tx in 0..grid {
                    let (x0, y0) = (tx * w / (grid + 1), ty * h / (grid + 1));
                    let tile = image::imageops::crop_imm(image, x0, y0, tw, th).to_image();
                    candidates.extend(self.run_view(&tile, [x0 as f32, y0 as f32])?);
                }
            }
            faces = self.finish(candidates);
        }
        if faces.is_empty() && self.params.rotations {
            // A card photographed sideways or upside down: its face is not upright.
            candidates = Vec::new();
            for turns in 1..4 {
                candidates.extend(self.run_turned(image, turns, [0.0, 0.0])?);
            }
            faces = self.finish(candidates);
        }
        let view_scale = INPUT_SIZE as f32 / w.max(h) as f32;
        for face in &mut faces {
            let turned = self.params.rotations
                && (face.quarter_turns() != 0 || face.score < self.params.upright_score);
            if turned || face.width().max(face.height()) * view_scale < self.params.refine_below_px
            {
                if let Some(better) = self.refine(image, face)? {
                    *face = better;
                }
            }
        }
        faces.sort_by(|a, b| b.area().total_cmp(&a.area()));
        Ok(faces)
    }

    /// `face` detected again on a square crop around it; `None` when the crop finds no
    /// face overlapping it.
    fn refine(&mut self, image: &RgbImage, face: &Face) -> Result<Option<Face>, FaceError> {
        let (w, h) = image.dimensions();
        let side = face.width().max(face.height()) * self.params.refine_crop;
        let cx = (face.bbox[0] + face.bbox[2]) / 2.0;
        let cy = (face.bbox[1] + face.bbox[3]) / 2.0;
        let x0 = (cx - side / 2.0).max(0.0) as u32;
        let y0 = (cy - side / 2.0).max(0.0) as u32;
        let x1 = ((cx + side / 2.0) as u32).min(w);
        let y1 = ((cy + side / 2.0) as u32).min(h);
        if x1 <= x0 + 1 || y1 <= y0 + 1 {
            return Ok(None);
        }
        let crop = image::imageops::crop_imm(image, x0, y0, x1 - x0, y1 - y0).to_image();
        let origin = [x0 as f32, y0 as f32];
        if !self.params.rotations {
            return Ok(self.refine_turned(&crop, 0, origin, face)?.map(to_face));
        }
        // A face the keypoints show turned is looked at turned upright. An upside-down
        // face is often found with "upright" keypoints (BlazeFace guesses the layout it
        // was trained on) and a low score: below `upright_score` every turn is tried and
        // the most confident kept.
        let first = (4 - face.quarter_turns()) % 4;
        let mut best = self.refine_turned(&crop, first, origin, face)?;
        if best
            .as_ref()
            .is_none_or(|c| c.score < self.params.upright_score)
        {
            for turns in (0..4).filter(|t| *t != first) {
                if let Some(c) = self.refine_turned(&crop, turns, origin, face)? {
                    if best.as_ref().is_none_or(|b| c.score > b.score) {
                        best = Some(c);
                    }
                }
            }
        }
        Ok(best.map(to_face))
    }

    /// The candidate in `crop` turned by `turns` that overlaps `face` most.
    fn refine_turned(
        &mut self,
        crop: &RgbImage,
        turns: u8,
        origin: Point,
        face: &Face,
    ) -> Result<Option<Candidate>, FaceError> {
        let candidates = self.run_turned(crop, turns, origin)?;
        Ok(weighted_nms(candidates, self.params.iou_threshold)
            .into_iter()
            .map(|c| (iou(&c.bbox, &face.bbox), c))
            .filter(|(overlap, _)| *overlap > self.params.iou_threshold)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, c)| c))
    }

    /// [`Self::run_view`] on `view` turned clockwise by `turns`, with the candidates
    /// mapped back to the unturned view (plus `origin`).
    fn run_turned(
        &mut self,
        view: &RgbImage,
        turns: u8,
        origin: Point,
    ) -> Result<Vec<Candidate>, FaceError> {
        if turns & 3 == 0 {
            return self.run_view(view, origin);
        }
        let (w, h) = (view.width() as f32, view.height() as f32);
        let mut found = self.run_view(&rotate(view, turns), [0.0, 0.0])?;
        let back = |p: Point| {
            let q = unrotate_point(p, turns, w, h);
            [q[0] + origin[0], q[1] + origin[1]]
        };
        for c in &mut found {
            let a = back([c.bbox[0], c.bbox[1]]);
            let b = back([c.bbox[2], c.bbox[3]]);
            c.bbox = [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[0].max(b[0]),
                a[1].max(b[1]),
            ];
            for k in &mut c.keypoints {
                *k = back(*k);
            }
        }
        Ok(found)
    }

    fn finish(&self, candidates: Vec<Candidate>) -> Vec<Face> {
        let mut faces: Vec<Face> = weighted_nms(candidates, self.params.iou_threshold)
            .into_iter()
            .map(to_face)
            .filter(|f| f.width().min(f.height()) >= self.params.min_face_px)
            .collect();
        faces.sort_by(|a, b| b.area().total_cmp(&a.area()));
        faces
    }
}

/// Keeps the keypoints alignment uses, naming the eyes by their side in the face turned
/// upright (the model's "right eye" is the subject's, which is on the image's left in a
/// photo; naming by position also survives mirrored selfies). For an upright face this is
/// the eye with the smaller x; for a turned one, the side is taken across the face's axis
/// (mouth to eyes), so the chip comes out upright, not mirrored.
fn to_face(c: Candidate) -> Face {
    let [e0, e1, nose, mouth, _, _] = c.keypoints;
    // The face's "image left" direction: its up axis turned a quarter counter-clockwise.
    let up = [
        (e0[0] + e1[0]) / 2.0 - mouth[0],
        (e0[1] + e1[1]) / 2.0 - mouth[1],
    ];
    let left = [up[1], -up[0]];
    let along = |p: Point| p[0] * left[0] + p[1] * left[1];
    let (left_eye, right_eye) = if up == [0.0, 0.0] {
        if e0[0] <= e1[0] {
            (e0, e1)
        } else {
            (e1, e0)
        }
    } else if along(e0) >= along(e1) {
        (e0, e1)
    } else {
        (e1, e0)
    };
    Face {
        bbox: c.bbox,
        score: c.score,
        landmarks: Landmarks {
            left_eye,
            right_eye,
            nose,
            mouth,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_follow_the_manifest_layout() {
        let a = anchors();
        assert_eq!(a.len(), 896);
        assert_eq!(a[0], [8.0, 8.0]);
        assert_eq!(a[1], [8.0, 8.0]);
        assert_eq!(a[2], [24.0, 8.0]);
        assert_eq!(a[511], [248.0, 248.0]);
        assert_eq!(a[512], [16.0, 16.0]);
        assert_eq!(a[895], [240.0, 240.0]);
    }

    fn raw_with(
        anchor: usize,
        logit: f32,
        reg: [f32; 16],
    ) -> (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>) {
        let mut s16 = vec![-10.0; 512];
        let s32 = vec![-10.0; 384];
        let mut b16 = vec![0.0; 512 * 16];
        let b32 = vec![0.0; 384 * 16];
        s16[anchor] = logit;
        b16[anchor * 16..anchor * 16 + 16].copy_from_slice(&reg);
        (s16, s32, b16, b32)
    }

    #[test]
    fn decode_adds_the_anchor_to_centre_and_keypoints() {
        let mut reg = [0.0; 16];
        reg[..4].copy_from_slice(&[2.0, -3.0, 40.0, 50.0]);
        reg[4] = -10.0; // right eye x offset
        let (s16, s32, b16, b32) = raw_with(2, 3.0, reg);
        let raw = RawOutputs {
            scores_16: &s16,
            scores_32: &s32,
            boxes_16: &b16,
            boxes_32: &b32,
        };
        let found = decode(&raw, &anchors(), 0.5);
        assert_eq!(found.len(), 1);
        let c = found[0];
        // anchor 2 is (24, 8)
        assert_eq!(c.bbox, [26.0 - 20.0, 5.0 - 25.0, 26.0 + 20.0, 5.0 + 25.0]);
        assert_eq!(c.keypoints[0], [14.0, 8.0]);
        assert!((c.score - sigmoid(3.0)).abs() < 1e-6);
        assert!(decode(&raw, &anchors(), 0.99).is_empty());
    }

    #[test]
    fn weighted_nms_blends_overlaps_and_keeps_separate_faces() {
        let c = |x: f32, score: f32| Candidate {
            bbox: [x, 0.0, x + 10.0, 10.0],
            score,
            keypoints: [[x, 0.0]; 6],
        };
        let out = weighted_nms(vec![c(0.0, 0.9), c(1.0, 0.3), c(50.0, 0.8)], 0.3);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].score, 0.9);
        assert!((out[0].bbox[0] - 0.25).abs() < 1e-6, "{:?}", out[0]);
        assert_eq!(out[1].bbox[0], 50.0);
    }

    #[test]
    fn letterbox_maps_back_to_the_original_pixels() {
        let view = RgbImage::new(1000, 500);
        let (t, lb) = letterbox(&view, [30.0, 40.0]);
        assert_eq!(t.shape(), &[1, 256, 256, 3]);
        assert_eq!(t[[0, 0, 0, 0]], -1.0);
        // 1000 -> 256, 500 -> 128, centred vertically at 64.
        let p = lb.to_image([128.0, 64.0 + 64.0]);
        assert!(
            (p[0] - 530.0).abs() < 1e-3 && (p[1] - 290.0).abs() < 1e-3,
            "{p:?}"
        );
    }

    #[test]
    fn turned_faces_are_recognised_and_mapped_back() {
        // Upright: eyes above the mouth.
        assert_eq!(
            quarter_turns_of([40.0, 40.0], [60.0, 40.0], [50.0, 70.0]),
            0
        );
        // Upside down.
        assert_eq!(
            quarter_turns_of([40.0, 70.0], [60.0, 70.0], [50.0, 40.0]),
            2
        );
        // Top of the head to the image's right (a card turned a quarter clockwise).
        assert_eq!(
            quarter_turns_of([70.0, 40.0], [70.0, 60.0], [40.0, 50.0]),
            1
        );
        assert_eq!(
            quarter_turns_of([40.0, 40.0], [40.0, 60.0], [70.0, 50.0]),
            3
        );
        // A point of a 100 x 50 image survives a turn there and back.
        let image = RgbImage::from_fn(100, 50, |x, y| image::Rgb([x as u8, y as u8, 0]));
        for turns in 1..4u8 {
            let turned = rotate(&image, turns);
            let (tw, th) = turned.dimensions();
            for (x, y) in [(0u32, 0u32), (99, 0), (10, 49), (57, 23)] {
                // Find the pixel in the turned image and map its centre back.
                let (tx, ty) = (0..tw)
                    .flat_map(|tx| (0..th).map(move |ty| (tx, ty)))
                    .find(|&(tx, ty)| turned.get_pixel(tx, ty).0 == [x as u8, y as u8, 0])
                    .unwrap();
                let p = unrotate_point([tx as f32 + 0.5, ty as f32 + 0.5], turns, 100.0, 50.0);
                assert_eq!(p, [x as f32 + 0.5, y as f32 + 0.5], "turns {turns}");
            }
        }
    }

    #[test]
    fn eyes_are_named_across_the_face_axis() {
        let c = |e0: Point, e1: Point, mouth: Point| Candidate {
            bbox: [0.0, 0.0, 100.0, 100.0],
            score: 0.9,
            keypoints: [e0, e1, [50.0, 50.0], mouth, [0.0; 2], [0.0; 2]],
        };
        // Upright: the image-left eye is the one with the smaller x, whatever the order.
        let f = to_face(c([60.0, 40.0], [40.0, 40.0], [50.0, 70.0]));
        assert_eq!(
            (f.landmarks.left_eye, f.landmarks.right_eye),
            ([40.0, 40.0], [60.0, 40.0])
        );
        // Upside down: the face's left eye is on the image's right.
        let f = to_face(c([40.0, 70.0], [60.0, 70.0], [50.0, 40.0]));
        assert_eq!(
            (f.landmarks.left_eye, f.landmarks.right_eye),
            ([60.0, 70.0], [40.0, 70.0])
        );
        assert_eq!(f.quarter_turns(), 2);
    }

    #[test]
    fn area_resize_averages_blocks() {
        let image = RgbImage::from_fn(4, 2, |x, _| {
            image::Rgb([if x % 2 == 0 { 0 } else { 200 }; 3])
        });
        let small = resize_area(&image, 2, 1);
        assert_eq!(small.get_pixel(0, 0).0, [100; 3]);
        let third = resize_area(&RgbImage::from_pixel(9, 9, image::Rgb([7, 8, 9])), 3, 3);
        assert!(third.pixels().all(|p| p.0 == [7, 8, 9]));
    }
}
