//! Drawing helpers for licence plates only: a bold plate typeface look (several bold
//! Arabic faces, strokes thickened by repeated offset drawing), characters as tall as
//! the body allows and spread evenly over each half as real plates print them, bolts,
//! dirt and wear.
//!
//! Only the plate code paths call this module, so the other kinds' output and random
//! streams are unchanged.

use std::sync::OnceLock;

use image::{Rgb, RgbImage, Rgba};
use imageproc::drawing::draw_filled_circle_mut;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::fonts::{self, Font};
use crate::geometry::Rect;
use crate::text;

/// Bold or geometric Arabic faces that resemble the plate typeface; those missing on the
/// machine are skipped.
const PLATE_FACES: &[&str] = &[
    "NotoSansArabic-Bold.ttf",
    "NotoKufiArabic-Bold.ttf",
    "NotoNaskhArabic-Bold.ttf",
    "Amiri-Bold.ttf",
    "DejaVuSans-Bold.ttf",
    "NotoSansArabic-Regular.ttf",
    "NotoKufiArabic-Regular.ttf",
    "ae_AlArabiya.ttf",
    "ae_Salem.ttf",
    "ae_Tholoth.ttf",
];

/// The plate faces found on this machine that cover every plate character.
pub(crate) fn plate_fonts() -> &'static [Font] {
    static SET: OnceLock<Vec<Font>> = OnceLock::new();
    SET.get_or_init(|| {
        let index = fonts::index_font_files(&fonts::font_roots());
        let all: String = crate::data::PLATE_LETTERS.concat() + "٠١٢٣٤٥٦٧٨٩";
        PLATE_FACES
            .iter()
            .filter_map(|f| index.get(*f))
            .filter_map(|p| Font::load(p).ok())
            .filter(|f| f.covers(&all))
            .collect()
    })
}

/// Draws `chars` (visual left-to-right order) spread over `area`, each centred in its
/// slot and bottom-aligned near the area's baseline; strokes are thickened by `bold`
/// pixels. Returns the ink box.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw_spread(
    img: &mut RgbImage,
    rng: &mut ChaCha8Rng,
    font: &Font,
    chars: &[String],
    area: Rect,
    size_px: f32,
    bold: f32,
    ink: Rgba<u8>,
) -> Rect {
    let n = chars.len().max(1) as f32;
    // Real plates spread few characters widely and many evenly.
    let fill = rng.gen_range(0.8..0.98);
    let span = area.width() * fill;
    let x0 = area.x0 + (area.width() - span) / 2.0;
    let slot = span / n;
    let baseline = area.y0 + area.height() * rng.gen_range(0.72..0.82);
    let mut out: Option<Rect> = None;
    for (i, c) in chars.iter().enumerate() {
        let cx = x0 + slot * (i as f32 + 0.5) + rng.gen_range(-0.04..0.04) * slot;
        let size = size_px * rng.gen_range(0.95..1.05);
        // The widest character must fit its slot, the tallest the area's height.
        let size = text::fit_size(font, size, c, slot * 0.9);
        let (size, top, bottom) = fit_ink_height(font, size, c, area.height() * 0.94);
        // On the baseline, moved up or down as little as keeps the ink inside the area.
        let mut by = baseline + rng.gen_range(-0.02..0.02) * size;
        let margin = area.height() * 0.03;
        if by + bottom > area.y1 - margin {
            by = area.y1 - margin - bottom;
        }
        if by + top < area.y0 + margin {
            by = area.y0 + margin - top;
        }
        let offsets = bold_offsets(bold);
        let mut ink_box: Option<Rect> = None;
        for (dx, dy) in offsets {
            let r = text::draw_text(
                img,
                font,
                size,
                c,
                (cx + dx, by + dy),
                text::Align::Center,
                ink,
            );
            ink_box = Some(match ink_box {
                Some(b) => b.union(&r),
                None => r,
            });
        }
        if let Some(b) = ink_box {
            out = Some(match out {
                Some(o) => o.union(&b),
                None => b,
            });
        }
    }
    out.unwrap_or(area)
}

/// The size not above `size` at which `c`'s ink is at most `max_height` tall, with the
/// ink's top and bottom relative to the baseline at that size (fonts' ascent and descent
/// say little about one glyph's ink).
fn fit_ink_height(font: &Font, size: f32, c: &str, max_height: f32) -> (f32, f32, f32) {
    let line = text::shape_line(font, size, c);
    // Measured centred at (2 size, 2 size): the point only sets the pixel rounding of the
    // bounds, kept as it was when this drew on a scratch canvas of 4 x 4 sizes.
    let origin = size * 2.0;
    let ink = text::ink_box(font, size, &line, (origin - line.width / 2.0, origin));
    let (top, bottom) = (ink.y0 - origin, ink.y1 - origin);
    let tall = bottom - top;
    if tall <= max_height || tall <= 0.0 {
        return (size, top, bottom);
    }
    let k = max_height / tall;
    (size * k, top * k, bottom * k)
}

/// Offsets on a small disc: drawing a glyph at each thickens its strokes by `r` px.
fn bold_offsets(r: f32) -> Vec<(f32, f32)> {
    let mut v = vec![(0.0, 0.0)];
    if r < 0.3 {
        return v;
    }
    let steps = (r.ceil() as i32).max(1);
    for i in -steps..=steps {
        for j in -steps..=steps {
            let (x, y) = (i as f32 * r / steps as f32, j as f32 * r / steps as f32);
            if (x * x + y * y).sqrt() <= r + 1e-3 && (i, j) != (0, 0) {
                v.push((x, y));
            }
        }
    }
    v
}

/// Two or four bolt heads or holes, at the band's or body's ends.
pub(crate) fn bolts(img: &mut RgbImage, rng: &mut ChaCha8Rng, band_h: f32) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let r = (h * rng.gen_range(0.025..0.045)).max(1.5) as i32;
    let y = if rng.gen_bool(0.7) {
        band_h * rng.gen_range(0.35..0.65)
    } else {
        h * rng.gen_range(0.3..0.4)
    };
    let shade: u8 = rng.gen_range(60..220);
    let colour = Rgb([shade, shade, shade.saturating_sub(10)]);
    for x in [w * rng.gen_range(0.04..0.1), w * rng.gen_range(0.9..0.96)] {
        draw_filled_circle_mut(img, (x as i32, y as i32), r, colour);
    }
    if rng.gen_bool(0.3) {
        let y2 = h * rng.gen_range(0.85..0.93);
        for x in [w * rng.gen_range(0.04..0.1), w * rng.gen_range(0.9..0.96)] {
            draw_filled_circle_mut(img, (x as i32, y2 as i32), r, colour);
        }
    }
}

/// Dirt and wear: soft dark or brown blotches, a few scratches, uneven fading.
pub(crate) fn dirt(img: &mut RgbImage, rng: &mut ChaCha8Rng, amount: f32) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let blotches = (amount * 12.0) as usize;
    for _ in 0..blotches {
        let cx = rng.gen_range(0.0..w);
        let cy = rng.gen_range(0.0..h);
        let rx = rng.gen_range(0.03..0.2) * w;
        let ry = rng.gen_range(0.05..0.3) * h;
        let strength = rng.gen_range(0.05..0.35) * amount.min(1.0);
        let tint = [
            rng.gen_range(60..120u8),
            rng.gen_range(50..100u8),
            rng.gen_range(30..80u8),
        ];
        let (x0, x1) = ((cx - rx).max(0.0) as u32, ((cx + rx) as u32).min(w as u32));
        let (y0, y1) = ((cy - ry).max(0.0) as u32, ((cy + ry) as u32).min(h as u32));
        for y in y0..y1 {
            for x in x0..x1 {
                let dx = (x as f32 - cx) / rx;
                let dy = (y as f32 - cy) / ry;
                let d = dx * dx + dy * dy;
                if d < 1.0 {
                    let a = strength * (1.0 - d);
                    let p = img.get_pixel_mut(x, y);
                    *p = text::blend(*p, Rgba([tint[0], tint[1], tint[2], 255]), a);
                }
            }
        }
    }
    // Fading across the plate: one side paler or darker.
    let fade = rng.gen_range(-0.15..0.15) * amount.min(1.0);
    if fade.abs() > 0.01 {
        for (x, _, p) in img.enumerate_pixels_mut() {
            let t = x as f32 / w;
            let k = 1.0 + fade * (2.0 * t - 1.0);
            for c in p.0.iter_mut() {
                *c = (f32::from(*c) * k).clamp(0.0, 255.0) as u8;
            }
        }
    }
}
