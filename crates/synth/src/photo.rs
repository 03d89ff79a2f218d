//! Puts a flat document into a photo: background, perspective, rotation, scale, lighting,
//! glare, blur, noise, resolution. Every truth point goes through the same projection
//! (and the same resize), so the corners and line boxes stay exact.

use image::imageops::FilterType;
use image::{Rgb, Rgba, RgbaImage};
use imageproc::geometric_transformations::{warp_into, Interpolation, Projection};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::geometry::Quad;
use crate::{art, DocKind, Sample, SynthError};

/// Placement and degradation ranges. [`PhotoParams::for_level`] derives them from one
/// difficulty level; each field's comment gives its easy (0) and hard (1) ends.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoParams {
    /// Photo size before any low-resolution step. Default 1280 x 960, a common phone
    /// photo after the client's own downscale.
    pub size: (u32, u32),
    /// Range of the document's width as a share of the photo's width: 0.6-0.9 (easy) to
    /// 0.35-0.9 (hard). Below about 0.35 the ID digits fall under 10 px.
    pub fill: (f32, f32),
    /// Largest in-plane tilt in degrees: 2 to 15.
    pub max_tilt_deg: f32,
    /// Whether the document may be turned by 90/180/270 degrees (level >= 0.75).
    pub quarter_turns: bool,
    /// Largest corner displacement for perspective, as a share of the document's long
    /// side: 0.005 to 0.08.
    pub max_perspective: f32,
    /// Largest Gaussian blur sigma in pixels: 0.2 to 2.0.
    pub max_blur: f32,
    /// Largest noise standard deviation in grey levels: 1 to 14.
    pub max_noise: f32,
    /// JPEG quality range: 92-97 to 35-80.
    pub jpeg_quality: (u8, u8),
    /// Largest darkening across the lighting gradient: 0.05 to 0.45.
    pub max_shade: f32,
    /// Chance of a glare spot: 0 to 0.6.
    pub glare_chance: f32,
    /// Smallest resize factor of the final photo: 1.0 to 0.45.
    pub min_scale: f32,
}

impl Default for PhotoParams {
    fn default() -> Self {
        PhotoParams::for_level(0.5)
    }
}

impl PhotoParams {
    pub fn for_level(level: f32) -> PhotoParams {
        let l = level.clamp(0.0, 1.0);
        let lerp = |a: f32, b: f32| a + (b - a) * l;
        PhotoParams {
            size: (1280, 960),
            fill: (lerp(0.6, 0.35), 0.9),
            max_tilt_deg: lerp(2.0, 15.0),
            quarter_turns: l >= 0.75,
            max_perspective: lerp(0.005, 0.08),
            max_blur: lerp(0.2, 2.0),
            max_noise: lerp(1.0, 14.0),
            jpeg_quality: (lerp(92.0, 35.0) as u8, lerp(97.0, 80.0) as u8),
            max_shade: lerp(0.05, 0.45),
            glare_chance: lerp(0.0, 0.6),
            min_scale: lerp(1.0, 0.45),
        }
    }
}

/// What was done to one photo.
#[derive(Debug, Clone, Serialize)]
pub struct Degradation {
    pub tilt_deg: f32,
    pub quarter_turns: u8,
    pub blur_sigma: f32,
    pub noise_std: f32,
    pub jpeg_quality: u8,
    pub shade: f32,
    pub glare: bool,
    pub scale: f32,
}

/// Photographs a flat sample.
pub fn photograph(
    flat: Sample,
    p: &PhotoParams,
    rng: &mut ChaCha8Rng,
) -> Result<Sample, SynthError> {
    let Sample {
        image: card,
        mut truth,
        corner_radius,
        ..
    } = flat;
    let (cw, ch) = (card.width() as f32, card.height() as f32);
    let (w, h) = p.size;
    let (wf, hf) = (w as f32, h as f32);
    let scene = truth.kind == DocKind::PlateScene;

    let turns: u8 = if p.quarter_turns && !scene {
        rng.gen_range(0..4)
    } else {
        0
    };
    let tilt = rng.gen_range(-p.max_tilt_deg..=p.max_tilt_deg) * if scene { 0.3 } else { 1.0 };
    let angle = (f32::from(turns) * 90.0 + tilt).to_radians();
    let src = [(0.0, 0.0), (cw, 0.0), (cw, ch), (0.0, ch)];

    // Try a placement; shrink until it fits with a margin.
    let mut fill = rng.gen_range(p.fill.0..=p.fill.1);
    let dst = loop {
        let s = if scene {
            // The car scene is the whole photo: fill the frame, only slightly skewed.
            1.06 * (wf / cw).max(hf / ch)
        } else if turns % 2 == 1 {
            fill * hf / cw
        } else {
            fill * wf / cw
        };
        let (sin, cos) = angle.sin_cos();
        let jitter = p.max_perspective * cw.max(ch) * s;
        let half = [
            (-cw / 2.0, -ch / 2.0),
            (cw / 2.0, -ch / 2.0),
            (cw / 2.0, ch / 2.0),
            (-cw / 2.0, ch / 2.0),
        ];
        let rel: Vec<(f32, f32)> = half
            .iter()
            .map(|&(x, y)| {
                let (x, y) = (x * s, y * s);
                (
                    x * cos - y * sin + rng.gen_range(-jitter..=jitter),
                    x * sin + y * cos + rng.gen_range(-jitter..=jitter),
                )
            })
            .collect();
        let (minx, maxx) = minmax(rel.iter().map(|r| r.0));
        let (miny, maxy) = minmax(rel.iter().map(|r| r.1));
        let margin = if scene { -1e6 } else { 0.02 * wf };
        let room_x = wf - 2.0 * margin - (maxx - minx);
        let room_y = hf - 2.0 * margin - (maxy - miny);
        if scene || (room_x >= 0.0 && room_y >= 0.0) {
            let cx = if scene {
                wf / 2.0
            } else {
                margin - minx + rng.gen_range(0.0..=room_x)
            };
            let cy = if scene {
                hf / 2.0
            } else {
                margin - miny + rng.gen_range(0.0..=room_y)
            };
            break [
                (cx + rel[0].0, cy + rel[0].1),
                (cx + rel[1].0, cy + rel[1].1),
                (cx + rel[2].0, cy + rel[2].1),
                (cx + rel[3].0, cy + rel[3].1),
            ];
        }
        fill *= 0.92;
    };
    let proj = Projection::from_control_points(src, dst).ok_or(SynthError::Projection)?;

    // Card with rounded corners as alpha, warped onto a transparent layer.
    let mut rgba = RgbaImage::new(card.width(), card.height());
    for (x, y, px) in card.enumerate_pixels() {
        let a = rounded_alpha(x as f32 + 0.5, y as f32 + 0.5, cw, ch, corner_radius);
        rgba.put_pixel(x, y, Rgba([px[0], px[1], px[2], (a * 255.0) as u8]));
    }
    let mut layer = RgbaImage::new(w, h);
    warp_into(
        &rgba,
        &proj,
        Interpolation::Bilinear,
        Rgba([0, 0, 0, 0]),
        &mut layer,
    );

    let mut out = art::background(rng, w, h);
    if !scene {
        // A soft drop shadow makes the card edge look photographed rather than pasted.
        let off = rng.gen_range(2.0..8.0f32);
        for (x, y, px) in out.enumerate_pixels_mut() {
            let sx = x as i64 - off as i64;
            let sy = y as i64 - off as i64;
            if sx >= 0 && sy >= 0 {
                let a = f32::from(layer.get_pixel(sx as u32, sy as u32)[3]) / 255.0 * 0.35;
                if a > 0.0 {
                    *px = crate::text::blend(*px, Rgba([0, 0, 0, 255]), a);
                }
            }
        }
    }
    for (px, l) in out.pixels_mut().zip(layer.pixels()) {
        let a = f32::from(l[3]) / 255.0;
        if a > 0.0 {
            *px = crate::text::blend(*px, *l, a);
        }
    }

    // Lighting: a linear shade across a random direction.
    let shade = rng.gen_range(0.0..=p.max_shade);
    let dir = rng.gen_range(0.0..std::f32::consts::TAU);
    let (dy, dx) = dir.sin_cos();
    let diag = (wf * wf + hf * hf).sqrt();
    for (x, y, px) in out.enumerate_pixels_mut() {
        let t = ((x as f32 - wf / 2.0) * dx + (y as f32 - hf / 2.0) * dy) / diag + 0.5;
        let f = 1.0 - shade * t.clamp(0.0, 1.0);
        *px = Rgb(px.0.map(|c| (f32::from(c) * f) as u8));
    }
    // Glare: a bright soft ellipse, mostly over the document.
    let glare = rng.gen_bool(f64::from(p.glare_chance));
    if glare {
        let c = dst[rng.gen_range(0..4)];
        let centre = (
            (c.0 + wf / 2.0) / 2.0 + rng.gen_range(-50.0..50.0),
            (c.1 + hf / 2.0) / 2.0 + rng.gen_range(-50.0..50.0),
        );
        let r = rng.gen_range(0.05..0.15) * wf;
        let strength = rng.gen_range(0.5..0.95);
        for (x, y, px) in out.enumerate_pixels_mut() {
            let d2 =
                ((x as f32 - centre.0).powi(2) + (y as f32 - centre.1).powi(2) * 1.8) / (r * r);
            let g = strength * (-d2).exp();
            if g > 0.004 {
                *px = crate::text::blend(*px, Rgba([255, 255, 250, 255]), g);
            }
        }
    }
    let blur = rng.gen_range(0.0..=p.max_blur);
    if blur > 0.3 {
        out = imageproc::filter::gaussian_blur_f32(&out, blur);
    }
    let noise = rng.gen_range(0.0..=p.max_noise);
    if noise > 0.5 {
        imageproc::noise::gaussian_noise_mut(&mut out, 0.0, f64::from(noise), rng.gen());
    }
    let scale = rng.gen_range(p.min_scale..=1.0);
    let (sx, sy) = if scale < 0.98 {
        let nw = ((wf * scale).round() as u32).max(1);
        let nh = ((hf * scale).round() as u32).max(1);
        out = image::imageops::resize(&out, nw, nh, FilterType::Triangle);
        (nw as f32 / wf, nh as f32 / hf)
    } else {
        (1.0, 1.0)
    };
    let map = |q: &Quad| {
        let q = q.project(&proj);
        Quad(q.0.map(|[x, y]| [x * sx, y * sy]))
    };
    truth.corners = map(&truth.corners);
    for line in &mut truth.lines {
        line.quad = map(&line.quad);
    }
    truth.face = truth.face.as_ref().map(map);
    truth.image_size = [out.width(), out.height()];
    truth.quarter_turns = turns;
    let jpeg_quality = rng.gen_range(p.jpeg_quality.0..=p.jpeg_quality.1.max(p.jpeg_quality.0));
    truth.degradation = Some(Degradation {
        tilt_deg: tilt,
        quarter_turns: turns,
        blur_sigma: blur,
        noise_std: noise,
        jpeg_quality,
        shade,
        glare,
        scale,
    });
    Ok(Sample {
        image: out,
        truth,
        jpeg_quality,
        corner_radius: 0.0,
    })
}

fn minmax(it: impl Iterator<Item = f32>) -> (f32, f32) {
    it.fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(v), b.max(v)))
}

/// Coverage of a rounded rectangle at a pixel centre (1 px anti-aliased edge).
fn rounded_alpha(x: f32, y: f32, w: f32, h: f32, r: f32) -> f32 {
    if r <= 0.0 {
        return 1.0;
    }
    let cx = x.clamp(r, w - r);
    let cy = y.clamp(r, h - r);
    let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
    (r - d + 0.5).clamp(0.0, 1.0)
}
