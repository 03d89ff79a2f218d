//! The licence readers end to end on synthetic licences (`hawiya_synth`, seed 5, not the
//! evaluation seed): the real card locator, digit recogniser, Tesseract `ara` and the
//! worker's PP-OCR models. Tests print SKIP and return when the OCR models are missing
//! (`HAWIYA_MODELS`).

use hawiya_pipeline::licence::{self, LicenceReadParams};
use hawiya_pipeline::national_id::{IdModels, IdReadParams};
use hawiya_pipeline::runtime::RuntimeConfig;
use hawiya_pipeline::{DocumentKind, Extraction, Worker, WorkerConfig};
use hawiya_synth::{render, Difficulty, DocKind, Sample, SynthParams};

/// The test seed: evaluation uses other seeds.
const SEED: u64 = 5;

fn setup() -> Option<(Worker, IdModels)> {
    let dir = std::env::var_os("HAWIYA_MODELS").map(std::path::PathBuf::from)?;
    if !dir.join("text_det.onnx").is_file() || !dir.join("text_rec_latin.onnx").is_file() {
        eprintln!(
            "SKIP: no text_det.onnx / text_rec_latin.onnx in {}",
            dir.display()
        );
        return None;
    }
    let worker = Worker::load(0, &WorkerConfig::default()).expect("worker");
    let models = IdModels::load(None, &RuntimeConfig::default())
        .expect("the ID models (id_digits.onnx is committed)");
    Some((worker, models))
}

fn params() -> LicenceReadParams {
    LicenceReadParams {
        id: IdReadParams {
            // The synth's "today": its licences expire relative to it.
            today: Some(SynthParams::default().reference_date),
            ..LicenceReadParams::default().id
        },
        ..LicenceReadParams::default()
    }
}

fn samples(kind: DocKind, difficulty: Difficulty, seed: u64, count: u64) -> Vec<Sample> {
    let sp = SynthParams {
        seed,
        difficulty,
        invalid_fraction: 0.0,
        ..SynthParams::default()
    };
    (0..count)
        .map(|i| render(kind, &sp, i).expect("render"))
        .collect()
}

fn doc_kind(kind: DocKind) -> DocumentKind {
    match kind {
        DocKind::DrivingLicense => DocumentKind::DrivingLicense,
        DocKind::CarLicenseFront => DocumentKind::CarLicenseFront,
        _ => DocumentKind::CarLicenseBack,
    }
}

/// Reads each sample and returns `(misses, fields compared)`, the misses as
/// `id field: expected / got`.
fn read_all(kind: DocKind, samples: &[Sample]) -> Option<(Vec<String>, usize)> {
    let (mut worker, mut models) = setup()?;
    let mut misses = Vec::new();
    let mut compared = 0;
    for s in samples {
        let ex: Extraction = match licence::read(
            &mut worker,
            &mut models,
            doc_kind(kind),
            &s.image,
            &params(),
        ) {
            Ok(ex) => ex,
            // A card not found (3011) counts as every field missed.
            Err(e) => {
                misses.push(format!("{}: {e}", s.truth.id));
                Extraction::default()
            }
        };
        for (field, want) in &s.truth.data {
            let want = want.as_str().unwrap_or_default();
            let got = ex.get_str(field).unwrap_or_default();
            compared += 1;
            let same = if s.truth.approximate_fields.iter().any(|f| f == field) {
                want.eq_ignore_ascii_case(got)
            } else {
                want == got
            };
            if !same {
                misses.push(format!("{} {field}: {want:?} / {got:?}", s.truth.id));
            }
        }
    }
    Some((misses, compared))
}

fn check(kind: DocKind, max_miss_share: f32) {
    let mut all = samples(kind, Difficulty::Easy, SEED, 3);
    all.extend(samples(kind, Difficulty::Normal, SEED, 3));
    let Some((misses, compared)) = read_all(kind, &all) else {
        return;
    };
    eprintln!("{kind:?}: {} of {compared} fields differ", misses.len());
    assert!(
        (misses.len() as f32) <= max_miss_share * compared as f32,
        "{misses:#?}"
    );
}

// Regression guards at the level measured on 2026-11-26 (benches/results/licences.md),
// not the targets: the driving licence and the vehicle front miss about a quarter
// of their fields on these six cards (addresses, plate letters, names), the back under a
// tenth.

#[test]
fn driving_licences_read_back() {
    check(DocKind::DrivingLicense, 0.3);
}

#[test]
fn vehicle_licence_fronts_read_back() {
    check(DocKind::CarLicenseFront, 0.3);
}

#[test]
fn vehicle_licence_backs_read_back() {
    check(DocKind::CarLicenseBack, 0.12);
}

/// The vehicle front's plate number by the trained plate number reader: ten normal
/// cards of the test seed, against the Tesseract letters the reader replaced.
#[test]
fn plate_numbers_are_read_by_the_trained_reader() {
    let Some((mut worker, mut models)) = setup() else {
        return;
    };
    assert!(
        models.plate_numbers.is_some(),
        "plate_number_reader.onnx is committed under models/trained"
    );
    let cards = samples(DocKind::CarLicenseFront, Difficulty::Normal, SEED, 10);
    let mut exact = |models: &mut IdModels| {
        cards
            .iter()
            .filter(|s| {
                let ex = licence::read(
                    &mut worker,
                    models,
                    DocumentKind::CarLicenseFront,
                    &s.image,
                    &params(),
                )
                .expect("a card");
                let want = s.truth.data["license_number"].as_str().unwrap_or_default();
                ex.get_str("license_number") == Some(want)
            })
            .count()
    };
    let trained = exact(&mut models);
    models.plate_numbers = None;
    let tesseract = exact(&mut models);
    eprintln!("plate numbers exact: trained reader {trained}/10, Tesseract {tesseract}/10");
    assert!(trained >= 9, "{trained}/10");
    assert!(trained > tesseract, "{trained} vs {tesseract}");
}

/// A development aid: `LICENCE_KIND=car_license_back LICENCE_N=20 cargo test -p
/// hawiya-pipeline --test licence survey -- --ignored --nocapture` prints every miss.
#[test]
#[ignore]
fn survey() {
    let kind = match std::env::var("LICENCE_KIND").as_deref() {
        Ok("car_license_front") => DocKind::CarLicenseFront,
        Ok("car_license_back") => DocKind::CarLicenseBack,
        _ => DocKind::DrivingLicense,
    };
    let n = std::env::var("LICENCE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let seed = std::env::var("LICENCE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11);
    let from: usize = std::env::var("LICENCE_FROM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let set: Vec<Sample> = samples(kind, Difficulty::Normal, seed, n)
        .into_iter()
        .skip(from)
        .collect();
    let Some((misses, compared)) = read_all(kind, &set) else {
        return;
    };
    for m in &misses {
        eprintln!("{m}");
    }
    eprintln!("{kind:?}: {} of {compared} fields differ", misses.len());
}
