//! Sub-pixel corners from a coarse quad: each side of the card is searched for the
//! strongest brightness step across it at full resolution, a line is fitted to those
//! edge points (robustly, so text and glare near the border do not pull it), and the
//! corners are the intersections of neighbouring lines. A rounded card's corners are thus
//! placed where its straight sides meet, as the truth (and the warp) expects.

use image::RgbImage;

use crate::geometry::{distance, Point, Quad};

/// The edge search.
#[derive(Debug, Clone, PartialEq)]
pub struct RefineParams {
    /// Whether to refine at all. Default true.
    pub enabled: bool,
    /// Half-width of the first search band across each side, as a share of the card's
    /// short side. Default 0.02: the fine-tuned net's corners are mostly within 1-2% of
    /// the diagonal, and a wider band lets a side jump to a stronger line inside the card
    /// (a printed frame, the MRZ band). On development photos (card_eval seeds 555 and
    /// 556, 700 photos) 0.06 left 97.9-98.1% of photos under 2.5% corner error, 0.03
    /// 98.6%, 0.02 99.1-99.3%.
    pub search_fraction: f32,
    /// Half-width of the second, narrower search, in pixels. Default 3: after the first
    /// fit the line is within a pixel or two; a narrow band ignores printed borders.
    pub fine_search_px: f32,
    /// Edge samples per side. Default 48: enough points for a robust fit; each costs a
    /// few dozen pixel reads.
    pub samples_per_side: usize,
    /// Share of each side's length skipped at both ends. Default 0.1: rounded corners
    /// (radius about 3% of the card width) and corner shadows are not on the line.
    pub end_margin: f32,
    /// Residual scale of the robust fit (Tukey), in pixels. Default 2: JPEG, blur and
    /// noise move a true edge point by about a pixel; text strokes are further off.
    pub robust_scale_px: f32,
    /// Fewest usable edge points for a side to be refitted. Default 8: fewer means the
    /// side is hidden (a finger, the frame's edge) and the coarse side is kept.
    pub min_points: usize,
    /// Largest move of a corner, as a share of the card's short side. Default 0.1:
    /// larger moves mean the fit caught another edge (a second card, a table edge).
    pub max_corner_move: f32,
}

impl Default for RefineParams {
    fn default() -> Self {
        RefineParams {
            enabled: true,
            search_fraction: 0.02,
            fine_search_px: 3.0,
            samples_per_side: 48,
            end_margin: 0.1,
            robust_scale_px: 2.0,
            min_points: 8,
            max_corner_move: 0.1,
        }
    }
}

/// A refined quad and how well the photo supports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Refined {
    /// Same corner order as the coarse quad.
    pub quad: Quad,
    /// Share of the edge samples (all four sides) lying on their fitted line: near 1 for
    /// a card's straight outline, low for a quad laid over texture or a face.
    pub edge_support: f32,
}

/// A line `n . x = c` with unit normal `n`.
#[derive(Debug, Clone, Copy)]
struct Line {
    n: Point,
    c: f32,
}

/// The refined quad (same corner order), or `None` when refinement is off or failed.
pub fn refine(image: &RgbImage, q: &Quad, p: &RefineParams) -> Option<Refined> {
    if !p.enabled {
        return None;
    }
    let short = (0..4)
        .map(|i| distance(q[i], q[(i + 1) % 4]))
        .fold(f32::MAX, f32::min);
    if short < 8.0 {
        return None;
    }
    let coarse = (short * p.search_fraction).max(p.fine_search_px);
    let (first, _) = refine_once(image, q, coarse, p)?;
    let (fine, support) = refine_once(image, &first, p.fine_search_px, p).unwrap_or((first, 0.0));
    let limit = short * p.max_corner_move;
    if (0..4).all(|i| distance(q[i], fine[i]) <= limit) {
        Some(Refined {
            quad: fine,
            edge_support: support,
        })
    } else {
        None
    }
}

/// One search-and-fit pass; returns the quad and the share of samples on the lines.
fn refine_once(image: &RgbImage, q: &Quad, radius: f32, p: &RefineParams) -> Option<(Quad, f32)> {
    // Sign of the quad's winding, so normals point out of the card either way.
    let twice: f32 = (0..4)
        .map(|i| q[i][0] * q[(i + 1) % 4][1] - q[(i + 1) % 4][0] * q[i][1])
        .sum();
    let outward = if twice >= 0.0 { 1.0 } else { -1.0 };
    let mut lines = [Line {
        n: [0.0, 0.0],
        c: 0.0,
    }; 4];
    let mut on_line = 0usize;
    for (k, line) in lines.iter_mut().enumerate() {
        let (a, b) = (q[k], q[(k + 1) % 4]);
        *line = match side_line(image, a, b, outward, radius, p) {
            Some((l, n)) => {
                on_line += n;
                l
            }
            None => line_through(a, b),
        };
    }
    let support = on_line as f32 / (4 * p.samples_per_side.max(1)) as f32;
    let mut out = *q;
    for (k, corner) in out.iter_mut().enumerate() {
        // Corner k joins side k-1 (ending at it) and side k (starting at it).
        *corner = intersect(lines[(k + 3) % 4], lines[k])?;
    }
    Some((out, support))
}

fn line_through(a: Point, b: Point) -> Line {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len = (d[0] * d[0] + d[1] * d[1]).sqrt().max(1e-6);
    let n = [d[1] / len, -d[0] / len];
    Line {
        n,
        c: n[0] * a[0] + n[1] * a[1],
    }
}

fn intersect(l1: Line, l2: Line) -> Option<Point> {
    let det = l1.n[0] * l2.n[1] - l1.n[1] * l2.n[0];
    // Nearly parallel neighbours (under ~3 degrees apart) give no stable corner.
    if det.abs() < 0.05 {
        return None;
    }
    Some([
        (l1.c * l2.n[1] - l1.n[1] * l2.c) / det,
        (l1.n[0] * l2.c - l1.c * l2.n[0]) / det,
    ])
}

/// Luminance at a fractional position (bilinear, clamped at the border).
fn luma(image: &RgbImage, x: f32, y: f32) -> f32 {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let l = |xx: i64, yy: i64| {
        let px = image.get_pixel(xx as u32, yy as u32).0;
        0.299 * px[0] as f32 + 0.587 * px[1] as f32 + 0.114 * px[2] as f32
    };
    let top = l(x0, y0) * (1.0 - fx) + l(x1, y0) * fx;
    let bottom = l(x0, y1) * (1.0 - fx) + l(x1, y1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// Fits the card side near segment `a`-`b`: edge points along the normal, then a robust
/// line, with the number of points within the robust scale of it. `None` when too few
/// strong edge points are found.
fn side_line(
    image: &RgbImage,
    a: Point,
    b: Point,
    outward: f32,
    radius: f32,
    p: &RefineParams,
) -> Option<(Line, usize)> {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let d = [b[0] - a[0], b[1] - a[1]];
    let len = (d[0] * d[0] + d[1] * d[1]).sqrt();
    if len < 4.0 {
        return None;
    }
    let u = [d[0] / len, d[1] / len];
    let n = [outward * u[1], -outward * u[0]];
    let steps = radius.ceil() as i32 + 1;
    let mut points: Vec<(Point, f32)> = Vec::with_capacity(p.samples_per_side);
    let mut profile = vec![0f32; (2 * steps + 1) as usize];
    for i in 0..p.samples_per_side {
        let t = p.end_margin
            + (1.0 - 2.0 * p.end_margin) * (i as f32 + 0.5) / p.samples_per_side as f32;
        let base = [a[0] + d[0] * t, a[1] + d[1] * t];
        for (j, v) in profile.iter_mut().enumerate() {
            let s = (j as i32 - steps) as f32;
            let c = [base[0] + n[0] * s, base[1] + n[1] * s];
            // Averaging three samples along the side suppresses noise and JPEG blocks
            // without blurring across the edge.
            *v = (-1..=1)
                .map(|o| {
                    let o = o as f32 * 1.5;
                    luma(image, c[0] + u[0] * o, c[1] + u[1] * o)
                })
                .sum::<f32>()
                / 3.0;
        }
        // Skip samples whose band leaves the photo: the border is no card edge.
        let far = [base[0] + n[0] * steps as f32, base[1] + n[1] * steps as f32];
        if far[0] < 0.0 || far[1] < 0.0 || far[0] > w - 1.0 || far[1] > h - 1.0 {
            continue;
        }
        let mut best = (0usize, 0f32);
        for j in 1..profile.len() - 1 {
            let g = (profile[j + 1] - profile[j - 1]).abs() / 2.0;
            let s = (j as i32 - steps) as f32 / radius.max(1.0);
            // Prefer steps near the coarse side: printed lines inside the card can be as
            // strong as its outline.
            let score = g * (1.0 - 0.5 * s * s).max(0.0);
            if score > best.1 {
                best = (j, score);
            }
        }
        let (j, score) = best;
        // A step of under 4 grey levels is noise, not an outline.
        if score < 4.0 || j == 0 || j >= profile.len() - 1 {
            continue;
        }
        // Sub-pixel peak of the gradient magnitude (parabola through three samples).
        let g = |k: usize| {
            if k == 0 || k + 1 >= profile.len() {
                0.0
            } else {
                (profile[k + 1] - profile[k - 1]).abs() / 2.0
            }
        };
        let (gm, g0, gp) = (g(j - 1), g(j), g(j + 1));
        let denom = gm - 2.0 * g0 + gp;
        let off = if denom.abs() > 1e-6 {
            (0.5 * (gm - gp) / denom).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        let s = (j as i32 - steps) as f32 + off;
        points.push(([base[0] + n[0] * s, base[1] + n[1] * s], g0));
    }
    if points.len() < p.min_points {
        return None;
    }
    let line = fit_line_robust(&points, p.robust_scale_px)?;
    let inliers = points
        .iter()
        .filter(|(pt, _)| {
            (line.n[0] * pt[0] + line.n[1] * pt[1] - line.c).abs() <= p.robust_scale_px
        })
        .count();
    Some((line, inliers))
}

/// Weighted total-least-squares line, reweighted by Tukey's biweight a few times.
fn fit_line_robust(points: &[(Point, f32)], scale: f32) -> Option<Line> {
    let mut weights: Vec<f32> = points.iter().map(|(_, g)| *g).collect();
    let mut line = None;
    for _ in 0..5 {
        let l = fit_line(points, &weights)?;
        let cutoff = 4.685 * scale;
        for (wgt, (pt, g)) in weights.iter_mut().zip(points) {
            let r = (l.n[0] * pt[0] + l.n[1] * pt[1] - l.c) / cutoff;
            *wgt = if r.abs() < 1.0 {
                g * (1.0 - r * r).powi(2)
            } else {
                0.0
            };
        }
        line = Some(l);
    }
    line
}

fn fit_line(points: &[(Point, f32)], weights: &[f32]) -> Option<Line> {
    let total: f32 = weights.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let (mut mx, mut my) = (0.0, 0.0);
    for ((pt, _), w) in points.iter().zip(weights) {
        mx += w * pt[0];
        my += w * pt[1];
    }
    mx /= total;
    my /= total;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for ((pt, _), w) in points.iter().zip(weights) {
        let (dx, dy) = (pt[0] - mx, pt[1] - my);
        sxx += w * dx * dx;
        sxy += w * dx * dy;
        syy += w * dy * dy;
    }
    // The normal is the eigenvector of the scatter matrix with the smaller eigenvalue.
    let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let n = [-theta.sin(), theta.cos()];
    Some(Line {
        n,
        c: n[0] * mx + n[1] * my,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn snaps_a_rough_quad_to_the_card_outline() {
        let mut img = RgbImage::from_pixel(400, 300, Rgb([50, 60, 70]));
        for y in 100..200 {
            for x in 80..240 {
                img.put_pixel(x, y, Rgb([220, 215, 200]));
            }
        }
        let rough: Quad = [[84.0, 97.0], [236.0, 104.0], [243.0, 196.0], [77.0, 203.0]];
        let r = refine(&img, &rough, &RefineParams::default()).expect("refined");
        assert!(r.edge_support > 0.9, "{r:?}");
        let q = r.quad;
        let truth: Quad = [[80.0, 100.0], [240.0, 100.0], [240.0, 200.0], [80.0, 200.0]];
        for (got, want) in q.iter().zip(truth) {
            assert!(distance(*got, want) < 1.0, "{q:?}");
        }
    }
}
