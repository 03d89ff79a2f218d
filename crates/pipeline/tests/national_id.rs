//! The national ID readers end to end on synthetic cards (`hawiya_synth`, seed 5, never
//! used in training): real card locator, digit recogniser, Tesseract `ara`, and the
//! worker's PP-OCR models. Tests print SKIP and return when the OCR models are missing
//! (`HAWIYA_MODELS`); the digit model is committed and must load.

use hawiya_documents::Code;
use hawiya_pipeline::national_id::rectify::rectify_with_corners;
use hawiya_pipeline::national_id::{back, front, IdModels, IdReadParams};
use hawiya_pipeline::runtime::RuntimeConfig;
use hawiya_pipeline::{PipelineError, Worker, WorkerConfig};
use hawiya_synth::{render, Difficulty, DocKind, Sample, SynthParams};
use image::RgbImage;

/// The test seed: evaluation uses 77, training 1000.
const SEED: u64 = 5;

fn setup() -> Option<(Worker, IdModels)> {
    let dir = std::env::var_os("HAWIYA_MODELS").map(std::path::PathBuf::from)?;
    if !dir.join("text_det.onnx").is_file() {
        eprintln!("SKIP: no text_det.onnx in {}", dir.display());
        return None;
    }
    let worker = Worker::load(0, &WorkerConfig::default()).expect("worker");
    let models = IdModels::load(None, &RuntimeConfig::default())
        .expect("the ID models (id_digits.onnx is committed)");
    Some((worker, models))
}

fn params() -> IdReadParams {
    IdReadParams {
        // The synth's "today": its cards expire relative to it.
        today: Some(SynthParams::default().reference_date),
        ..IdReadParams::default()
    }
}

fn samples(
    kind: DocKind,
    difficulty: Difficulty,
    count: u64,
    invalid_fraction: f32,
) -> Vec<Sample> {
    let sp = SynthParams {
        seed: SEED,
        difficulty,
        invalid_fraction,
        ..SynthParams::default()
    };
    (0..count)
        .map(|i| render(kind, &sp, i).expect("render"))
        .collect()
}

/// One card of a dev seed, as the evaluation renders it (`id_eval COUNT SEED`).
fn dev_card(kind: DocKind, seed: u64, difficulty: Difficulty, index: u64) -> Sample {
    let sp = SynthParams {
        seed,
        difficulty,
        ..SynthParams::default()
    };
    render(kind, &sp, index).expect("render")
}

/// The reader alone on the card rectified from its true corners: these tests check the
/// reading, not the card locator (measured separately; without its learned model the
/// classical finder misses a few cards, see benches/results/national_id.md).
fn read_rectified(
    kind: DocKind,
    worker: &mut Worker,
    models: &mut IdModels,
    s: &Sample,
) -> hawiya_pipeline::Extraction {
    let card = rectify_with_corners(&s.image, &s.truth.corners.0).expect("rectify");
    match kind {
        DocKind::IdFront => front::read_card(worker, models, &card, &params()),
        _ => back::read_card(worker, models, &card, &params()),
    }
    .unwrap_or_else(|e| panic!("{}: {e}", s.truth.id))
}

fn truth(s: &Sample, field: &str) -> String {
    s.truth
        .data
        .get(field)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string()
}

#[test]
fn fronts_read_back_number_dates_and_names() {
    let Some((mut worker, mut models)) = setup() else {
        return;
    };
    let mut name_misses = Vec::new();
    for difficulty in [Difficulty::Easy, Difficulty::Normal] {
        for s in samples(DocKind::IdFront, difficulty, 3, 0.0) {
            let ex = front::read(&mut worker, &mut models, &s.image, &params())
                .unwrap_or_else(|e| panic!("{}: {e}", s.truth.id));
            for field in ["idNumber", "dateOfBirth"] {
                assert_eq!(
                    ex.get_str(field).unwrap_or(""),
                    truth(&s, field),
                    "{} {field}",
                    s.truth.id
                );
            }
            for field in ["first_name", "last_names"] {
                if ex.get_str(field).unwrap_or("") != truth(&s, field) {
                    name_misses.push(format!("{} {field}: {:?}", s.truth.id, ex.get_str(field)));
                }
            }
            // Boxes come back in input pixels, inside the photo.
            let number = ex.fields.iter().find(|f| f.name == "idNumber").unwrap();
            let bbox = number.bbox.expect("the number's box");
            assert!(bbox
                .iter()
                .all(|p| p[0] >= -5.0 && p[0] <= s.image.width() as f32 + 5.0));
            assert!(ex.extra.contains_key("card"));
        }
    }
    // Names go through Tesseract: at most one of twelve may differ.
    assert!(name_misses.len() <= 1, "{name_misses:#?}");
}

/// Names a Naskh face draws with a stacked ligature: Tesseract alone read `محمد` as `مد`
/// (dev seed 4242, card 33, easy) and `مجدي` as `مدي` (card 8, hard); with the trained
/// name reader (`models/trained/name_reader.onnx`) both come whole.
#[test]
fn stacked_ligature_names_are_read_whole() {
    let Some((mut worker, mut models)) = setup() else {
        return;
    };
    assert!(models.names.is_some(), "name_reader.onnx is committed");
    for (index, difficulty, field, want) in [
        (33, Difficulty::Easy, "last_names", "موسى محمد نوح"),
        (8, Difficulty::Hard, "last_names", "مجدي عبدالعال الحلواني"),
    ] {
        let s = dev_card(DocKind::IdFront, 4242, difficulty, index);
        assert_eq!(truth(&s, field), want, "the synthetic card changed");
        let ex = read_rectified(DocKind::IdFront, &mut worker, &mut models, &s);
        assert_eq!(ex.get_str(field).unwrap_or(""), want, "{}", s.truth.id);
    }
}

#[test]
fn backs_read_back_number_and_dates() {
    let Some((mut worker, mut models)) = setup() else {
        return;
    };
    for difficulty in [Difficulty::Easy, Difficulty::Normal] {
        for s in samples(DocKind::IdBack, difficulty, 3, 0.0) {
            let ex = read_rectified(DocKind::IdBack, &mut worker, &mut models, &s);
            for field in ["idNumber", "releaseDate", "idExpiry", "gender"] {
                assert_eq!(
                    ex.get_str(field).unwrap_or(""),
                    truth(&s, field),
                    "{} {field}",
                    s.truth.id
                );
            }
            assert!(ex.issues.is_empty(), "{}: {:?}", s.truth.id, ex.issues);
        }
    }
}

/// `صحفية` alone on its row, on a clean card (dev seed 4242, card 0): every line view of
/// Tesseract read `فية` (one at 0.91, sure enough to be taken); read as one word, it
/// comes whole.
#[test]
fn a_short_job_word_is_read_whole() {
    let Some((mut worker, mut models)) = setup() else {
        return;
    };
    let s = dev_card(DocKind::IdBack, 4242, Difficulty::Easy, 0);
    assert_eq!(truth(&s, "job"), "صحفية");
    let ex = read_rectified(DocKind::IdBack, &mut worker, &mut models, &s);
    for field in ["job", "religion", "maritalStatus"] {
        assert_eq!(ex.get_str(field).unwrap_or(""), truth(&s, field), "{field}");
    }
}

/// Dev seed 9292, back 95 (hard): a glare patch over the card's lower half leaves its
/// dates a few grey levels darker than the paper. The ink mask and the text detector
/// found neither date line; read again with the card's lighting flattened, both come
/// right, and the valid card is no longer flagged 3008/3009.
#[test]
fn dates_under_glare_are_read_from_the_flattened_card() {
    let Some((mut worker, mut models)) = setup() else {
        return;
    };
    let s = dev_card(DocKind::IdBack, 9292, Difficulty::Hard, 95);
    assert_eq!(
        truth(&s, "idExpiry"),
        "2033-09-19",
        "the synthetic card changed"
    );
    let read = |models: &mut IdModels, worker: &mut Worker, flatten_lighting: bool| {
        let p = IdReadParams {
            flatten_lighting,
            ..params()
        };
        back::read(worker, models, &s.image, &p).expect("a card is found")
    };
    let without = read(&mut models, &mut worker, false);
    assert_eq!(
        without.get_str("idExpiry"),
        None,
        "the card no longer needs it"
    );
    let ex = read(&mut models, &mut worker, true);
    for field in ["releaseDate", "idExpiry", "idNumber"] {
        assert_eq!(ex.get_str(field).unwrap_or(""), truth(&s, field), "{field}");
    }
    assert!(
        !ex.issues
            .iter()
            .any(|i| i.field == "releaseDate" || i.field == "idExpiry"),
        "{:?}",
        ex.issues
    );
}

/// Dev seed 6161, three backs a level line crop read wrong: 265 (normal), its outline a
/// few degrees off, the number climbing half its height across the card (boxed level,
/// it read `8016267308`; cut along its slope, whole); 191 (hard, a small blurred card),
/// its `٠٠` read as one `٠` (put back where the recogniser finds a digit likeliest);
/// 251 (hard, glare), its expiry date too pale beside the bold label for the ink or the
/// detector (read from the digits left of the label). Each was a valid card flagged.
#[test]
fn slanted_numbers_lost_repeats_and_pale_expiry_dates_are_read() {
    let Some((mut worker, mut models)) = setup() else {
        return;
    };
    let card = |index, difficulty| dev_card(DocKind::IdBack, 6161, difficulty, index);
    let cases = [
        (card(265, Difficulty::Normal), "30803162673084", "idNumber"),
        (card(191, Difficulty::Hard), "29902241300415", "idNumber"),
        (card(251, Difficulty::Hard), "2032-03-12", "idExpiry"),
    ];
    for (s, want, field) in &cases {
        assert_eq!(truth(s, field), *want, "the synthetic card changed");
        let ex = back::read(&mut worker, &mut models, &s.image, &params()).expect("a card");
        assert_eq!(ex.get_str(field).unwrap_or(""), *want, "{field}");
        assert!(ex.issues.is_empty(), "{want}: {:?}", ex.issues);
    }
    // The first two need their repair: without it, the number is not read whole.
    let level = {
        let mut p = params();
        for crop in &mut p.digit_crops {
            crop.max_slant = f32::INFINITY;
        }
        p
    };
    let no_lost_digit = IdReadParams {
        lost_digit_margin: f32::INFINITY,
        ..params()
    };
    for ((s, want, _), p) in cases.iter().zip([level, no_lost_digit]) {
        let ex = back::read(&mut worker, &mut models, &s.image, &p).expect("a card");
        assert_ne!(
            ex.get_str("idNumber").unwrap_or(""),
            *want,
            "no longer needed"
        );
    }
}

#[test]
fn an_expiry_misread_as_past_is_read_again_from_the_flattened_card() {
    let Some((mut worker, mut models)) = setup() else {
        return;
    };
    // Dev 1313 back 182 (hard): the first read missed the release date and read the
    // expiry `2033/01/23` as `2022/01/23`, expired (3010) on a valid card. The flattened
    // card's read has both dates, each passing its check, and they are taken.
    let s = dev_card(DocKind::IdBack, 1313, Difficulty::Hard, 182);
    assert_eq!(
        truth(&s, "idExpiry"),
        "2033-01-23",
        "the synthetic card changed"
    );
    let ex = back::read(&mut worker, &mut models, &s.image, &params()).expect("a card");
    assert_eq!(ex.get_str("idExpiry"), Some("2033-01-23"));
    assert_eq!(ex.get_str("releaseDate"), Some("2026-01"));
    assert!(ex.issues.is_empty(), "{:?}", ex.issues);
    // Without the flattened read the card is flagged expired.
    let unflattened = IdReadParams {
        flatten_lighting: false,
        ..params()
    };
    let ex = back::read(&mut worker, &mut models, &s.image, &unflattened).expect("a card");
    assert_ne!(
        ex.get_str("idExpiry"),
        Some("2033-01-23"),
        "no longer needed"
    );
}

#[test]
fn invalid_cards_are_flagged_with_their_code() {
    let Some((mut worker, mut models)) = setup() else {
        return;
    };
    // Every card invalid; the first three easy fronts and backs. Fronts break the
    // number's own rules (3001-3003) and must all be flagged. On backs the gender case
    // (3005) needs the printed gender word, which Tesseract misses now and then (gender
    // 93% exact in the evaluation): two of three backs must be flagged.
    for kind in [DocKind::IdFront, DocKind::IdBack] {
        let mut flagged = Vec::new();
        for s in samples(kind, Difficulty::Easy, 3, 1.0) {
            assert!(!s.truth.expected_codes.is_empty());
            let ex = read_rectified(kind, &mut worker, &mut models, &s);
            let all = s.truth.expected_codes.iter().all(|want| {
                ex.issues
                    .iter()
                    .any(|i| i.field == want.field && i.code.number() == want.code)
            });
            flagged.push((
                s.truth.id.clone(),
                s.truth.expected_codes.clone(),
                all,
                ex.issues,
            ));
        }
        let hits = flagged.iter().filter(|f| f.2).count();
        let needed = if kind == DocKind::IdFront { 3 } else { 2 };
        assert!(hits >= needed, "{kind:?}: {flagged:#?}");
    }
}

#[test]
fn a_photo_without_a_card_is_3011() {
    let Some((mut worker, mut models)) = setup() else {
        return;
    };
    let blank = RgbImage::from_pixel(800, 600, image::Rgb([120, 130, 125]));
    match front::read(&mut worker, &mut models, &blank, &params()) {
        Err(PipelineError::Document { code, .. }) => assert_eq!(code, Code::CardNotDetected),
        other => panic!("expected 3011, got {other:?}"),
    }
}
