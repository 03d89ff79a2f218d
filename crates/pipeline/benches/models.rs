//! Cost of each OCR stage: PP-OCR detection (1x3x640x640) and recognition of one line,
//! at 1 and 2 intra-op threads, plus the pre- and post-processing around each.
//!
//! `cargo bench -p hawiya-pipeline --bench models`. Needs the models (HAWIYA_MODELS) and
//! DejaVu Sans; prints why and measures nothing otherwise. The model inputs are written
//! to the system temp directory as raw little-endian f32 so that
//! `benches/python_ort_compare.py` runs Python onnxruntime on the very same tensors.

use std::time::Duration;

use ab_glyph::{FontVec, PxScale};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hawiya_pipeline::models::{ModelDir, ModelFile};
use hawiya_pipeline::ocr::text_detect::{self, TextDetectParams, TextDetectorModel};
use hawiya_pipeline::ocr::text_recognize::{
    self, OnnxTextRecognizer, TextRecognizeParams, TextRecognizerModel,
};
use hawiya_pipeline::runtime::{OnnxModel, RuntimeConfig};
use image::{Rgb, RgbImage};

const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// A 640 x 640 page with five lines of text, the size the detector is benchmarked at.
fn page() -> RgbImage {
    let mut page = RgbImage::from_pixel(640, 640, Rgb([250, 250, 248]));
    if let Some(font) = std::fs::read(FONT)
        .ok()
        .and_then(|b| FontVec::try_from_vec(b).ok())
    {
        let lines = [
            "ARAB REPUBLIC OF EGYPT",
            "HAWIYA 2026",
            "P<EGYSMITH<<JOHN<<<<<<<<",
            "Cairo 11511 Egypt",
            "29801011234567",
        ];
        for (i, text) in lines.iter().enumerate() {
            let y = 60 + i as i32 * 110;
            imageproc::drawing::draw_text_mut(
                &mut page,
                Rgb([20, 20, 20]),
                40,
                y,
                PxScale::from(36.0),
                &font,
                text,
            );
        }
    } else {
        eprintln!("font {FONT} missing: benchmarking on a blank page");
    }
    page
}

fn dump(name: &str, data: &[f32], shape: &[usize]) {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let path = std::env::temp_dir().join(format!("hawiya-bench-{name}-{}.f32", dims.join("x")));
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    if std::fs::write(&path, bytes).is_ok() {
        eprintln!("wrote {}", path.display());
    }
}

fn config(threads: usize) -> RuntimeConfig {
    RuntimeConfig {
        intra_op_threads: threads,
        ..RuntimeConfig::default()
    }
}

fn benches(c: &mut Criterion) {
    let dir = match ModelDir::resolve_existing(None) {
        Ok(d)
            if d.check(&[ModelFile::TextDetect, ModelFile::TextRecognizeLatin])
                .is_complete() =>
        {
            d
        }
        _ => {
            eprintln!("SKIPPED: OCR models missing (set HAWIYA_MODELS, run models/build.sh)");
            return;
        }
    };
    let page = page();
    // limit_side_len 640 keeps the page at 640 x 640: the model input benchmarked.
    let det_params = TextDetectParams {
        limit_side_len: 640,
        ..TextDetectParams::default()
    };
    let rec_params = TextRecognizeParams::default();

    let det_path = dir.path(ModelFile::TextDetect);
    let rec_path = dir.path(ModelFile::TextRecognizeLatin);
    let mut det = [1, 2].map(|t| OnnxModel::load(&det_path, &config(t)).expect("det model"));
    let dict = dir.find(ModelFile::TextRecognizeLatinDict);
    let mut rec = [1, 2].map(|t| {
        OnnxTextRecognizer::new(
            OnnxModel::load(&rec_path, &config(t)).expect("rec model"),
            dict.as_deref(),
        )
        .expect("rec dictionary")
    });

    let input = text_detect::prepare(&page, &det_params).expect("det input");
    assert_eq!(input.tensor.shape(), &[1, 3, 640, 640]);
    dump(
        "det",
        input.tensor.as_slice().unwrap(),
        input.tensor.shape(),
    );
    let prob = det[0].probability_map(input.tensor.view()).unwrap();
    let lines = text_detect::boxes_from_map(prob.view(), 640, 640, &det_params);
    eprintln!("detected {} lines", lines.len());
    // The MRZ-like line, the widest one: the recogniser's typical single-field input.
    let quad = lines
        .iter()
        .max_by(|a, b| (a.quad[1][0] - a.quad[0][0]).total_cmp(&(b.quad[1][0] - b.quad[0][0])))
        .map(|l| l.quad)
        .unwrap_or([[40.0, 250.0], [600.0, 250.0], [600.0, 300.0], [40.0, 300.0]]);
    let crop = text_recognize::crop_line(&page, &quad, &rec_params).expect("crop");
    let (rec_input, _) = text_recognize::prepare_batch(&[&crop], &rec_params);
    dump("rec", rec_input.as_slice().unwrap(), rec_input.shape());
    let rec_out = rec[0].class_probabilities(rec_input.view()).unwrap();
    eprintln!(
        "line crop {}x{}, rec input {:?}, reads {:?}",
        crop.width(),
        crop.height(),
        rec_input.shape(),
        text_recognize::ctc_greedy_decode(
            rec_out.index_axis(ndarray::Axis(0), 0),
            rec[0].charset(),
            1.0
        )
        .text
    );

    let mut g = c.benchmark_group("text_det");
    g.bench_function("pre: resize+normalise 640", |b| {
        b.iter(|| text_detect::prepare(&page, &det_params))
    });
    for (i, model) in det.iter_mut().enumerate() {
        g.bench_with_input(
            BenchmarkId::new("model 1x3x640x640", format!("{} threads", i + 1)),
            &input.tensor,
            |b, t| b.iter(|| model.probability_map(t.view()).unwrap()),
        );
    }
    g.bench_function("post: DB boxes", |b| {
        b.iter(|| text_detect::boxes_from_map(prob.view(), 640, 640, &det_params))
    });
    g.finish();

    let mut g = c.benchmark_group("text_rec");
    g.bench_function("pre: crop+resize+normalise one line", |b| {
        b.iter(|| {
            let crop = text_recognize::crop_line(&page, &quad, &rec_params).unwrap();
            text_recognize::prepare_batch(&[&crop], &rec_params)
        })
    });
    let shape = format!("{:?}", rec_input.shape());
    for (i, model) in rec.iter_mut().enumerate() {
        g.bench_with_input(
            BenchmarkId::new(format!("model {shape}"), format!("{} threads", i + 1)),
            &rec_input,
            |b, t| b.iter(|| model.class_probabilities(t.view()).unwrap()),
        );
    }
    let charset = rec[0].charset().clone();
    g.bench_function("post: CTC greedy decode", |b| {
        b.iter(|| {
            text_recognize::ctc_greedy_decode(
                rec_out.index_axis(ndarray::Axis(0), 0),
                &charset,
                1.0,
            )
        })
    });
    g.finish();

    let mut g = c.benchmark_group("read_text");
    let (det1, rec1) = (&mut det[0], &mut rec[0]);
    let params = hawiya_pipeline::ocr::ReadTextParams {
        detect: det_params.clone(),
        ..Default::default()
    };
    g.bench_function("page 640x640, 5 lines, 1 thread", |b| {
        b.iter(|| hawiya_pipeline::ocr::read_text_with(det1, rec1, &page, &params).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = models;
    // Short runs: model calls take tens of milliseconds, and the machine has 2 cores
    // shared with builds; 10 samples over 3 s give stable means.
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(models);
