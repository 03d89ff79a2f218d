//! Presentation-attack signals on a document photo: `services.spoofing`.
//!
//! Two attacks a remote onboarding sees most, and what gives them away:
//! - a black-and-white photocopy of the card: every Egyptian card prints colour (the
//!   guilloche background, the eagle, the coloured bands), a copy has none, so the
//!   chroma spread of the card area collapses;
//! - the card shown on a phone or monitor and photographed: the screen's pixel grid and
//!   subpixel stripes become a periodic pattern a few camera pixels wide, which a
//!   printed card never has. It is found as a peak of the autocorrelation of the
//!   high-passed image at a lag of 2-8 pixels.
//!
//! Both are measured on the middle of the image (where the card is) at full resolution:
//! the grid is finer than any working copy would keep.

use image::{GrayImage, RgbImage};

use crate::geometry::{convex_quad_contains, quad_bounds, Quad};
use serde::Serialize;

/// Thresholds. Defaults were set on synthetic card photos and their photocopy and
/// screen variants (`hawiya_synth::variants`; benches/results/quality.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpoofParams {
    /// Chroma spread (Hasler and Suesstrunk's colourfulness, spread part) below which the
    /// card has no colour. Default 4: the palest synthetic cards measure about 6, their
    /// grey copies mostly under 2.
    pub min_colourfulness: f32,
    /// Autocorrelation peak of the high-passed image above which a pixel grid is seen.
    /// Default 0.8: fine guilloche and fabric backgrounds reach 0.7, screens 0.9.
    pub grid: f32,
    /// Whether the document prints colour at all (false for a plate crop, black on white).
    pub expect_colour: bool,
}

impl Default for SpoofParams {
    fn default() -> Self {
        SpoofParams {
            min_colourfulness: 4.0,
            grid: 0.8,
            expect_colour: true,
        }
    }
}

/// The measures and the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpoofReport {
    pub fake: bool,
    /// Why, one sentence per signal that fired.
    pub reasons: Vec<String>,
    pub colourfulness: f32,
    /// The strongest periodic correlation at lags 2-8 px.
    pub grid: f32,
}

impl SpoofReport {
    /// `services.spoofing` as api.md shows it, with the reasons and measures added.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "fake": self.fake,
            "reasons": self.reasons,
            "colourfulness": (self.colourfulness as f64 * 10.0).round() / 10.0,
            "grid": (self.grid as f64 * 1000.0).round() / 1000.0,
        })
    }
}

/// Side of the square middle crop the grid is looked for in, at full resolution.
const GRID_CROP: u32 = 384;

/// An axis-aligned region of the image: x0, y0, x1, y1 in pixels.
pub type Region = [u32; 4];

/// The region to measure: the card's bounding box shrunk by a tenth on each side (its
/// border and the background stay out), else the middle 60 % of the image.
pub fn region_of(image: &RgbImage, card: Option<&Quad>) -> Region {
    let (w, h) = image.dimensions();
    let middle = crate::quality::middle_bounds(w, h);
    let Some(q) = card else {
        return middle;
    };
    let (x0, y0, x1, y1) = quad_bounds(q);
    let (mx, my) = ((x1 - x0) * 0.1, (y1 - y0) * 0.1);
    let clamp = |v: f32, hi: u32| v.max(0.0).min(hi as f32) as u32;
    let r = [
        clamp(x0 + mx, w),
        clamp(y0 + my, h),
        clamp(x1 - mx, w),
        clamp(y1 - my, h),
    ];
    if r[2] <= r[0] + 16 || r[3] <= r[1] + 16 {
        middle
    } else {
        r
    }
}

/// Measures `image`; `card` is the document's outline when a reader found it.
pub fn assess(image: &RgbImage, card: Option<&Quad>, params: &SpoofParams) -> SpoofReport {
    let region = region_of(image, card);
    // Colour is judged inside the card only (shrunk to 80 % about its centre): the
    // bounding box of a tilted card takes in background, which has colour of its own.
    let inner = card.map(|q| shrink_quad(q, 0.8));
    let colourfulness = colourfulness(image, region, inner.as_ref());
    let grid = grid_periodicity(image, region);
    let mut reasons = Vec::new();
    if params.expect_colour && colourfulness < params.min_colourfulness {
        reasons.push(format!(
            "the document shows no colour (colourfulness {colourfulness:.1}): a black-and-white copy"
        ));
    }
    if grid > params.grid {
        reasons.push(format!(
            "a regular pixel grid covers the document (periodicity {grid:.2}): a photo of a screen"
        ));
    }
    SpoofReport {
        fake: !reasons.is_empty(),
        reasons,
        colourfulness,
        grid,
    }
}

/// The spread part of Hasler and Suesstrunk's colourfulness on `region`:
/// sqrt(var(R-G) + var((R+G)/2-B)). A grey image scores 0 whatever its tint.
pub fn colourfulness(image: &RgbImage, region: Region, within: Option<&Quad>) -> f32 {
    let [x0, y0, x1, y1] = region;
    let step = ((x1 - x0).max(y1 - y0) / 300).max(1) as usize;
    let (mut n, mut s_rg, mut s2_rg, mut s_yb, mut s2_yb) = (0f64, 0f64, 0f64, 0f64, 0f64);
    for y in (y0..y1).step_by(step) {
        for x in (x0..x1).step_by(step) {
            if within.is_some_and(|q| !convex_quad_contains(q, [x as f32 + 0.5, y as f32 + 0.5])) {
                continue;
            }
            let [r, g, b] = image.get_pixel(x, y).0.map(|v| v as f64);
            let rg = r - g;
            let yb = 0.5 * (r + g) - b;
            n += 1.0;
            s_rg += rg;
            s2_rg += rg * rg;
            s_yb += yb;
            s2_yb += yb * yb;
        }
    }
    if n == 0.0 {
        return 0.0;
    }
    let var_rg = (s2_rg / n - (s_rg / n).powi(2)).max(0.0);
    let var_yb = (s2_yb / n - (s_yb / n).powi(2)).max(0.0);
    (var_rg + var_yb).sqrt() as f32
}

/// `q` scaled by `factor` about its centroid.
fn shrink_quad(q: &Quad, factor: f32) -> Quad {
    let cx = q.iter().map(|p| p[0]).sum::<f32>() / 4.0;
    let cy = q.iter().map(|p| p[1]).sum::<f32>() / 4.0;
    q.map(|[x, y]| [cx + (x - cx) * factor, cy + (y - cy) * factor])
}

/// The strongest normalised autocorrelation, over lags 2-8 px in x and in y, of a crop
/// of the middle of `region` minus its 3 x 3 local mean. Printed and natural texture
/// decorrelates within a pixel or two; a screen grid correlates again at its period.
pub fn grid_periodicity(image: &RgbImage, region: Region) -> f32 {
    let [x0, y0, x1, y1] = region;
    let (rw, rh) = (x1.saturating_sub(x0), y1.saturating_sub(y0));
    let (cw, ch) = (rw.min(GRID_CROP), rh.min(GRID_CROP));
    if cw < 32 || ch < 32 {
        return 0.0;
    }
    let grey: GrayImage = image::imageops::grayscale(
        &image::imageops::crop_imm(image, x0 + (rw - cw) / 2, y0 + (rh - ch) / 2, cw, ch)
            .to_image(),
    );
    let (cw, ch) = (cw as usize, ch as usize);
    let px = |x: usize, y: usize| grey.get_pixel(x as u32, y as u32).0[0] as f32;
    // High-pass: the pixel minus the mean of its 3 x 3 neighbourhood.
    let mut hp = vec![0f32; cw * ch];
    for y in 1..ch - 1 {
        for x in 1..cw - 1 {
            let mut sum = 0.0;
            for dy in 0..3 {
                for dx in 0..3 {
                    sum += px(x + dx - 1, y + dy - 1);
                }
            }
            hp[y * cw + x] = px(x, y) - sum / 9.0;
        }
    }
    let energy: f32 = hp.iter().map(|v| v * v).sum();
    if energy <= f32::EPSILON * (cw * ch) as f32 {
        return 0.0;
    }
    let mut best = 0f32;
    for lag in 2..=8usize {
        let (mut rx, mut ry) = (0f32, 0f32);
        for y in 1..ch - 1 {
            for x in 1..cw - 1 {
                let v = hp[y * cw + x];
                if x + lag < cw - 1 {
                    rx += v * hp[y * cw + x + lag];
                }
                if y + lag < ch - 1 {
                    ry += v * hp[(y + lag) * cw + x];
                }
            }
        }
        best = best.max(rx / energy).max(ry / energy);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// Deterministic pixel noise: print and sensor texture, which has no period.
    fn noise(x: u32, y: u32) -> u8 {
        let mut h = x.wrapping_mul(0x9E37_79B9) ^ y.wrapping_mul(0x85EB_CA6B);
        h ^= h >> 15;
        h = h.wrapping_mul(0x2C1B_3C6D);
        h ^= h >> 12;
        (h % 24) as u8
    }

    fn colourful() -> RgbImage {
        RgbImage::from_fn(400, 300, |x, y| {
            let n = noise(x, y);
            Rgb([
                (x % 200 + 30) as u8 + n,
                (y % 150 + 60) as u8 + n,
                ((x + y) % 180) as u8 + n,
            ])
        })
    }

    #[test]
    fn a_grey_copy_has_no_colour() {
        let img = colourful();
        let grey = image::DynamicImage::ImageLuma8(image::imageops::grayscale(&img)).to_rgb8();
        let whole = region_of(&img, None);
        assert!(colourfulness(&img, whole, None) > 20.0);
        let r = assess(&grey, None, &SpoofParams::default());
        assert!(r.fake && r.reasons[0].contains("copy"), "{r:?}");
        // A plate is black on white: no colour expected, no alarm.
        let plate = assess(
            &grey,
            None,
            &SpoofParams {
                expect_colour: false,
                ..SpoofParams::default()
            },
        );
        assert!(!plate.fake, "{plate:?}");
    }

    #[test]
    fn a_pixel_grid_is_periodic() {
        // A smooth picture with every third column and row dark: a screen's black matrix.
        let img = RgbImage::from_fn(400, 400, |x, y| {
            let n = noise(x, y);
            let base = Rgb([(100 + x / 4) as u8 + n, (80 + y / 4) as u8 + n, 150 + n]);
            if x % 3 == 2 || y % 3 == 2 {
                Rgb(base.0.map(|v| v / 4))
            } else {
                base
            }
        });
        let r = assess(&img, None, &SpoofParams::default());
        assert!(r.grid > 0.8, "{r:?}");
        assert!(r.fake);
        let smooth = RgbImage::from_fn(400, 400, |x, y| {
            let n = noise(x, y);
            Rgb([(x / 2) as u8 + n, (y / 2) as u8 + n, 90 + n])
        });
        assert!(grid_periodicity(&smooth, region_of(&smooth, None)) < 0.3);
        // A card outline narrows the measure to the card.
        let card = [
            [100.0, 100.0],
            [300.0, 100.0],
            [300.0, 300.0],
            [100.0, 300.0],
        ];
        assert_eq!(region_of(&smooth, Some(&card)), [120, 120, 280, 280]);
    }
}
