//! Draws one Arabic line with digits in every Arabic face found, to check shaping and
//! bidi by eye: `cargo run -p hawiya-synth --example font_specimen -- OUT.png`.

use hawiya_synth::text::{draw_text, Align};
use hawiya_synth::FontSet;
use image::{Rgb, RgbImage, Rgba};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "specimen.png".into());
    let fonts = FontSet::system()?;
    let line = "محمد عبدالرحمن - ١٢ ش التحرير ٢٠٢٤/٠٥/١٤";
    let row = 70u32;
    let mut img = RgbImage::from_pixel(
        1100,
        row * fonts.arabic.len() as u32 + 20,
        Rgb([255, 255, 255]),
    );
    for (i, f) in fonts.arabic.iter().enumerate() {
        let y = (i as u32 * row + 55) as f32;
        let font = fonts.arabic_for(i, line);
        draw_text(
            &mut img,
            font,
            40.0,
            line,
            (1080.0, y),
            Align::Right,
            Rgba([0, 0, 0, 255]),
        );
        draw_text(
            &mut img,
            &fonts.latin[0],
            14.0,
            &f.name,
            (10.0, y),
            Align::Left,
            Rgba([200, 0, 0, 255]),
        );
    }
    img.save(&out)?;
    Ok(())
}
