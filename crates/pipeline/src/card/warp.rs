//! The perspective warp of the card to its canonical size. Same mapping and sampling as
//! [`crate::geometry::perspective_crop`] (output corners onto quad corners, bilinear,
//! border replicated), but computed from the square-to-quad homography in closed form
//! and stepped along each row in homogeneous coordinates with direct buffer reads: the
//! generic version costs about as much as the locator's network at 1000 px.

use image::RgbImage;

use crate::geometry::Quad;

/// Coefficients of the unit square to quad homography:
/// `x = (a u + b v + c) / (g u + h v + 1)`, `y = (d u + e v + f) / (g u + h v + 1)`.
#[derive(Debug, Clone, Copy)]
struct SquareToQuad {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    e: f64,
    f: f64,
    g: f64,
    h: f64,
}

impl SquareToQuad {
    /// Maps (0,0), (1,0), (1,1), (0,1) onto `q[0..4]` (Heckbert's closed form).
    fn new(q: &Quad) -> Option<Self> {
        let p = q.map(|[x, y]| [x as f64, y as f64]);
        let (x0, y0, x1, y1, x2, y2, x3, y3) = (
            p[0][0], p[0][1], p[1][0], p[1][1], p[2][0], p[2][1], p[3][0], p[3][1],
        );
        let (sx, sy) = (x0 - x1 + x2 - x3, y0 - y1 + y2 - y3);
        let (g, h) = if sx.abs() < 1e-9 && sy.abs() < 1e-9 {
            (0.0, 0.0)
        } else {
            let (dx1, dx2, dy1, dy2) = (x1 - x2, x3 - x2, y1 - y2, y3 - y2);
            let den = dx1 * dy2 - dx2 * dy1;
            if den.abs() < 1e-12 {
                return None;
            }
            ((sx * dy2 - dx2 * sy) / den, (dx1 * sy - sx * dy1) / den)
        };
        let m = SquareToQuad {
            a: x1 - x0 + g * x1,
            b: x3 - x0 + h * x3,
            c: x0,
            d: y1 - y0 + g * y1,
            e: y3 - y0 + h * y3,
            f: y0,
            g,
            h,
        };
        [m.a, m.b, m.d, m.e, m.g, m.h]
            .iter()
            .all(|v| v.is_finite())
            .then_some(m)
    }
}

/// Warps quad `q` of `image` onto an upright `width` x `height` image; `None` for a
/// degenerate quad or an empty size.
pub fn rectify(image: &RgbImage, q: &Quad, width: u32, height: u32) -> Option<RgbImage> {
    let (iw, ih) = image.dimensions();
    if width == 0 || height == 0 || iw == 0 || ih == 0 {
        return None;
    }
    if crate::geometry::polygon_area(q) < 1.0 {
        return None;
    }
    let m = SquareToQuad::new(q)?;
    let src = image.as_raw();
    let stride = iw as usize * 3;
    let (maxx, maxy) = ((iw - 1) as f32, (ih - 1) as f32);
    let mut out = vec![0u8; width as usize * height as usize * 3];
    let (du, dv) = (1.0 / width as f64, 1.0 / height as f64);
    for (oy, row) in out.chunks_exact_mut(width as usize * 3).enumerate() {
        let v = oy as f64 * dv;
        // Homogeneous numerators and denominator at u = 0, then their steps per pixel.
        let (mut nx, mut ny, mut dn) = (m.b * v + m.c, m.e * v + m.f, m.h * v + 1.0);
        let (sx, sy, sd) = (m.a * du, m.d * du, m.g * du);
        for px in row.chunks_exact_mut(3) {
            let x = ((nx / dn) as f32).clamp(0.0, maxx);
            let y = ((ny / dn) as f32).clamp(0.0, maxy);
            nx += sx;
            ny += sy;
            dn += sd;
            let (x0, y0) = (x as usize, y as usize);
            let (fx, fy) = (x - x0 as f32, y - y0 as f32);
            let x1 = if x0 + 1 < iw as usize { x0 + 1 } else { x0 };
            let y1 = if y0 + 1 < ih as usize { y0 + 1 } else { y0 };
            let (r0, r1) = (y0 * stride, y1 * stride);
            for k in 0..3 {
                let a = src[r0 + x0 * 3 + k] as f32;
                let b = src[r0 + x1 * 3 + k] as f32;
                let c = src[r1 + x0 * 3 + k] as f32;
                let d = src[r1 + x1 * 3 + k] as f32;
                let top = a + (b - a) * fx;
                let bottom = c + (d - c) * fx;
                px[k] = (top + (bottom - top) * fy + 0.5) as u8;
            }
        }
    }
    RgbImage::from_raw(width, height, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::perspective_crop;
    use image::Rgb;

    #[test]
    fn matches_the_generic_perspective_crop() {
        let image = RgbImage::from_fn(300, 200, |x, y| {
            Rgb([
                (x * 7 % 251) as u8,
                (y * 5 % 241) as u8,
                ((x + y) % 255) as u8,
            ])
        });
        let q: Quad = [[40.0, 30.0], [250.0, 45.0], [230.0, 170.0], [55.0, 160.0]];
        let fast = rectify(&image, &q, 160, 100).unwrap();
        let slow = perspective_crop(&image, &q, 160, 100).unwrap();
        let worst = fast
            .pixels()
            .zip(slow.pixels())
            .flat_map(|(a, b)| (0..3).map(move |k| (a[k] as i32 - b[k] as i32).abs()))
            .max()
            .unwrap();
        // Rounding of f32 against f64 coordinates may move a sample by a hair.
        assert!(worst <= 2, "largest difference {worst}");
    }

    #[test]
    fn a_degenerate_quad_gives_nothing() {
        let image = RgbImage::new(10, 10);
        assert!(rectify(&image, &[[1.0, 1.0]; 4], 5, 5).is_none());
    }
}
