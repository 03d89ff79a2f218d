//! Writes flat synthetic plates for training the plate reader:
//! `cargo run --release -p hawiya-synth --example plate_set -- OUT N SEED [WIDTH]`
//! writes `OUT/<i>.png` and `OUT/labels.tsv` (file, letters in reading order, ASCII
//! digits, vehicle class, the digits and letters ink boxes).

use std::io::Write;

use hawiya_synth::{render_card_flat, DocKind, SynthParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = std::path::PathBuf::from(args.get(1).ok_or("OUT")?);
    let n: u64 = args.get(2).ok_or("N")?.parse()?;
    let seed: u64 = args.get(3).ok_or("SEED")?.parse()?;
    let width: u32 = args.get(4).map(|w| w.parse()).transpose()?.unwrap_or(400);
    std::fs::create_dir_all(&out)?;
    let params = SynthParams {
        seed,
        card_width: width,
        ..SynthParams::default()
    };
    let mut tsv = std::fs::File::create(out.join("labels.tsv"))?;
    for i in 0..n {
        let s = render_card_flat(DocKind::Plate, &params, i)?;
        let name = format!("{i:06}.png");
        s.image.save(out.join(&name))?;
        let d = &s.truth.data;
        let text = |k: &str| d[k].as_str().unwrap_or_default().to_string();
        writeln!(
            tsv,
            "{name}\t{}\t{}\t{}",
            text("letters"),
            text("digits"),
            text("vehicle_class")
        )?;
    }
    Ok(())
}
