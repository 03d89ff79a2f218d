//! The document classifier on synthetic documents of a seed it was not trained on, and
//! the quality and spoofing signals on synthetic degraded variants.

mod common;

#[path = "common/doc_class.rs"]
mod doc_class;

use hawiya_pipeline::classify::{ClassifyParams, DocClass, DocClassifier};
use hawiya_pipeline::quality::{self, QualityParams};
use hawiya_pipeline::runtime::RuntimeConfig;
use hawiya_pipeline::spoofing::{self, SpoofParams};
use hawiya_synth::variants::{self, Variant};
use hawiya_synth::{render, Difficulty, DocKind, SynthParams};

fn classifier() -> Option<DocClassifier> {
    common::ocr_models()?;
    match DocClassifier::load(None, &RuntimeConfig::default()) {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!("SKIPPED: {e}");
            None
        }
    }
}

fn through_jpeg(s: &hawiya_synth::Sample) -> image::RgbImage {
    image::load_from_memory(&s.to_jpeg().unwrap())
        .unwrap()
        .to_rgb8()
}

#[test]
fn synthetic_documents_are_classified() {
    let Some(mut c) = classifier() else { return };
    let params = SynthParams {
        seed: 4343,
        difficulty: Difficulty::Normal,
        ..Default::default()
    };
    let mut wrong = Vec::new();
    let mut total = 0;
    for kind in DocKind::ALL {
        for i in 0..3 {
            let s = render(kind, &params, i).unwrap();
            let got = c
                .classify(&through_jpeg(&s), None, &ClassifyParams::default())
                .unwrap();
            total += 1;
            if got.class != doc_class::expected(kind) {
                wrong.push((kind, i, got.class, got.probability));
            }
        }
    }
    // 27 documents; the evaluation (benches/results/classification.md) measures more.
    assert!(
        wrong.len() <= 1,
        "{} of {total} wrong: {wrong:?}",
        wrong.len()
    );
}

#[test]
fn non_documents_are_unknown() {
    let Some(mut c) = classifier() else { return };
    let flat = image::RgbImage::from_pixel(640, 480, image::Rgb([90, 120, 60]));
    let noise = image::RgbImage::from_fn(640, 480, |x, y| {
        let h = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).wrapping_mul(668_265_263);
        image::Rgb([(h >> 8) as u8, (h >> 16) as u8, (h >> 24) as u8])
    });
    for img in [flat, noise] {
        let got = c.classify(&img, None, &ClassifyParams::default()).unwrap();
        assert_eq!(got.class, DocClass::Unknown, "{got:?}");
    }
}

#[test]
fn degraded_variants_raise_their_findings() {
    let params = SynthParams {
        seed: 4344,
        difficulty: Difficulty::Easy,
        ..Default::default()
    };
    let s = render(DocKind::IdFront, &params, 0).unwrap();
    let clean = through_jpeg(&s);
    let card = &s.truth.corners;
    let q = quality::assess(&clean, &QualityParams::default());
    assert!(q.findings.is_empty(), "{q:?}");
    let sp = spoofing::assess(&clean, Some(&card.0), &SpoofParams::default());
    assert!(!sp.fake, "{sp:?}");

    for (variant, issue) in [
        (Variant::Blurred, "blurred"),
        (Variant::Dark, "too_dark"),
        (Variant::Glare, "glare"),
        (Variant::Small, "too_small"),
    ] {
        let img = variants::apply(&clean, card, variant, 1);
        let q = quality::assess(&img, &QualityParams::default());
        assert!(
            q.findings.iter().any(|f| f.issue == issue),
            "{variant:?}: {q:?}"
        );
    }
    let copy = variants::apply(&clean, card, Variant::Photocopy, 1);
    let sp = spoofing::assess(&copy, Some(&card.0), &SpoofParams::default());
    assert!(sp.fake && sp.reasons[0].contains("copy"), "{sp:?}");
    let screen = variants::apply(&clean, card, Variant::Screen, 1);
    let sp = spoofing::assess(&screen, None, &SpoofParams::default());
    assert!(
        sp.fake && sp.reasons.iter().any(|r| r.contains("screen")),
        "{sp:?}"
    );
}
