//! Classical plate localisation in a photo of a car: windows of plate shape whose inside
//! is dense in vertical strokes (characters, the rule, the border) and brighter than its
//! surroundings, ranked, then read by the recogniser, which has the last word.
//!
//! Everything runs on a copy shrunk to at most [`LocateParams::work_side`] pixels, with
//! integral images, so a photo costs a few milliseconds.

use image::{GrayImage, RgbImage};

use crate::extraction::Quad;

/// How windows are searched.
#[derive(Debug, Clone, PartialEq)]
pub struct LocateParams {
    /// Longest side of the working copy in pixels. Default 480.
    pub work_side: u32,
    /// Window widths as shares of the working copy's width. Default 0.08 to 0.6.
    pub widths: Vec<f32>,
    /// Window aspect (width / height). Default 2.0 (35 x 17 cm plates, a little margin).
    pub aspect: f32,
    /// Windows kept after non-maximum suppression. Default 24.
    pub keep: usize,
}

impl Default for LocateParams {
    fn default() -> Self {
        LocateParams {
            work_side: 480,
            widths: vec![0.08, 0.1, 0.125, 0.155, 0.19, 0.235, 0.29, 0.36, 0.45, 0.6],
            aspect: 2.0,
            keep: 24,
        }
    }
}

/// A candidate window in the input image's pixels, with its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// x0, y0, x1, y1.
    pub rect: [f32; 4],
    pub score: f32,
}

impl Candidate {
    pub fn quad(&self) -> Quad {
        let [x0, y0, x1, y1] = self.rect;
        [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
    }

    /// The window grown by `fx` of its width and `fy` of its height on each side.
    pub fn grown(&self, fx: f32, fy: f32) -> Candidate {
        let [x0, y0, x1, y1] = self.rect;
        let (dx, dy) = ((x1 - x0) * fx, (y1 - y0) * fy);
        Candidate {
            rect: [x0 - dx, y0 - dy, x1 + dx, y1 + dy],
            score: self.score,
        }
    }
}

struct Integral {
    w: usize,
    data: Vec<f64>,
}

impl Integral {
    fn new(w: usize, h: usize, value: impl Fn(usize, usize) -> f64) -> Integral {
        let mut data = vec![0.0; (w + 1) * (h + 1)];
        for y in 0..h {
            let mut row = 0.0;
            for x in 0..w {
                row += value(x, y);
                data[(y + 1) * (w + 1) + x + 1] = data[y * (w + 1) + x + 1] + row;
            }
        }
        Integral { w, data }
    }

    /// Sum over [x0, x1) x [y0, y1).
    fn sum(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> f64 {
        let s = self.w + 1;
        self.data[y1 * s + x1] - self.data[y0 * s + x1] - self.data[y1 * s + x0]
            + self.data[y0 * s + x0]
    }
}

/// Candidate plate windows, best first.
pub fn candidates(image: &RgbImage, params: &LocateParams) -> Vec<Candidate> {
    let (iw, ih) = image.dimensions();
    if iw < 16 || ih < 16 {
        return Vec::new();
    }
    let scale = (params.work_side as f32 / iw.max(ih) as f32).min(1.0);
    let (w, h) = (
        ((iw as f32 * scale).round() as u32).max(8),
        ((ih as f32 * scale).round() as u32).max(8),
    );
    let small = crate::preprocess::resize_bilinear(image, w, h);
    let grey = GrayImage::from_fn(w, h, |x, y| {
        let p = small.get_pixel(x, y).0;
        image::Luma([
            ((299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2])) / 1000) as u8,
        ])
    });
    let (wu, hu) = (w as usize, h as usize);
    let g = |x: usize, y: usize| f64::from(grey.get_pixel(x as u32, y as u32).0[0]);
    // Vertical strokes: the horizontal gradient, thresholded so that texture counts less
    // than sharp dark-on-light edges.
    let edge = |x: usize, y: usize| -> f64 {
        if x == 0 || x + 1 >= wu {
            return 0.0;
        }
        let d = (g(x + 1, y) - g(x - 1, y)).abs();
        if d > 40.0 {
            1.0
        } else {
            0.0
        }
    };
    let edges = Integral::new(wu, hu, edge);
    let bright = Integral::new(wu, hu, g);
    let mut found = Vec::new();
    for &share in &params.widths {
        let ww = (share * w as f32).round() as usize;
        let wh = (ww as f32 / params.aspect).round() as usize;
        if ww < 20 || wh < 10 || ww >= wu || wh >= hu {
            continue;
        }
        let step_x = (ww / 8).max(2);
        let step_y = (wh / 6).max(2);
        let area = (ww * wh) as f64;
        let mut y = 0;
        while y + wh <= hu {
            let mut x = 0;
            while x + ww <= wu {
                // The body: the lower 70% of the window holds the characters.
                let by = y + wh * 3 / 10;
                let inner = edges.sum(x, by, x + ww, y + wh) / (ww * (y + wh - by)) as f64;
                // Rings left and right of the window should be quieter than the inside.
                let rx = ww / 4;
                let (lx0, rx1) = (x.saturating_sub(rx), (x + ww + rx).min(wu));
                let side_area = ((x - lx0) + (rx1 - x - ww)) * (y + wh - by);
                let side = if side_area > 0 {
                    (edges.sum(lx0, by, rx1, y + wh) - edges.sum(x, by, x + ww, y + wh))
                        / side_area as f64
                } else {
                    0.0
                };
                let mean = bright.sum(x, y, x + ww, y + wh) / area;
                // Plates are light: the white body dominates.
                let light = (mean / 255.0).clamp(0.0, 1.0);
                let score = (inner - 0.6 * side) * (0.4 + light);
                if inner > 0.05 && score > 0.0 {
                    found.push(Candidate {
                        rect: [
                            x as f32 / scale,
                            y as f32 / scale,
                            (x + ww) as f32 / scale,
                            (y + wh) as f32 / scale,
                        ],
                        score: score as f32,
                    });
                }
                x += step_x;
            }
            y += step_y;
        }
    }
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Candidate> = Vec::new();
    for c in found {
        if kept.len() >= params.keep {
            break;
        }
        if kept.iter().all(|k| iou(&k.rect, &c.rect) < 0.3) {
            kept.push(c);
        }
    }
    kept
}

/// Candidates from text-like blobs: vertical strokes closed horizontally into blobs
/// (the plate's characters merge into one), kept when plate-shaped, then grown to the
/// whole plate (band above, border around). Rect in input pixels.
pub fn blob_candidates(image: &RgbImage, params: &LocateParams) -> Vec<Candidate> {
    let (iw, ih) = image.dimensions();
    if iw < 16 || ih < 16 {
        return Vec::new();
    }
    let side = params.work_side.max(64);
    let scale = (side as f32 / iw.max(ih) as f32).min(1.0);
    let (w, h) = (
        ((iw as f32 * scale).round() as usize).max(8),
        ((ih as f32 * scale).round() as usize).max(8),
    );
    let small = crate::preprocess::resize_bilinear(image, w as u32, h as u32);
    let grey: Vec<i32> = small
        .pixels()
        .map(|p| {
            ((299 * u32::from(p.0[0]) + 587 * u32::from(p.0[1]) + 114 * u32::from(p.0[2])) / 1000)
                as i32
        })
        .collect();
    let mut found = Vec::new();
    // Two stroke thresholds: faint plates and crisp ones.
    for (threshold, gap) in [(28, 120), (48, 120), (28, 60), (48, 60)] {
        let mut edge = vec![0u8; w * h];
        for y in 0..h {
            for x in 1..w - 1 {
                let d = (grey[y * w + x + 1] - grey[y * w + x - 1]).abs();
                edge[y * w + x] = u8::from(d > threshold);
            }
        }
        // Horizontal closing with a radius of about a character gap.
        let r = (w / gap).max(2);
        let close = |src: &[u8], keep_all: bool| -> Vec<u8> {
            let mut out = vec![0u8; w * h];
            for y in 0..h {
                let row = &src[y * w..(y + 1) * w];
                let mut pre = vec![0u32; w + 1];
                for x in 0..w {
                    pre[x + 1] = pre[x] + u32::from(row[x]);
                }
                for x in 0..w {
                    let (a, b) = (x.saturating_sub(r), (x + r + 1).min(w));
                    let n = pre[b] - pre[a];
                    out[y * w + x] = u8::from(if keep_all { n as usize == b - a } else { n > 0 });
                }
            }
            out
        };
        let dilated = close(&edge, false);
        let closed = close(&dilated, true);
        // Drop thin horizontal streaks: a pixel needs company above or below.
        let mut mask = vec![0u8; w * h];
        for y in 1..h - 1 {
            for x in 0..w {
                let n = closed[(y - 1) * w + x] + closed[y * w + x] + closed[(y + 1) * w + x];
                mask[y * w + x] = u8::from(n >= 2);
            }
        }
        // Connected components (4-neighbours).
        let mut label = vec![0u32; w * h];
        let mut next = 0u32;
        let mut stack = Vec::new();
        for start in 0..w * h {
            if mask[start] == 0 || label[start] != 0 {
                continue;
            }
            next += 1;
            label[start] = next;
            stack.push(start);
            let (mut x0, mut y0, mut x1, mut y1, mut count) = (w, h, 0, 0, 0usize);
            while let Some(i) = stack.pop() {
                let (x, y) = (i % w, i / w);
                count += 1;
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
                let mut push = |j: usize| {
                    if mask[j] != 0 && label[j] == 0 {
                        label[j] = next;
                        stack.push(j);
                    }
                };
                if x > 0 {
                    push(i - 1);
                }
                if x + 1 < w {
                    push(i + 1);
                }
                if y > 0 {
                    push(i - w);
                }
                if y + 1 < h {
                    push(i + w);
                }
            }
            let (bw, bh) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
            let aspect = bw / bh;
            let fill = count as f32 / (bw * bh);
            if bw < 0.035 * w as f32 || bw > 0.95 * w as f32 || bh < 5.0 {
                continue;
            }
            if !(1.3..=9.0).contains(&aspect) || fill < 0.25 {
                continue;
            }
            // Plates' character rows are about 3-4 times as wide as tall.
            let shape = 1.0 / (1.0 + ((aspect / 3.2).ln()).abs());
            // The body's background is white (its bright pixels unsaturated), and a
            // coloured band sits just above the characters.
            let sat = |x: usize, y: usize| -> (f32, f32) {
                let p = small.get_pixel(x as u32, y as u32).0;
                let mx = f32::from(p[0].max(p[1]).max(p[2]));
                let mn = f32::from(p[0].min(p[1]).min(p[2]));
                ((mx - mn) / mx.max(1.0), mx / 255.0)
            };
            let mut body: Vec<(f32, f32)> = Vec::new();
            for y in y0..=y1 {
                for x in x0..=x1 {
                    body.push(sat(x, y));
                }
            }
            body.sort_by(|a, b| a.1.total_cmp(&b.1));
            let bright = &body[body.len() * 3 / 4..];
            let body_v = bright.iter().map(|p| p.1).sum::<f32>() / bright.len().max(1) as f32;
            let body_s = bright.iter().map(|p| p.0).sum::<f32>() / bright.len().max(1) as f32;
            let band_h = ((bh * 0.6) as usize).max(2);
            let (by0, by1) = (y0.saturating_sub(band_h), y0);
            let mut band_s = 0.0;
            let mut n_band = 0.0;
            for y in by0..by1 {
                for x in x0..=x1 {
                    band_s += sat(x, y).0;
                    n_band += 1.0;
                }
            }
            let band_s = if n_band > 0.0 { band_s / n_band } else { 0.0 };
            let white = (body_v * (1.0 - body_s)).clamp(0.0, 1.0);
            let band = (band_s - body_s).clamp(0.0, 0.5);
            let score = fill * shape * (0.2 + white) * (0.1 + 2.0 * band).powi(2);
            // The blob is mostly the characters (and the band text when they touch):
            // grow up for the band, a little on the other sides.
            let (gx, gup, gdown) = (0.1 * bw, 0.55 * bh, 0.2 * bh);
            found.push(Candidate {
                rect: [
                    (x0 as f32 - gx).max(0.0) / scale,
                    (y0 as f32 - gup).max(0.0) / scale,
                    ((x1 + 1) as f32 + gx).min(w as f32) / scale,
                    ((y1 + 1) as f32 + gdown).min(h as f32) / scale,
                ],
                score,
            });
        }
    }
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Candidate> = Vec::new();
    for c in found {
        if kept.len() >= params.keep {
            break;
        }
        if kept.iter().all(|k| iou(&k.rect, &c.rect) < 0.5) {
            kept.push(c);
        }
    }
    kept
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = ix * iy;
    let area = |r: &[f32; 4]| (r[2] - r[0]) * (r[3] - r[1]);
    inter / (area(a) + area(b) - inter).max(1e-6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn a_striped_light_box_on_a_dark_car_is_the_first_candidate() {
        let mut img = RgbImage::from_pixel(640, 480, Rgb([40, 40, 45]));
        for y in 300..360 {
            for x in 260..380 {
                let ink = (x / 6) % 2 == 0 && y > 318;
                let v = if ink { 20 } else { 235 };
                img.put_pixel(x, y, Rgb([v, v, v]));
            }
        }
        let c = candidates(&img, &LocateParams::default());
        assert!(!c.is_empty());
        let [x0, y0, x1, y1] = c[0].rect;
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        assert!(
            (cx - 320.0).abs() < 40.0 && (cy - 330.0).abs() < 30.0,
            "{c:?}"
        );
    }
}
