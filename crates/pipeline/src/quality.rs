//! Image quality of a document photo: too small, blurred, too dark, glare.
//!
//! Every document route measures these before reading. A severe finding (the document
//! cannot be read from such an image) stops the request with `1050` and the reason; a
//! milder one is reported with the result, and turns a failed read into `1050` too,
//! because then it is the likely cause (see [`crate::readers`]).
//!
//! The measures are cheap (one grey copy at a fixed working size) and computed on the
//! middle of the image, where the user centres the document: the background around a
//! card (a sharp table, a bright window) must not vouch for the card.

use image::{GrayImage, RgbImage};
use serde::Serialize;

/// Thresholds. Defaults were set on synthetic card photos and their degraded variants
/// (`hawiya_synth::variants`; benches/results/quality.md has the rates).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualityParams {
    /// Shorter image side below which the document cannot be read, in pixels.
    /// Default 320 (cards); plates use [`QualityParams::for_plates`].
    pub min_side: u32,
    /// Focus measure (variance of the Laplacian at the working size) below which the
    /// image is reported blurred. Default 60.
    pub blur: f32,
    /// ... and below which it cannot be read. Default 15.
    pub blur_severe: f32,
    /// Mean brightness (0-255) below which the image is reported dark. Default 60.
    pub dark: f32,
    /// ... and below which it cannot be read. Default 28.
    pub dark_severe: f32,
    /// Share of the middle area that is blown out (every channel at 250 or more) above
    /// which glare is reported. Default 0.02.
    pub glare: f32,
    /// ... and above which the document cannot be read. Default 0.25.
    pub glare_severe: f32,
}

impl Default for QualityParams {
    fn default() -> Self {
        QualityParams {
            min_side: 320,
            blur: 60.0,
            blur_severe: 15.0,
            dark: 60.0,
            dark_severe: 28.0,
            glare: 0.02,
            glare_severe: 0.25,
        }
    }
}

impl QualityParams {
    /// Plate crops are small by nature (a plate in a car photo is 100-300 px wide). A
    /// plate's body is white and reflective, blown out in sun or flash without hiding
    /// its black characters: there the blown-out share is no reason to refuse (of 973
    /// EALPR crops the gate refused 43, most for glare; without the glare refusal 36
    /// more are answered and 28 more read exactly). Glare is only reported, and a failed
    /// read with it answers `1050` as usual.
    pub fn for_plates() -> Self {
        QualityParams {
            min_side: 40,
            glare_severe: f32::INFINITY,
            ..QualityParams::default()
        }
    }

    /// The thresholds for a plate (`true`) or a card.
    pub fn for_document(plate: bool) -> Self {
        if plate {
            QualityParams::for_plates()
        } else {
            QualityParams::default()
        }
    }
}

/// Longer side of the grey copy the measures run on.
const WORKING_SIDE: u32 = 640;

/// One problem found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// `too_small`, `blurred`, `too_dark` or `glare`.
    pub issue: &'static str,
    /// True when the document cannot be read because of it.
    pub severe: bool,
    /// Human-readable, with the measured value.
    pub detail: String,
}

/// The measures and what they mean.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityReport {
    pub width: u32,
    pub height: u32,
    /// Variance of the Laplacian of the middle area at the working size (one decimal).
    pub focus: f64,
    /// Mean grey level of the middle area, 0-255 (one decimal).
    pub brightness: f64,
    /// Share of the middle area that is blown out (three decimals).
    pub glare: f64,
    pub findings: Vec<Finding>,
}

impl QualityReport {
    /// The first severe finding: the document cannot be read.
    pub fn unreadable(&self) -> Option<&Finding> {
        self.findings.iter().find(|f| f.severe)
    }

    /// All findings in one sentence, for error messages.
    pub fn summary(&self) -> String {
        self.findings
            .iter()
            .map(|f| f.detail.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Measures `image`.
pub fn assess(image: &RgbImage, params: &QualityParams) -> QualityReport {
    let (width, height) = image.dimensions();
    let mut findings = Vec::new();
    if width.min(height) < params.min_side {
        findings.push(Finding {
            issue: "too_small",
            severe: true,
            detail: format!(
                "the image is too small ({width} x {height} px; the shorter side needs at least {} px)",
                params.min_side
            ),
        });
    }
    let grey = working_grey(image);
    let middle = middle_region(&grey);
    let focus = laplacian_variance(&middle);
    let brightness = mean(&middle);
    let glare = blown_out_share(image);
    if brightness < params.dark {
        findings.push(Finding {
            issue: "too_dark",
            severe: brightness < params.dark_severe,
            detail: format!("the image is too dark (mean brightness {brightness:.0} of 255)"),
        });
    }
    // A dark image has little contrast, so its focus says little: judge blur on the rest.
    if brightness >= params.dark_severe && focus < params.blur {
        findings.push(Finding {
            issue: "blurred",
            severe: focus < params.blur_severe,
            detail: format!(
                "the image is blurred (focus measure {focus:.0}, below {:.0})",
                params.blur
            ),
        });
    }
    if glare > params.glare {
        findings.push(Finding {
            issue: "glare",
            severe: glare > params.glare_severe,
            detail: format!("glare covers {:.0}% of the document area", glare * 100.0),
        });
    }
    QualityReport {
        width,
        height,
        focus: (focus as f64 * 10.0).round() / 10.0,
        brightness: (brightness as f64 * 10.0).round() / 10.0,
        glare: (glare as f64 * 1000.0).round() / 1000.0,
        findings,
    }
}

fn working_grey(image: &RgbImage) -> GrayImage {
    let (w, h) = image.dimensions();
    let scale = WORKING_SIDE as f32 / w.max(h).max(1) as f32;
    if scale >= 1.0 {
        return image::imageops::grayscale(image);
    }
    let (nw, nh) = (
        ((w as f32 * scale).round() as u32).max(1),
        ((h as f32 * scale).round() as u32).max(1),
    );
    // `thumbnail` averages whole pixels: several times faster than a filtered resize,
    // and as good for measuring focus at a fixed scale.
    image::imageops::grayscale(&image::imageops::thumbnail(image, nw, nh))
}

/// `[x0, y0, x1, y1]` of the middle 60 % of each side of a `w` x `h` image: where the
/// user centres the document, and where every measure here and in
/// [`crate::spoofing`] looks when the document's outline is unknown.
pub fn middle_bounds(w: u32, h: u32) -> [u32; 4] {
    [w / 5, h / 5, w - w / 5, h - h / 5]
}

fn middle_region(grey: &GrayImage) -> GrayImage {
    let [x0, y0, x1, y1] = middle_bounds(grey.width(), grey.height());
    image::imageops::crop_imm(grey, x0, y0, (x1 - x0).max(1), (y1 - y0).max(1)).to_image()
}

fn mean(grey: &GrayImage) -> f32 {
    let n = grey.as_raw().len().max(1);
    grey.as_raw().iter().map(|&v| v as u64).sum::<u64>() as f32 / n as f32
}

/// Variance of the 4-neighbour Laplacian: high with sharp edges, low when blurred.
pub fn laplacian_variance(grey: &GrayImage) -> f32 {
    let (w, h) = grey.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    let px = |x: u32, y: u32| grey.get_pixel(x, y).0[0] as f32;
    let (mut sum, mut sum2, mut n) = (0f64, 0f64, 0f64);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let l = px(x - 1, y) + px(x + 1, y) + px(x, y - 1) + px(x, y + 1) - 4.0 * px(x, y);
            sum += l as f64;
            sum2 += (l * l) as f64;
            n += 1.0;
        }
    }
    let m = sum / n;
    (sum2 / n - m * m) as f32
}

/// Share of the middle area (at full resolution, sampled) where every channel is 250+.
fn blown_out_share(image: &RgbImage) -> f32 {
    let [x0, y0, x1, y1] = middle_bounds(image.width(), image.height());
    let step = ((x1 - x0).max(y1 - y0) / 400).max(1);
    let (mut blown, mut n) = (0u32, 0u32);
    for y in (y0..y1).step_by(step as usize) {
        for x in (x0..x1).step_by(step as usize) {
            let p = image.get_pixel(x, y).0;
            n += 1;
            if p.iter().all(|&c| c >= 250) {
                blown += 1;
            }
        }
    }
    if n == 0 {
        0.0
    } else {
        blown as f32 / n as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn checker(w: u32, h: u32, cell: u32, lo: u8, hi: u8) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            if ((x / cell) + (y / cell)).is_multiple_of(2) {
                Rgb([lo, lo, lo])
            } else {
                Rgb([hi, hi, hi])
            }
        })
    }

    #[test]
    fn a_sharp_bright_image_has_no_findings() {
        let r = assess(&checker(800, 500, 8, 40, 220), &QualityParams::default());
        assert!(r.findings.is_empty(), "{r:?}");
        assert!(r.focus > 1000.0);
    }

    #[test]
    fn a_small_image_is_unreadable() {
        let r = assess(&checker(200, 120, 4, 40, 220), &QualityParams::default());
        assert_eq!(r.unreadable().map(|f| f.issue), Some("too_small"));
        // The same size is fine for a plate crop.
        let plate = assess(&checker(200, 120, 4, 40, 220), &QualityParams::for_plates());
        assert!(plate.unreadable().is_none(), "{plate:?}");
    }

    #[test]
    fn blur_darkness_and_glare_are_found() {
        let sharp = checker(800, 500, 8, 40, 220);
        let blurred = image::imageops::blur(&sharp, 6.0);
        let r = assess(&blurred, &QualityParams::default());
        assert!(r.findings.iter().any(|f| f.issue == "blurred"), "{r:?}");

        let dark = checker(800, 500, 8, 5, 30);
        let r = assess(&dark, &QualityParams::default());
        assert_eq!(r.unreadable().map(|f| f.issue), Some("too_dark"), "{r:?}");

        let mut glare = sharp.clone();
        for y in 150..350 {
            for x in 250..550 {
                glare.put_pixel(x, y, Rgb([255, 255, 255]));
            }
        }
        let r = assess(&glare, &QualityParams::default());
        assert!(r.findings.iter().any(|f| f.issue == "glare"), "{r:?}");
        assert!(r.summary().contains("glare"));
    }

    #[test]
    fn a_blown_out_plate_body_is_reported_not_refused() {
        // Black strokes on a body at full white over most of the image.
        let mut plate = RgbImage::from_pixel(300, 150, Rgb([255, 255, 255]));
        for x in (20..280).step_by(40) {
            for y in 40..120 {
                for dx in 0..8 {
                    plate.put_pixel(x + dx, y, Rgb([10, 10, 10]));
                }
            }
        }
        let card = assess(&plate, &QualityParams::default());
        assert!(
            card.findings.iter().any(|f| f.issue == "glare" && f.severe),
            "{card:?}"
        );
        let r = assess(&plate, &QualityParams::for_plates());
        assert!(r.unreadable().is_none(), "{r:?}");
        assert!(r.findings.iter().any(|f| f.issue == "glare"), "{r:?}");
    }
}
