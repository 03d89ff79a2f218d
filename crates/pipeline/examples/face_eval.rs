//! Face verification on labelled photo pairs: accuracy at the threshold, ROC, and the
//! latency of one compare (two photos: detect, align, embed each) on one worker.
//!
//! ```sh
//! cargo run --release -p hawiya-pipeline --example face_eval -- \
//!     /work/shared/data/deepface_pairs [pairs.csv] [threshold]
//! ```
//!
//! The pairs file (default `face_pairs.csv`, else `pairs_usable.csv`) has columns
//! `img1,img2,same_person`; paths are relative to the data folder or to its parent.
//! Photos are decoded as the server decodes them (JPEG/PNG, EXIF orientation); anything
//! else (the set has one WebP) is reported and its pairs left out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use hawiya_pipeline::face::{self, FaceModels, DEFAULT_THRESHOLD, DISSIMILARITY_PER_L2};
use hawiya_pipeline::image::{decode, ImageLimits};
use hawiya_pipeline::runtime::RuntimeConfig;

fn resolve(root: &Path, rel: &str) -> PathBuf {
    let direct = root.join(rel);
    if direct.exists() {
        return direct;
    }
    root.parent().map(|p| p.join(rel)).unwrap_or(direct)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let root = PathBuf::from(
        args.get(1)
            .map(String::as_str)
            .unwrap_or("/work/shared/data/deepface_pairs"),
    );
    let pairs_file = match args.get(2) {
        Some(f) => root.join(f),
        None => ["face_pairs.csv", "pairs_usable.csv"]
            .iter()
            .map(|f| root.join(f))
            .find(|p| p.exists())
            .ok_or("no pairs csv")?,
    };
    let threshold: f32 = args
        .get(3)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(DEFAULT_THRESHOLD);
    let models_dir = PathBuf::from(std::env::var_os("HAWIYA_MODELS").ok_or("set HAWIYA_MODELS")?);

    let mut models = FaceModels::load(&models_dir, &RuntimeConfig::default())?;
    models.warm_up()?;

    // Pairs.
    let text = std::fs::read_to_string(&pairs_file)?;
    let mut pairs = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        if cols.len() < 3 {
            continue;
        }
        let same = matches!(cols[2].to_ascii_lowercase().as_str(), "true" | "1" | "yes");
        pairs.push((cols[0].to_string(), cols[1].to_string(), same));
    }

    // Embed each photo once (the accuracy does not depend on the order).
    let limits = ImageLimits {
        max_bytes: usize::MAX,
        ..ImageLimits::default()
    };
    let mut images = HashMap::new();
    let mut embeddings: HashMap<String, Option<Vec<f32>>> = HashMap::new();
    let mut detect_ms = Vec::new();
    for name in pairs.iter().flat_map(|(a, b, _)| [a.clone(), b.clone()]) {
        if embeddings.contains_key(&name) {
            continue;
        }
        let bytes = std::fs::read(resolve(&root, &name))?;
        let image = match decode(&bytes, &limits) {
            Ok(d) => d.rgb,
            Err(e) => {
                eprintln!("skip {name}: {e}");
                embeddings.insert(name, None);
                continue;
            }
        };
        let t = Instant::now();
        let e = models.embed_largest(&image)?;
        detect_ms.push(t.elapsed().as_secs_f64() * 1e3);
        match &e {
            Some(e) if e.faces_found > 1 => {
                eprintln!("{name}: {} faces, largest used", e.faces_found)
            }
            None => eprintln!("{name}: NO FACE"),
            _ => {}
        }
        embeddings.insert(name.clone(), e.map(|e| e.vector));
        images.insert(name, image);
    }

    // Scores.
    let mut genuine = Vec::new();
    let mut impostor = Vec::new();
    let mut no_face = 0;
    let mut skipped = 0;
    let mut correct = 0;
    for (a, b, same) in &pairs {
        let (Some(ea), Some(eb)) = (embeddings.get(a), embeddings.get(b)) else {
            continue;
        };
        if !images.contains_key(a) || !images.contains_key(b) {
            skipped += 1;
            continue;
        }
        let d = match (ea, eb) {
            (Some(x), Some(y)) => face::embed::l2_distance(x, y).unwrap() * DISSIMILARITY_PER_L2,
            _ => {
                // No face: the API answers "not matched".
                no_face += 1;
                f32::INFINITY
            }
        };
        if (d < threshold) == *same {
            correct += 1;
        }
        if *same {
            genuine.push(d)
        } else {
            impostor.push(d)
        }
    }
    let n = genuine.len() + impostor.len();
    let ga = genuine.iter().filter(|&&d| d < threshold).count();
    let ir = impostor.iter().filter(|&&d| d >= threshold).count();
    println!("pairs file: {}", pairs_file.display());
    println!(
        "pairs scored: {n} ({} genuine, {} impostor); left out (undecodable photo): {skipped}; with no face: {no_face}",
        genuine.len(),
        impostor.len()
    );
    println!(
        "accuracy at threshold {threshold} (dissimilarity = 4 x L2): {:.2}% ({correct}/{n}); genuine accepted {ga}/{}; impostors rejected {ir}/{}",
        100.0 * correct as f64 / n as f64,
        genuine.len(),
        impostor.len()
    );
    let mean = |v: &[f32]| {
        v.iter()
            .filter(|d| d.is_finite())
            .map(|&d| d as f64)
            .sum::<f64>()
            / v.len().max(1) as f64
    };
    let maxf = |v: &[f32]| {
        v.iter()
            .filter(|d| d.is_finite())
            .fold(f32::MIN, |a, &b| a.max(b))
    };
    let minf = |v: &[f32]| v.iter().fold(f32::MAX, |a, &b| a.min(b));
    println!(
        "dissimilarity: genuine mean {:.3} max {:.3}; impostor mean {:.3} min {:.3}",
        mean(&genuine),
        maxf(&genuine),
        mean(&impostor),
        minf(&impostor)
    );

    // ROC: for a target FAR, the threshold is the largest that accepts at most that
    // fraction of impostors; TAR is the genuine fraction below it.
    let mut imp = impostor.clone();
    imp.sort_by(f32::total_cmp);
    println!(
        "ROC (TAR at FAR; {} impostor pairs, so the smallest non-zero FAR is {:.2}%):",
        imp.len(),
        100.0 / imp.len().max(1) as f64
    );
    for far in [0.1, 0.05, 0.02, 0.01, 0.001, 0.0] {
        let allowed = (far * imp.len() as f64).floor() as usize;
        // Accept d < t: with `allowed` impostors accepted, t = imp[allowed].
        let t = imp.get(allowed).copied().unwrap_or(f32::INFINITY);
        let tar = genuine.iter().filter(|&&d| d < t).count() as f64 / genuine.len().max(1) as f64;
        println!(
            "  FAR <= {:>5.1}%: TAR {:>6.2}% (threshold {:.3})",
            far * 100.0,
            tar * 100.0,
            t
        );
    }

    // Latency of one compare on one worker: both photos through detect + align + embed.
    let mut latencies = Vec::new();
    let timed: Vec<_> = pairs
        .iter()
        .filter(|(a, b, _)| images.contains_key(a) && images.contains_key(b))
        .take(60)
        .collect();
    for (a, b, _) in &timed {
        let t = Instant::now();
        let _ = face::compare_images(&mut models, &images[a], &images[b], threshold)?;
        latencies.push(t.elapsed().as_secs_f64() * 1e3);
    }
    latencies.sort_by(f64::total_cmp);
    detect_ms.sort_by(f64::total_cmp);
    if !latencies.is_empty() {
        println!(
            "compare latency over {} pairs (1 worker, intra-op threads 1): p50 {:.1} ms, p90 {:.1} ms, max {:.1} ms",
            latencies.len(),
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.9),
            latencies.last().unwrap()
        );
        println!(
            "one photo (detect + align + embed), {} photos: p50 {:.1} ms",
            detect_ms.len(),
            percentile(&detect_ms, 0.5)
        );
    }
    Ok(())
}
