//! The card locator's cost to the ID number: the same photos of ID fronts read twice by
//! the same reader, once as the route does (card located by `CardLocator`) and once
//! rectified from the synth's true corners, and the exact-read rates compared.
//!
//! `cargo run --release -p hawiya-pipeline --example card_idnumber_eval -- [N=200] [--seed S]`
//!
//! Photos: national ID fronts, difficulty swept evenly over 0..1 with synth's photo
//! parameters for that level and a random quarter turn on every photo, as in
//! `card_eval` (seed 910001 by default, never used in training).

mod common;

use hawiya_pipeline::card::warp;
use hawiya_pipeline::national_id::rectify::RectifiedCard;
use hawiya_pipeline::national_id::{front, IdModels, IdReadParams};
use hawiya_pipeline::runtime::RuntimeConfig;
use hawiya_pipeline::{Worker, WorkerConfig};
use hawiya_synth::{render, DocKind, SynthParams};
use serde_json::Value;

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (n, seed) = common::count_and_seed(200, 910_001)?;
    let mut worker = Worker::load(0, &WorkerConfig::default())?;
    let mut models = IdModels::load(None, &RuntimeConfig::default())?;
    let synth = SynthParams::default();
    let params = IdReadParams {
        today: Some(synth.reference_date),
        ..IdReadParams::default()
    };
    let (mut located_ok, mut truth_ok, mut both, mut not_found) = (0u64, 0u64, 0u64, 0u64);
    for index in 0..n {
        let level = (index % 20) as f32 / 19.0;
        let sp = SynthParams::turned_photo(seed, level);
        let sample = render(DocKind::IdFront, &sp, index)?;
        let want = text(sample.truth.data.get("idNumber"));
        let by_locator = match front::read(&mut worker, &mut models, &sample.image, &params) {
            Ok(ex) => text(ex.get("idNumber")),
            Err(e) => {
                not_found += 1;
                println!(
                    "{} level {level:.2}: located read failed: {e}",
                    sample.truth.id
                );
                String::new()
            }
        };
        let corners = sample.truth.corners.0;
        let card = warp::rectify(&sample.image, &corners, 1000, 631)
            .and_then(|img| RectifiedCard::from_parts(img, corners))
            .ok_or("degenerate true corners")?;
        let by_truth = match front::read_card(&mut worker, &mut models, &card, &params) {
            Ok(ex) => text(ex.get("idNumber")),
            Err(_) => String::new(),
        };
        let (a, b) = (by_locator == want, by_truth == want);
        located_ok += u64::from(a);
        truth_ok += u64::from(b);
        both += u64::from(a && b);
        if a != b {
            println!(
                "{} level {level:.2}: want {want} located {by_locator:?} true corners {by_truth:?}",
                sample.truth.id
            );
        }
    }
    let pct = |k: u64| k as f64 / n.max(1) as f64 * 100.0;
    println!("ID fronts: {n} (seed {seed})");
    println!(
        "idNumber exact with the located card: {located_ok}/{n} = {:.1}%",
        pct(located_ok)
    );
    println!(
        "idNumber exact with the true corners: {truth_ok}/{n} = {:.1}%",
        pct(truth_ok)
    );
    println!(
        "difference: {:+.1} points; right both ways: {both}; located read failed: {not_found}",
        pct(located_ok) - pct(truth_ok)
    );
    Ok(())
}
