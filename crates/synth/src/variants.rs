//! Degraded and presentation-attack variants of a rendered document photo, to measure the
//! image-quality findings and the spoofing signals of the readers (issue 11).
//!
//! Each [`Variant`] models one thing a user or a fraudster does: shoots out of focus, in
//! the dark, under a lamp, from too far; photographs a black-and-white photocopy of the
//! card; photographs the card shown on a screen. A variant is a function of the clean
//! photo, the card's corners and a seed, so the clean and the degraded image agree.

use image::imageops::FilterType;
use image::{Rgb, RgbImage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::geometry::Quad;

/// What was done to the photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// Out of focus: a Gaussian blur of 0.5-1.2 % of the longer side.
    Blurred,
    /// Underexposed: brightness scaled to 8-22 %, with sensor noise.
    Dark,
    /// A lamp's reflection: a blown-out patch over 10-35 % of the card.
    Glare,
    /// Shot from far away or sent as a thumbnail: shorter side 120-280 px.
    Small,
    /// A grey photocopy of the card, photographed: no colour on the card.
    Photocopy,
    /// The photo shown on an LCD and photographed: subpixel stripes, a pixel grid,
    /// moire from the resampling, a cool cast.
    Screen,
}

impl Variant {
    pub const ALL: [Variant; 6] = [
        Variant::Blurred,
        Variant::Dark,
        Variant::Glare,
        Variant::Small,
        Variant::Photocopy,
        Variant::Screen,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variant::Blurred => "blurred",
            Variant::Dark => "dark",
            Variant::Glare => "glare",
            Variant::Small => "small",
            Variant::Photocopy => "photocopy",
            Variant::Screen => "screen",
        }
    }

    /// True for presentation attacks (spoofing), false for quality problems.
    pub fn is_spoof(self) -> bool {
        matches!(self, Variant::Photocopy | Variant::Screen)
    }
}

/// `photo` with `variant` applied; `card` is the card's outline in `photo`.
pub fn apply(photo: &RgbImage, card: &Quad, variant: Variant, seed: u64) -> RgbImage {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_0f7a_u64);
    let (w, h) = photo.dimensions();
    match variant {
        Variant::Blurred => {
            let sigma = w.max(h) as f32 * rng.gen_range(0.005..0.012);
            image::imageops::blur(photo, sigma)
        }
        Variant::Dark => {
            let gain = rng.gen_range(0.08..0.22);
            let mut out = photo.clone();
            for p in out.pixels_mut() {
                for c in p.0.iter_mut() {
                    let noise: f32 = rng.gen_range(-3.0..3.0);
                    *c = (*c as f32 * gain + noise).clamp(0.0, 255.0) as u8;
                }
            }
            out
        }
        Variant::Glare => {
            let mut out = photo.clone();
            let (cx, cy) = centre(card);
            let card_w = dist(card.0[0], card.0[1]);
            let card_h = dist(card.0[0], card.0[3]);
            // Area share a in 10-35 %: an ellipse of radii r_x, r_y with pi r_x r_y = a w h.
            let share = rng.gen_range(0.10..0.35);
            let aspect = rng.gen_range(0.6..1.6f32);
            let rx = (share * card_w * card_h / std::f32::consts::PI * aspect).sqrt();
            let ry = rx / aspect;
            let (ox, oy) = (
                cx + rng.gen_range(-0.2..0.2) * card_w,
                cy + rng.gen_range(-0.2..0.2) * card_h,
            );
            for y in 0..h {
                for x in 0..w {
                    let d = ((x as f32 - ox) / rx).powi(2) + ((y as f32 - oy) / ry).powi(2);
                    if d < 1.6 {
                        // Blown out in the core, fading over the rim.
                        let t = if d < 1.0 { 1.0 } else { (1.6 - d) / 0.6 };
                        let p = out.get_pixel_mut(x, y);
                        for c in p.0.iter_mut() {
                            *c = (*c as f32 * (1.0 - t) + 255.0 * t) as u8;
                        }
                    }
                }
            }
            out
        }
        Variant::Small => {
            let side = rng.gen_range(120..280) as f32;
            let scale = side / w.min(h) as f32;
            let (nw, nh) = (
                ((w as f32 * scale) as u32).max(1),
                ((h as f32 * scale) as u32).max(1),
            );
            image::imageops::resize(photo, nw, nh, FilterType::Triangle)
        }
        Variant::Photocopy => {
            let mut out = photo.clone();
            let contrast = rng.gen_range(1.2..1.6f32);
            let warm = rng.gen_range(-4.0..4.0f32);
            for y in 0..h {
                for x in 0..w {
                    if !inside(card, x as f32 + 0.5, y as f32 + 0.5) {
                        continue;
                    }
                    let p = out.get_pixel(x, y).0;
                    let l = 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32;
                    let toner: f32 = rng.gen_range(-6.0..6.0);
                    let v = ((l - 128.0) * contrast + 140.0 + toner).clamp(0.0, 255.0);
                    // The camera's white balance still tints the grey a little.
                    out.put_pixel(
                        x,
                        y,
                        Rgb([
                            (v + warm).clamp(0.0, 255.0) as u8,
                            v as u8,
                            (v - warm).clamp(0.0, 255.0) as u8,
                        ]),
                    );
                }
            }
            out
        }
        Variant::Screen => screen(photo, &mut rng),
    }
}

/// The photo drawn on an LCD (each pixel three vertical subpixel stripes with a dark
/// gap row), photographed from a little further away and slightly rotated.
fn screen(photo: &RgbImage, rng: &mut ChaCha8Rng) -> RgbImage {
    // Pixels of the displayed picture: the screen shows the photo at a lower resolution.
    let (w, h) = photo.dimensions();
    let shown_w = rng.gen_range(260..420u32);
    let shown_h = (shown_w as f32 * h as f32 / w as f32).round().max(1.0) as u32;
    let shown = image::imageops::resize(photo, shown_w, shown_h, FilterType::Triangle);
    const SUB: u32 = 4;
    let mut panel = RgbImage::new(shown_w * SUB, shown_h * SUB);
    let leak = rng.gen_range(0.1..0.25f32);
    for (x, y, p) in panel.enumerate_pixels_mut() {
        let src = shown.get_pixel(x / SUB, y / SUB).0;
        let (sx, sy) = (x % SUB, y % SUB);
        if sy == SUB - 1 || sx == SUB - 1 {
            // The black matrix between pixels.
            *p = Rgb([
                (src[0] as f32 * 0.15) as u8,
                (src[1] as f32 * 0.15) as u8,
                (src[2] as f32 * 0.15) as u8,
            ]);
            continue;
        }
        let mut out = [0u8; 3];
        for (c, o) in out.iter_mut().enumerate() {
            let lit = if c as u32 == sx { 1.0 } else { leak };
            *o = (src[c] as f32 * lit * 1.8).clamp(0.0, 255.0) as u8;
        }
        *p = Rgb(out);
    }
    // The camera: each screen pixel lands on 2.2-3.5 camera pixels, a small tilt.
    let pitch = rng.gen_range(2.2..3.5f32);
    let (cw, ch) = (
        (shown_w as f32 * pitch) as u32,
        (shown_h as f32 * pitch) as u32,
    );
    let shot = image::imageops::resize(&panel, cw, ch, FilterType::Triangle);
    let angle = rng.gen_range(-0.04..0.04f32);
    let background = Rgb([20, 20, 24]);
    let rotated = imageproc::geometric_transformations::rotate_about_center(
        &shot,
        angle,
        imageproc::geometric_transformations::Interpolation::Bilinear,
        background,
    );
    // A cool cast and lifted blacks.
    let (gain, lift) = (rng.gen_range(0.85..1.0f32), rng.gen_range(5.0..20.0f32));
    let mut out = rotated;
    for p in out.pixels_mut() {
        let [r, g, b] = p.0;
        *p = Rgb([
            (r as f32 * gain * 0.93 + lift).clamp(0.0, 255.0) as u8,
            (g as f32 * gain + lift).clamp(0.0, 255.0) as u8,
            (b as f32 * gain * 1.08 + lift).clamp(0.0, 255.0) as u8,
        ]);
    }
    out
}

fn centre(q: &Quad) -> (f32, f32) {
    let x = q.0.iter().map(|p| p[0]).sum::<f32>() / 4.0;
    let y = q.0.iter().map(|p| p[1]).sum::<f32>() / 4.0;
    (x, y)
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Whether (x, y) is inside the convex quadrilateral (either winding).
fn inside(q: &Quad, x: f32, y: f32) -> bool {
    let mut sign = 0f32;
    for i in 0..4 {
        let [ax, ay] = q.0[i];
        let [bx, by] = q.0[(i + 1) % 4];
        let cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
        if cross != 0.0 {
            if sign == 0.0 {
                sign = cross.signum();
            } else if cross.signum() != sign {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> (RgbImage, Quad) {
        let img = RgbImage::from_fn(400, 300, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 120])
        });
        (
            img,
            Quad([[50.0, 50.0], [350.0, 50.0], [350.0, 250.0], [50.0, 250.0]]),
        )
    }

    #[test]
    fn variants_are_deterministic_and_change_the_photo() {
        let (img, card) = photo();
        for v in Variant::ALL {
            let a = apply(&img, &card, v, 7);
            let b = apply(&img, &card, v, 7);
            assert_eq!(a, b, "{v:?}");
            assert_ne!(a, img, "{v:?}");
        }
    }

    #[test]
    fn photocopy_greys_the_card_only() {
        let (img, card) = photo();
        let out = apply(&img, &card, Variant::Photocopy, 1);
        let inside = out.get_pixel(200, 150).0;
        assert!(
            (inside[0] as i32 - inside[2] as i32).abs() <= 10,
            "{inside:?}"
        );
        assert_eq!(out.get_pixel(10, 10), img.get_pixel(10, 10));
    }

    #[test]
    fn small_has_a_short_side_under_280() {
        let (img, card) = photo();
        let out = apply(&img, &card, Variant::Small, 3);
        assert!(out.width().min(out.height()) < 280);
    }
}
