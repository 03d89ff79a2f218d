//! Measures the card locator on fresh synth photos (a seed the training set never used).
//!
//! `cargo run --release -p hawiya-pipeline --example card_eval -- [N=1000] [--classical]
//!  [--seed S] [--threads T] [--negatives M] [--motion-blur]`
//!
//! Photos: the document kinds in turn, difficulty swept evenly over 0..1 with synth's own
//! photo parameters for that level, except that every photo gets a random quarter turn
//! (synth turns cards only from level 0.75 on; turning all of them makes the orientation
//! figure mean something). Reports the mean corner error as a share of the card's
//! diagonal (corners compared in the card's own order, so a wrong orientation counts as
//! a large error), the same ignoring orientation, the share under 2.5%, orientation
//! accuracy, p50/p90 of `locate`'s time, and how many card-less photos were rejected (3011).
//!
//! `--motion-blur`: every photo is also smeared along a random direction over 4-16 px
//! (a hand moving during the exposure), which synth itself does not render.

#[allow(dead_code)]
#[path = "card_dataset.rs"]
mod dataset;

use std::time::Instant;

use hawiya_pipeline::card::{CardLocator, ID1_ASPECT, TD3_ASPECT};
use hawiya_pipeline::runtime::RuntimeConfig;
use hawiya_pipeline::PipelineError;
use hawiya_synth::{render, Difficulty, DocKind, SynthParams};

const KINDS: [DocKind; 7] = [
    DocKind::IdFront,
    DocKind::IdBack,
    DocKind::Passport,
    DocKind::Td1,
    DocKind::DrivingLicense,
    DocKind::CarLicenseFront,
    DocKind::CarLicenseBack,
];

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

/// CPU time this thread has run, from /proc/thread-self/schedstat (nanoseconds, first
/// field): on a machine shared with other work, wall time measures the neighbours too.
fn thread_cpu_ms() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e6)
}

fn pct(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// The mean of `image` over a line of `length` px at `angle` through each pixel (edge
/// pixels repeated): a linear motion blur.
fn motion_blur(image: &image::RgbImage, length: f32, angle: f32) -> image::RgbImage {
    let (w, h) = image.dimensions();
    let taps = length.round().max(1.0) as i32;
    let offsets: Vec<(i32, i32)> = (0..taps)
        .map(|k| {
            let t = k as f32 - (taps - 1) as f32 / 2.0;
            (
                (t * angle.cos()).round() as i32,
                (t * angle.sin()).round() as i32,
            )
        })
        .collect();
    image::RgbImage::from_fn(w, h, |x, y| {
        let mut sum = [0u32; 3];
        for &(dx, dy) in &offsets {
            let px = (x as i32 + dx).clamp(0, w as i32 - 1) as u32;
            let py = (y as i32 + dy).clamp(0, h as i32 - 1) as u32;
            let p = image.get_pixel(px, py).0;
            for c in 0..3 {
                sum[c] += u32::from(p[c]);
            }
        }
        image::Rgb(sum.map(|v| (v / taps as u32) as u8))
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut n = 1000u64;
    let mut seed = 900_001u64;
    let mut negatives = 100u64;
    let mut classical = false;
    let mut threads = 1usize;
    let mut motion = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--classical" => classical = true,
            "--motion-blur" => motion = true,
            "--seed" => {
                i += 1;
                seed = args[i].parse()?;
            }
            "--negatives" => {
                i += 1;
                negatives = args[i].parse()?;
            }
            "--threads" => {
                i += 1;
                threads = args[i].parse()?;
            }
            s => n = s.parse()?,
        }
        i += 1;
    }
    let rt = RuntimeConfig {
        intra_op_threads: threads,
        ..RuntimeConfig::default()
    };
    let models = std::env::var_os("HAWIYA_MODELS")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let mut locator = if classical {
        CardLocator::classical()
    } else {
        CardLocator::load(&models, &rt)?
    };
    let mut errs = Vec::new();
    let mut errs_any = Vec::new();
    let mut times = Vec::new();
    let mut confs = Vec::new();
    let mut cpu_times = Vec::new();
    let (mut lb_times, mut warp_times) = (Vec::new(), Vec::new());
    let (mut orient_ok, mut found, mut by_level) = (0u64, 0u64, vec![(0u64, 0f64, 0u64); 5]);
    for i in 0..n {
        let kind = KINDS[(i % 7) as usize];
        let level = ((i / 7) % 20) as f32 / 19.0;
        let mut s = render(kind, &SynthParams::turned_photo(seed, level), i)?;
        if motion {
            // Length and direction from the photo's index: the same smear on every run.
            let mut rng = dataset::Rng::new(seed ^ 0x6d6f_7469_6f6e, i);
            let length = 4.0 + 12.0 * rng.unit() as f32;
            let angle = std::f32::consts::PI * rng.unit() as f32;
            s.image = motion_blur(&s.image, length, angle);
        }
        let cpu0 = thread_cpu_ms();
        let t = Instant::now();
        let res = locator.locate(&s.image, aspect(kind));
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if let (Some(a), Some(b)) = (cpu0, thread_cpu_ms()) {
            cpu_times.push(b - a);
        }
        // Parts of that time, measured apart: the letterbox and the final warp.
        let t = Instant::now();
        let _ = hawiya_pipeline::card::learned::letterbox(&s.image, 256);
        lb_times.push(t.elapsed().as_secs_f64() * 1000.0);
        if let Ok(card) = &res {
            let t = Instant::now();
            let _ = hawiya_pipeline::card::warp::rectify(&s.image, &card.quad, 1000, 631);
            warp_times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let truth = s.truth.corners.0;
        if std::env::var_os("CARD_EVAL_ASPECT").is_some() {
            let a = (dist(truth[0], truth[1]) + dist(truth[2], truth[3]))
                / (dist(truth[1], truth[2]) + dist(truth[3], truth[0]));
            let o1 = dist(truth[0], truth[1]) / dist(truth[2], truth[3]);
            let o2 = dist(truth[1], truth[2]) / dist(truth[3], truth[0]);
            println!("aspect {:.4}", a / aspect(kind));
            println!("opp {:.4}", o1.max(1.0 / o1).max(o2.max(1.0 / o2)));
            println!(
                "skew {:.2}",
                hawiya_pipeline::card::opposite_skew_degrees(&truth)
            );
        }
        let diag = (dist(truth[0], truth[2]) + dist(truth[1], truth[3])) / 2.0;
        let bucket = ((level * 5.0) as usize).min(4);
        match res {
            Ok(card) => {
                found += 1;
                let e = (0..4).map(|k| dist(card.quad[k], truth[k])).sum::<f32>() / 4.0 / diag;
                let e_any = (0..4)
                    .map(|r| {
                        (0..4)
                            .map(|k| dist(card.quad[(k + r) % 4], truth[k]))
                            .sum::<f32>()
                    })
                    .fold(f32::MAX, f32::min)
                    / 4.0
                    / diag;
                if card.quarter_turns == s.truth.quarter_turns {
                    orient_ok += 1;
                    by_level[bucket].2 += 1;
                }
                confs.push(card.confidence as f64);
                errs.push(e as f64);
                errs_any.push(e_any as f64);
                by_level[bucket].0 += 1;
                by_level[bucket].1 += e_any as f64;
                if e_any > 0.025 {
                    eprintln!(
                        "miss {} level {level:.2} err {:.2}% (any order {:.2}%) conf {:.2}",
                        s.truth.id,
                        e * 100.0,
                        e_any * 100.0,
                        card.confidence
                    );
                    if let Some(dir) = std::env::var_os("CARD_EVAL_DUMP") {
                        let dir = std::path::Path::new(&dir);
                        s.image.save(dir.join(format!("{}.png", s.truth.id)))?;
                        std::fs::write(
                            dir.join(format!("{}.quads", s.truth.id)),
                            format!("{:?}\n{:?}\n", card.quad, truth),
                        )?;
                    }
                }
            }
            Err(e) => {
                // A missed card counts as a full-diagonal error.
                errs.push(1.0);
                errs_any.push(1.0);
                by_level[bucket].0 += 1;
                by_level[bucket].1 += 1.0;
                eprintln!("not found {}: {e}", s.truth.id);
                if let Some(dir) = std::env::var_os("CARD_EVAL_DUMP") {
                    let path = std::path::Path::new(&dir).join(format!("{}.png", s.truth.id));
                    s.image.save(path)?;
                }
            }
        }
    }
    // Card-less photos: the background beside a rendered card, some with a face-like blob.
    let mut rejected = 0u64;
    let mut neg_conf = Vec::new();
    for i in 0..negatives {
        let params = SynthParams {
            seed: seed + 1,
            difficulty: Difficulty::Level((i % 10) as f32 / 9.0),
            ..SynthParams::default()
        };
        let s = render(KINDS[(i % 7) as usize], &params, i)?;
        let mut rng = dataset::Rng::new(seed + 2, i);
        let mut img = dataset::background_only(&s.image, &s.truth.corners.0, &mut rng);
        dataset::face_blob(&mut img, &mut rng);
        match locator.locate(&img, ID1_ASPECT) {
            Err(PipelineError::Document { .. }) => rejected += 1,
            Ok(c) => neg_conf.push(c.confidence),
            Err(e) => return Err(e.into()),
        }
    }
    let mean = errs.iter().sum::<f64>() / errs.len().max(1) as f64;
    let mean_any = errs_any.iter().sum::<f64>() / errs_any.len().max(1) as f64;
    let under = errs.iter().filter(|e| **e < 0.025).count() as f64 / n as f64;
    let under_any = errs_any.iter().filter(|e| **e < 0.025).count() as f64 / n as f64;
    let median_any = pct(&mut errs_any.clone(), 0.5);
    println!(
        "locator: {}",
        if classical { "classical" } else { "learned" }
    );
    println!("photos: {n} (seed {seed}), card found in {found}");
    println!(
        "mean corner error: {:.3}% of diagonal (ignoring orientation {:.3}%, median {:.3}%)",
        mean * 100.0,
        mean_any * 100.0,
        median_any * 100.0
    );
    println!(
        "share under 2.5%: {:.2}% (ignoring orientation {:.2}%)",
        under * 100.0,
        under_any * 100.0
    );
    println!(
        "orientation accuracy: {:.2}%",
        orient_ok as f64 / n as f64 * 100.0
    );
    for (b, (cnt, sum, ok)) in by_level.iter().enumerate() {
        println!(
            "  difficulty {:.1}-{:.1}: {cnt} photos, mean error (any order) {:.3}%, orientation {:.1}%",
            b as f32 / 5.0,
            (b + 1) as f32 / 5.0,
            sum / (*cnt).max(1) as f64 * 100.0,
            *ok as f64 / (*cnt).max(1) as f64 * 100.0
        );
    }
    println!(
        "locate time: p50 {:.1} ms, p90 {:.1} ms ({} intra-op threads)",
        pct(&mut times.clone(), 0.5),
        pct(&mut times, 0.9),
        threads
    );
    println!(
        "locate CPU time (this thread): p50 {:.1} ms, p90 {:.1} ms",
        pct(&mut cpu_times.clone(), 0.5),
        pct(&mut cpu_times, 0.9)
    );
    println!(
        "  of which letterbox p50 {:.1} ms, warp to 1000 px p50 {:.1} ms",
        pct(&mut lb_times, 0.5),
        pct(&mut warp_times, 0.5)
    );
    println!(
        "confidence of found cards: p05 {:.2}, p50 {:.2}",
        pct(&mut confs.clone(), 0.05),
        pct(&mut confs, 0.5)
    );
    println!(
        "card-less photos rejected (3011): {rejected}/{negatives}; accepted confidences {:?}",
        neg_conf
    );
    Ok(())
}
