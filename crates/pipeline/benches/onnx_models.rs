//! Latency of every other ONNX model the engine runs (face detector and embedding,
//! anti-spoof and liveness, the trained card/ID/plate/document/MRZ models) at batch 1 and
//! 1 intra-op thread, through the engine's own `OnnxModel` wrapper.
//!
//! `cargo bench -p hawiya-pipeline --bench onnx_models`. Needs HAWIYA_MODELS; a model file
//! that is missing is skipped with a message. Each input is a fixed tensor of the model's
//! real shape whose element `i` (flat, row-major) is `(i % 251) / 250`: the same formula
//! `benches/python_ort_compare.py --all` uses, so both sides run the very same values.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use hawiya_pipeline::runtime::{OnnxModel, RuntimeConfig};
use ndarray::{ArrayD, IxDyn};

/// File name and batch-1 input shape, as the engine feeds each model.
const MODELS: [(&str, [usize; 4]); 9] = [
    ("blazeface_back.onnx", [1, 256, 256, 3]),
    ("face_embed.onnx", [1, 3, 150, 150]),
    ("antispoof.onnx", [1, 128, 128, 3]),
    ("liveness.onnx", [1, 32, 32, 3]),
    ("card_locator.onnx", [1, 3, 256, 256]),
    ("doc_classifier.onnx", [1, 3, 96, 96]),
    ("id_digits.onnx", [1, 1, 32, 256]),
    ("plate_reader.onnx", [1, 1, 48, 128]),
    ("mrz_reader.onnx", [1, 1, 32, 512]),
];

/// The deterministic input: element `i` is `(i % 251) / 250`, in [0, 1].
fn pattern(shape: &[usize]) -> ArrayD<f32> {
    let n: usize = shape.iter().product();
    let data: Vec<f32> = (0..n).map(|i| (i % 251) as f32 / 250.0).collect();
    ArrayD::from_shape_vec(IxDyn(shape), data).expect("shape")
}

fn bench(c: &mut Criterion) {
    let Some(dir) = std::env::var_os("HAWIYA_MODELS").map(PathBuf::from) else {
        eprintln!("SKIPPED: HAWIYA_MODELS is not set");
        return;
    };
    let config = RuntimeConfig {
        intra_op_threads: 1,
        ..RuntimeConfig::default()
    };
    let mut g = c.benchmark_group("onnx_model_1thread");
    for (file, shape) in MODELS {
        let path = dir.join(file);
        let mut model = match OnnxModel::load(&path, &config) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("SKIPPED {file}: {e}");
                continue;
            }
        };
        let input = pattern(&shape);
        let out = model.run_f32(input.view()).expect("run");
        eprintln!(
            "{file}: input {shape:?}, first output {:?}, sum {:.4}",
            out.shape(),
            out.sum()
        );
        let name = format!("{} {:?}", file.trim_end_matches(".onnx"), shape);
        g.bench_function(name, |b| b.iter(|| model.run_f32(input.view()).unwrap()));
    }
    g.finish();
}

criterion_group! {
    name = onnx_models;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(onnx_models);
