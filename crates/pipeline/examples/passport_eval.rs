//! Accuracy and latency of the passport (MRZ) reader.
//!
//! ```sh
//! cargo run --release -p hawiya-pipeline --example passport_eval -- \
//!     [--synth N] [--seed S] [--dir /work/shared/data/passporteye_mrz] [--verbose]
//! ```
//! - `--synth N`: renders N passports (TD3) and N ID cards (TD1) per difficulty (easy,
//!   normal, hard) with `hawiya_synth` and prints per-field and whole-document exact
//!   rates against the ground truth. `--passports P --td1 T` instead render P passports
//!   and T cards in all, split evenly over the three difficulties.
//! - `--no-fast`: the DB detector path only (the reader before the fast path).
//! - `--hard-only`: only the hard cells (the same documents as in a full run).
//! - `--dir D`: reads every image under D; where `D/ground_truth_full.json` has the
//!   fields, compares them exactly, else reports whether every check digit holds.
//! - Prints p50/p90 latency per image (one worker thread, as the server runs it).
//! - `PASSPORT_EVAL_DUMP=DIR`: the synthetic documents not read exactly are written there
//!   (as the JPEG the reader was given), to look at.

use std::path::{Path, PathBuf};
use std::time::Instant;

use hawiya_pipeline::passport::{self, PassportParams};
use hawiya_pipeline::{Extraction, Worker, WorkerConfig};
use hawiya_synth::{render, Difficulty, DocKind, SynthParams};

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

struct Args {
    synth: usize,
    seed: u64,
    dir: Option<PathBuf>,
    verbose: bool,
    /// Overrides of the detection size and the recognition stretch, for tuning.
    det: Option<u32>,
    stretch: Option<f32>,
    /// Detector path only (no fast path).
    no_fast: bool,
    /// Totals per kind over the three difficulties (instead of `synth` per cell).
    passports: Option<usize>,
    td1: Option<usize>,
    /// One image to trace stage by stage.
    debug: Option<PathBuf>,
    /// Only the hard documents (the same ones as in a full run).
    hard_only: bool,
}

fn args() -> Args {
    let mut a = Args {
        synth: 0,
        seed: 1,
        dir: None,
        verbose: false,
        debug: None,
        det: None,
        stretch: None,
        no_fast: false,
        passports: None,
        td1: None,
        hard_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        match k.as_str() {
            "--synth" => a.synth = it.next().and_then(|v| v.parse().ok()).unwrap_or(20),
            "--seed" => a.seed = it.next().and_then(|v| v.parse().ok()).unwrap_or(1),
            "--dir" => a.dir = it.next().map(PathBuf::from),
            "--verbose" => a.verbose = true,
            "--det" => a.det = it.next().and_then(|v| v.parse().ok()),
            "--stretch" => a.stretch = it.next().and_then(|v| v.parse().ok()),
            "--debug" => a.debug = it.next().map(PathBuf::from),
            "--no-fast" => a.no_fast = true,
            "--passports" => a.passports = it.next().and_then(|v| v.parse().ok()),
            "--td1" => a.td1 = it.next().and_then(|v| v.parse().ok()),
            "--hard-only" => a.hard_only = true,
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

fn percentile(times: &mut [f64], p: f64) -> f64 {
    if times.is_empty() {
        return f64::NAN;
    }
    times.sort_by(|a, b| a.total_cmp(b));
    times[((times.len() - 1) as f64 * p).round() as usize]
}

fn timed(
    worker: &mut Worker,
    image: &image::RgbImage,
    params: &PassportParams,
    times: &mut Vec<f64>,
) -> Result<Extraction, String> {
    let c = thread_cpu_ms();
    let t = Instant::now();
    let r = passport::read_params(worker, image, params).map_err(|e| e.to_string());
    times.push(t.elapsed().as_secs_f64() * 1000.0);
    let cpu = thread_cpu_ms() - c;
    CPU_TIMES.with(|v| v.borrow_mut().push(cpu));
    count_path(&r);
    r
}

/// On-CPU time of this thread in ms (`/proc/thread-self/schedstat`): unlike wall time it
/// does not grow while other processes hold the cores, so it estimates the latency on an
/// idle machine. ONNX Runtime with one intra-op thread runs on the calling thread.
fn thread_cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |ns| ns / 1e6)
}

thread_local! {
    static CPU_TIMES: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn base_params(a: &Args) -> PassportParams {
    let mut p = PassportParams::default();
    if let Some(d) = a.det {
        p.detect.limit_side_len = d;
    }
    if let Some(s) = a.stretch {
        p.recognize.stretch = s;
    }
    if a.no_fast {
        p.fast = None;
    }
    p
}

thread_local! {
    /// How many reads each path answered.
    static PATHS: std::cell::RefCell<std::collections::BTreeMap<String, usize>> =
        const { std::cell::RefCell::new(std::collections::BTreeMap::new()) };
}

fn count_path(r: &Result<Extraction, String>) {
    let p = match r {
        Ok(e) => e
            .extra
            .get("mrz_path")
            .and_then(|v| v.as_str())
            .unwrap_or("?")
            .to_string(),
        Err(_) => "error".to_string(),
    };
    PATHS.with(|m| *m.borrow_mut().entry(p).or_default() += 1);
}

fn synth_eval(worker: &mut Worker, a: &Args, times: &mut Vec<f64>) {
    let params = PassportParams {
        // The synthetic set's own "today", so expiry issues match its truth.
        today: chrono::NaiveDate::from_ymd_opt(2025, 1, 1),
        ..base_params(a)
    };
    match (a.passports, a.td1) {
        (None, None) => println!(
            "\n== synthetic ({} per kind and difficulty, seed {}) ==",
            a.synth, a.seed
        ),
        (p, t) => println!(
            "\n== synthetic ({} passports, {} ID cards over easy/normal/hard, seed {}) ==",
            p.unwrap_or(a.synth * 3),
            t.unwrap_or(a.synth * 3),
            a.seed
        ),
    }
    println!(
        "{:<10} {:<7} {:>5} {:>8} per field exact",
        "kind", "level", "n", "doc"
    );
    let mut all_docs = (0usize, 0usize);
    for kind in [DocKind::Passport, DocKind::Td1] {
        let total = match kind {
            DocKind::Passport => a.passports,
            _ => a.td1,
        };
        for (level, (label, diff)) in [
            ("easy", Difficulty::Easy),
            ("normal", Difficulty::Normal),
            ("hard", Difficulty::Hard),
        ]
        .into_iter()
        .enumerate()
        {
            let n = total.map_or(a.synth, |t| t / 3 + usize::from(level < t % 3));
            if a.hard_only && diff != Difficulty::Hard {
                continue;
            }
            let sp = SynthParams {
                seed: a.seed,
                difficulty: diff,
                ..SynthParams::default()
            };
            let mut field_ok = [0usize; FIELDS.len()];
            let mut doc_ok = 0;
            for i in 0..n {
                let s = render(kind, &sp, i as u64).expect("render");
                // Through JPEG, as a client would send it.
                let jpeg = s.to_jpeg().expect("jpeg");
                let image = image::load_from_memory(&jpeg).expect("decode").to_rgb8();
                let got = timed(worker, &image, &params, times);
                let mut all = true;
                for (k, f) in FIELDS.iter().enumerate() {
                    let want = s.truth.data.get(*f).and_then(|v| v.as_str()).unwrap_or("");
                    let have = got.as_ref().ok().and_then(|e| e.get_str(f)).unwrap_or("");
                    if want == have {
                        field_ok[k] += 1;
                    } else {
                        all = false;
                    }
                }
                if all {
                    doc_ok += 1;
                } else if let Ok(dir) = std::env::var("PASSPORT_EVAL_DUMP") {
                    // `PASSPORT_EVAL_DUMP=DIR`: the photos of the misses, to look at.
                    let path = Path::new(&dir).join(format!("{}.jpg", s.truth.id));
                    std::fs::write(&path, &jpeg).expect("write the photo");
                }
                if !all && a.verbose {
                    let want: Vec<&str> = s.truth.data["mrz"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|v| v.as_str())
                        .collect();
                    println!(
                        "  MISS {} ({:?})",
                        s.truth.id,
                        s.truth.degradation.as_ref().map(|d| (
                            d.tilt_deg,
                            d.quarter_turns,
                            d.blur_sigma,
                            d.scale
                        ))
                    );
                    println!("    want {want:?}");
                    match &got {
                        Ok(e) => println!(
                            "    got  {} ({})\n    read {}",
                            e.extra["mrz_lines"], e.extra["mrz_path"], e.extra["mrz_lines_read"]
                        ),
                        Err(e) => println!("    err  {e}"),
                    }
                }
            }
            all_docs.0 += doc_ok;
            all_docs.1 += n;
            let per: Vec<String> = FIELDS
                .iter()
                .zip(field_ok)
                .map(|(f, k)| format!("{f} {:.1}", 100.0 * k as f64 / n.max(1) as f64))
                .collect();
            println!(
                "{:<10} {:<7} {:>5} {:>7.1}% {}",
                kind.slug(),
                label,
                n,
                100.0 * doc_ok as f64 / n.max(1) as f64,
                per.join(", ")
            );
        }
    }
    println!(
        "whole-document exact: {}/{} = {:.1}%",
        all_docs.0,
        all_docs.1,
        100.0 * all_docs.0 as f64 / all_docs.1.max(1) as f64
    );
}

fn images_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            images_under(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("jpg" | "jpeg" | "png")
        ) {
            out.push(p);
        }
    }
}

/// Compares with PassportEye's test assertions (`ground_truth_full.json`).
fn compare_truth(e: &Extraction, t: &serde_json::Value) -> Vec<String> {
    let mut bad = Vec::new();
    let mrz = |d: &str| -> String {
        // YYMMDD from our ISO date.
        if d.len() == 10 {
            format!("{}{}{}", &d[2..4], &d[5..7], &d[8..10])
        } else {
            String::new()
        }
    };
    let s = |k: &str| t.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let pairs = [
        (
            "number",
            s("number"),
            e.get_str("passport_no").unwrap_or("").to_string(),
        ),
        (
            "country",
            s("country"),
            e.get_str("country_code").unwrap_or("").to_string(),
        ),
        (
            "nationality",
            s("nationality"),
            e.get_str("nationality").unwrap_or("").to_string(),
        ),
        (
            "sex",
            s("sex"),
            e.get_str("gender").unwrap_or("").to_string(),
        ),
        (
            "date_of_birth",
            s("date_of_birth"),
            mrz(e.get_str("Date_of_Birth").unwrap_or("")),
        ),
        (
            "expiration_date",
            s("expiration_date"),
            mrz(e.get_str("Date_of_Expiry").unwrap_or("")),
        ),
        (
            "surname",
            s("surname"),
            e.extra
                .get("surname")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
        ),
        (
            "names",
            s("names"),
            e.extra
                .get("given_names")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
        ),
        (
            "type",
            s("type").trim_end_matches('<').to_string(),
            e.get_str("doc_Type").unwrap_or("").to_string(),
        ),
        (
            "mrz_type",
            s("mrz_type"),
            e.extra
                .get("mrz_format")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
        ),
    ];
    for (k, want, have) in pairs {
        if want != have {
            bad.push(format!("{k}: want {want:?} got {have:?}"));
        }
    }
    bad
}

fn dir_eval(worker: &mut Worker, a: &Args, dir: &Path, times: &mut Vec<f64>) {
    let truth: serde_json::Value = std::fs::read_to_string(dir.join("ground_truth_full.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(serde_json::Value::Null);
    let mut files = Vec::new();
    images_under(dir, &mut files);
    println!("\n== {} ({} images) ==", dir.display(), files.len());
    let params = base_params(a);
    let (mut all_pass, mut gt_n, mut gt_ok, mut read_n) = (0, 0, 0, 0);
    for path in &files {
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(path)
            .to_string_lossy()
            .to_string();
        let image = match image::open(path) {
            Ok(i) => i.to_rgb8(),
            Err(e) => {
                println!("{rel}: cannot open: {e}");
                continue;
            }
        };
        let got = timed(worker, &image, &params, times);
        let mut t = truth.get(&rel).cloned();
        if let Some(serde_json::Value::String(s)) = &t {
            // "same as other.jpg"
            let other = s.trim_start_matches("same as ");
            let other = Path::new(&rel)
                .with_file_name(other)
                .to_string_lossy()
                .to_string();
            t = truth.get(&other).cloned();
        }
        let ms = times.last().copied().unwrap_or(0.0);
        match &got {
            Ok(e) => {
                read_n += 1;
                let checks = &e.extra["mrz_checks"];
                let pass = checks
                    .as_object()
                    .is_some_and(|o| o.values().all(|v| v == &serde_json::Value::Bool(true)));
                if pass {
                    all_pass += 1;
                }
                let lines: Vec<String> = e.extra["mrz_lines"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect();
                print!(
                    "{rel:<45} {ms:>6.0} ms {} {} all_checks={pass} {}",
                    e.extra["mrz_format"],
                    e.extra["mrz_path"],
                    lines.join(" | ")
                );
                if let Some(t) = &t {
                    gt_n += 1;
                    let bad = compare_truth(e, t);
                    if bad.is_empty() {
                        gt_ok += 1;
                        print!("  [ground truth: exact]");
                    } else {
                        print!("  [ground truth: {}]", bad.join("; "));
                    }
                }
                println!();
            }
            Err(err) => {
                if t.is_some() {
                    gt_n += 1;
                }
                println!("{rel:<45} {ms:>6.0} ms error: {err}");
            }
        }
    }
    println!(
        "read {read_n}/{n}; all check digits hold {all_pass}/{n}; ground truth exact {gt_ok}/{gt_n}",
        n = files.len()
    );
}

fn main() {
    let a = args();
    let started = Instant::now();
    let mut worker =
        Worker::load(0, &WorkerConfig::default()).expect("models (run models/build.sh)");
    println!(
        "worker loaded in {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let mut times = Vec::new();
    if let Some(path) = &a.debug {
        debug(&mut worker, path);
    }
    if a.synth > 0 || a.passports.is_some() || a.td1.is_some() {
        let mut t = Vec::new();
        synth_eval(&mut worker, &a, &mut t);
        println!(
            "synthetic latency: p50 {:.1} ms, p90 {:.1} ms over {} images",
            percentile(&mut t, 0.5),
            percentile(&mut t, 0.9),
            t.len()
        );
        times.extend(t);
    }
    if let Some(dir) = &a.dir {
        let mut t = Vec::new();
        dir_eval(&mut worker, &a, dir, &mut t);
        println!(
            "folder latency: p50 {:.1} ms, p90 {:.1} ms over {} images",
            percentile(&mut t, 0.5),
            percentile(&mut t, 0.9),
            t.len()
        );
        times.extend(t);
    }
    println!(
        "all: wall p50 {:.1} ms over {} images",
        percentile(&mut times, 0.5),
        times.len()
    );
    let mut cpu = CPU_TIMES.with(|v| v.borrow().clone());
    println!(
        "all: on-CPU p50 {:.1} ms, p90 {:.1} ms (one thread)",
        percentile(&mut cpu, 0.5),
        percentile(&mut cpu, 0.9)
    );
    PATHS.with(|m| println!("answered by: {:?}", m.borrow()));
}

/// Prints what each stage sees on one image (`--debug PATH`, or `synth:KIND:LEVEL:INDEX`).
fn debug(worker: &mut Worker, path: &Path) {
    use hawiya_pipeline::ocr::text_detect;
    use hawiya_pipeline::passport::{locate, recognize};
    let spec = path.to_string_lossy().to_string();
    let image = if let Some(rest) = spec.strip_prefix("synth:") {
        let parts: Vec<&str> = rest.split(':').collect();
        let kind = if parts[0] == "td1" {
            DocKind::Td1
        } else {
            DocKind::Passport
        };
        let level: f32 = parts[1].parse().unwrap();
        let seed: u64 = parts.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
        let sp = SynthParams {
            seed,
            difficulty: Difficulty::Level(level),
            ..SynthParams::default()
        };
        let s = render(kind, &sp, parts[2].parse().unwrap()).unwrap();
        println!("truth {:?}", s.truth.data["mrz"]);
        let img = image::load_from_memory(&s.to_jpeg().unwrap())
            .unwrap()
            .to_rgb8();
        img.save("/tmp/passport_debug.png").ok();
        img
    } else {
        image::open(path).unwrap().to_rgb8()
    };
    println!("image {}x{}", image.width(), image.height());
    {
        use hawiya_pipeline::passport::fast_locate;
        let fp = fast_locate::FastLocateParams::default();
        let t = Instant::now();
        let c = thread_cpu_ms();
        let rows = fast_locate::rows(&image, &fp);
        println!(
            "fast rows: {} in {:.1} ms ({:.1} ms on-CPU)",
            rows.len(),
            t.elapsed().as_secs_f64() * 1000.0,
            thread_cpu_ms() - c
        );
        for r in &rows {
            println!(
                "  fast row c=({:.0},{:.0}) axis=({:.2},{:.2}) len={:.0} h={:.1}",
                r.center[0], r.center[1], r.axis[0], r.axis[1], r.length, r.height
            );
        }
        for flip in [false, true] {
            let zones = fast_locate::zones(
                &rows,
                flip,
                &fp,
                &hawiya_pipeline::passport::locate::LocateParams::default(),
            );
            for z in &zones {
                let mut line = format!("  fast zone flip={flip} score {:.2}:", z.score);
                if let Some(reader) = worker.models.mrz_reader.as_mut() {
                    let reads = reader.read_lines(&image, &z.lines).unwrap();
                    for r in reads {
                        line.push_str(&format!(" {}", r.text()));
                    }
                }
                println!("{line}");
            }
        }
    }
    let mut params = PassportParams::default();
    if let Ok(v) = std::env::var("DEBUG_DET") {
        params.detect.limit_side_len = v.parse().unwrap();
    }
    let det = worker.models.text_detector.as_mut().unwrap();
    let t = Instant::now();
    let lines = text_detect::detect(det, &image, &params.detect).unwrap();
    println!(
        "detect: {} boxes in {:.0} ms",
        lines.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    for side in [960u32, 640, 480, 480, 320] {
        let mut p = params.detect.clone();
        p.limit_side_len = side;
        let t = Instant::now();
        let n = text_detect::detect(det, &image, &p).unwrap().len();
        println!(
            "  detect at {side}: {n} boxes in {:.0} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    let quads: Vec<_> = lines.iter().map(|l| l.quad).collect();
    let rows = locate::rows_from_quads(&quads, &params.locate);
    for r in &rows {
        if r.length / r.height > 5.0 {
            println!(
                "  row c=({:.0},{:.0}) axis=({:.2},{:.2}) len={:.0} h={:.1} aspect={:.1}",
                r.center[0],
                r.center[1],
                r.axis[0],
                r.axis[1],
                r.length,
                r.height,
                r.length / r.height
            );
        }
    }
    let flipped: Vec<locate::Row> = rows.iter().map(locate::Row::flipped).collect();
    let mut zones = locate::candidate_zones(&rows, &params.locate);
    zones.extend(locate::candidate_zones(&flipped, &params.locate));
    let rec = worker.models.text_recognizer.as_mut().unwrap();
    let classes = recognize::MrzClasses::from_charset(&rec.charset).unwrap();
    for z in &zones {
        let t = Instant::now();
        let reads =
            recognize::read_lines(rec, &classes, &image, &z.lines, &params.recognize).unwrap();
        println!(
            "zone score {:.2}, {} lines, read in {:.0} ms",
            z.score,
            z.lines.len(),
            t.elapsed().as_secs_f64() * 1000.0
        );
        for (q, r) in z.lines.iter().zip(&reads) {
            println!(
                "   {:?} {} ({}) ratio {:.2}",
                q[0].map(|v| v.round()),
                r.text(),
                r.symbols.len(),
                r.mrz_ratio
            );
        }
    }
    let t = Instant::now();
    let r = passport::read_params(worker, &image, &params);
    println!(
        "read: {:.0} ms -> {:?}",
        t.elapsed().as_secs_f64() * 1000.0,
        r.map(|e| e.extra["mrz_lines"].clone())
    );
}
