//! Face verification stages on the public-domain astronaut portrait: detection, alignment
//! and embedding of one face (`cargo bench -p hawiya-pipeline --bench face`). Needs the
//! face models (HAWIYA_MODELS); prints why and does nothing without them.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use hawiya_pipeline::face::{self, FaceModels};
use hawiya_pipeline::runtime::RuntimeConfig;

fn bench(c: &mut Criterion) {
    let Some(dir) = std::env::var_os("HAWIYA_MODELS").map(PathBuf::from) else {
        eprintln!("SKIP: HAWIYA_MODELS is not set");
        return;
    };
    let mut models = match FaceModels::load(&dir, &RuntimeConfig::default()) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("SKIP: face models not loaded: {e}");
            return;
        }
    };
    models.warm_up().expect("warm up");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/astronaut.png");
    let image = image::open(path).expect("astronaut.png").to_rgb8();
    // A phone-sized photo: the portrait enlarged to 1536 px, so detection includes the
    // shrink to the detector's input and alignment the dlib pyramid.
    let large = image::imageops::resize(&image, 1536, 1536, image::imageops::FilterType::Triangle);
    let face = models.detect(&image).expect("detect").remove(0);
    let large_face = models.detect(&large).expect("detect").remove(0);
    let chip = models.align(&image, &face).expect("chip");

    let mut g = c.benchmark_group("face");
    g.bench_function("detect_512", |b| b.iter(|| models.detect(&image).unwrap()));
    g.bench_function("detect_1536", |b| b.iter(|| models.detect(&large).unwrap()));
    g.bench_function("align_512", |b| {
        b.iter(|| models.align(&image, &face).unwrap())
    });
    g.bench_function("align_1536", |b| {
        b.iter(|| models.align(&large, &large_face).unwrap())
    });
    g.bench_function("embed_1", |b| {
        b.iter(|| models.embedder.embed(&[&chip]).unwrap())
    });
    g.bench_function("compare_512", |b| {
        b.iter(|| {
            face::compare_images(&mut models, &image, &image, face::DEFAULT_THRESHOLD).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
