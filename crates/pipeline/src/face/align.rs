//! Alignment to dlib's face chip: what `dlib.get_face_chip(img, shape, 150, 0.25)` gives
//! the dlib ResNet inside `face_recognition`.
//!
//! dlib's `get_face_chip_details` fits a similarity transform (least squares) from points
//! of its mean face (in a unit square, grown by `padding` on each side, scaled to the
//! chip) to the detected landmarks, and `extract_image_chip` samples the chip through an
//! image pyramid plus bilinear interpolation. The network was trained on exactly those
//! chips; faces.md measured that a different template (ArcFace-style) drops accuracy from
//! 100% to 48%, so everything here follows dlib's arithmetic, including its rectangle
//! conventions, its `[1 4 6 4 1]` pyramid, truncation to `u8` and black outside the image.
//!
//! Our detector's landmarks (eye centres, nose tip, mouth centre) are not dlib's 5-point
//! predictor's (eye corners, base of the nose), so the template points are derived from
//! dlib's published 68-point mean face (the table in `get_face_chip_details`): an eye
//! centre is the mean of that eye's six contour points, the nose tip is point 30, the
//! mouth centre the mean of the inner-lip midpoints 62 and 66. Those coordinates are in the same frame as dlib's 5-point template
//! (its outer eye corner 0.1206, 0.2137 is the mean face's point 36, 0.1217, 0.2164).

use image::RgbImage;

/// A point `[x, y]` in pixels.
pub type Point = [f32; 2];

/// dlib's 68-point mean face, points 36-41 (the eye on the image's left), x then y.
const MEAN_EYE_LEFT: [[f64; 2]; 6] = [
    [0.121737, 0.216423],
    [0.187122, 0.178758],
    [0.265825, 0.179852],
    [0.334606, 0.231733],
    [0.260918, 0.245099],
    [0.182743, 0.244077],
];
/// Points 42-47 (the eye on the image's right).
const MEAN_EYE_RIGHT: [[f64; 2]; 6] = [
    [0.645647, 0.231733],
    [0.714428, 0.179852],
    [0.793132, 0.178758],
    [0.858516, 0.216423],
    [0.79751, 0.244077],
    [0.719335, 0.245099],
];
/// Point 30, the tip of the nose.
const MEAN_NOSE_TIP: [f64; 2] = [0.490127, 0.515625];
/// Points 62 and 66, the middle of the upper and lower inner lip.
const MEAN_INNER_LIPS: [[f64; 2]; 2] = [[0.490127, 0.778746], [0.490127, 0.831803]];

fn mean(points: &[[f64; 2]]) -> [f64; 2] {
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(x, y), p| (x + p[0], y + p[1]));
    [sx / n, sy / n]
}

/// The landmarks alignment uses, in image pixels. "Left" and "right" are as seen in the
/// image, not the subject's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Landmarks {
    pub left_eye: Point,
    pub right_eye: Point,
    pub nose: Point,
    /// The centre of the mouth (between the lips).
    pub mouth: Point,
}

impl Landmarks {
    pub fn to_array(&self) -> [Point; 4] {
        [self.left_eye, self.right_eye, self.nose, self.mouth]
    }

    pub fn map(&self, f: impl Fn(Point) -> Point) -> Landmarks {
        Landmarks {
            left_eye: f(self.left_eye),
            right_eye: f(self.right_eye),
            nose: f(self.nose),
            mouth: f(self.mouth),
        }
    }
}

/// The unit-square template (before padding) for [`Landmarks`], in the same order as
/// [`Landmarks::to_array`].
pub fn unit_template() -> [[f64; 2]; 4] {
    [
        mean(&MEAN_EYE_LEFT),
        mean(&MEAN_EYE_RIGHT),
        MEAN_NOSE_TIP,
        mean(&MEAN_INNER_LIPS),
    ]
}

/// Chip geometry, as dlib's `get_face_chip_details` takes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChipParams {
    /// Chip side. Default 150: the dlib ResNet's input.
    pub size: u32,
    /// Border around the mean face, as a fraction of its side. Default 0.25: what
    /// `face_recognition` (and dlib's own face-recognition example) pass; the network was
    /// trained on those chips.
    pub padding: f64,
}

impl Default for ChipParams {
    fn default() -> Self {
        ChipParams {
            size: 150,
            padding: 0.25,
        }
    }
}

impl ChipParams {
    /// The template points in chip pixels: dlib's `(padding + p) / (2 padding + 1) * size`.
    pub fn template(&self) -> [[f64; 2]; 4] {
        let size = f64::from(self.size);
        let k = 1.0 / (2.0 * self.padding + 1.0);
        unit_template().map(|p| {
            [
                (self.padding + p[0]) * k * size,
                (self.padding + p[1]) * k * size,
            ]
        })
    }
}

/// A 2-D similarity `x' = [[a, -b], [b, a]] x + t`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    pub a: f64,
    pub b: f64,
    pub t: [f64; 2],
}

impl Similarity {
    pub fn apply(&self, p: [f64; 2]) -> [f64; 2] {
        [
            self.a * p[0] - self.b * p[1] + self.t[0],
            self.b * p[0] + self.a * p[1] + self.t[1],
        ]
    }

    pub fn scale(&self) -> f64 {
        (self.a * self.a + self.b * self.b).sqrt()
    }

    pub fn angle(&self) -> f64 {
        self.b.atan2(self.a)
    }

    /// The least-squares similarity taking `from` onto `to`. This closed form is what
    /// Umeyama's method (dlib's `find_similarity_transform`) gives whenever the best fit
    /// is not a reflection, which it never is for a face matched to a face. `None` when
    /// `from` has no spread.
    pub fn fit(from: &[[f64; 2]], to: &[[f64; 2]]) -> Option<Similarity> {
        assert_eq!(from.len(), to.len());
        let (mf, mt) = (mean(from), mean(to));
        let (mut num_a, mut num_b, mut den) = (0.0, 0.0, 0.0);
        for (f, t) in from.iter().zip(to) {
            let (fx, fy) = (f[0] - mf[0], f[1] - mf[1]);
            let (tx, ty) = (t[0] - mt[0], t[1] - mt[1]);
            num_a += fx * tx + fy * ty;
            num_b += fx * ty - fy * tx;
            den += fx * fx + fy * fy;
        }
        if den <= f64::EPSILON {
            return None;
        }
        let (a, b) = (num_a / den, num_b / den);
        let t = [
            mt[0] - (a * mf[0] - b * mf[1]),
            mt[1] - (b * mf[0] + a * mf[1]),
        ];
        Some(Similarity { a, b, t })
    }
}

/// dlib's `chip_details`: a rectangle in the image (inclusive corners, `f64`), its angle,
/// and the chip's size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChipDetails {
    /// left, top, right, bottom.
    pub rect: [f64; 4],
    pub angle: f64,
    pub size: u32,
}

fn rect_area(r: &[f64; 4]) -> f64 {
    if r[0] > r[2] || r[1] > r[3] {
        0.0
    } else {
        (r[2] - r[0] + 1.0) * (r[3] - r[1] + 1.0)
    }
}

/// `pyramid_down<2>::rect_down`: dlib maps a point to the next level as `p/2 - (1.25, 0.75)`.
fn rect_down(r: &[f64; 4]) -> [f64; 4] {
    [
        r[0] / 2.0 - 1.25,
        r[1] / 2.0 - 0.75,
        r[2] / 2.0 - 1.25,
        r[3] / 2.0 - 0.75,
    ]
}

fn rotate_about(center: [f64; 2], p: [f64; 2], angle: f64) -> [f64; 2] {
    let (s, c) = angle.sin_cos();
    let (dx, dy) = (p[0] - center[0], p[1] - center[1]);
    [c * dx - s * dy + center[0], s * dx + c * dy + center[1]]
}

/// `get_face_chip_details` for our landmarks: `None` when the landmarks are degenerate.
pub fn chip_details(landmarks: &Landmarks, params: &ChipParams) -> Option<ChipDetails> {
    let image_points = landmarks
        .to_array()
        .map(|p| [f64::from(p[0]), f64::from(p[1])]);
    let tform = Similarity::fit(&params.template(), &image_points)?;
    let size = f64::from(params.size);
    let scale = tform.scale();
    if !(scale.is_finite() && scale > 0.0) {
        return None;
    }
    // The chip's centre, mapped into the image, is the rectangle's centre; the rectangle
    // is `size * scale` wide with dlib's inclusive corners (`centered_drect`).
    let c = tform.apply([size / 2.0, size / 2.0]);
    let half = (size * scale - 1.0) / 2.0;
    Some(ChipDetails {
        rect: [c[0] - half, c[1] - half, c[0] + half, c[1] + half],
        angle: tform.angle(),
        size: params.size,
    })
}

/// One `pyramid_down<2>` step: a separable `[1 4 6 4 1]` filter, decimation by two, and a
/// truncating divide by 256, as dlib does for RGB. Empty for an image of 8 px or less.
fn pyramid_down(src: &[u8], width: usize, height: usize) -> (Vec<u8>, usize, usize) {
    if width <= 8 || height <= 8 {
        return (Vec::new(), 0, 0);
    }
    let out_w = (width - 3) / 2;
    let out_h = (height - 3) / 2;
    // Horizontal pass at full height, kept as u32 sums (at most 16 * 255).
    let mut rows = vec![0u32; height * out_w * 3];
    for y in 0..height {
        let line = &src[y * width * 3..(y + 1) * width * 3];
        let dst = &mut rows[y * out_w * 3..(y + 1) * out_w * 3];
        for c in 0..out_w {
            let base = 2 * c * 3;
            for k in 0..3 {
                let v = |i: usize| u32::from(line[base + i * 3 + k]);
                dst[c * 3 + k] = v(0) + 4 * v(1) + 6 * v(2) + 4 * v(3) + v(4);
            }
        }
    }
    let mut out = vec![0u8; out_h * out_w * 3];
    let stride = out_w * 3;
    for (r, dst) in out.chunks_exact_mut(stride).enumerate() {
        let y = 2 * r + 2;
        let row = |i: usize| &rows[i * stride..(i + 1) * stride];
        let (a, b, c, d, e) = (row(y - 2), row(y - 1), row(y), row(y + 1), row(y + 2));
        for i in 0..stride {
            dst[i] = ((a[i] + 4 * b[i] + 6 * c[i] + 4 * d[i] + e[i]) / 256) as u8;
        }
    }
    (out, out_w, out_h)
}

/// dlib's `extract_image_chip`: an RGB `size x size` chip.
pub fn extract_chip(image: &RgbImage, details: &ChipDetails) -> RgbImage {
    let size = details.size as usize;
    let (img_w, img_h) = (image.width() as f64, image.height() as f64);
    let chip_area = (size * size) as f64;

    // How far dlib builds its pyramid, and the border it adds around the crop for it.
    let mut grow = 2.0;
    let mut descended = rect_down(&details.rect);
    while rect_area(&descended) > chip_area {
        descended = rect_down(&descended);
        grow = grow * 2.0 + 2.0;
    }

    // The part of the image the rotated rectangle covers, grown, clipped, rounded.
    let r = details.rect;
    let center = [(r[0] + r[2]) / 2.0, (r[1] + r[3]) / 2.0];
    let corners = [[r[0], r[1]], [r[2], r[1]], [r[0], r[3]], [r[2], r[3]]]
        .map(|p| rotate_about(center, p, details.angle));
    let min_x = corners.iter().map(|p| p[0]).fold(f64::MAX, f64::min) - grow;
    let min_y = corners.iter().map(|p| p[1]).fold(f64::MAX, f64::min) - grow;
    let max_x = corners.iter().map(|p| p[0]).fold(f64::MIN, f64::max) + grow;
    let max_y = corners.iter().map(|p| p[1]).fold(f64::MIN, f64::max) + grow;
    let clipped = [
        min_x.max(0.0),
        min_y.max(0.0),
        max_x.min(img_w - 1.0),
        max_y.min(img_h - 1.0),
    ];
    let mut chip = RgbImage::new(details.size, details.size);
    if clipped[0] > clipped[2] || clipped[1] > clipped[3] {
        return chip; // the face lies entirely outside the image: black, as dlib
    }
    let round = |v: f64| (v + 0.5).floor() as i64;
    let bbox = [
        round(clipped[0]),
        round(clipped[1]),
        round(clipped[2]),
        round(clipped[3]),
    ];
    if bbox[0] > bbox[2] || bbox[1] > bbox[3] {
        return chip;
    }

    // Pyramid level, chosen as dlib does on the crop-local rectangle.
    let mut local = [
        r[0] - bbox[0] as f64,
        r[1] - bbox[1] as f64,
        r[2] - bbox[0] as f64,
        r[3] - bbox[1] as f64,
    ];
    let mut downs = 0;
    while rect_area(&rect_down(&local)) > chip_area {
        local = rect_down(&local);
        downs += 1;
    }

    // The crop, then `downs` pyramid steps.
    let (x0, y0) = (bbox[0] as usize, bbox[1] as usize);
    let (mut w, mut h) = (
        (bbox[2] - bbox[0] + 1) as usize,
        (bbox[3] - bbox[1] + 1) as usize,
    );
    let raw = image.as_raw();
    let iw = image.width() as usize;
    let mut src = Vec::with_capacity(w * h * 3);
    for y in y0..y0 + h {
        src.extend_from_slice(&raw[(y * iw + x0) * 3..(y * iw + x0 + w) * 3]);
    }
    for _ in 0..downs {
        (src, w, h) = pyramid_down(&src, w, h);
    }
    if w == 0 || h == 0 {
        return chip;
    }

    // The affine map from chip pixels to `src`: chip corners (0,0), (size-1,0), (0,size-1)
    // go to the rotated corners of the local rectangle.
    let lc = [(local[0] + local[2]) / 2.0, (local[1] + local[3]) / 2.0];
    let tl = rotate_about(lc, [local[0], local[1]], details.angle);
    let tr = rotate_about(lc, [local[2], local[1]], details.angle);
    let bl = rotate_about(lc, [local[0], local[3]], details.angle);
    let last = (size - 1).max(1) as f64;
    let ux = [(tr[0] - tl[0]) / last, (tr[1] - tl[1]) / last];
    let uy = [(bl[0] - tl[0]) / last, (bl[1] - tl[1]) / last];

    let out = chip.as_mut();
    for row in 0..size {
        for col in 0..size {
            let (c, r) = (col as f64, row as f64);
            let px = tl[0] + ux[0] * c + uy[0] * r;
            let py = tl[1] + ux[1] * c + uy[1] * r;
            let (left, top) = (px.floor(), py.floor());
            // dlib samples only where all four neighbours exist, black elsewhere.
            if left < 0.0 || top < 0.0 || left + 1.0 >= w as f64 || top + 1.0 >= h as f64 {
                continue;
            }
            let (fx, fy) = (px - left, py - top);
            let (l, t) = (left as usize, top as usize);
            let at = |x: usize, y: usize, k: usize| f64::from(src[(y * w + x) * 3 + k]);
            for k in 0..3 {
                let v = (1.0 - fy) * ((1.0 - fx) * at(l, t, k) + fx * at(l + 1, t, k))
                    + fy * ((1.0 - fx) * at(l, t + 1, k) + fx * at(l + 1, t + 1, k));
                // static_cast<unsigned char> truncates.
                out[(row * size + col) * 3 + k] = v as u8;
            }
        }
    }
    chip
}

/// The aligned chip for `landmarks`, or `None` when they are degenerate.
pub fn align(image: &RgbImage, landmarks: &Landmarks, params: &ChipParams) -> Option<RgbImage> {
    chip_details(landmarks, params).map(|d| extract_chip(image, &d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approx(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    #[test]
    fn template_sits_where_dlib_puts_the_eyes_nose_and_mouth() {
        let t = ChipParams::default().template();
        // Padding 0.25 maps unit x to (0.25 + x) / 1.5 * 150 = 25 + 100 x.
        assert!(approx(t[0][0], 25.0 + 100.0 * 0.2254918, 1e-4), "{t:?}");
        assert!(approx(t[1][0], 25.0 + 100.0 * 0.7547613, 1e-4));
        assert!(approx(t[0][1], t[1][1], 1e-9), "mean face is symmetric");
        assert!(approx(t[2][0], 74.0127, 1e-3) && approx(t[2][1], 76.5625, 1e-3));
        assert!(approx(t[3][1], 25.0 + 100.0 * 0.8052745, 1e-4));
    }

    #[test]
    fn fit_recovers_a_known_similarity() {
        let truth = Similarity {
            a: 1.8 * 0.3f64.cos(),
            b: 1.8 * 0.3f64.sin(),
            t: [40.0, -12.0],
        };
        let from = ChipParams::default().template();
        let to = from.map(|p| truth.apply(p));
        let fit = Similarity::fit(&from, &to).unwrap();
        assert!(approx(fit.a, truth.a, 1e-9) && approx(fit.b, truth.b, 1e-9));
        assert!(approx(fit.t[0], 40.0, 1e-9) && approx(fit.t[1], -12.0, 1e-9));
        assert!(Similarity::fit(&[[1.0, 1.0]; 4], &to).is_none());
    }

    #[test]
    fn landmarks_on_the_template_give_the_identity_chip() {
        let params = ChipParams::default();
        let t = params.template().map(|p| [p[0] as f32, p[1] as f32]);
        let lm = Landmarks {
            left_eye: t[0],
            right_eye: t[1],
            nose: t[2],
            mouth: t[3],
        };
        let d = chip_details(&lm, &params).unwrap();
        // dlib's rectangle for an identity fit: 150 wide with inclusive corners.
        assert!(
            approx(d.rect[0], 0.5, 1e-3) && approx(d.rect[2], 149.5, 1e-3),
            "{d:?}"
        );
        assert!(approx(d.angle, 0.0, 1e-6));
        // A smooth ramp sampled through that rectangle: chip pixel x reads image x + 0.5
        // scaled by 149/149, i.e. each chip pixel lands within a pixel of its source.
        let image = RgbImage::from_fn(150, 150, |x, y| image::Rgb([x as u8, y as u8, 100]));
        let chip = extract_chip(&image, &d);
        for (x, y) in [(10u32, 20u32), (75, 75), (140, 100)] {
            let p = chip.get_pixel(x, y).0;
            assert!((i32::from(p[0]) - x as i32).abs() <= 1, "{x},{y}: {p:?}");
            assert!((i32::from(p[1]) - y as i32).abs() <= 1, "{x},{y}: {p:?}");
        }
    }

    #[test]
    fn a_large_face_goes_through_the_pyramid_and_keeps_its_geometry() {
        // Template scaled by 4 and rotated by 90 degrees: the chip must undo both. The
        // image is a left/right split, so after a +90 degree rotation the chip is split
        // top/bottom.
        let params = ChipParams::default();
        let rot = Similarity {
            a: 0.0,
            b: 4.0,
            t: [700.0, 50.0],
        };
        let t = params.template().map(|p| {
            let q = rot.apply(p);
            [q[0] as f32, q[1] as f32]
        });
        let lm = Landmarks {
            left_eye: t[0],
            right_eye: t[1],
            nose: t[2],
            mouth: t[3],
        };
        let d = chip_details(&lm, &params).unwrap();
        assert!(approx(d.angle, std::f64::consts::FRAC_PI_2, 1e-6));
        let cx = ((d.rect[0] + d.rect[2]) / 2.0) as u32;
        let image = RgbImage::from_fn(900, 800, |x, _| {
            if x < cx {
                image::Rgb([200, 0, 0])
            } else {
                image::Rgb([0, 0, 200])
            }
        });
        let chip = extract_chip(&image, &d);
        // Chip +y runs along image -x: the chip's top half comes from the right (blue).
        assert!(
            chip.get_pixel(75, 20).0[2] > 150,
            "{:?}",
            chip.get_pixel(75, 20)
        );
        assert!(
            chip.get_pixel(75, 130).0[0] > 150,
            "{:?}",
            chip.get_pixel(75, 130)
        );
    }

    #[test]
    fn pyramid_down_halves_and_keeps_a_flat_image_flat() {
        let src = vec![100u8; 20 * 12 * 3];
        let (out, w, h) = pyramid_down(&src, 20, 12);
        assert_eq!((w, h), (8, 4));
        // 16 * 16 * 100 / 256 = 100 exactly.
        assert!(out.iter().all(|&v| v == 100));
        assert_eq!(pyramid_down(&src, 8, 12).1, 0);
    }
}
