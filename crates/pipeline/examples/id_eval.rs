//! Measures the national ID readers on synthetic cards (seeds never used in training).
//!
//! `cargo run --release -p hawiya-pipeline --example id_eval -- [COUNT] [SEED] [front|back|both] [-v]`
//! renders COUNT fronts and/or backs with `hawiya_synth::render` (difficulty cycling
//! easy, normal, hard), reads them in process with one worker (one thread), and prints
//! per-field exact rates, character error rates, validation flags and latency.

use std::collections::BTreeMap;
use std::time::Instant;

use hawiya_documents::fuzzy::levenshtein;
use hawiya_documents::Code;
use hawiya_pipeline::national_id::{back, front, IdModels, IdReadParams};
use hawiya_pipeline::runtime::RuntimeConfig;
use hawiya_pipeline::{Worker, WorkerConfig};
use hawiya_synth::{render, Difficulty, DocKind, SynthParams};
use serde_json::Value;

#[derive(Default)]
struct Stat {
    n: usize,
    exact: usize,
    edits: usize,
    chars: usize,
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "-v").collect();
    let verbose = std::env::args().any(|a| a == "-v");
    let count: u64 = args.first().map_or(30, |s| s.parse().expect("COUNT"));
    let seed: u64 = args.get(1).map_or(77, |s| s.parse().expect("SEED"));
    let which = args.get(2).map_or("both", String::as_str);
    let kinds: Vec<DocKind> = match which {
        "front" => vec![DocKind::IdFront],
        "back" => vec![DocKind::IdBack],
        _ => vec![DocKind::IdFront, DocKind::IdBack],
    };
    let config = WorkerConfig::default();
    let mut worker = Worker::load(0, &config).expect("worker");
    let mut models = IdModels::load(None, &RuntimeConfig::default()).expect("ID models");
    let synth = SynthParams::default();
    let mut params = IdReadParams {
        today: Some(synth.reference_date),
        // `ID_EVAL_NO_FLATTEN=1`: without the read of the lighting-flattened card (A/B).
        flatten_lighting: std::env::var_os("ID_EVAL_NO_FLATTEN").is_none(),
        ..IdReadParams::default()
    };
    if std::env::var_os("ID_EVAL_NO_LOST_DIGIT").is_some() {
        // Numbers read a digit short or past left as read (A/B).
        params.lost_digit_margin = f32::INFINITY;
    }
    if std::env::var_os("ID_EVAL_NO_DESKEW").is_some() {
        // Digit lines boxed level however they slant (A/B).
        for crop in &mut params.digit_crops {
            crop.max_slant = f32::INFINITY;
        }
    }
    let levels = [Difficulty::Easy, Difficulty::Normal, Difficulty::Hard];
    for kind in kinds {
        let mut stats: BTreeMap<String, Stat> = BTreeMap::new();
        // The same, over the cards whose number was read right: the text readers' own
        // errors, without the cards the locator missed or placed wrong.
        let mut located: BTreeMap<String, Stat> = BTreeMap::new();
        let mut by_level: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        let (mut invalid, mut flagged, mut valid, mut wrongly, mut no_card) = (0, 0, 0, 0, 0);
        // Valid cards with a field the reader could not read (1050): no finding against
        // the card, but a photo to take again.
        let mut unread = 0;
        let mut times = Vec::new();
        // `ID_EVAL_ONLY=19,40`: those cards alone (to look at their failures).
        let only: Option<Vec<u64>> = std::env::var("ID_EVAL_ONLY")
            .ok()
            .map(|v| v.split(',').filter_map(|i| i.trim().parse().ok()).collect());
        for index in 0..count {
            if only.as_ref().is_some_and(|o| !o.contains(&index)) {
                continue;
            }
            let level = levels[(index % 3) as usize];
            let sp = SynthParams {
                seed,
                difficulty: level,
                ..synth.clone()
            };
            let sample = render(kind, &sp, index).expect("render");
            // `ID_EVAL_DUMP=DIR`: the photos are also written there, to look at.
            if let Ok(dir) = std::env::var("ID_EVAL_DUMP") {
                let path = std::path::Path::new(&dir).join(format!("{}.png", sample.truth.id));
                sample.image.save(&path).expect("write the photo");
            }
            let started = Instant::now();
            let result = match kind {
                DocKind::IdFront => front::read(&mut worker, &mut models, &sample.image, &params),
                _ => back::read(&mut worker, &mut models, &sample.image, &params),
            };
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            let truth = &sample.truth;
            let ex = match result {
                Ok(ex) => ex,
                Err(e) => {
                    no_card += 1;
                    if verbose {
                        println!("{} {level:?}: {e}", truth.id);
                    }
                    hawiya_pipeline::Extraction::default()
                }
            };
            let number_ok = text(truth.data.get("idNumber")) == text(ex.get("idNumber"));
            for (field, want) in &truth.data {
                if truth.approximate_fields.contains(field) {
                    continue;
                }
                let want = text(Some(want));
                let got = text(ex.get(field));
                let maps = if number_ok {
                    vec![&mut stats, &mut located]
                } else {
                    vec![&mut stats]
                };
                for map in maps {
                    let s = map.entry(field.clone()).or_default();
                    s.n += 1;
                    s.exact += usize::from(want == got);
                    s.edits += levenshtein(&want, &got);
                    s.chars += want.chars().count().max(1);
                }
                if verbose && want != got {
                    println!("{} {level:?} {field}: want {want:?} got {got:?}", truth.id);
                }
            }
            let e = by_level.entry(match level {
                Difficulty::Easy => "easy",
                Difficulty::Normal => "normal",
                _ => "hard",
            });
            let slot = e.or_default();
            slot.0 += 1;
            slot.1 += usize::from(number_ok);
            if truth.expected_codes.is_empty() {
                valid += 1;
                let unread_only = ex.issues.iter().all(|i| i.code == Code::ImageQualityTooLow);
                unread += usize::from(!ex.issues.is_empty() && unread_only);
                if !ex.issues.is_empty() {
                    wrongly += usize::from(!unread_only);
                    if verbose {
                        println!(
                            "{} valid, with issues: {:?}",
                            truth.id,
                            ex.issues
                                .iter()
                                .map(|i| (&i.field, i.code.number(), &i.value))
                                .collect::<Vec<_>>()
                        );
                    }
                }
            } else {
                invalid += 1;
                let all = truth.expected_codes.iter().all(|c| {
                    ex.issues
                        .iter()
                        .any(|i| i.field == c.field && i.code.number() == c.code)
                });
                flagged += usize::from(all);
                if verbose && !all {
                    println!(
                        "{} invalid {:?} not flagged: {:?}",
                        truth.id,
                        truth.expected_codes,
                        ex.issues
                            .iter()
                            .map(|i| (&i.field, i.code.number()))
                            .collect::<Vec<_>>()
                    );
                }
            }
        }
        times.sort_by(f64::total_cmp);
        let p = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        println!("\n## {:?}: {count} cards, seed {seed}", kind);
        println!("| field | n | exact | CER |");
        println!("|---|---|---|---|");
        for (field, s) in &stats {
            println!(
                "| {field} | {} | {:.1}% | {:.2}% |",
                s.n,
                100.0 * s.exact as f64 / s.n as f64,
                100.0 * s.edits as f64 / s.chars as f64
            );
        }
        println!("\nCards whose idNumber was read right (the text readers alone):");
        println!("| field | n | exact | CER |");
        println!("|---|---|---|---|");
        for (field, s) in &located {
            println!(
                "| {field} | {} | {:.1}% | {:.2}% |",
                s.n,
                100.0 * s.exact as f64 / s.n as f64,
                100.0 * s.edits as f64 / s.chars as f64
            );
        }
        for (level, (n, ok)) in &by_level {
            println!("idNumber exact, {level}: {ok}/{n}");
        }
        println!("invalid cards flagged with their code: {flagged}/{invalid}");
        println!("valid cards flagged (any code but 1050): {wrongly}/{valid}");
        println!("valid cards with only unread fields (1050): {unread}/{valid}");
        println!("no card found: {no_card}");
        println!(
            "latency ms: p50 {:.0}, p90 {:.0}, max {:.0}",
            p(0.5),
            p(0.9),
            p(1.0)
        );
    }
}
