//! Plane geometry shared by every stage: quads, rotated rectangles, convex hulls and the
//! perspective crop. Points are `[x, y]` in pixels, `f32`.

use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::Projection;

pub use crate::extraction::Quad;

pub type Point = [f32; 2];

fn sub(a: Point, b: Point) -> Point {
    [a[0] - b[0], a[1] - b[1]]
}

fn cross(o: Point, a: Point, b: Point) -> f32 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

pub fn distance(a: Point, b: Point) -> f32 {
    let d = sub(a, b);
    (d[0] * d[0] + d[1] * d[1]).sqrt()
}

/// Area of a simple polygon (shoelace), always positive.
pub fn polygon_area(points: &[Point]) -> f32 {
    let n = points.len();
    let twice: f32 = (0..n)
        .map(|i| {
            let (a, b) = (points[i], points[(i + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum();
    twice.abs() / 2.0
}

/// Perimeter of a closed polygon.
pub fn polygon_perimeter(points: &[Point]) -> f32 {
    let n = points.len();
    (0..n)
        .map(|i| distance(points[i], points[(i + 1) % n]))
        .sum()
}

/// Convex hull, counter-clockwise in image coordinates' math sense (Andrew's monotone
/// chain); collinear points are dropped.
pub fn convex_hull(points: &[Point]) -> Vec<Point> {
    let mut pts: Vec<Point> = points.to_vec();
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let mut hull: Vec<Point> = Vec::with_capacity(pts.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &Point>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// A rectangle of any orientation: centre, side lengths along its two axes, and the unit
/// vector of its first axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RotatedRect {
    pub center: Point,
    /// Length along `axis`.
    pub width: f32,
    /// Length along the perpendicular of `axis`.
    pub height: f32,
    /// Unit vector of the `width` side.
    pub axis: Point,
}

impl RotatedRect {
    pub fn short_side(&self) -> f32 {
        self.width.min(self.height)
    }

    /// The rectangle grown by `d` on every side. Offsetting a rectangle by `d` with round
    /// joins (what PP-OCR's pyclipper "unclip" does) and taking the least-area rectangle
    /// around the result gives exactly this, so no polygon clipping library is needed.
    pub fn expanded(&self, d: f32) -> RotatedRect {
        RotatedRect {
            width: self.width + 2.0 * d,
            height: self.height + 2.0 * d,
            ..*self
        }
    }

    /// The four corners, in no particular order (see [`order_like_ppocr`]).
    pub fn corners(&self) -> [Point; 4] {
        let [ux, uy] = self.axis;
        let (vx, vy) = (-uy, ux);
        let (hw, hh) = (self.width / 2.0, self.height / 2.0);
        let [cx, cy] = self.center;
        [
            [cx - hw * ux - hh * vx, cy - hw * uy - hh * vy],
            [cx + hw * ux - hh * vx, cy + hw * uy - hh * vy],
            [cx + hw * ux + hh * vx, cy + hw * uy + hh * vy],
            [cx - hw * ux + hh * vx, cy - hw * uy + hh * vy],
        ]
    }
}

/// The least-area rectangle enclosing `points` (rotating calipers over the convex hull:
/// the optimum has a side on a hull edge). `None` for an empty input. Unlike
/// `imageproc::geometry::min_area_rect`, corners stay fractional, as OpenCV's do; PP-OCR's
/// size and score thresholds were tuned on those.
pub fn min_area_rect(points: &[Point]) -> Option<RotatedRect> {
    let hull = convex_hull(points);
    match hull.len() {
        0 => return None,
        1 => {
            return Some(RotatedRect {
                center: hull[0],
                width: 0.0,
                height: 0.0,
                axis: [1.0, 0.0],
            })
        }
        _ => {}
    }
    let mut best: Option<(f32, RotatedRect)> = None;
    for i in 0..hull.len() {
        let edge = sub(hull[(i + 1) % hull.len()], hull[i]);
        let len = (edge[0] * edge[0] + edge[1] * edge[1]).sqrt();
        if len == 0.0 {
            continue;
        }
        let u = [edge[0] / len, edge[1] / len];
        let v = [-u[1], u[0]];
        let (mut min_u, mut max_u, mut min_v, mut max_v) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
        for p in &hull {
            let pu = p[0] * u[0] + p[1] * u[1];
            let pv = p[0] * v[0] + p[1] * v[1];
            min_u = min_u.min(pu);
            max_u = max_u.max(pu);
            min_v = min_v.min(pv);
            max_v = max_v.max(pv);
        }
        let area = (max_u - min_u) * (max_v - min_v);
        if best.as_ref().is_none_or(|(a, _)| area < *a) {
            let (cu, cv) = ((min_u + max_u) / 2.0, (min_v + max_v) / 2.0);
            best = Some((
                area,
                RotatedRect {
                    center: [cu * u[0] + cv * v[0], cu * u[1] + cv * v[1]],
                    width: max_u - min_u,
                    height: max_v - min_v,
                    axis: u,
                },
            ));
        }
    }
    best.map(|(_, r)| r)
}

/// Orders four corners as PP-OCR's `get_mini_boxes` does: the two leftmost (by x) give
/// top-left and bottom-left by y, the two rightmost give top-right and bottom-right.
pub fn order_like_ppocr(mut corners: [Point; 4]) -> Quad {
    corners.sort_by(|a, b| a[0].total_cmp(&b[0]));
    let (tl, bl) = if corners[1][1] > corners[0][1] {
        (corners[0], corners[1])
    } else {
        (corners[1], corners[0])
    };
    let (tr, br) = if corners[3][1] > corners[2][1] {
        (corners[2], corners[3])
    } else {
        (corners[3], corners[2])
    };
    [tl, tr, br, bl]
}

/// True if `p` lies inside or on the convex quad `q` (either winding).
pub fn convex_quad_contains(q: &Quad, p: Point) -> bool {
    let mut sign = 0.0f32;
    for i in 0..4 {
        let c = cross(q[i], q[(i + 1) % 4], p);
        if c != 0.0 {
            if sign != 0.0 && c.signum() != sign {
                return false;
            }
            sign = c.signum();
        }
    }
    true
}

/// Axis-aligned bounds `(min_x, min_y, max_x, max_y)` of a quad.
pub fn quad_bounds(q: &Quad) -> (f32, f32, f32, f32) {
    q.iter().fold(
        (f32::MAX, f32::MAX, f32::MIN, f32::MIN),
        |(x0, y0, x1, y1), p| (x0.min(p[0]), y0.min(p[1]), x1.max(p[0]), y1.max(p[1])),
    )
}

/// Width (mean of top and bottom edges) and height (mean of left and right edges).
pub fn quad_size(q: &Quad) -> (f32, f32) {
    (
        (distance(q[0], q[1]) + distance(q[3], q[2])) / 2.0,
        (distance(q[0], q[3]) + distance(q[1], q[2])) / 2.0,
    )
}

/// The point at fraction `t` (0 = left edge, 1 = right edge) along the quad's mid-line.
pub fn quad_point_along(q: &Quad, t: f32) -> Point {
    let left = [(q[0][0] + q[3][0]) / 2.0, (q[0][1] + q[3][1]) / 2.0];
    let right = [(q[1][0] + q[2][0]) / 2.0, (q[1][1] + q[2][1]) / 2.0];
    [
        left[0] + (right[0] - left[0]) * t,
        left[1] + (right[1] - left[1]) * t,
    ]
}

/// Samples `image` at a fractional position with bilinear weights; coordinates outside are
/// clamped to the border (OpenCV's BORDER_REPLICATE, which PP-OCR's crop uses).
fn sample_bilinear(image: &RgbImage, x: f32, y: f32) -> Rgb<u8> {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let raw = image.as_raw();
    let at = |xx: i64, yy: i64| ((yy * w + xx) * 3) as usize;
    let (a, b, c, d) = (at(x0, y0), at(x1, y0), at(x0, y1), at(x1, y1));
    let mut out = [0u8; 3];
    for k in 0..3 {
        let top = raw[a + k] as f32 * (1.0 - fx) + raw[b + k] as f32 * fx;
        let bottom = raw[c + k] as f32 * (1.0 - fx) + raw[d + k] as f32 * fx;
        out[k] = round_to_u8(top * (1.0 - fy) + bottom * fy);
    }
    Rgb(out)
}

/// `v.round().clamp(0.0, 255.0) as u8` for `v >= 0`, without a call to `roundf` (not
/// inlined for the baseline x86-64 target; it was a tenth of the crops' time). The
/// fraction `v - trunc(v)` is exact in f32, so halves round up as `round` does.
#[inline]
fn round_to_u8(v: f32) -> u8 {
    let whole = v as i32;
    let rounded = whole + i32::from(v - whole as f32 >= 0.5);
    rounded.clamp(0, 255) as u8
}

/// [`perspective_crop`] of an upright rectangle (every crop of a rectified card): the
/// mapping is a scale per axis, so each column's and row's source position and weights
/// are found once instead of per pixel. `None` when `q` is not upright.
fn upright_crop(image: &RgbImage, q: &Quad, width: u32, height: u32) -> Option<RgbImage> {
    let [tl, tr, br, bl] = *q;
    let same = |a: f32, b: f32| (a - b).abs() < 1e-4;
    let upright = same(tl[1], tr[1]) && same(bl[1], br[1]) && same(tl[0], bl[0]);
    // A degenerate (or mirrored) quad is the projection's to refuse.
    if !(upright && same(tr[0], br[0]) && tr[0] > tl[0] && bl[1] > tl[1]) {
        return None;
    }
    let (iw, ih) = (image.width() as usize, image.height() as usize);
    // Source position of output index i along one axis: start + i * step, clamped as
    // `sample_bilinear` clamps, as (lower index, upper index, weight of the upper).
    let axis = |start: f32, end: f32, n: u32, size: usize| -> Vec<(usize, usize, f32)> {
        let step = (end - start) / n as f32;
        (0..n)
            .map(|i| {
                let v = (start + i as f32 * step).clamp(0.0, (size - 1) as f32);
                let lo = v.floor() as usize;
                (lo, (lo + 1).min(size - 1), v - lo as f32)
            })
            .collect()
    };
    let columns = axis(tl[0], tr[0], width, iw);
    let rows = axis(tl[1], bl[1], height, ih);
    let raw = image.as_raw();
    let mut out = vec![0u8; width as usize * height as usize * 3];
    for (row_out, &(y0, y1, fy)) in out.chunks_exact_mut(width as usize * 3).zip(&rows) {
        let (top, bottom) = (
            &raw[y0 * iw * 3..(y0 + 1) * iw * 3],
            &raw[y1 * iw * 3..(y1 + 1) * iw * 3],
        );
        for (px, &(x0, x1, fx)) in row_out.chunks_exact_mut(3).zip(&columns) {
            for k in 0..3 {
                let t = top[x0 * 3 + k] as f32 * (1.0 - fx) + top[x1 * 3 + k] as f32 * fx;
                let b = bottom[x0 * 3 + k] as f32 * (1.0 - fx) + bottom[x1 * 3 + k] as f32 * fx;
                px[k] = round_to_u8(t * (1.0 - fy) + b * fy);
            }
        }
    }
    RgbImage::from_raw(width, height, out)
}

/// Warps the quad `q` (tl, tr, br, bl) of `image` onto an upright `width` x `height`
/// image. Returns `None` for a degenerate quad or an empty output.
pub fn perspective_crop(image: &RgbImage, q: &Quad, width: u32, height: u32) -> Option<RgbImage> {
    if width == 0 || height == 0 || image.width() == 0 || image.height() == 0 {
        return None;
    }
    let (w, h) = (width as f32, height as f32);
    if let Some(crop) = upright_crop(image, q, width, height) {
        return Some(crop);
    }
    // The mapping from output pixels to source pixels, so each output pixel is sampled
    // once. Corners map to corners, as in OpenCV's getPerspectiveTransform.
    let dst = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    let src = q.map(|p| (p[0], p[1]));
    let to_source = Projection::from_control_points(dst, src)?;
    Some(RgbImage::from_fn(width, height, |x, y| {
        let (sx, sy) = to_source * (x as f32, y as f32);
        sample_bilinear(image, sx, sy)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approx(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-3
    }

    #[test]
    fn an_upright_crop_samples_as_the_projection_does() {
        let image = RgbImage::from_fn(57, 31, |x, y| {
            Rgb([(x * 7 + y * 3) as u8, (x * y) as u8, (255 - x * 4) as u8])
        });
        let q: Quad = [[3.5, 2.25], [50.0, 2.25], [50.0, 29.0], [3.5, 29.0]];
        for (w, h) in [(40, 20), (93, 61), (12, 7)] {
            let fast = upright_crop(&image, &q, w, h).expect("upright");
            let dst = [
                (0.0, 0.0),
                (w as f32, 0.0),
                (w as f32, h as f32),
                (0.0, h as f32),
            ];
            let to_source =
                Projection::from_control_points(dst, q.map(|p| (p[0], p[1]))).expect("projection");
            for (x, y, p) in fast.enumerate_pixels() {
                let (sx, sy) = to_source * (x as f32, y as f32);
                let slow = sample_bilinear(&image, sx, sy);
                for k in 0..3 {
                    assert!((p[k] as i32 - slow[k] as i32).abs() <= 1, "({x}, {y})");
                }
            }
        }
        let tilted: Quad = [[3.0, 2.0], [50.0, 4.0], [50.0, 29.0], [3.0, 29.0]];
        assert!(upright_crop(&image, &tilted, 10, 10).is_none());
    }

    #[test]
    fn min_area_rect_of_a_rotated_rectangle_is_that_rectangle() {
        let rect = RotatedRect {
            center: [50.0, 40.0],
            width: 60.0,
            height: 10.0,
            axis: [30f32.to_radians().cos(), 30f32.to_radians().sin()],
        };
        let mut points = rect.corners().to_vec();
        // Interior points must not change the result.
        points.push([50.0, 40.0]);
        points.push([52.0, 41.0]);
        let found = min_area_rect(&points).unwrap();
        let (long, short) = (found.width.max(found.height), found.short_side());
        assert!(approx(long, 60.0) && approx(short, 10.0), "{found:?}");
        assert!(approx(found.center[0], 50.0) && approx(found.center[1], 40.0));
    }

    #[test]
    fn expanding_grows_both_sides_and_keeps_the_centre() {
        let rect = min_area_rect(&[[0.0, 0.0], [10.0, 0.0], [10.0, 4.0], [0.0, 4.0]]).unwrap();
        let grown = rect.expanded(2.0);
        let ordered = order_like_ppocr(grown.corners());
        assert_eq!(ordered[0].map(f32::round), [-2.0, -2.0]);
        assert_eq!(ordered[2].map(f32::round), [12.0, 6.0]);
    }

    #[test]
    fn rounding_to_u8_is_rounding_half_away_from_zero() {
        for v in [
            0.0f32, 0.49999997, 0.5, 1.5, 2.4999998, 2.5, 254.5, 254.49998, 255.0, 300.0,
        ] {
            assert_eq!(round_to_u8(v), v.round().clamp(0.0, 255.0) as u8, "{v}");
        }
        for i in 0..=2_560_000u32 {
            let v = i as f32 / 10_000.0;
            assert_eq!(round_to_u8(v), v.round().clamp(0.0, 255.0) as u8, "{v}");
        }
    }

    #[test]
    fn ppocr_order_is_tl_tr_br_bl() {
        let q = order_like_ppocr([[10.0, 5.0], [0.0, 5.0], [0.0, 0.0], [10.0, 0.0]]);
        assert_eq!(q, [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0]]);
    }

    #[test]
    fn area_perimeter_and_containment() {
        let q: Quad = [[0.0, 0.0], [4.0, 0.0], [4.0, 2.0], [0.0, 2.0]];
        assert_eq!(polygon_area(&q), 8.0);
        assert_eq!(polygon_perimeter(&q), 12.0);
        assert!(convex_quad_contains(&q, [2.0, 1.0]));
        assert!(convex_quad_contains(&q, [4.0, 2.0]));
        assert!(!convex_quad_contains(&q, [4.5, 1.0]));
    }

    #[test]
    fn perspective_crop_of_an_axis_aligned_quad_is_a_plain_crop() {
        let image = RgbImage::from_fn(20, 10, |x, y| Rgb([x as u8 * 10, y as u8 * 20, 7]));
        let crop = perspective_crop(
            &image,
            &[[5.0, 2.0], [15.0, 2.0], [15.0, 8.0], [5.0, 8.0]],
            10,
            6,
        )
        .unwrap();
        assert_eq!(crop.dimensions(), (10, 6));
        assert_eq!(crop.get_pixel(0, 0), image.get_pixel(5, 2));
        assert_eq!(crop.get_pixel(9, 5), image.get_pixel(14, 7));
    }

    #[test]
    fn a_degenerate_quad_gives_no_crop() {
        let image = RgbImage::new(10, 10);
        assert!(perspective_crop(&image, &[[1.0, 1.0]; 4], 5, 5).is_none());
    }
}
