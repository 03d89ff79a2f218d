//! Measures the document classifier, the image-quality findings and the spoofing signals
//! on synthetic documents of a seed no model was trained on (training uses 3000/3001).
//!
//!   cargo run --release -p hawiya-pipeline --example quality_eval -- [N per kind] [seed] [nonneg_dir...]
//!
//! Prints: classification accuracy per kind on clean photos; `unknown` rate on
//! non-documents (procedural images here, plus every JPEG/PNG under the folders given,
//! e.g. the faces of ../shared/data); per variant (blurred, dark, glare, small, photocopy,
//! screen) the share flagged by the matching signal; false alarms on the clean photos;
//! and the percentiles of each measure on clean and degraded photos (for thresholds).

#[path = "../tests/common/doc_class.rs"]
mod doc_class;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use hawiya_pipeline::classify::{ClassifyParams, DocClass, DocClassifier};
use hawiya_pipeline::quality::{self, QualityParams};
use hawiya_pipeline::runtime::RuntimeConfig;
use hawiya_pipeline::spoofing::{self, SpoofParams};
use hawiya_synth::variants::{self, Variant};
use hawiya_synth::{render, DocKind, SynthParams};
use image::RgbImage;

const CARD_KINDS: [DocKind; 6] = [
    DocKind::IdFront,
    DocKind::IdBack,
    DocKind::Passport,
    DocKind::DrivingLicense,
    DocKind::CarLicenseFront,
    DocKind::CarLicenseBack,
];

fn pct(v: &mut [f32], q: f32) -> f32 {
    if v.is_empty() {
        return f32::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f32 * q).round() as usize]
}

fn images_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            images_under(&p, out);
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"))
        {
            out.push(p);
        }
    }
}

/// Non-documents made here: noise, flat colours, gradients, a blank card.
fn procedural(i: u64) -> RgbImage {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(77_000 + i);
    let (w, h) = (640, 480);
    match i % 4 {
        0 => RgbImage::from_fn(w, h, |_, _| image::Rgb(rng.gen())),
        1 => image::RgbImage::from_pixel(w, h, image::Rgb(rng.gen())),
        2 => {
            let (a, b): ([u8; 3], [u8; 3]) = (rng.gen(), rng.gen());
            RgbImage::from_fn(w, h, |x, _| {
                let t = x as f32 / w as f32;
                image::Rgb([0, 1, 2].map(|c| (a[c] as f32 * (1.0 - t) + b[c] as f32 * t) as u8))
            })
        }
        _ => {
            let bg: [u8; 3] = [
                rng.gen_range(40..160),
                rng.gen_range(40..160),
                rng.gen_range(40..160),
            ];
            RgbImage::from_fn(w, h, |x, y| {
                if (120..520).contains(&x) && (110..370).contains(&y) {
                    image::Rgb([240, 240, 236])
                } else {
                    image::Rgb(bg)
                }
            })
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(30);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(9100);
    let neg_dirs: Vec<&String> = args.iter().skip(3).collect();
    let rt = RuntimeConfig::default();
    let mut classifier = match DocClassifier::load(None, &rt) {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!("classification is skipped: {e}");
            None
        }
    };
    // MIN_PROBABILITY=0.5 tries another operating point without rebuilding.
    let mut cparams = ClassifyParams::default();
    if let Some(p) = std::env::var("MIN_PROBABILITY")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        cparams.min_probability = p;
    }
    println!("min_probability {}", cparams.min_probability);
    let (qp, sp) = (QualityParams::default(), SpoofParams::default());

    let mut class_ok: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let mut class_ms = Vec::new();
    let mut confusions: BTreeMap<String, u32> = BTreeMap::new();
    // Per variant: (flagged by its own signal, total); on clean: false alarms per signal.
    let mut flagged: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let mut clean_alarms: BTreeMap<&str, u32> = BTreeMap::new();
    let mut clean_total = 0u32;
    let mut measures: BTreeMap<String, Vec<f32>> = BTreeMap::new();
    let mut quality_ms = Vec::new();
    let mut spoof_ms = Vec::new();

    let all_kinds: Vec<DocKind> = CARD_KINDS
        .iter()
        .copied()
        .chain([DocKind::Td1, DocKind::Plate, DocKind::PlateScene])
        .collect();
    for &kind in &all_kinds {
        for i in 0..n {
            let level = (i % 10) as f32 / 9.0;
            let params = SynthParams {
                seed,
                difficulty: hawiya_synth::Difficulty::Level(level),
                ..SynthParams::default()
            };
            let s = render(kind, &params, i)?;
            // Through JPEG, as a client sends it.
            let image = image::load_from_memory(&s.to_jpeg()?)?.to_rgb8();
            if let Some(c) = classifier.as_mut() {
                let t = Instant::now();
                let got = c.classify(&image, None, &cparams)?;
                class_ms.push(t.elapsed().as_secs_f32() * 1000.0);
                let e = class_ok.entry(kind.slug()).or_default();
                e.1 += 1;
                if got.class == doc_class::expected(kind) {
                    e.0 += 1;
                } else {
                    *confusions
                        .entry(format!(
                            "{} -> {:?} (top probability {:.2})",
                            kind.slug(),
                            got.class,
                            got.probability
                        ))
                        .or_default() += 1;
                }
            }
            if !CARD_KINDS.contains(&kind) {
                continue;
            }
            clean_total += 1;
            let t = Instant::now();
            let q = quality::assess(&image, &qp);
            quality_ms.push(t.elapsed().as_secs_f32() * 1000.0);
            let t = Instant::now();
            let sr = spoofing::assess(&image, Some(&s.truth.corners.0), &sp);
            spoof_ms.push(t.elapsed().as_secs_f32() * 1000.0);
            for f in &q.findings {
                *clean_alarms.entry(f.issue).or_default() += 1;
            }
            if sr.colourfulness < sp.min_colourfulness {
                *clean_alarms.entry("photocopy").or_default() += 1;
            }
            if sr.grid > sp.grid {
                *clean_alarms.entry("screen").or_default() += 1;
            }
            for (name, v) in [
                ("focus", q.focus as f32),
                ("brightness", q.brightness as f32),
                ("glare", q.glare as f32),
                ("colourfulness", sr.colourfulness),
                ("grid", sr.grid),
            ] {
                measures.entry(format!("clean {name}")).or_default().push(v);
            }
            for v in Variant::ALL {
                let img =
                    variants::apply(&image, &s.truth.corners, v, seed ^ i ^ (kind as u64) << 20);
                let q = quality::assess(&img, &qp);
                // The screen variant moves the card; there the reader's outline is unknown
                // to this harness, so it measures the middle of the image.
                let card =
                    (v != Variant::Screen && v != Variant::Small).then_some(&s.truth.corners.0);
                let sr = spoofing::assess(&img, card, &sp);
                let hit = match v {
                    Variant::Blurred => q.findings.iter().any(|f| f.issue == "blurred"),
                    Variant::Dark => q.findings.iter().any(|f| f.issue == "too_dark"),
                    Variant::Glare => q.findings.iter().any(|f| f.issue == "glare"),
                    Variant::Small => q.findings.iter().any(|f| f.issue == "too_small"),
                    Variant::Photocopy => sr.colourfulness < sp.min_colourfulness,
                    Variant::Screen => sr.grid > sp.grid,
                };
                let e = flagged.entry(v.name()).or_default();
                e.1 += 1;
                if hit {
                    e.0 += 1;
                }
                let m = match v {
                    Variant::Blurred => q.focus as f32,
                    Variant::Dark => q.brightness as f32,
                    Variant::Glare => q.glare as f32,
                    Variant::Small => q.width.min(q.height) as f32,
                    Variant::Photocopy => sr.colourfulness,
                    Variant::Screen => sr.grid,
                };
                measures
                    .entry(format!("{} measure", v.name()))
                    .or_default()
                    .push(m);
            }
        }
        eprintln!("{} done", kind.slug());
    }

    println!("## Classification (seed {seed}, {n} per kind, clean photos through JPEG)\n");
    let (mut ok, mut total) = (0, 0);
    for (k, (a, b)) in &class_ok {
        println!("- {k}: {a}/{b}");
        ok += a;
        total += b;
    }
    if total > 0 {
        println!(
            "- all documents: {ok}/{total} = {:.1}%",
            100.0 * ok as f32 / total as f32
        );
        println!("- p50 classify time {:.1} ms", pct(&mut class_ms, 0.5));
    }
    for (k, v) in &confusions {
        println!("  - confused: {k}: {v}");
    }
    if let Some(c) = classifier.as_mut() {
        let mut unknown = 0;
        let mut count = 0;
        let mut wrong: BTreeMap<String, u32> = BTreeMap::new();
        for i in 0..200 {
            let img = procedural(i);
            count += 1;
            let got = c.classify(&img, None, &cparams)?;
            if got.class == DocClass::Unknown {
                unknown += 1;
            } else {
                *wrong.entry(format!("{:?}", got.class)).or_default() += 1;
            }
        }
        println!("- procedural non-documents: unknown {unknown}/{count}; otherwise {wrong:?}");
        // The face cue as the classification route applies it.
        let mut faces = hawiya_pipeline::models::ModelDir::resolve(None)
            .ok()
            .and_then(|d| hawiya_pipeline::face::FaceModels::load(d.root(), &rt).ok());
        for dir in &neg_dirs {
            let mut files = Vec::new();
            images_under(Path::new(dir), &mut files);
            files.sort();
            let (mut unknown, mut net_unknown, mut count) = (0, 0, 0);
            let mut wrong: BTreeMap<String, u32> = BTreeMap::new();
            for f in files {
                let Ok(img) = image::open(&f) else { continue };
                let img = img.to_rgb8();
                count += 1;
                let share = match faces.as_mut() {
                    Some(m) => {
                        let found = m.detect(&img)?;
                        let area = (img.width() * img.height()) as f32;
                        Some(found.first().map_or(0.0, |f| f.width() * f.height() / area))
                    }
                    None => None,
                };
                if c.classify(&img, None, &cparams)?.class == DocClass::Unknown {
                    net_unknown += 1;
                }
                let got = c.classify(&img, share, &cparams)?;
                if got.class == DocClass::Unknown {
                    unknown += 1;
                } else {
                    *wrong.entry(format!("{:?}", got.class)).or_default() += 1;
                }
            }
            println!(
                "- {dir}: unknown {unknown}/{count} with the face cue{}, {net_unknown}/{count} by the network alone; otherwise {wrong:?}",
                if faces.is_some() { "" } else { " (face models missing: none applied)" }
            );
        }
    }

    println!("\n## Quality and spoofing findings ({clean_total} clean card photos, each with every variant)\n");
    println!("| variant | detected |\n|---|---|");
    for (k, (a, b)) in &flagged {
        println!("| {k} | {a}/{b} = {:.1}% |", 100.0 * *a as f32 / *b as f32);
    }
    println!("\nFalse alarms on the clean photos (of {clean_total}): {clean_alarms:?}");
    println!(
        "p50 time: quality {:.1} ms, spoofing {:.1} ms",
        pct(&mut quality_ms, 0.5),
        pct(&mut spoof_ms, 0.5)
    );
    println!("\nMeasures (p5 / p50 / p95):");
    for (k, v) in measures.iter_mut() {
        println!(
            "- {k}: {:.3} / {:.3} / {:.3}",
            pct(v, 0.05),
            pct(v, 0.5),
            pct(v, 0.95)
        );
    }
    Ok(())
}
