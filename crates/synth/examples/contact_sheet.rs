//! Writes a contact sheet: one row per document kind, the flat card on the left and the
//! photographed sample on the right with its ground-truth corners and line boxes drawn.
//!
//! `cargo run -p hawiya-synth --example contact_sheet -- OUT.png [SEED] [DIFFICULTY 0..1] [DIR]`
//! With DIR, each sample is also written there as `<id>.jpg` + `<id>.json` (and the flat
//! card as `<id>_flat.png`, the photo losslessly as `<id>_photo.png`).

use std::path::PathBuf;

use hawiya_synth::{
    render, render_card_flat, write_sample, Difficulty, DocKind, Quad, SynthParams,
};
use image::{imageops, Rgb, RgbImage};
use imageproc::drawing::draw_line_segment_mut;

const CELL_W: u32 = 520;

fn fit(img: &RgbImage) -> (RgbImage, f32) {
    let s = CELL_W as f32 / img.width() as f32;
    let h = (img.height() as f32 * s).round() as u32;
    (
        imageops::resize(img, CELL_W, h, imageops::FilterType::Triangle),
        s,
    )
}

fn quad(img: &mut RgbImage, q: &Quad, s: f32, c: Rgb<u8>) {
    for i in 0..4 {
        let a = q.0[i];
        let b = q.0[(i + 1) % 4];
        draw_line_segment_mut(img, (a[0] * s, a[1] * s), (b[0] * s, b[1] * s), c);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = PathBuf::from(
        args.get(1)
            .map(String::as_str)
            .unwrap_or("synth-examples.png"),
    );
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let level = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(0.5);
    let dir = args.get(4).map(PathBuf::from);
    let params = SynthParams {
        seed,
        difficulty: Difficulty::Level(level),
        ..SynthParams::default()
    };
    let mut rows = Vec::new();
    for kind in DocKind::ALL {
        let flat = render_card_flat(kind, &params, 0)?;
        let photo = render(kind, &params, 0)?;
        if let Some(d) = &dir {
            write_sample(d, &photo)?;
            flat.image
                .save(d.join(format!("{}_flat.png", flat.truth.id)))?;
            photo
                .image
                .save(d.join(format!("{}_photo.png", photo.truth.id)))?;
        }
        let (a, _) = fit(&flat.image);
        let (mut b, s) = fit(&photo.image);
        for l in &photo.truth.lines {
            quad(&mut b, &l.quad, s, Rgb([255, 0, 255]));
        }
        quad(&mut b, &photo.truth.corners, s, Rgb([0, 255, 0]));
        let h = a.height().max(b.height());
        let mut row = RgbImage::from_pixel(2 * CELL_W + 30, h + 20, Rgb([255, 255, 255]));
        imageops::overlay(&mut row, &a, 10, 10);
        imageops::overlay(&mut row, &b, i64::from(CELL_W) + 20, 10);
        rows.push(row);
    }
    let total: u32 = rows.iter().map(RgbImage::height).sum();
    let mut sheet = RgbImage::from_pixel(2 * CELL_W + 30, total, Rgb([255, 255, 255]));
    let mut y = 0;
    for r in rows {
        imageops::overlay(&mut sheet, &r, 0, i64::from(y));
        y += r.height();
    }
    sheet.save(&out)?;
    println!("wrote {}", out.display());
    Ok(())
}
