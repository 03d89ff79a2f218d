//! Shared helpers for the model tests: locating models and fonts (skipping with a printed
//! reason when absent) and rendering text with a real font.

#![allow(dead_code)]

use ab_glyph::{FontVec, PxScale};
use hawiya_pipeline::models::{ModelDir, ModelFile};
use image::{Rgb, RgbImage};

pub const LATIN_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// The models directory when it holds the OCR models; prints why not otherwise.
pub fn ocr_models() -> Option<ModelDir> {
    let dir = match ModelDir::resolve_existing(None) {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("SKIPPED: {e}");
            return None;
        }
    };
    let check = dir.check(&[ModelFile::TextDetect, ModelFile::TextRecognizeLatin]);
    if !check.is_complete() {
        eprintln!(
            "SKIPPED: {} lacks {:?}; run models/build.sh",
            dir.root().display(),
            check.missing
        );
        return None;
    }
    Some(dir)
}

pub fn font(path: &str) -> Option<FontVec> {
    match std::fs::read(path) {
        Ok(bytes) => FontVec::try_from_vec(bytes).ok(),
        Err(e) => {
            eprintln!("SKIPPED: font {path}: {e} (apt-get install fonts-dejavu-core)");
            None
        }
    }
}

/// Draws `text` in black with its top-left at `(x, y)` and returns its box
/// `(x0, y0, x1, y1)` as imageproc measures it.
pub fn draw(
    image: &mut RgbImage,
    font: &FontVec,
    x: i32,
    y: i32,
    px: f32,
    text: &str,
) -> (f32, f32, f32, f32) {
    let scale = PxScale::from(px);
    imageproc::drawing::draw_text_mut(image, Rgb([20, 20, 20]), x, y, scale, font, text);
    let (w, h) = imageproc::drawing::text_size(scale, font, text);
    (
        x as f32,
        y as f32,
        (x + w as i32) as f32,
        (y + h as i32) as f32,
    )
}

pub fn white(width: u32, height: u32) -> RgbImage {
    RgbImage::from_pixel(width, height, Rgb([250, 250, 248]))
}

/// Arabic letters used by the tests, with the code point of their isolated presentation
/// form (U+FExx) and whether they join to the following letter. In Presentation Forms-B
/// the final, initial and medial forms follow the isolated one in that order.
const ARABIC_FORMS: &[(char, u32, bool)] = &[
    ('ا', 0xFE8D, false),
    ('ب', 0xFE8F, true),
    ('ة', 0xFE93, false),
    ('ت', 0xFE95, true),
    ('ح', 0xFEA1, true),
    ('د', 0xFEA9, false),
    ('ر', 0xFEAD, false),
    ('س', 0xFEB1, true),
    ('ع', 0xFEC9, true),
    ('ل', 0xFEDD, true),
    ('م', 0xFEE1, true),
    ('ن', 0xFEE5, true),
    ('ه', 0xFEE9, true),
    ('و', 0xFEED, false),
    ('ي', 0xFEF1, true),
];

/// A minimal Arabic shaper for test rendering: picks each letter's contextual
/// presentation form and reverses the line into visual (left-to-right) order, so a font
/// renderer without shaping (ab_glyph) draws joined Arabic. Covers only the letters in
/// `ARABIC_FORMS` and no ligatures (no lam-alef); panics on anything else.
pub fn shape_arabic(logical: &str) -> String {
    let chars: Vec<char> = logical.chars().collect();
    let form = |c: char| ARABIC_FORMS.iter().find(|f| f.0 == c);
    let mut shaped = Vec::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            shaped.push(' ');
            continue;
        }
        let (_, iso, _) = *form(c).unwrap_or_else(|| panic!("no form for {c}"));
        let joins_prev = i > 0 && form(chars[i - 1]).is_some_and(|f| f.2);
        let joins_next =
            form(c).is_some_and(|f| f.2) && chars.get(i + 1).and_then(|&n| form(n)).is_some();
        let offset = match (joins_prev, joins_next) {
            (false, false) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (true, true) => 3,
        };
        shaped.push(char::from_u32(iso + offset).expect("presentation form"));
    }
    shaped.into_iter().rev().collect()
}
