//! The passport reader on rendered documents: synthetic passports (TD3) and ID cards
//! (TD1) from `hawiya_synth`, photographed with its degradations, read back exactly.
//!
//! Needs the PP-OCR models (`models/build.sh`); without them each test says so and
//! passes without checking anything.

use chrono::NaiveDate;
use hawiya_documents::Code;
use hawiya_pipeline::passport::{self, PassportParams};
use hawiya_pipeline::{PipelineError, Worker, WorkerConfig};
use hawiya_synth::{render, Difficulty, DocKind, Sample, SynthParams};

const FIELDS: [&str; 8] = [
    "passport_no",
    "name",
    "nationality",
    "country_code",
    "gender",
    "Date_of_Birth",
    "Date_of_Expiry",
    "doc_Type",
];

fn worker() -> Option<Worker> {
    let w = Worker::load(0, &WorkerConfig::default()).ok()?;
    if w.models.text_detector.is_none() || w.models.text_recognizer.is_none() {
        eprintln!("SKIPPED: PP-OCR models not found (run models/build.sh)");
        return None;
    }
    Some(w)
}

/// The synthetic set's reference date, so expiry issues follow its truth.
fn params() -> PassportParams {
    PassportParams {
        today: NaiveDate::from_ymd_opt(2025, 1, 1),
        ..PassportParams::default()
    }
}

/// The sample as a client would send it: JPEG at the sample's quality, decoded.
fn photo(s: &Sample) -> image::RgbImage {
    image::load_from_memory(&s.to_jpeg().unwrap())
        .unwrap()
        .to_rgb8()
}

fn assert_exact(worker: &mut Worker, s: &Sample, image: &image::RgbImage) {
    let e = passport::read_params(worker, image, &params())
        .unwrap_or_else(|err| panic!("{}: {err}", s.truth.id));
    for f in FIELDS {
        assert_eq!(
            e.get_str(f),
            s.truth.data[f].as_str(),
            "{}: field {f}; read {}",
            s.truth.id,
            e.extra["mrz_lines"]
        );
    }
    assert_eq!(e.extra["mrz_lines"], s.truth.data["mrz"], "{}", s.truth.id);
    assert!(
        e.issues.iter().all(|i| i.code != Code::InvalidMrz),
        "{}: {:?}",
        s.truth.id,
        e.issues
    );
    // Every field carries a confidence and a box inside the image.
    for f in &e.fields {
        assert!(f.confidence.is_some_and(|c| c > 0.3), "{f:?}");
        let b = f.bbox.expect("box");
        assert!(b.iter().all(|p| p[0] >= -2.0
            && p[1] >= -2.0
            && p[0] <= image.width() as f32 + 2.0
            && p[1] <= image.height() as f32 + 2.0));
    }
}

#[test]
fn synthetic_passports_and_id_cards_are_read_exactly() {
    let Some(mut w) = worker() else { return };
    for (kind, difficulty, seed, index) in [
        (DocKind::Passport, Difficulty::Easy, 11, 0),
        (DocKind::Passport, Difficulty::Normal, 12, 1),
        (DocKind::Passport, Difficulty::Level(0.6), 13, 2),
        (DocKind::Td1, Difficulty::Easy, 11, 0),
        (DocKind::Td1, Difficulty::Normal, 12, 1),
        (DocKind::Td1, Difficulty::Level(0.6), 13, 2),
    ] {
        let sp = SynthParams {
            seed,
            difficulty,
            ..SynthParams::default()
        };
        let s = render(kind, &sp, index).unwrap();
        assert_exact(&mut w, &s, &photo(&s));
    }
}

#[test]
fn an_upside_down_passport_is_read() {
    let Some(mut w) = worker() else { return };
    let sp = SynthParams {
        seed: 21,
        difficulty: Difficulty::Easy,
        ..SynthParams::default()
    };
    let s = render(DocKind::Passport, &sp, 0).unwrap();
    let turned = image::imageops::rotate180(&photo(&s));
    assert_exact(&mut w, &s, &turned);
}

#[test]
fn the_mrz_box_surrounds_the_printed_lines() {
    let Some(mut w) = worker() else { return };
    let sp = SynthParams {
        seed: 31,
        difficulty: Difficulty::Easy,
        ..SynthParams::default()
    };
    let s = render(DocKind::Passport, &sp, 0).unwrap();
    let e = passport::read_params(&mut w, &photo(&s), &params()).unwrap();
    let quad: Vec<[f32; 2]> = serde_json::from_value(e.extra["mrz_box"].clone()).unwrap();
    let (x0, x1) = quad
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p[0]), b.max(p[0])));
    let (y0, y1) = quad
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p[1]), b.max(p[1])));
    for line in s
        .truth
        .lines
        .iter()
        .filter(|l| l.field.as_deref() == Some("mrz"))
    {
        for p in line.quad.0 {
            // The ink lies inside the box, give or take a few pixels of rounding.
            assert!(
                p[0] > x0 - 6.0 && p[0] < x1 + 6.0,
                "{p:?} outside x {x0}..{x1}"
            );
            assert!(
                p[1] > y0 - 6.0 && p[1] < y1 + 6.0,
                "{p:?} outside y {y0}..{y1}"
            );
        }
    }
}

#[test]
fn an_expired_document_is_reported_and_a_valid_one_is_not() {
    let Some(mut w) = worker() else { return };
    let sp = SynthParams {
        seed: 41,
        difficulty: Difficulty::Easy,
        ..SynthParams::default()
    };
    let s = render(DocKind::Passport, &sp, 0).unwrap();
    let image = photo(&s);
    let expiry =
        NaiveDate::parse_from_str(s.truth.data["Date_of_Expiry"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    let at = |today: NaiveDate| PassportParams {
        today: Some(today),
        ..PassportParams::default()
    };
    let e = passport::read_params(&mut w, &image, &at(expiry + chrono::Duration::days(1))).unwrap();
    assert!(
        e.issues
            .iter()
            .any(|i| i.code == Code::DocumentExpired && i.field == "Date_of_Expiry"),
        "{:?}",
        e.issues
    );
    let e = passport::read_params(&mut w, &image, &at(expiry - chrono::Duration::days(1))).unwrap();
    assert!(e.issues.is_empty(), "{:?}", e.issues);
}

#[test]
fn a_document_without_mrz_is_error_3013() {
    let Some(mut w) = worker() else { return };
    let sp = SynthParams {
        seed: 51,
        difficulty: Difficulty::Easy,
        ..SynthParams::default()
    };
    // The front of a national ID card: printed text, no machine readable zone.
    let s = render(DocKind::IdFront, &sp, 0).unwrap();
    match passport::read_params(&mut w, &photo(&s), &params()) {
        Err(PipelineError::Document { code, .. }) => assert_eq!(code, Code::InvalidMrz),
        other => panic!("expected error 3013, got {other:?}"),
    }
    // A blank image as well.
    let blank = image::RgbImage::from_pixel(640, 480, image::Rgb([200, 200, 200]));
    assert!(matches!(
        passport::read_params(&mut w, &blank, &params()),
        Err(PipelineError::Document {
            code: Code::InvalidMrz,
            ..
        })
    ));
}
