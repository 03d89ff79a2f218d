//! A classical MRZ locator that needs no neural detector: the zone is a dense block of 2
//! or 3 long lines of dark monospaced characters.
//!
//! On a grey copy with its long side at [`FastLocateParams::work_side`]:
//! 1. a black-hat (closing minus image) with a small square brings out dark strokes
//!    narrower than the square, whatever the lighting; Otsu's threshold makes them ink;
//! 2. at a few scales, a square closing merges the characters of a line, and the lines
//!    of a zone, into blocks; connected blocks that are long and dense enough are kept;
//! 3. each block's orientation comes from its second moments (any angle, quarter turns
//!    included), and the ink's profile across that axis splits it into text rows;
//! 4. the rows go through the same zone geometry as the detector's ([`locate`]).
//!
//! The result is only a proposal: the reader accepts it when the check digits hold and
//! falls back to the DB detector otherwise.

use image::RgbImage;
use imageproc::region_labelling::{connected_components, Connectivity};

use super::locate::{self, LocateParams, Row, ZoneCandidate};
use crate::geometry::{Point, Quad};

/// Parameters of the fast locator. Lengths in working-image pixels unless stated.
#[derive(Debug, Clone, PartialEq)]
pub struct FastLocateParams {
    /// The image is scaled so that its long side is this. Default 800: a passport page
    /// filling a third of the photo's width still has 5-pixel characters.
    pub work_side: u32,
    /// Side of the black-hat square. Default 9: wider than a stroke at every usable size.
    pub blackhat: usize,
    /// Closing squares that merge a zone into a block, one pass each. Default 5, 9, 15:
    /// character pitches of about 4-14 pixels. Squares of 10 and more close a 2x (3x...)
    /// max-pooled copy of the ink.
    pub closings: Vec<usize>,
    /// Blocks smaller than this share of the working image's short side are ignored.
    /// Default 0.12.
    pub min_block_length: f32,
    /// Blocks must be at least this much longer than thick. Default 2.5 (a TD1 zone is
    /// about 5.4).
    pub min_block_aspect: f32,
    /// Share of the block's rectangle its pixels must fill. Default 0.2: a zone whose
    /// lines did not merge but touch a stamp at one end is a sparse block.
    pub min_fill: f32,
    /// Candidate zones kept. Default 4.
    pub max_zones: usize,
    /// Line quads are grown to this many times the ink's height, and by this many ink
    /// heights at both ends. Default 1.7 and 0.6 (the recognisers were trained and tuned
    /// with a margin around the characters).
    pub grow_height: f32,
    pub grow_ends: f32,
}

impl Default for FastLocateParams {
    fn default() -> Self {
        FastLocateParams {
            work_side: 640,
            blackhat: 9,
            closings: vec![5, 9, 15],
            min_block_length: 0.12,
            min_block_aspect: 2.5,
            min_fill: 0.2,
            max_zones: 4,
            grow_height: 1.7,
            grow_ends: 0.6,
        }
    }
}

/// A grey image as bytes, row-major.
struct Grey {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

/// Area-averaged grey copy of `image` with its long side at most `side`.
fn grey_small(image: &RgbImage, side: u32) -> (Grey, f32) {
    let (iw, ih) = (image.width() as usize, image.height() as usize);
    let long = iw.max(ih).max(1);
    let f = (long as f32 / side as f32).max(1.0);
    let w = ((iw as f32 / f).round() as usize).max(1);
    let h = ((ih as f32 / f).round() as usize).max(1);
    let mut sum = vec![0u32; w * h];
    let mut cnt = vec![0u32; w * h];
    let raw = image.as_raw();
    // Each source pixel adds to the output pixel it falls in.
    let xs: Vec<usize> = (0..iw)
        .map(|x| ((x as f32 / f) as usize).min(w - 1))
        .collect();
    for y in 0..ih {
        let oy = ((y as f32 / f) as usize).min(h - 1) * w;
        let row = &raw[y * iw * 3..(y + 1) * iw * 3];
        for x in 0..iw {
            let p = &row[x * 3..x * 3 + 3];
            let g = (299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2])) / 1000;
            let o = oy + xs[x];
            sum[o] += g;
            cnt[o] += 1;
        }
    }
    let px = sum
        .iter()
        .zip(&cnt)
        .map(|(s, c)| (s / (*c).max(1)) as u8)
        .collect();
    (Grey { w, h, px }, f)
}

/// Running max (`max = true`) or min of `k` samples centred on each, along one line of
/// `n` values at `stride` (van Herk / Gil-Werman: three comparisons a sample).
fn running(line: &mut [u8], k: usize, max: bool, g: &mut Vec<u8>, hbuf: &mut Vec<u8>) {
    let n = line.len();
    if k <= 1 || n == 0 {
        return;
    }
    let r = k / 2;
    let pad = if max { 0u8 } else { 255u8 };
    let op = |a: u8, b: u8| if max { a.max(b) } else { a.min(b) };
    // Padded input: r on the left, enough on the right for whole blocks.
    let len = n + 2 * r;
    let blocks = len.div_ceil(k);
    let total = blocks * k;
    g.clear();
    g.resize(total, pad);
    hbuf.clear();
    hbuf.resize(total, pad);
    let at = |i: usize| -> u8 {
        if i >= r && i - r < n {
            line[i - r]
        } else {
            pad
        }
    };
    for b in 0..blocks {
        let s = b * k;
        let mut acc = pad;
        for (i, slot) in g.iter_mut().enumerate().skip(s).take(k) {
            acc = op(acc, at(i));
            *slot = acc;
        }
        let mut acc = pad;
        for i in (s..s + k).rev() {
            acc = op(acc, at(i));
            hbuf[i] = acc;
        }
    }
    // Window [i, i + k - 1] in padded coordinates is centred on input i.
    for (i, out) in line.iter_mut().enumerate() {
        let a = i;
        let b = i + 2 * r;
        *out = op(hbuf[a], g[b.min(total - 1)]);
    }
}

/// Square max or min filter of side `k` (odd).
fn filter(img: &Grey, k: usize, max: bool) -> Grey {
    let (w, h) = (img.w, img.h);
    let mut px = img.px.clone();
    let (mut g, mut hb) = (Vec::new(), Vec::new());
    for row in px.chunks_mut(w) {
        running(row, k, max, &mut g, &mut hb);
    }
    let mut col = vec![0u8; h];
    for x in 0..w {
        for y in 0..h {
            col[y] = px[y * w + x];
        }
        running(&mut col, k, max, &mut g, &mut hb);
        for y in 0..h {
            px[y * w + x] = col[y];
        }
    }
    Grey { w, h, px }
}

fn closing(img: &Grey, k: usize) -> Grey {
    filter(&filter(img, k, true), k, false)
}

/// Otsu's threshold of a histogram of bytes.
fn otsu(px: &[u8]) -> u8 {
    let mut hist = [0u64; 256];
    for &p in px {
        hist[p as usize] += 1;
    }
    let total = px.len() as f64;
    let sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0.0, 0.0, -1.0, 0u8);
    for (t, &c) in hist.iter().enumerate() {
        w0 += c as f64;
        if w0 == 0.0 {
            continue;
        }
        let w1 = total - w0;
        if w1 == 0.0 {
            break;
        }
        sum0 += t as f64 * c as f64;
        let (m0, m1) = (sum0 / w0, (sum - sum0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

/// Ink: dark strokes narrower than the black-hat square, above Otsu's threshold (and a
/// floor, so a blank page has none).
fn ink_mask(grey: &Grey, params: &FastLocateParams) -> Grey {
    let closed = closing(grey, params.blackhat);
    let hat: Vec<u8> = closed
        .px
        .iter()
        .zip(&grey.px)
        .map(|(c, g)| c.saturating_sub(*g))
        .collect();
    // Printed backgrounds (guilloche, tints) are faint next to the MRZ's black ink.
    let mut hist = [0usize; 256];
    for &v in &hat {
        hist[v as usize] += 1;
    }
    let (mut above, mut strong) = (0usize, 255u8);
    while strong > 0 && above + hist[strong as usize] < hat.len() / 200 {
        above += hist[strong as usize];
        strong -= 1;
    }
    let t = otsu(&hat).max(12).max((f32::from(strong) * 0.4) as u8);
    Grey {
        w: grey.w,
        h: grey.h,
        px: hat.iter().map(|&v| if v > t { 255 } else { 0 }).collect(),
    }
}

/// Max-pooled copy of a mask, `s` x `s` pixels to one.
fn pooled(img: &Grey, s: usize) -> Grey {
    if s <= 1 {
        return Grey {
            w: img.w,
            h: img.h,
            px: img.px.clone(),
        };
    }
    let (w, h) = (img.w.div_ceil(s), img.h.div_ceil(s));
    let mut px = vec![0u8; w * h];
    for y in 0..img.h {
        let o = (y / s) * w;
        for x in 0..img.w {
            let v = img.px[y * img.w + x];
            let d = &mut px[o + x / s];
            *d = (*d).max(v);
        }
    }
    Grey { w, h, px }
}

/// Moments of one block.
#[derive(Clone, Default)]
struct Moments {
    n: f64,
    sx: f64,
    sy: f64,
    sxx: f64,
    sxy: f64,
    syy: f64,
}

/// A block's frame: its centre, unit axis (long direction) and extents along and across.
struct Block {
    center: Point,
    axis: Point,
    u: (f32, f32),
    v: (f32, f32),
}

fn axis_of(m: &Moments) -> (Point, Point) {
    let (cx, cy) = (m.sx / m.n, m.sy / m.n);
    let a = m.sxx / m.n - cx * cx;
    let b = m.sxy / m.n - cx * cy;
    let c = m.syy / m.n - cy * cy;
    let theta = 0.5 * (2.0 * b).atan2(a - c);
    let mut axis = [theta.cos() as f32, theta.sin() as f32];
    if axis[0] < 0.0 || (axis[0] == 0.0 && axis[1] < 0.0) {
        axis = [-axis[0], -axis[1]];
    }
    ([cx as f32, cy as f32], axis)
}

/// Long, dense blocks of the closed ink at one scale.
fn blocks(ink: &Grey, k: usize, params: &FastLocateParams) -> Vec<Block> {
    let closed = closing(ink, k);
    let img =
        image::GrayImage::from_raw(ink.w as u32, ink.h as u32, closed.px).expect("buffer size");
    let labels = connected_components(&img, Connectivity::Eight, image::Luma([0u8]));
    let n = labels.pixels().map(|p| p.0[0]).max().unwrap_or(0) as usize;
    let mut m = vec![Moments::default(); n + 1];
    for (x, y, l) in labels.enumerate_pixels() {
        let l = l.0[0] as usize;
        if l == 0 {
            continue;
        }
        let (x, y) = (x as f64, y as f64);
        let e = &mut m[l];
        e.n += 1.0;
        e.sx += x;
        e.sy += y;
        e.sxx += x * x;
        e.sxy += x * y;
        e.syy += y * y;
    }
    let min_len = params.min_block_length * ink.w.min(ink.h) as f32;
    let frames: Vec<Option<(Point, Point)>> = m
        .iter()
        .map(|e| (e.n >= 60.0).then(|| axis_of(e)))
        .collect();
    let mut ext = vec![(f32::MAX, f32::MIN, f32::MAX, f32::MIN); n + 1];
    for (x, y, l) in labels.enumerate_pixels() {
        let l = l.0[0] as usize;
        if let Some((c, a)) = frames[l] {
            let (dx, dy) = (x as f32 - c[0], y as f32 - c[1]);
            let u = dx * a[0] + dy * a[1];
            let v = -dx * a[1] + dy * a[0];
            let e = &mut ext[l];
            e.0 = e.0.min(u);
            e.1 = e.1.max(u);
            e.2 = e.2.min(v);
            e.3 = e.3.max(v);
        }
    }
    let mut out = Vec::new();
    for l in 1..=n {
        let Some((center, axis)) = frames[l] else {
            continue;
        };
        let (u0, u1, v0, v1) = ext[l];
        let (len, thick) = (u1 - u0 + 1.0, v1 - v0 + 1.0);
        if len < min_len
            || len < params.min_block_aspect * thick
            || (m[l].n as f32) < params.min_fill * len * thick
        {
            continue;
        }
        out.push(Block {
            center,
            axis,
            u: (u0, u1),
            v: (v0, v1),
        });
    }
    out
}

/// Text rows inside a block: runs of the ink's profile across the block's axis.
fn block_rows(ink: &Grey, b: &Block) -> Vec<Row> {
    let (a, c) = (b.axis, b.center);
    let normal = [-a[1], a[0]];
    let pad = 2.0;
    let (v0, v1) = (b.v.0 - pad, b.v.1 + pad);
    let bins = (v1 - v0).ceil() as usize + 1;
    let mut profile = vec![0u32; bins];
    // Ink pixels inside the block's rectangle, with their (u, v).
    let mut pts: Vec<(f32, f32)> = Vec::new();
    let corners = [(b.u.0, v0), (b.u.1, v0), (b.u.1, v1), (b.u.0, v1)].map(|(u, v)| {
        [
            c[0] + u * a[0] + v * normal[0],
            c[1] + u * a[1] + v * normal[1],
        ]
    });
    let x0 = corners
        .iter()
        .map(|p| p[0])
        .fold(f32::MAX, f32::min)
        .max(0.0) as usize;
    let x1 = (corners.iter().map(|p| p[0]).fold(f32::MIN, f32::max).ceil() as usize).min(ink.w - 1);
    let y0 = corners
        .iter()
        .map(|p| p[1])
        .fold(f32::MAX, f32::min)
        .max(0.0) as usize;
    let y1 = (corners.iter().map(|p| p[1]).fold(f32::MIN, f32::max).ceil() as usize).min(ink.h - 1);
    for y in y0..=y1 {
        for x in x0..=x1 {
            if ink.px[y * ink.w + x] == 0 {
                continue;
            }
            let (dx, dy) = (x as f32 - c[0], y as f32 - c[1]);
            let u = dx * a[0] + dy * a[1];
            let v = dx * normal[0] + dy * normal[1];
            if u < b.u.0 || u > b.u.1 || v < v0 || v > v1 {
                continue;
            }
            profile[((v - v0) as usize).min(bins - 1)] += 1;
            pts.push((u, v));
        }
    }
    let peak = profile.iter().copied().max().unwrap_or(0);
    if peak == 0 {
        return Vec::new();
    }
    let t = (peak as f32 * 0.2).max(2.0) as u32;
    // Runs above the threshold, gaps of one bin bridged.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bins {
        if profile[i] >= t {
            let s = i;
            while i < bins && (profile[i] >= t || (i + 1 < bins && profile[i + 1] >= t)) {
                i += 1;
            }
            runs.push((s, i - 1));
        } else {
            i += 1;
        }
    }
    let mut rows = Vec::new();
    for (s, e) in runs {
        let (rv0, rv1) = (v0 + s as f32, v0 + e as f32 + 1.0);
        let height = rv1 - rv0;
        if height < 2.0 {
            continue;
        }
        // The row's extent along the axis: from the ink in its band, ignoring the
        // sparsest 0.5% at either end (specks).
        let mut us: Vec<f32> = pts
            .iter()
            .filter(|(_, v)| *v >= rv0 && *v < rv1)
            .map(|(u, _)| *u)
            .collect();
        if us.len() < 10 {
            continue;
        }
        us.sort_by(f32::total_cmp);
        let lo = us[us.len() / 200];
        let hi = us[us.len() - 1 - us.len() / 200];
        let (um, vm) = ((lo + hi) / 2.0, (rv0 + rv1) / 2.0);
        rows.push(Row {
            center: [
                c[0] + um * a[0] + vm * normal[0],
                c[1] + um * a[1] + vm * normal[1],
            ],
            axis: a,
            length: hi - lo + 1.0,
            height,
        });
    }
    rows
}

/// Grows a line quad (tl, tr, br, bl) about its centre line.
fn grow(q: &Quad, fy: f32, ends: f32) -> Quad {
    let mid = |p: Point, r: Point| [(p[0] + r[0]) / 2.0, (p[1] + r[1]) / 2.0];
    let (l, r) = (mid(q[0], q[3]), mid(q[1], q[2]));
    let h = crate::geometry::distance(q[0], q[3]);
    let len = crate::geometry::distance(l, r).max(1e-6);
    let a = [(r[0] - l[0]) / len, (r[1] - l[1]) / len];
    let n = [-a[1], a[0]];
    let (hh, e) = (h * fy / 2.0, h * ends);
    let at = |p: Point, s: f32, t: f32| [p[0] + s * a[0] + t * n[0], p[1] + s * a[1] + t * n[1]];
    [at(l, -e, -hh), at(r, e, -hh), at(r, e, hh), at(l, -e, hh)]
}

/// Rows of every MRZ-like block of `image`, in full-image pixels (axis pointing right,
/// or down for a vertical block).
pub fn rows(image: &RgbImage, params: &FastLocateParams) -> Vec<Row> {
    let (grey, f) = grey_small(image, params.work_side);
    if grey.w < 16 || grey.h < 16 {
        return Vec::new();
    }
    let ink = ink_mask(&grey, params);
    let mut out: Vec<Row> = Vec::new();
    for &k in &params.closings {
        // Large squares close a pooled copy (a third of the work per halving).
        let s = (k / 5).max(1);
        let small = pooled(&ink, s);
        let ks = (k / s) | 1;
        let sf = s as f32;
        for b in blocks(&small, ks, params) {
            let b = Block {
                center: [
                    (b.center[0] + 0.5) * sf - 0.5,
                    (b.center[1] + 0.5) * sf - 0.5,
                ],
                axis: b.axis,
                u: (b.u.0 * sf - sf, b.u.1 * sf + sf),
                v: (b.v.0 * sf - sf, b.v.1 * sf + sf),
            };
            for r in block_rows(&ink, &b) {
                let r = Row {
                    center: [r.center[0] * f, r.center[1] * f],
                    length: r.length * f,
                    height: r.height * f,
                    ..r
                };
                // The same row from another scale.
                let dup = out.iter().any(|o| {
                    let d = [o.center[0] - r.center[0], o.center[1] - r.center[1]];
                    (d[0] * d[0] + d[1] * d[1]).sqrt() < 0.5 * o.height.min(r.height)
                        && (o.length / r.length - 1.0).abs() < 0.1
                });
                if !dup {
                    out.push(r);
                }
            }
        }
    }
    out
}

/// Candidate zones from [`rows`] read in the rows' direction (`flip` false) or the other
/// way round, their line quads grown for recognition.
pub fn zones(
    rows: &[Row],
    flip: bool,
    params: &FastLocateParams,
    locate: &LocateParams,
) -> Vec<ZoneCandidate> {
    let oriented: Vec<Row> = if flip {
        rows.iter().map(Row::flipped).collect()
    } else {
        rows.to_vec()
    };
    let locate = LocateParams {
        max_zones: params.max_zones,
        ..locate.clone()
    };
    let mut zones = locate::candidate_zones(&oriented, &locate);
    for z in &mut zones {
        for q in &mut z.lines {
            *q = grow(q, params.grow_height, params.grow_ends);
        }
    }
    zones
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_filters_match_a_naive_window() {
        let line: Vec<u8> = vec![5, 1, 9, 3, 3, 7, 0, 2, 8, 4, 6];
        for k in [1usize, 3, 5, 7] {
            for max in [true, false] {
                let mut got = line.clone();
                running(&mut got, k, max, &mut Vec::new(), &mut Vec::new());
                let r = k / 2;
                let want: Vec<u8> = (0..line.len())
                    .map(|i| {
                        let lo = i.saturating_sub(r);
                        let hi = (i + r).min(line.len() - 1);
                        let w = &line[lo..=hi];
                        if max {
                            *w.iter().max().unwrap()
                        } else {
                            *w.iter().min().unwrap()
                        }
                    })
                    .collect();
                assert_eq!(got, want, "k {k} max {max}");
            }
        }
    }

    #[test]
    fn two_dark_bands_on_a_tilted_page_are_two_parallel_rows() {
        // Two "lines" of dashes (characters) 10 degrees off horizontal.
        let mut img = RgbImage::from_pixel(800, 600, image::Rgb([230, 230, 230]));
        let (c, s) = (10f32.to_radians().cos(), 10f32.to_radians().sin());
        for line in 0..2 {
            for ch in 0..40 {
                for dx in 0..8 {
                    for dy in 0..14 {
                        if (2..6).contains(&dx) && (3..12).contains(&dy) {
                            continue; // hollow characters, like strokes
                        }
                        let (u, v) = (ch as f32 * 13.0 + dx as f32, line as f32 * 26.0 + dy as f32);
                        let x = 150.0 + u * c - v * s;
                        let y = 300.0 + u * s + v * c;
                        img.put_pixel(x as u32, y as u32, image::Rgb([20, 20, 20]));
                    }
                }
            }
        }
        let rows = rows(&img, &FastLocateParams::default());
        let long: Vec<&Row> = rows.iter().filter(|r| r.length > 300.0).collect();
        assert!(long.len() >= 2, "{rows:?}");
        for r in long {
            let angle = r.axis[1].atan2(r.axis[0]).to_degrees();
            assert!((angle - 10.0).abs() < 2.0, "{r:?}");
        }
        let zones = zones(
            &rows,
            false,
            &FastLocateParams::default(),
            &LocateParams::default(),
        );
        assert!(!zones.is_empty());
        assert_eq!(zones[0].lines.len(), 2);
    }
}
