//! Renders training crops for the digit recogniser (`training/digits/train.sh`).
//!
//! Cards come from `hawiya_synth::render` (fully rendered, photo-degraded), are rectified
//! from their true corners the way the card locator rectifies them (upright, 1000 px
//! wide), and every digit line (ID number, release and expiry dates) is cut with the
//! product's own [`crop_digit_line`] and [`prepare_input`] from a box that imitates a
//! text detector's (grown and shifted around the ink), with margins drawn from the
//! ranges digits.md asks for.
//!
//! The house number that opens the first address line is cut the way the front reader
//! cuts it: the rightmost ink segment of the line ([`ink_segments`]).
//!
//! Usage: `digits_dataset OUT_DIR SEED START COUNT [fronts]`; writes `OUT_DIR/images.u8`
//! (N x 32 x 256 bytes) and `OUT_DIR/labels.txt` (one ASCII label a line).

use std::io::Write;

use hawiya_pipeline::digits::{crop_digit_line, grow_quad, prepare_input, DigitCropParams};
use hawiya_pipeline::national_id::layout::{ink_segments, CardBox};
use hawiya_pipeline::national_id::rectify::rectify_with_corners;
use hawiya_pipeline::national_id::IdReadParams;
use hawiya_synth::{render, Difficulty, DocKind, SynthParams};

/// SplitMix64: a few lines of deterministic randomness without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn gen_range(&mut self, r: std::ops::Range<f32>) -> f32 {
        let u = (self.next() >> 40) as f32 / (1u64 << 24) as f32;
        r.start + (r.end - r.start) * u
    }
}

const DIGIT_FIELDS: [&str; 3] = ["idNumber", "releaseDate", "idExpiry"];
/// Crops cut from each line (rendering a card costs far more than cutting it).
const CROPS_PER_LINE: usize = 4;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 && args.len() != 6 {
        eprintln!("usage: digits_dataset OUT_DIR SEED START COUNT [fronts]");
        std::process::exit(2);
    }
    let out = std::path::PathBuf::from(&args[1]);
    let seed: u64 = args[2].parse().expect("SEED");
    let start: u64 = args[3].parse().expect("START");
    let count: u64 = args[4].parse().expect("COUNT");
    std::fs::create_dir_all(&out).expect("out dir");
    let mut images = std::io::BufWriter::new(std::fs::File::create(out.join("images.u8")).unwrap());
    let mut labels =
        std::io::BufWriter::new(std::fs::File::create(out.join("labels.txt")).unwrap());
    let mut rng = Rng(seed ^ (start << 20));
    let mut n = 0u64;
    for index in start..start + count {
        let kind = if index % 2 == 0 {
            DocKind::IdFront
        } else {
            DocKind::IdBack
        };
        let params = SynthParams {
            seed,
            difficulty: Difficulty::Level(rng.gen_range(0.0..1.0)),
            ..SynthParams::default()
        };
        let sample = match render(kind, &params, index) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("render {index}: {e}");
                continue;
            }
        };
        let Some(card) = rectify_with_corners(&sample.image, &sample.truth.corners.0) else {
            continue;
        };
        for line in &sample.truth.lines {
            let Some(field) = line.field.as_deref() else {
                continue;
            };
            if field == "address_1" {
                let quad = card.to_card_quad(&line.quad.0);
                let number: String = hawiya_documents::digits::to_ascii_digits(&line.text)
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .to_string();
                let region = CardBox::from_quad(&quad);
                let segments = ink_segments(
                    &card.image,
                    &region.grown(4.0, 2.0),
                    IdReadParams::default().segment_gap,
                );
                let (Some(last), true) = (segments.last(), segments.len() >= 2) else {
                    continue;
                };
                if number.is_empty()
                    || !number.bytes().all(|b| b.is_ascii_digit())
                    || last.width() >= 3.0 * last.height()
                {
                    continue;
                }
                for _ in 0..CROPS_PER_LINE {
                    let crop_params = DigitCropParams {
                        horizontal_margin: rng.gen_range(0.1..1.6),
                        vertical_margin: rng.gen_range(0.1..0.5),
                        ..DigitCropParams::default()
                    };
                    let Some(crop) = crop_digit_line(&card.image, &last.quad(), &crop_params)
                    else {
                        continue;
                    };
                    images
                        .write_all(prepare_input(&crop.image).as_raw())
                        .unwrap();
                    writeln!(labels, "{number}").unwrap();
                    n += 1;
                }
                continue;
            }
            if !DIGIT_FIELDS.contains(&field) {
                continue;
            }
            let label: String = hawiya_documents::digits::to_ascii_digits(&line.text)
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '/')
                .collect();
            let quad = card.to_card_quad(&line.quad.0);
            let h = ((quad[3][1] - quad[0][1]) + (quad[2][1] - quad[1][1])) / 2.0;
            // Several crops a line: different boxes and margins teach margin invariance.
            for _ in 0..CROPS_PER_LINE {
                let shift = [
                    rng.gen_range(-0.15..0.15) * h,
                    rng.gen_range(-0.12..0.12) * h,
                ];
                let grown = grow_quad(
                    &quad,
                    rng.gen_range(0.0..0.8) * h,
                    rng.gen_range(0.05..0.5) * h,
                )
                .map(|p| [p[0] + shift[0], p[1] + shift[1]]);
                let crop_params = DigitCropParams {
                    horizontal_margin: rng.gen_range(0.1..1.6),
                    vertical_margin: rng.gen_range(0.1..0.5),
                    ..DigitCropParams::default()
                };
                let Some(crop) = crop_digit_line(&card.image, &grown, &crop_params) else {
                    continue;
                };
                let input = prepare_input(&crop.image);
                images.write_all(input.as_raw()).unwrap();
                writeln!(labels, "{label}").unwrap();
                n += 1;
            }
        }
        if (index - start).is_multiple_of(500) {
            eprintln!("{} cards, {n} crops", index - start);
        }
    }
    eprintln!("done: {n} crops");
}
