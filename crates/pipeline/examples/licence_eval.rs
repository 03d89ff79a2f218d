//! Measures the licence readers on cases written by `hawiya synth` (a development aid; the
//! reported numbers come from `hawiya eval`, through the real routes).
//!
//! `cargo run --release -p hawiya-pipeline --example licence_eval -- DIR [LIMIT] [-v]`
//! reads every `<id>.jpg` of DIR with [`read_document`] (quality check, classification and
//! the reader, as the route runs them, one worker on this thread) and prints per-field
//! exact rates, Arabic character error rates, wall and on-CPU time per document; `-v`
//! prints every miss.

use std::collections::BTreeMap;
use std::time::Instant;

use hawiya_documents::fuzzy::levenshtein;
use hawiya_pipeline::image::ImageLimits;
use hawiya_pipeline::{read_document, DocumentKind, ReadOptions, Worker, WorkerConfig};
use serde_json::Value;

#[derive(Default)]
struct Stat {
    n: usize,
    exact: usize,
    edits: usize,
    chars: usize,
    arabic: bool,
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// This thread's time on a CPU so far, in milliseconds (`/proc/thread-self/schedstat`).
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e6)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "-v").collect();
    let verbose = std::env::args().any(|a| a == "-v");
    let dir = std::path::PathBuf::from(args.first().expect("DIR"));
    let limit: usize = args
        .get(1)
        .map_or(usize::MAX, |s| s.parse().expect("LIMIT"));
    let mut cases: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .expect("DIR")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    cases.sort_by_key(|p| {
        let stem = p
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let n: u64 = stem
            .rsplit('_')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (stem.rsplit_once('_').map(|s| s.0.to_string()), n)
    });
    cases.truncate(limit);
    let mut worker = Worker::load(0, &WorkerConfig::default()).expect("worker");
    let mut stats: BTreeMap<String, Stat> = BTreeMap::new();
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    let mut whole = 0;
    let mut errors = 0;
    for path in &cases {
        let truth: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("json")).expect("truth");
        let kind = match truth["kind"].as_str() {
            Some("driving_license") => DocumentKind::DrivingLicense,
            Some("car_license_front") => DocumentKind::CarLicenseFront,
            Some("car_license_back") => DocumentKind::CarLicenseBack,
            other => panic!("not a licence: {other:?}"),
        };
        let bytes = std::fs::read(path.with_extension("jpg")).expect("jpg");
        let options = ReadOptions {
            today: truth["reference_date"]
                .as_str()
                .and_then(|d| d.parse().ok())
                .unwrap_or_else(|| chrono::Utc::now().date_naive()),
            check_document: true,
        };
        let (t0, c0) = (Instant::now(), cpu_ms());
        let result = read_document(&mut worker, kind, &bytes, &ImageLimits::default(), &options);
        wall.push(t0.elapsed().as_secs_f64() * 1000.0);
        cpu.push(cpu_ms() - c0);
        let id = truth["id"].as_str().unwrap_or_default().to_string();
        let ex = match result {
            Ok(ex) => Some(ex),
            Err(e) => {
                errors += 1;
                if verbose {
                    println!("{id}: {e}");
                }
                None
            }
        };
        let approximate: Vec<&str> = truth["approximate_fields"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let mut all = ex.is_some();
        for (field, want) in truth["data"].as_object().expect("data") {
            let want = text(Some(want));
            let got = ex.as_ref().map(|e| text(e.get(field))).unwrap_or_default();
            let same = if approximate.contains(&field.as_str()) {
                want.eq_ignore_ascii_case(&got)
            } else {
                want == got
            };
            let s = stats.entry(field.clone()).or_default();
            s.n += 1;
            s.exact += usize::from(same);
            s.edits += levenshtein(&want, &got);
            s.chars += want.chars().count();
            s.arabic |= hawiya_documents::arabic::has_arabic(&want);
            all &= same || approximate.contains(&field.as_str());
            if !same && verbose {
                println!("{id} {field}: {want:?} / {got:?}");
            }
        }
        whole += usize::from(all);
    }
    let n = cases.len();
    wall.sort_by(|a, b| a.total_cmp(b));
    cpu.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{n} cases, {errors} errors, whole exact {:.1}%; wall p50 {:.0} ms p95 {:.0} ms; on-CPU p50 {:.0} ms p95 {:.0} ms mean {:.0} ms",
        100.0 * whole as f64 / n.max(1) as f64,
        percentile(&wall, 0.5),
        percentile(&wall, 0.95),
        percentile(&cpu, 0.5),
        percentile(&cpu, 0.95),
        cpu.iter().sum::<f64>() / n.max(1) as f64,
    );
    for (field, s) in &stats {
        let cer = if s.arabic && s.chars > 0 {
            format!("{:.2}", 100.0 * s.edits as f64 / s.chars as f64)
        } else {
            "-".into()
        };
        println!(
            "{field:<20} {:>4} {:>6.1}% {:>7}",
            s.n,
            100.0 * s.exact as f64 / s.n.max(1) as f64,
            cer
        );
    }
}
