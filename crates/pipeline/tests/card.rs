//! The card locator on synthetic photos: corners, orientation, the warp, and 3011 for
//! photos without a card. The learned tests skip (with a message) when the model file or
//! the ONNX Runtime library is missing; the classical ones always run.

use hawiya_documents::Code;
use hawiya_pipeline::card::{CardLocator, CardLocatorError, ID1_ASPECT, TD3_ASPECT};
use hawiya_pipeline::runtime::{RuntimeConfig, RuntimeError};
use hawiya_pipeline::PipelineError;
use hawiya_synth::{render, Difficulty, DocKind, Sample, SynthParams};
use image::{Rgb, RgbImage};

/// A seed the training set never used (training renders seed 1001 and 2002).
const SEED: u64 = 424_242;

fn learned() -> Option<CardLocator> {
    let models = std::env::var_os("HAWIYA_MODELS")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    match CardLocator::load(&models, &RuntimeConfig::default()) {
        Ok(l) => Some(l),
        Err(CardLocatorError::ModelMissing { searched, .. }) => {
            eprintln!("SKIPPED: card_locator.onnx not found in {searched}");
            None
        }
        Err(CardLocatorError::Runtime(e @ RuntimeError::LibraryMissing { .. })) => {
            eprintln!("SKIPPED: {e}");
            None
        }
        Err(e) => panic!("the card locator failed to load: {e}"),
    }
}

fn photo(kind: DocKind, level: f32, index: u64) -> Sample {
    render(kind, &SynthParams::turned_photo(SEED, level), index).expect("synth render")
}

fn aspect(kind: DocKind) -> f32 {
    if kind == DocKind::Passport {
        TD3_ASPECT
    } else {
        ID1_ASPECT
    }
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Mean corner distance as a share of the card's diagonal, corners in the card's order.
fn corner_error(found: &[[f32; 2]; 4], truth: &[[f32; 2]; 4]) -> f32 {
    let diag = (dist(truth[0], truth[2]) + dist(truth[1], truth[3])) / 2.0;
    (0..4).map(|k| dist(found[k], truth[k])).sum::<f32>() / 4.0 / diag
}

fn assert_no_card(result: Result<hawiya_pipeline::card::LocatedCard, PipelineError>) {
    match result {
        Err(PipelineError::Document { code, .. }) => assert_eq!(code, Code::CardNotDetected),
        Ok(card) => panic!(
            "a card was reported at {:?} (confidence {:.2})",
            card.quad, card.confidence
        ),
        Err(e) => panic!("unexpected error {e}"),
    }
}

#[test]
fn learned_locator_finds_corners_and_orientation_of_every_kind() {
    let Some(mut locator) = learned() else { return };
    let kinds = [
        DocKind::IdFront,
        DocKind::IdBack,
        DocKind::Passport,
        DocKind::Td1,
        DocKind::DrivingLicense,
        DocKind::CarLicenseFront,
        DocKind::CarLicenseBack,
    ];
    let mut turns_seen = [false; 4];
    let mut misses = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        for (j, level) in [0.2f32, 0.8].iter().enumerate() {
            let index = (i * 2 + j) as u64;
            let s = photo(*kind, *level, index);
            let card = match locator.locate(&s.image, aspect(*kind)) {
                Ok(card) => card,
                Err(e) => {
                    misses.push(format!("{}: {e}", s.truth.id));
                    continue;
                }
            };
            let err = corner_error(&card.quad, &s.truth.corners.0);
            // The bar for a located card: 2.5% of the diagonal, in the card's
            // own corner order (so a wrong orientation is a miss too).
            if err >= 0.025 || card.quarter_turns != s.truth.quarter_turns {
                misses.push(format!(
                    "{}: corner error {:.2}%, turns {} (truth {})",
                    s.truth.id,
                    err * 100.0,
                    card.quarter_turns,
                    s.truth.quarter_turns
                ));
                continue;
            }
            turns_seen[card.quarter_turns as usize] = true;
            assert!(card.confidence > 0.35 && card.confidence <= 1.0);
            let want_h = (1000.0 / aspect(*kind)).round() as u32;
            assert_eq!(card.rectified.dimensions(), (1000, want_h));
        }
    }
    // The shipped model places 92.3% of photos within 2.5% with the right orientation
    // (benches/results/card.md): about one miss in 14 is expected (two here, one of them
    // at 2.9%). Four or more would happen to a model that good about 2% of the time;
    // a locator without working orientation or corners misses most of them.
    assert!(misses.len() <= 3, "{misses:#?}");
    assert!(
        turns_seen.iter().filter(|t| **t).count() >= 3,
        "{turns_seen:?}"
    );
}

/// A wooden table: wobbling stripes, as synth's backgrounds draw them.
fn table(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let t = ((y as f32 * 0.06 + (x as f32 * 0.006).sin() * 4.0).sin() * 0.5 + 0.5).powf(0.7);
        Rgb([
            (120.0 + 40.0 * t) as u8,
            (80.0 + 35.0 * t) as u8,
            (50.0 + 30.0 * t) as u8,
        ])
    })
}

/// A skin-toned oval with eyes: the face-like blob of a selfie taken instead of a card.
fn with_face(mut img: RgbImage) -> RgbImage {
    let (cx, cy, rx, ry) = (640.0f32, 470.0f32, 190.0f32, 250.0f32);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let (dx, dy) = ((x as f32 - cx) / rx, (y as f32 - cy) / ry);
        if dx * dx + dy * dy < 1.0 {
            *px = Rgb([205, 160, 130]);
            for ex in [-0.35f32, 0.35] {
                if (dx - ex).powi(2) + (dy + 0.2).powi(2) * 4.0 < 0.015 {
                    *px = Rgb([30, 25, 20]);
                }
            }
        }
    }
    img
}

#[test]
fn photos_without_a_card_are_3011() {
    let Some(mut locator) = learned() else { return };
    let plain = RgbImage::from_fn(1280, 960, |_, y| {
        let v = 90 + (y / 12) as u8;
        Rgb([v, v, v + 5])
    });
    assert_no_card(locator.locate(&plain, ID1_ASPECT));
    assert_no_card(locator.locate(&table(1280, 960), ID1_ASPECT));
    assert_no_card(locator.locate(&with_face(table(1280, 960)), ID1_ASPECT));
}

#[test]
fn classical_locator_rejects_a_plain_photo() {
    let mut locator = CardLocator::classical();
    let plain = RgbImage::from_pixel(800, 600, Rgb([120, 120, 125]));
    assert_no_card(locator.locate(&plain, ID1_ASPECT));
}

#[test]
fn classical_locator_finds_an_easy_card_up_to_half_a_turn() {
    let mut locator = CardLocator::classical();
    let params = SynthParams {
        seed: SEED,
        difficulty: Difficulty::Easy,
        ..SynthParams::default()
    };
    let s = render(DocKind::IdFront, &params, 0).expect("synth render");
    let card = locator.locate(&s.image, ID1_ASPECT).expect("a card");
    // Without the model the orientation is only known up to 180 degrees.
    let t = &s.truth.corners.0;
    let turned = [t[2], t[3], t[0], t[1]];
    let err = corner_error(&card.quad, t).min(corner_error(&card.quad, &turned));
    assert!(err < 0.025, "corner error {:.2}%", err * 100.0);
}
