//! Runs every model in the models directory on the CPU and on ONNX Runtime's CUDA
//! provider with the same input, and prints the largest output difference and the median
//! latency of each. Build with `--features cuda`; `benches/gpu-check.sh` drives it.
//!
//!     cargo run --release --features cuda -p hawiya-pipeline --example gpu_check -- [MODELS_DIR] [RUNS]

use std::path::PathBuf;
use std::time::Instant;

use hawiya_pipeline::runtime::{OnnxModel, Provider, RuntimeConfig};
use ndarray::{ArrayD, IxDyn};

/// A concrete size for each dynamic dimension: batch 1, spatial sizes a typical input.
fn concrete_shape(name: &str, shape: &[i64]) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            if d > 0 {
                d as usize
            } else if i == 0 {
                1
            } else if name.starts_with("text_rec") || name.starts_with("id_digits") {
                // Line recognizers: only the width is dynamic.
                320
            } else {
                // Detectors: a multiple of 32 that all of them accept.
                480
            }
        })
        .collect()
}

/// A deterministic input in [0, 1): a smooth pattern, not constant, so that every
/// layer sees varied values.
fn input_for(shape: &[usize]) -> ArrayD<f32> {
    let n: usize = shape.iter().product();
    let data: Vec<f32> = (0..n)
        .map(|i| {
            ((i as f32 * 0.618_034).fract() * 0.5 + ((i / 7) as f32 * 0.001).sin().abs() * 0.5)
                .fract()
        })
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), data).expect("shape matches data")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HAWIYA_MODELS").map(PathBuf::from))
        .expect("models directory: argument or HAWIYA_MODELS");
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("reading the models directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "onnx"))
        .collect();
    files.sort();
    let cpu = RuntimeConfig {
        intra_op_threads: 4,
        ..RuntimeConfig::default()
    };
    let gpu = RuntimeConfig {
        provider: Provider::Cuda { device: 0 },
        ..cpu.clone()
    };
    println!(
        "{:<18} {:>22} {:>12} {:>12} {:>12} {:>8}",
        "model", "input", "max|diff|", "cpu ms", "cuda ms", "speedup"
    );
    let mut failures = 0;
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let (mut c, mut g) = match (OnnxModel::load(&path, &cpu), OnnxModel::load(&path, &gpu)) {
            (Ok(c), Ok(g)) => (c, g),
            (Err(e), _) | (_, Err(e)) => {
                println!("{name:<18} FAILED to load: {e}");
                failures += 1;
                continue;
            }
        };
        let inputs: Vec<ArrayD<f32>> = c
            .inputs()
            .iter()
            .map(|t| input_for(&concrete_shape(&name, &t.shape)))
            .collect();
        let views: Vec<_> = inputs.iter().map(|a| a.view()).collect();
        let shape = format!("{:?}", inputs[0].shape());
        let (out_c, out_g) = match (c.run_many(&views), g.run_many(&views)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                println!("{name:<18} FAILED to run: {e}");
                failures += 1;
                continue;
            }
        };
        let diff = out_c
            .iter()
            .zip(&out_g)
            .flat_map(|(a, b)| a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs()))
            .fold(0f32, f32::max);
        let time = |m: &mut OnnxModel| {
            let _ = m.run_many(&views);
            median(
                (0..runs)
                    .map(|_| {
                        let t = Instant::now();
                        m.run_many(&views).expect("ran once already");
                        t.elapsed().as_secs_f64() * 1000.0
                    })
                    .collect(),
            )
        };
        let (tc, tg) = (time(&mut c), time(&mut g));
        println!(
            "{name:<18} {shape:>22} {diff:>12.2e} {tc:>12.2} {tg:>12.2} {:>7.1}x",
            tc / tg
        );
    }
    if failures > 0 {
        std::process::exit(1);
    }
}
