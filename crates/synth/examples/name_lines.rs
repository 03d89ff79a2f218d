//! Writes the lines of some fields of flat synthetic cards, for training a line reader:
//! `cargo run --release -p hawiya-synth --example name_lines -- OUT N SEED [KIND FIELD...]`
//! writes `OUT/<card>_<line>.png` (the line's ink box with half its height of margin on
//! every side, so the trainer can jitter the crop) and `OUT/labels.tsv` (file, the ink
//! box within the crop as x0 y0 x1 y1, the text as printed). Without KIND, the name
//! lines of ID fronts (the name reader's); `car_license_front license_number` gives the
//! vehicle licence's plate numbers (the plate number reader's).

use std::io::Write;

use hawiya_synth::{render_card_flat, DocKind, SynthParams};

/// The lines the name reader learns: the names (the fields Tesseract reads worst).
const NAME_FIELDS: &[&str] = &["first_name", "last_names"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = std::path::PathBuf::from(args.get(1).ok_or("OUT")?);
    let n: u64 = args.get(2).ok_or("N")?.parse()?;
    let seed: u64 = args.get(3).ok_or("SEED")?.parse()?;
    let (kind, fields): (DocKind, Vec<&str>) = match args.get(4) {
        None => (DocKind::IdFront, NAME_FIELDS.to_vec()),
        Some(slug) => (
            DocKind::ALL
                .into_iter()
                .find(|k| k.slug() == slug)
                .ok_or_else(|| format!("unknown kind {slug}"))?,
            args[5..].iter().map(String::as_str).collect(),
        ),
    };
    std::fs::create_dir_all(&out)?;
    let params = SynthParams {
        seed,
        ..SynthParams::default()
    };
    let mut tsv = std::fs::File::create(out.join("labels.tsv"))?;
    for i in 0..n {
        let s = render_card_flat(kind, &params, i)?;
        let (w, h) = (s.image.width() as f32, s.image.height() as f32);
        for (k, line) in s.truth.lines.iter().enumerate() {
            if !line.field.as_deref().is_some_and(|f| fields.contains(&f)) {
                continue;
            }
            let xs = line.quad.0.map(|p| p[0]);
            let ys = line.quad.0.map(|p| p[1]);
            let (x0, x1) = (
                xs.iter().copied().fold(w, f32::min),
                xs.iter().copied().fold(0.0, f32::max),
            );
            let (y0, y1) = (
                ys.iter().copied().fold(h, f32::min),
                ys.iter().copied().fold(0.0, f32::max),
            );
            let m = 0.5 * (y1 - y0);
            let (cx0, cy0) = ((x0 - m).max(0.0).floor(), (y0 - m).max(0.0).floor());
            let (cx1, cy1) = ((x1 + m).min(w).ceil(), (y1 + m).min(h).ceil());
            let crop = image::imageops::crop_imm(
                &s.image,
                cx0 as u32,
                cy0 as u32,
                (cx1 - cx0) as u32,
                (cy1 - cy0) as u32,
            )
            .to_image();
            let name = format!("{i:06}_{k}.png");
            crop.save(out.join(&name))?;
            writeln!(
                tsv,
                "{name}\t{:.1} {:.1} {:.1} {:.1}\t{}",
                x0 - cx0,
                y0 - cy0,
                x1 - cx0,
                y1 - cy0,
                line.text
            )?;
        }
    }
    Ok(())
}
