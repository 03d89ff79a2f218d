//! The learned coarse locator: a small CNN (trained by `training/card_locator/`) that
//! sees the photo letterboxed into a square and predicts four corner heatmaps, one per
//! corner of the card in the card's own order (top-left, top-right, bottom-right,
//! bottom-left), each already passed through a sigmoid.
//!
//! Decoding keeps geometry and orientation apart, so a net unsure of which corner is
//! which still finds the card: the four strongest separated peaks of the channels'
//! maximum are the corners in image order; then each of the four rotations of that order
//! is scored by the channel values at the corners it assigns, and the best one gives the
//! card's top-left. The confidence is the mean of the assigned channel values.

use image::RgbImage;
use ndarray::Array4;

use super::{clockwise, Candidate, CardLocatorError};
use crate::geometry::{polygon_area, Point, Quad};
use crate::runtime::{OnnxModel, RuntimeError};

/// Decoding of the heatmaps.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedParams {
    /// Side of the square input when the model's input shape is dynamic. Default 256,
    /// the size the shipped model was trained at (a fixed input shape wins).
    pub input_size: u32,
    /// Least distance between two corner peaks, in heatmap cells. Default 3: the
    /// smallest card the training set holds (20% of the photo width) is about 12 cells
    /// wide, and one corner's blob is about 2 cells across.
    pub min_peak_separation: f32,
    /// Half-size of the window around a peak averaged for its sub-cell position. Default
    /// 2 (a 5 x 5 window): covers the trained Gaussian (sigma 1.5 cells) to about 1.5 sigma.
    pub peak_window: usize,
    /// Smallest summed heat a corner peak may have. Default 0.005: the shipped net fires
    /// only 0.005-0.1 on some corners it cannot tell apart (it spreads them over the
    /// channels), while its background stays near 1e-4; the edge check in
    /// [`super::refine`] then vets the quad.
    pub min_peak: f32,
    /// Peaks combined into card hypotheses (every four of them). Default 6: 15 quads to
    /// refine and score, about a millisecond; the net's true corners are within its top
    /// six peaks on the validation renders that failed with the top four.
    pub max_peaks: usize,
}

impl Default for LearnedParams {
    fn default() -> Self {
        LearnedParams {
            input_size: 256,
            min_peak_separation: 3.0,
            peak_window: 2,
            min_peak: 0.005,
            max_peaks: 6,
        }
    }
}

/// The model and its input geometry.
pub struct LearnedLocator {
    model: OnnxModel,
    size: u32,
}

impl LearnedLocator {
    pub fn new(model: OnnxModel, p: &LearnedParams) -> Result<Self, CardLocatorError> {
        let bad = |detail: String| CardLocatorError::BadModel {
            model: model.name().to_string(),
            detail,
        };
        let input = model
            .inputs()
            .first()
            .ok_or_else(|| bad("no input".into()))?;
        if input.shape.len() != 4 || (input.shape[1] != 3 && input.shape[1] != -1) {
            return Err(bad(format!(
                "input shape {:?}, want [1, 3, S, S]",
                input.shape
            )));
        }
        let size = match input.shape[2] {
            s if s > 0 => s as u32,
            _ => p.input_size,
        };
        let out = model
            .outputs()
            .first()
            .ok_or_else(|| bad("no output".into()))?;
        if out.shape.len() != 4 || (out.shape[1] != 4 && out.shape[1] != -1) {
            return Err(bad(format!(
                "output shape {:?}, want [1, 4, H, W]",
                out.shape
            )));
        }
        Ok(LearnedLocator { model, size })
    }

    /// Side of the square input.
    pub fn input_size(&self) -> u32 {
        self.size
    }

    /// Runs the net on `image`; the heatmaps are kept for decoding and for orienting a
    /// quad found another way.
    pub fn run(&mut self, image: &RgbImage) -> Result<LearnedOutput, RuntimeError> {
        let (input, scale) = letterbox(image, self.size);
        let heat = self.model.run_f32(input.view().into_dyn())?;
        let shape = heat.shape().to_vec();
        if shape.len() != 4 || shape[1] != 4 || shape[3] == 0 || !heat.is_standard_layout() {
            return Err(RuntimeError::Shape {
                model: self.model.name().to_string(),
                what: "output",
                detail: format!("{shape:?}"),
            });
        }
        Ok(LearnedOutput {
            h: shape[2],
            w: shape[3],
            stride: self.size as f32 / shape[3] as f32,
            heat,
            scale,
        })
    }
}

/// The net's heatmaps for one photo and the mapping back to photo pixels.
pub struct LearnedOutput {
    heat: ndarray::ArrayD<f32>,
    h: usize,
    w: usize,
    /// Input pixels per heatmap cell.
    stride: f32,
    /// Input pixels per photo pixel.
    scale: f32,
}

impl LearnedOutput {
    fn maps(&self) -> Heatmaps<'_> {
        Heatmaps {
            // Standard layout is checked in `run`.
            data: self.heat.as_slice().unwrap_or(&[]),
            h: if self.heat.is_standard_layout() {
                self.h
            } else {
                0
            },
            w: self.w,
        }
    }

    fn to_photo(&self, c: Point) -> Point {
        // Cell (i + 0.5) * stride is the input pixel; / scale the photo pixel.
        [
            (c[0] + 0.5) * self.stride / self.scale,
            (c[1] + 0.5) * self.stride / self.scale,
        ]
    }

    fn to_cell(&self, p: Point) -> Point {
        [
            p[0] * self.scale / self.stride - 0.5,
            p[1] * self.scale / self.stride - 0.5,
        ]
    }

    /// Card hypotheses, corners in the card's own order, the top four peaks' quad first;
    /// empty when fewer than four corner peaks form a convex quad. The confidence is the
    /// mean summed heat at the four corners (is there a corner here, whichever it is).
    pub fn decode(&self, p: &LearnedParams) -> Vec<Candidate> {
        decode(&self.maps(), p)
            .into_iter()
            .map(|(cells, confidence)| Candidate {
                quad: cells.map(|c| self.to_photo(c)),
                confidence,
                oriented: true,
            })
            .collect()
    }

    /// Reorders a quad found by other means (corners clockwise in image order) so that it
    /// starts at the card's top-left, by the same channel vote as [`decode`]; returns it
    /// with the mean summed heat at its corners.
    pub fn orient(&self, q: &Quad) -> (Quad, f32) {
        let maps = self.maps();
        let ring: Quad = clockwise(*q).map(|p| self.to_cell(p));
        let r = best_rotation(&maps, &ring);
        let quad = std::array::from_fn(|k| clockwise(*q)[(k + r) % 4]);
        (quad, corner_evidence(&maps, &ring))
    }
}

/// The photo shrunk (box filter) so its long side is `size`, placed at the top-left of a
/// black `size` x `size` square, as NCHW RGB in 0..1; and the scale used
/// (input pixel = photo pixel * scale). The dataset program uses this same function, so
/// training and inference see identical inputs.
pub fn letterbox(image: &RgbImage, size: u32) -> (Array4<f32>, f32) {
    let (w, h) = image.dimensions();
    let s = size as usize;
    let mut out = Array4::<f32>::zeros((1, 3, s, s));
    if w == 0 || h == 0 {
        return (out, 1.0);
    }
    let scale = size as f32 / w.max(h) as f32;
    let (ow, oh) = (
        ((w as f32 * scale).round() as usize).clamp(1, s),
        ((h as f32 * scale).round() as usize).clamp(1, s),
    );
    // Source span of each output column/row; every source pixel falls in exactly one,
    // so the box average costs one read per source pixel.
    let spans = |n_out: usize, n_in: u32| -> Vec<(u32, u32)> {
        (0..n_out)
            .map(|i| {
                let a = (i as f32 / scale).floor() as u32;
                let b = (((i + 1) as f32 / scale).floor() as u32).clamp(a + 1, n_in);
                (a.min(n_in - 1), b)
            })
            .collect()
    };
    let xs = spans(ow, w);
    let ys = spans(oh, h);
    let raw = image.as_raw();
    let mut row_sum = vec![[0f32; 3]; ow];
    for (oy, &(y0, y1)) in ys.iter().enumerate() {
        row_sum.iter_mut().for_each(|v| *v = [0.0; 3]);
        for y in y0..y1 {
            let line = &raw[(y as usize * w as usize * 3)..((y as usize + 1) * w as usize * 3)];
            for (ox, &(x0, x1)) in xs.iter().enumerate() {
                let acc = &mut row_sum[ox];
                for px in line[x0 as usize * 3..x1 as usize * 3].chunks_exact(3) {
                    acc[0] += px[0] as f32;
                    acc[1] += px[1] as f32;
                    acc[2] += px[2] as f32;
                }
            }
        }
        for (ox, &(x0, x1)) in xs.iter().enumerate() {
            let n = ((x1 - x0) * (y1 - y0)) as f32 * 255.0;
            for c in 0..3 {
                out[[0, c, oy, ox]] = row_sum[ox][c] / n;
            }
        }
    }
    (out, scale)
}

/// Four heatmaps `[1, 4, h, w]`.
pub struct Heatmaps<'a> {
    /// Channel-major, row-major values (`[k][y][x]`), 4 x h x w of them.
    pub data: &'a [f32],
    pub h: usize,
    pub w: usize,
}

impl Heatmaps<'_> {
    fn at(&self, k: usize, y: usize, x: usize) -> f32 {
        self.data[(k * self.h + y) * self.w + x]
    }

    /// Evidence of any corner: the channels' sum (the net splits a corner it cannot
    /// name between channels, so their maximum would undercount it).
    fn any(&self, y: usize, x: usize) -> f32 {
        (0..4).map(|k| self.at(k, y, x)).sum()
    }

    /// Channel `k` near a fractional cell: the largest value in the 3 x 3 cells around it.
    fn near(&self, k: usize, p: Point) -> f32 {
        let (cx, cy) = (p[0].round() as i64, p[1].round() as i64);
        let mut best = 0f32;
        for y in (cy - 1).max(0)..=(cy + 1).min(self.h as i64 - 1) {
            for x in (cx - 1).max(0)..=(cx + 1).min(self.w as i64 - 1) {
                best = best.max(self.at(k, y as usize, x as usize));
            }
        }
        best
    }
}

/// Card hypotheses from the heatmaps: corners in heatmap cells (card order) with their
/// corner evidence, the four strongest peaks' quad first. Empty when there is no card.
pub fn decode(maps: &Heatmaps<'_>, p: &LearnedParams) -> Vec<(Quad, f32)> {
    let (h, w) = (maps.h, maps.w);
    if h < 3 || w < 3 {
        return Vec::new();
    }
    // Local maxima of the channels' maximum, strongest first.
    let mut peaks: Vec<(f32, usize, usize)> = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let v = maps.any(y, x);
            if v < p.min_peak {
                continue;
            }
            let mut is_max = true;
            'n: for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (yy, xx) = (y as i64 + dy, x as i64 + dx);
                    if (dy, dx) == (0, 0) || yy < 0 || xx < 0 || yy >= h as i64 || xx >= w as i64 {
                        continue;
                    }
                    let o = maps.any(yy as usize, xx as usize);
                    // Ties go to the earlier cell so a plateau yields one peak.
                    if o > v || (o == v && (yy, xx) < (y as i64, x as i64)) {
                        is_max = false;
                        break 'n;
                    }
                }
            }
            if is_max {
                peaks.push((v, y, x));
            }
        }
    }
    peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut chosen: Vec<Point> = Vec::with_capacity(p.max_peaks);
    for &(_, y, x) in &peaks {
        let c = subcell(maps, |yy, xx| maps.any(yy, xx), y, x, p.peak_window);
        let far = chosen.iter().all(|q| {
            let (dx, dy) = (q[0] - c[0], q[1] - c[1]);
            (dx * dx + dy * dy).sqrt() >= p.min_peak_separation
        });
        if far {
            chosen.push(c);
            if chosen.len() == p.max_peaks.max(4) {
                break;
            }
        }
    }
    // Every convex quad of four of the strongest peaks, strongest first (the first is
    // the top four): a spurious peak can outrank a corner the net barely saw.
    let n = chosen.len();
    let mut out = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            for c in b + 1..n {
                for d in c + 1..n {
                    if let Some(q) = quad_of(maps, [chosen[a], chosen[b], chosen[c], chosen[d]]) {
                        out.push(q);
                    }
                }
            }
        }
    }
    if out.len() > 2 {
        out[1..].sort_by(|a, b| b.1.total_cmp(&a.1));
    }
    // Each channel's own strongest cell, as that channel's corner. A corner the net names
    // weakly (heat 0.15-0.3) is often placed right in its own channel while its peak is too
    // faint to rank among the strongest peaks of the sum, where a stray peak takes its
    // place; measured on the misses of 420 photos (seed 556), this quad had every corner
    // within 1-2% of the diagonal where the chosen one was 4-20% off.
    if let Some(q) = channel_peaks_quad(maps, p) {
        if !out.iter().any(|(o, _)| same_corners(o, &q.0)) {
            out.insert(out.len().min(1), q);
        }
    }
    out
}

/// The quad of the four channels' own maxima (sub-cell), in channel order; `None` when a
/// channel is flat or the quad is not convex.
fn channel_peaks_quad(maps: &Heatmaps<'_>, p: &LearnedParams) -> Option<(Quad, f32)> {
    let mut quad: Quad = [[0.0; 2]; 4];
    for (k, corner) in quad.iter_mut().enumerate() {
        let (mut best, mut at) = (f32::MIN, (0, 0));
        for y in 0..maps.h {
            for x in 0..maps.w {
                let v = maps.at(k, y, x);
                if v > best {
                    best = v;
                    at = (y, x);
                }
            }
        }
        if best < p.min_peak {
            return None;
        }
        *corner = subcell(maps, |yy, xx| maps.at(k, yy, xx), at.0, at.1, p.peak_window);
    }
    let ring = clockwise(quad);
    if ring != quad || !is_convex(&quad) || polygon_area(&quad) < 4.0 {
        return None;
    }
    Some((quad, corner_evidence(maps, &quad)))
}

fn same_corners(a: &Quad, b: &Quad) -> bool {
    a.iter()
        .zip(b)
        .all(|(p, q)| (p[0] - q[0]).abs() < 0.5 && (p[1] - q[1]).abs() < 0.5)
}

/// The four points as a convex quad in the card's order, with its corner evidence.
fn quad_of(maps: &Heatmaps<'_>, mut pts: [Point; 4]) -> Option<(Quad, f32)> {
    // Image order: clockwise around the centroid.
    let cx = pts.iter().map(|c| c[0]).sum::<f32>() / 4.0;
    let cy = pts.iter().map(|c| c[1]).sum::<f32>() / 4.0;
    pts.sort_by(|a, b| {
        let ta = (a[1] - cy).atan2(a[0] - cx);
        let tb = (b[1] - cy).atan2(b[0] - cx);
        ta.total_cmp(&tb)
    });
    let ring: Quad = clockwise(pts);
    if !is_convex(&ring) || polygon_area(&ring) < 4.0 {
        return None;
    }
    let r = best_rotation(maps, &ring);
    let quad: Quad = std::array::from_fn(|k| ring[(k + r) % 4]);
    Some((quad, corner_evidence(maps, &ring)))
}

/// The rotation `r` for which channel `k` at corner `(k + r) % 4` sums highest.
fn best_rotation(maps: &Heatmaps<'_>, ring: &Quad) -> usize {
    let (mut best_r, mut best_s) = (0, f32::MIN);
    for r in 0..4 {
        let s: f32 = (0..4).map(|k| maps.near(k, ring[(k + r) % 4])).sum();
        if s > best_s {
            best_s = s;
            best_r = r;
        }
    }
    best_r
}

/// Mean over the corners of the summed heat near each (each capped at 1).
fn corner_evidence(maps: &Heatmaps<'_>, ring: &Quad) -> f32 {
    ring.iter()
        .map(|&c| (0..4).map(|k| maps.near(k, c)).sum::<f32>().min(1.0))
        .sum::<f32>()
        / 4.0
}

/// Weighted centroid of `heat` (the channels' sum, or one channel) in a window around a
/// peak cell.
fn subcell(
    maps: &Heatmaps<'_>,
    heat: impl Fn(usize, usize) -> f32,
    y: usize,
    x: usize,
    half: usize,
) -> Point {
    let (mut sx, mut sy, mut sw) = (0f32, 0f32, 0f32);
    let y0 = y.saturating_sub(half);
    let x0 = x.saturating_sub(half);
    for yy in y0..=(y + half).min(maps.h - 1) {
        for xx in x0..=(x + half).min(maps.w - 1) {
            let v = heat(yy, xx);
            sx += v * xx as f32;
            sy += v * yy as f32;
            sw += v;
        }
    }
    if sw <= 0.0 {
        [x as f32, y as f32]
    } else {
        [sx / sw, sy / sw]
    }
}

fn is_convex(q: &Quad) -> bool {
    let mut sign = 0f32;
    for i in 0..4 {
        let (a, b, c) = (q[i], q[(i + 1) % 4], q[(i + 2) % 4]);
        let cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
        if cross == 0.0 || (sign != 0.0 && cross.signum() != sign) {
            return false;
        }
        sign = cross.signum();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array4;

    fn blob(maps: &mut Array4<f32>, k: usize, cx: f32, cy: f32, peak: f32) {
        for y in 0..maps.shape()[2] {
            for x in 0..maps.shape()[3] {
                let d2 = (x as f32 - cx).powi(2) + (y as f32 - cy).powi(2);
                let v = peak * (-d2 / (2.0 * 1.5 * 1.5)).exp();
                let cell = &mut maps[[0, k, y, x]];
                *cell = cell.max(v);
            }
        }
    }

    #[test]
    fn decodes_a_card_turned_upside_down() {
        let mut m = Array4::<f32>::zeros((1, 4, 64, 64));
        // Card turned 180 degrees: its top-left is at the image's bottom-right.
        let corners = [[50.0, 40.0], [10.0, 40.0], [10.0, 15.0], [50.0, 15.0]];
        for (k, c) in corners.iter().enumerate() {
            blob(&mut m, k, c[0], c[1], 0.9);
        }
        let maps = Heatmaps {
            data: m.as_slice().unwrap(),
            h: 64,
            w: 64,
        };
        let found = decode(&maps, &LearnedParams::default());
        assert_eq!(found.len(), 1, "four peaks make one quad");
        let (q, conf) = found[0];
        for (got, want) in q.iter().zip(corners) {
            assert!(
                (got[0] - want[0]).abs() < 0.3 && (got[1] - want[1]).abs() < 0.3,
                "{q:?}"
            );
        }
        assert!(conf > 0.8, "{conf}");
        assert_eq!(super::super::quarter_turns(&q), 2);
    }

    #[test]
    fn flat_heatmaps_give_no_card() {
        let m = Array4::<f32>::from_elem((1, 4, 64, 64), 0.01);
        let maps = Heatmaps {
            data: m.as_slice().unwrap(),
            h: 64,
            w: 64,
        };
        assert!(decode(&maps, &LearnedParams::default()).is_empty());
    }

    #[test]
    fn letterbox_keeps_aspect_and_averages() {
        let img = RgbImage::from_fn(400, 200, |x, _| {
            image::Rgb([if x < 200 { 0 } else { 255 }; 3])
        });
        let (t, scale) = letterbox(&img, 100);
        assert_eq!(scale, 0.25);
        assert_eq!(t[[0, 0, 10, 10]], 0.0);
        assert_eq!(t[[0, 1, 10, 90]], 1.0);
        // Below the content the square is black padding.
        assert_eq!(t[[0, 2, 80, 90]], 0.0);
    }
}
