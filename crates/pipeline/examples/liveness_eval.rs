//! liveness/multi on a folder of labelled single images: APCER (spoofs accepted), BPCER
//! (lives rejected) at the default parameters, why each was rejected, and the latency of
//! one three-frame check on one worker.
//!
//! ```sh
//! cargo run --release -p hawiya-pipeline --example liveness_eval -- \
//!     /work/shared/data/liveness_celebaspoof_subset/Dataset [max_per_class]
//! ```
//!
//! The folder holds `Live/` and `Spoof/`. The sets are single photos, so the three frames
//! are made from each by small shifts, scales and rotations (the same for every image).
//! That exercises every check but says nothing of real motion: `rigid_motion` sees a
//! perfectly rigid move on lives and spoofs alike, and `not_identical` always passes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use hawiya_pipeline::face::FaceModels;
use hawiya_pipeline::image::{decode, DecodedImage, ImageLimits};
use hawiya_pipeline::liveness::{self, LivenessModels, LivenessParams};
use hawiya_pipeline::runtime::RuntimeConfig;
use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::{warp, Interpolation, Projection};

/// (labelled live, accepted, failed checks, mean antispoof, mean liveness_net).
type Row = (bool, bool, Vec<String>, Option<f64>, Option<f64>);

fn moved(img: &RgbImage, dx: f32, dy: f32, s: f32, deg: f32) -> RgbImage {
    let (cx, cy) = (img.width() as f32 / 2.0, img.height() as f32 / 2.0);
    let p = Projection::translate(cx + dx, cy + dy)
        * Projection::rotate(deg.to_radians())
        * Projection::scale(s, s)
        * Projection::translate(-cx, -cy);
    warp(img, &p, Interpolation::Bilinear, Rgb([0, 0, 0]))
}

fn images(dir: &Path, max: usize) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    // Numeric order, so a subset is the same subset on every run.
    v.sort_by_key(|p| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(u64::MAX)
    });
    v.truncate(max);
    v
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let root = PathBuf::from(
        args.get(1)
            .map(String::as_str)
            .unwrap_or("/work/shared/data/liveness_celebaspoof_subset/Dataset"),
    );
    let max: usize = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX);
    let models_dir =
        PathBuf::from(std::env::var("HAWIYA_MODELS").unwrap_or(".hawiya/models".into()));
    let cfg = RuntimeConfig::default();
    let mut face = FaceModels::load(&models_dir, &cfg)?;
    let mut live_models = LivenessModels::load(&models_dir, &cfg)?;
    face.warm_up()?;
    live_models.warm_up()?;
    // Exploration only: LIVENESS_CROP_SCALE overrides the passive-net crop (default 1.0).
    let mut params = LivenessParams::default();
    if let Some(v) = std::env::var("LIVENESS_CROP_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        params.crop_scale = v;
        println!("crop_scale {v}");
    }
    let limits = ImageLimits::default();

    let mut times = Vec::new();
    let mut rows = Vec::new(); // (is_live_label, accepted, failed, antispoof, liveness)
    for (label, sub) in [(true, "Live"), (false, "Spoof")] {
        for path in images(&root.join(sub), max) {
            let bytes = std::fs::read(&path)?;
            let base = match decode(&bytes, &limits) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("skip {}: {e}", path.display());
                    continue;
                }
            };
            let mk = |rgb: RgbImage| DecodedImage {
                rgb,
                ..base.clone()
            };
            let frames = [
                mk(moved(&base.rgb, 0.0, 0.0, 1.0, 0.0)),
                mk(moved(&base.rgb, 6.0, -4.0, 1.03, 2.0)),
                mk(moved(&base.rgb, -5.0, 3.0, 0.97, -2.5)),
            ];
            let t = Instant::now();
            let out = liveness::check(
                &mut face,
                &mut live_models,
                [&frames[0], &frames[1], &frames[2]],
                None,
                &params,
            )?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            let l = &out.extra["liveness"];
            let failed: Vec<String> = l["failed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap_or("").to_string())
                .collect();
            let val = |name: &str| {
                l["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["name"] == name)
                    .and_then(|c| c["value"].as_f64())
            };
            rows.push((
                label,
                failed.is_empty(),
                failed,
                val("antispoof"),
                val("liveness_net"),
            ));
        }
    }

    let count = |f: &dyn Fn(&Row) -> bool| rows.iter().filter(|r| f(r)).count();
    let lives = count(&|r| r.0);
    let spoofs = count(&|r| !r.0);
    let apcer = count(&|r| !r.0 && r.1) as f64 / spoofs.max(1) as f64;
    let bpcer = count(&|r| r.0 && !r.1) as f64 / lives.max(1) as f64;
    println!("lives {lives}, spoofs {spoofs}");
    println!("APCER (spoofs accepted) {:.1}%", 100.0 * apcer);
    println!("BPCER (lives rejected)  {:.1}%", 100.0 * bpcer);
    for name in [
        "single_face",
        "same_person",
        "not_identical",
        "antispoof",
        "liveness_net",
    ] {
        println!(
            "  failed {name:14}: lives {:3}, spoofs {:3}",
            count(&|r| r.0 && r.2.iter().any(|n| n == name)),
            count(&|r| !r.0 && r.2.iter().any(|n| n == name))
        );
    }
    // Diagnostic only (defaults were not chosen from this): error rates if one passive
    // score alone decided at threshold t, among images with a face in every frame.
    for (k, which) in [(3usize, "antispoof"), (4, "liveness_net")] {
        for t in [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
            let get = |r: &Row| {
                if k == 3 {
                    r.3
                } else {
                    r.4
                }
            };
            let sp: Vec<f64> = rows.iter().filter(|r| !r.0).filter_map(get).collect();
            let lv: Vec<f64> = rows.iter().filter(|r| r.0).filter_map(get).collect();
            let a = sp.iter().filter(|v| **v >= t).count() as f64 / sp.len().max(1) as f64;
            let b = lv.iter().filter(|v| **v < t).count() as f64 / lv.len().max(1) as f64;
            println!(
                "  {which:12} alone at {t:.1}: APCER {:5.1}%  BPCER {:5.1}%",
                100.0 * a,
                100.0 * b
            );
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    if !times.is_empty() {
        let p = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        println!(
            "latency per 3-frame check: p50 {:.1} ms, p90 {:.1} ms",
            p(0.5),
            p(0.9)
        );
    }
    Ok(())
}
