//! The classical card finder, used when the learned model is absent: edges (Canny) on a
//! downscaled grey image, closed into blobs, and the convex blob whose four-corner
//! simplification best looks like a card of the requested aspect. digits.md found this
//! kind of finder misses about one card in nine on synthetic photos; it is a fallback.

use image::imageops::FilterType;
use image::{GrayImage, RgbImage};
use imageproc::contours::{find_contours, BorderType};
use imageproc::distance_transform::Norm;

use super::Candidate;
use crate::geometry::{convex_hull, distance, polygon_area, Point, Quad};

/// Thresholds of the classical finder.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassicalParams {
    /// Long side of the working image. Default 400: card outlines stay several pixels
    /// long while Canny and contour tracing cost a few milliseconds.
    pub work_size: u32,
    /// Canny hysteresis thresholds on the Sobel magnitude. Default 20 / 50: a card edge
    /// against the darkest synth backgrounds still reaches 50 after a sigma-2 blur, while
    /// cloth and wood textures mostly stay under 20 at this scale.
    pub canny_low: f32,
    pub canny_high: f32,
    /// Dilation radius that closes gaps in the outline. Default 1 px at work size: JPEG
    /// and glare break outlines by a pixel or two.
    pub close_radius: u8,
    /// Largest candidate area as a share of the photo. Default 0.97: a hull covering the
    /// whole frame is merged background texture, not a card.
    pub max_area_fraction: f32,
    /// How far the quad's aspect (either way round) may be from the document's, as a
    /// ratio. Default 1.6: perspective up to 8% of the long side and a 15 degree tilt
    /// change the apparent aspect by far less; other rectangles (paper, phones) are
    /// usually further off.
    pub max_aspect_ratio_error: f32,
}

impl Default for ClassicalParams {
    fn default() -> Self {
        ClassicalParams {
            work_size: 400,
            canny_low: 20.0,
            canny_high: 50.0,
            close_radius: 1,
            max_area_fraction: 0.97,
            max_aspect_ratio_error: 1.6,
        }
    }
}

/// The best card-like quad, corners clockwise in image order (orientation unknown).
pub fn locate(
    image: &RgbImage,
    aspect: f32,
    min_area_fraction: f32,
    p: &ClassicalParams,
) -> Option<Candidate> {
    let (w, h) = image.dimensions();
    if w < 8 || h < 8 {
        return None;
    }
    let scale = p.work_size as f32 / w.max(h) as f32;
    let (sw, sh) = (
        ((w as f32 * scale).round() as u32).max(8),
        ((h as f32 * scale).round() as u32).max(8),
    );
    let small = image::imageops::resize(image, sw, sh, FilterType::Triangle);
    let grey: GrayImage = image::imageops::grayscale(&small);
    let edges = imageproc::edges::canny(&grey, p.canny_low, p.canny_high);
    let closed = imageproc::morphology::dilate(&edges, Norm::LInf, p.close_radius);
    let frame = (sw * sh) as f32;
    let mut best: Option<(f32, Quad)> = None;
    for contour in find_contours::<i32>(&closed) {
        if contour.border_type != BorderType::Outer || contour.points.len() < 16 {
            continue;
        }
        let points: Vec<Point> = contour
            .points
            .iter()
            .map(|pt| [pt.x as f32, pt.y as f32])
            .collect();
        let hull = convex_hull(&points);
        let hull_area = polygon_area(&hull);
        if hull_area < min_area_fraction * frame || hull_area > p.max_area_fraction * frame {
            continue;
        }
        let Some(quad) = simplify_to_quad(&hull) else {
            continue;
        };
        let score = shape_score(&quad, hull_area, aspect, p) * (hull_area / frame).sqrt();
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, quad));
        }
    }
    let (score, quad) = best?;
    let inv = 1.0 / scale;
    Some(Candidate {
        quad: quad.map(|[x, y]| [x * inv, y * inv]),
        // The area factor is at most 1; a perfect card-shaped hull filling a quarter of
        // the photo scores 0.5, which keeps the classical confidence comparable to the
        // learned one's scale.
        confidence: (score * 2.0).min(1.0),
        oriented: false,
    })
}

/// How card-like a quad is: how much of the hull it covers and how close its aspect is
/// to the document's (either way round), each 0..1.
fn shape_score(q: &Quad, hull_area: f32, aspect: f32, p: &ClassicalParams) -> f32 {
    let fill = (polygon_area(q) / hull_area).min(1.0);
    let a = (distance(q[0], q[1]) + distance(q[2], q[3])) / 2.0;
    let b = (distance(q[1], q[2]) + distance(q[3], q[0])) / 2.0;
    if a < 1.0 || b < 1.0 {
        return 0.0;
    }
    let seen = (a / b).max(b / a);
    let want = aspect.max(1.0 / aspect);
    let err = (seen / want).max(want / seen);
    if err > p.max_aspect_ratio_error {
        return 0.0;
    }
    let aspect_score = 1.0 - (err - 1.0) / (p.max_aspect_ratio_error - 1.0);
    // Rectangularity matters most: a blob of text or texture is rarely a convex quad.
    fill.powi(4) * aspect_score
}

/// Reduces a convex polygon to four vertices by repeatedly dropping the vertex whose
/// triangle with its neighbours is smallest (the least area lost), so rounded corners and
/// short hull edges go first. Returns the quad clockwise in image coordinates.
pub fn simplify_to_quad(hull: &[Point]) -> Option<Quad> {
    if hull.len() < 4 {
        return None;
    }
    let mut poly = hull.to_vec();
    while poly.len() > 4 {
        let n = poly.len();
        let (mut best_i, mut best_a) = (0, f32::MAX);
        for i in 0..n {
            let (a, b, c) = (poly[(i + n - 1) % n], poly[i], poly[(i + 1) % n]);
            let area = ((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])).abs();
            if area < best_a {
                best_a = area;
                best_i = i;
            }
        }
        poly.remove(best_i);
    }
    let q: Quad = [poly[0], poly[1], poly[2], poly[3]];
    Some(super::clockwise(q))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn simplifying_an_octagon_keeps_the_long_sides() {
        // A rectangle 0..100 x 0..60 with its corners cut by 2 px.
        let oct = [
            [2.0, 0.0],
            [98.0, 0.0],
            [100.0, 2.0],
            [100.0, 58.0],
            [98.0, 60.0],
            [2.0, 60.0],
            [0.0, 58.0],
            [0.0, 2.0],
        ];
        let q = simplify_to_quad(&oct).unwrap();
        // Vertex removal keeps an inscribed quad (refinement later moves the sides onto
        // the outline): only a cut corner's worth of area may be lost.
        let area = polygon_area(&q);
        assert!(area > 0.95 * 6000.0 && area <= 6000.0, "{q:?}");
        assert!(distance(q[0], q[1]) > distance(q[1], q[2]), "{q:?}");
    }

    #[test]
    fn finds_a_bright_card_on_a_dark_table() {
        let mut img = RgbImage::from_pixel(640, 480, Rgb([40, 45, 60]));
        for y in 120..320 {
            for x in 150..467 {
                img.put_pixel(x, y, Rgb([225, 220, 205]));
            }
        }
        let c = locate(
            &img,
            super::super::ID1_ASPECT,
            0.02,
            &ClassicalParams::default(),
        )
        .expect("a card");
        let area = polygon_area(&c.quad);
        assert!((area / (317.0 * 200.0) - 1.0).abs() < 0.08, "{:?}", c.quad);
    }
}
