//! Shaped, bidirectional text drawn onto an image.
//!
//! A line is split into bidi runs (unicode-bidi, base direction from the first strong
//! character), each run is shaped by rustybuzz in its own direction, and the runs are laid
//! side by side in visual order. So `رقم ١٢٣٤` comes out with the Arabic word on the right
//! and the digits reading left to right on its left, as a reader expects.
//! Glyph outlines are rasterised with anti-aliasing by ab_glyph at the shaped positions.

use ab_glyph::Font as _;
use image::{Rgb, RgbImage, Rgba};
use rustybuzz::{Direction, UnicodeBuffer};
use unicode_bidi::ParagraphBidiInfo;

use crate::fonts::Font;
use crate::geometry::Rect;

/// Horizontal alignment of a line relative to its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// The anchor is the left end of the line.
    Left,
    /// The anchor is the middle of the line.
    Center,
    /// The anchor is the right end of the line (Arabic fields on the cards).
    Right,
}

/// One glyph placed relative to the line's left end on the baseline, in pixels.
#[derive(Debug, Clone, Copy)]
pub struct PlacedGlyph {
    pub id: u16,
    /// Whether the glyph comes from the fallback face (a character the font lacks).
    pub fallback: bool,
    pub x: f32,
    pub y: f32,
}

/// A shaped line, ready to draw.
#[derive(Debug, Clone)]
pub struct ShapedLine {
    pub glyphs: Vec<PlacedGlyph>,
    /// Total advance width in pixels.
    pub width: f32,
    /// Font ascent and descent in pixels (descent positive, below the baseline).
    pub ascent: f32,
    pub descent: f32,
}

/// The face used for characters a font lacks (Amiri, which covers everything we print).
fn fallback_font() -> Option<&'static Font> {
    crate::fonts::FontSet::system().ok().map(|s| &s.arabic[0])
}

/// Shapes `text` at `size_px` pixels per em. Characters `font` lacks (Noto Naskh has no
/// `-`) are shaped with the fallback face, so a whole line need not change font.
pub fn shape_line(font: &Font, size_px: f32, text: &str) -> ShapedLine {
    let fallback = fallback_font().filter(|f| !std::ptr::eq(*f, font));
    let mut glyphs = Vec::new();
    // Pen position in pixels.
    let mut pen = 0.0f32;
    if !text.is_empty() {
        let bidi = ParagraphBidiInfo::new(text, None);
        let (levels, runs) = bidi.visual_runs(0..text.len());
        for run in runs {
            let rtl = levels[run.start].is_rtl();
            // Split the run where coverage changes; the pieces keep the run's direction,
            // and their visual order is reversed for right-to-left runs.
            let mut pieces: Vec<(bool, std::ops::Range<usize>)> = Vec::new();
            for (i, c) in text[run.clone()].char_indices() {
                let start = run.start + i;
                let lacks = fallback.is_some() && !font.covers(&c.to_string());
                match pieces.last_mut() {
                    Some((fb, r)) if *fb == lacks => r.end = start + c.len_utf8(),
                    _ => pieces.push((lacks, start..start + c.len_utf8())),
                }
            }
            if rtl {
                pieces.reverse();
            }
            for (use_fb, range) in pieces {
                let f = if use_fb {
                    fallback.unwrap_or(font)
                } else {
                    font
                };
                let k = size_px / f.upem;
                let mut buf = UnicodeBuffer::new();
                buf.push_str(&text[range]);
                buf.set_direction(if rtl {
                    Direction::RightToLeft
                } else {
                    Direction::LeftToRight
                });
                // Picks the script (Arabic, Latin, Common for digits) from the text.
                buf.guess_segment_properties();
                let out = rustybuzz::shape(&f.face, &[], buf);
                // rustybuzz returns glyphs in visual (left-to-right) order for both directions.
                for (info, pos) in out.glyph_infos().iter().zip(out.glyph_positions()) {
                    glyphs.push(PlacedGlyph {
                        id: info.glyph_id as u16,
                        fallback: use_fb,
                        x: pen + pos.x_offset as f32 * k,
                        y: -(pos.y_offset as f32) * k,
                    });
                    pen += pos.x_advance as f32 * k;
                }
            }
        }
    }
    let k = size_px / font.upem;
    ShapedLine {
        glyphs,
        width: pen,
        ascent: f32::from(font.face.ascender()) * k,
        descent: -f32::from(font.face.descender()) * k,
    }
}

/// The advance width of `text` in pixels.
pub fn measure(font: &Font, size_px: f32, text: &str) -> f32 {
    shape_line(font, size_px, text).width
}

/// The largest size not above `size_px` at which `text` fits in `max_width` pixels.
pub fn fit_size(font: &Font, size_px: f32, text: &str, max_width: f32) -> f32 {
    let w = measure(font, size_px, text);
    if w <= max_width || w <= 0.0 {
        size_px
    } else {
        size_px * max_width / w
    }
}

/// Draws one line of text and returns its ink box (the union of the glyphs' pixel
/// bounds; the advance box when nothing is inked, e.g. only spaces).
///
/// `anchor` is a point on the baseline; `align` says which end of the line it is.
/// `colour`'s alpha scales the ink, so pale watermarks use the same path.
pub fn draw_text(
    canvas: &mut RgbImage,
    font: &Font,
    size_px: f32,
    text: &str,
    anchor: (f32, f32),
    align: Align,
    colour: Rgba<u8>,
) -> Rect {
    let line = shape_line(font, size_px, text);
    let left = match align {
        Align::Left => anchor.0,
        Align::Center => anchor.0 - line.width / 2.0,
        Align::Right => anchor.0 - line.width,
    };
    draw_shaped(canvas, font, size_px, &line, (left, anchor.1), colour)
}

/// The glyphs of a shaped line outlined with its left end on the baseline at `origin`
/// (glyphs without an outline, such as spaces, left out).
fn outlined_glyphs<'a>(
    font: &'a Font,
    size_px: f32,
    line: &'a ShapedLine,
    origin: (f32, f32),
) -> impl Iterator<Item = ab_glyph::OutlinedGlyph> + 'a {
    // ab_glyph scales so that ascent - descent spans `scale.y` pixels; convert from
    // pixels per em, which is what the shaping advances were scaled by.
    let scale_of =
        move |f: &Font| ab_glyph::PxScale::from(size_px * f.outlines.height_unscaled() / f.upem);
    let fallback = fallback_font();
    line.glyphs.iter().filter_map(move |g| {
        let f = if g.fallback {
            fallback.unwrap_or(font)
        } else {
            font
        };
        let glyph = ab_glyph::GlyphId(g.id)
            .with_scale_and_position(scale_of(f), ab_glyph::point(origin.0 + g.x, origin.1 + g.y));
        f.outlines.outline_glyph(glyph)
    })
}

/// The pixel bounds of one outlined glyph.
fn glyph_box(outlined: &ab_glyph::OutlinedGlyph) -> Rect {
    let b = outlined.px_bounds();
    Rect::new(b.min.x, b.min.y, b.max.x, b.max.y)
}

/// The advance box of a line drawn at `origin`: its ink box when nothing is inked.
fn advance_box(line: &ShapedLine, origin: (f32, f32)) -> Rect {
    Rect::new(
        origin.0,
        origin.1 - line.ascent,
        origin.0 + line.width,
        origin.1 + line.descent,
    )
}

/// The ink box [`draw_shaped`] would return for `line` at `origin`, without drawing.
pub fn ink_box(font: &Font, size_px: f32, line: &ShapedLine, origin: (f32, f32)) -> Rect {
    outlined_glyphs(font, size_px, line, origin)
        .map(|g| glyph_box(&g))
        .reduce(|a, b| a.union(&b))
        .unwrap_or_else(|| advance_box(line, origin))
}

/// Draws an already shaped line with its left end on the baseline at `origin`.
pub fn draw_shaped(
    canvas: &mut RgbImage,
    font: &Font,
    size_px: f32,
    line: &ShapedLine,
    origin: (f32, f32),
    colour: Rgba<u8>,
) -> Rect {
    let (w, hgt) = (canvas.width() as i32, canvas.height() as i32);
    let alpha = f32::from(colour[3]) / 255.0;
    let mut ink: Option<Rect> = None;
    for outlined in outlined_glyphs(font, size_px, line, origin) {
        let r = glyph_box(&outlined);
        ink = Some(match ink {
            Some(i) => i.union(&r),
            None => r,
        });
        outlined.draw(|dx, dy, cov| {
            let x = r.x0 as i32 + dx as i32;
            let y = r.y0 as i32 + dy as i32;
            if x < 0 || y < 0 || x >= w || y >= hgt {
                return;
            }
            let a = (cov * alpha).clamp(0.0, 1.0);
            if a <= 0.0 {
                return;
            }
            let p = canvas.get_pixel_mut(x as u32, y as u32);
            *p = blend(*p, colour, a);
        });
    }
    ink.unwrap_or_else(|| advance_box(line, origin))
}

/// `dst` moved towards `src` by `a` in 0..1.
pub(crate) fn blend(dst: Rgb<u8>, src: Rgba<u8>, a: f32) -> Rgb<u8> {
    let mix = |d: u8, s: u8| (f32::from(d) * (1.0 - a) + f32::from(s) * a).round() as u8;
    Rgb([
        mix(dst[0], src[0]),
        mix(dst[1], src[1]),
        mix(dst[2], src[2]),
    ])
}

/// ASCII digits replaced by Arabic-Indic ones (`٠١٢٣٤٥٦٧٨٩`); other characters kept.
pub fn to_arabic_indic(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fonts::FontSet;

    #[test]
    fn arabic_letters_take_joined_forms() {
        let fonts = FontSet::system().expect("fonts");
        for font in &fonts.arabic {
            let joined = shape_line(font, 40.0, "محمد");
            // Each letter shaped alone gets its isolated form.
            let isolated: Vec<u16> = "محمد"
                .chars()
                .map(|c| shape_line(font, 40.0, &c.to_string()).glyphs[0].id)
                .collect();
            let joined_ids: Vec<u16> = joined.glyphs.iter().map(|g| g.id).collect();
            assert!(
                joined_ids.len() < 4 || joined_ids.iter().rev().ne(isolated.iter()),
                "{}: no contextual forms: {joined_ids:?} vs {isolated:?}",
                font.name
            );
            assert!(
                joined_ids.iter().all(|&id| id != 0),
                "{}: notdef",
                font.name
            );
        }
    }

    #[test]
    fn digits_read_left_to_right_inside_arabic_line() {
        let fonts = FontSet::system().expect("fonts");
        let font = &fonts.arabic[0];
        let line = shape_line(font, 40.0, "رقم ١٢٣");
        let one = shape_line(font, 40.0, "١").glyphs[0].id;
        let three = shape_line(font, 40.0, "٣").glyphs[0].id;
        let pos = |id: u16| line.glyphs.iter().position(|g| g.id == id).unwrap();
        // Digits sit left of the word and keep their own left-to-right order.
        assert!(pos(one) < pos(three), "digits reversed");
        let meem = shape_line(font, 40.0, "رقم").glyphs.len();
        assert!(
            pos(three) < line.glyphs.len() - meem,
            "digits not left of the word"
        );
    }

    #[test]
    fn draw_returns_ink_box_inside_canvas() {
        let fonts = FontSet::system().expect("fonts");
        let mut img = RgbImage::from_pixel(400, 100, Rgb([255, 255, 255]));
        let r = draw_text(
            &mut img,
            &fonts.arabic[0],
            40.0,
            "جمهورية مصر العربية",
            (390.0, 70.0),
            Align::Right,
            Rgba([0, 0, 0, 255]),
        );
        assert!(
            r.x1 <= 392.0 && r.x0 > 0.0 && r.y0 > 0.0 && r.y1 < 100.0,
            "{r:?}"
        );
        let dark = img.pixels().filter(|p| p[0] < 128).count();
        assert!(dark > 500, "too little ink: {dark}");
    }

    #[test]
    fn arabic_indic_digits() {
        assert_eq!(to_arabic_indic("2024/05"), "٢٠٢٤/٠٥");
    }
}
