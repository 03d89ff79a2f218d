//! liveness/multi on real pixels with the real models, frames made from the public-domain
//! NASA portrait (tests/data/astronaut.png) by small shifts, scales and rotations.
//!
//! Skips, saying why, when HAWIYA_MODELS is unset or a model is missing.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use hawiya_pipeline::face::{self, FaceModels};
use hawiya_pipeline::image::DecodedImage;
use hawiya_pipeline::liveness::{self, LivenessModels, LivenessParams};
use hawiya_pipeline::runtime::RuntimeConfig;
use image::{ImageFormat, Rgb, RgbImage};
use imageproc::geometric_transformations::{warp, Interpolation, Projection};
use serde_json::Value;

type Models = (FaceModels, LivenessModels);

fn models() -> Option<&'static Mutex<Models>> {
    static MODELS: OnceLock<Option<Mutex<Models>>> = OnceLock::new();
    MODELS
        .get_or_init(|| {
            let dir = PathBuf::from(std::env::var_os("HAWIYA_MODELS")?);
            let needed = [
                face::BLAZEFACE_FILE,
                "face_embed.onnx",
                "antispoof.onnx",
                "liveness.onnx",
            ];
            if let Some(missing) = needed.iter().find(|f| !dir.join(f).is_file()) {
                eprintln!(
                    "SKIP: {missing} not in {}; run models/build.sh",
                    dir.display()
                );
                return None;
            }
            let cfg = RuntimeConfig::default();
            let f = FaceModels::load(&dir, &cfg).expect("face models");
            let l = LivenessModels::load(&dir, &cfg).expect("liveness models");
            Some(Mutex::new((f, l)))
        })
        .as_ref()
}

macro_rules! models_or_skip {
    () => {
        match models() {
            Some(m) => m.lock().unwrap_or_else(|p| p.into_inner()),
            None => {
                eprintln!("SKIP: HAWIYA_MODELS unset or liveness models missing");
                return;
            }
        }
    };
}

fn astronaut() -> RgbImage {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/astronaut.png");
    image::open(path).expect("astronaut.png").to_rgb8()
}

/// The image moved by `(dx, dy)` px, scaled by `s` and rotated by `deg` about its centre.
fn moved(img: &RgbImage, dx: f32, dy: f32, s: f32, deg: f32) -> RgbImage {
    let (cx, cy) = (img.width() as f32 / 2.0, img.height() as f32 / 2.0);
    let p = Projection::translate(cx + dx, cy + dy)
        * Projection::rotate(deg.to_radians())
        * Projection::scale(s, s)
        * Projection::translate(-cx, -cy);
    warp(img, &p, Interpolation::Bilinear, Rgb([0, 0, 0]))
}

fn decoded(rgb: RgbImage) -> DecodedImage {
    DecodedImage {
        rgb,
        format: ImageFormat::Png,
        exif_orientation: 1,
        captured_at: None,
    }
}

fn check_named<'a>(out: &'a hawiya_pipeline::Extraction, name: &str) -> &'a Value {
    out.extra["liveness"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}"))
}

fn run(frames: [RgbImage; 3], id: Option<&[f32]>) -> hawiya_pipeline::Extraction {
    let mut guard = models_or_skip_inner();
    let (f, l) = &mut *guard;
    let [a, b, c] = frames.map(decoded);
    liveness::check(f, l, [&a, &b, &c], id, &LivenessParams::default()).expect("check runs")
}

fn models_or_skip_inner() -> std::sync::MutexGuard<'static, Models> {
    models()
        .expect("checked by caller")
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

#[test]
fn moved_frames_are_one_face_each_of_one_person() {
    drop(models_or_skip!());
    let img = astronaut();
    let frames = [
        moved(&img, 0.0, 0.0, 1.0, 0.0),
        moved(&img, 6.0, -4.0, 1.03, 2.0),
        moved(&img, -5.0, 3.0, 0.97, -2.5),
    ];
    let out = run(frames, None);
    let l = &out.extra["liveness"];
    eprintln!("{}", serde_json::to_string_pretty(l).unwrap());
    assert_eq!(check_named(&out, "single_face")["passed"], true);
    assert_eq!(check_named(&out, "same_person")["passed"], true);
    assert_eq!(check_named(&out, "not_identical")["passed"], true);
    assert!(!l["failed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n == "single_face" || n == "same_person" || n == "not_identical"));
    // The verdict and the score agree whatever the passive nets say of this photo.
    let live = out.get("isLive").unwrap().as_bool().unwrap();
    let score = out.get("score").unwrap().as_f64().unwrap();
    assert_eq!(live, l["verdict"] == "live");
    assert!(live || score <= 49.0);
}

#[test]
fn identical_frames_are_rejected_as_identical() {
    drop(models_or_skip!());
    let img = astronaut();
    let out = run([img.clone(), img.clone(), img], None);
    assert_eq!(out.get("isLive"), Some(&Value::Bool(false)));
    let failed = out.extra["liveness"]["failed"].as_array().unwrap();
    assert!(failed.iter().any(|n| n == "not_identical"), "{failed:?}");
    assert_eq!(check_named(&out, "not_identical")["value"], 0.0);
    assert_eq!(out.extra["liveness"]["verdict"], "spoof");
}

#[test]
fn a_frame_without_a_face_is_rejected() {
    drop(models_or_skip!());
    let img = astronaut();
    let blank = RgbImage::from_pixel(img.width(), img.height(), Rgb([128, 128, 128]));
    let out = run([moved(&img, 4.0, 0.0, 1.0, 1.0), img, blank], None);
    assert_eq!(out.get("isLive"), Some(&Value::Bool(false)));
    let failed = out.extra["liveness"]["failed"].as_array().unwrap();
    assert!(failed.iter().any(|n| n == "single_face"), "{failed:?}");
    assert_eq!(out.issues.len(), 1);
    assert_eq!(out.issues[0].field, "face_3");
}

#[test]
fn the_id_embedding_is_matched_against_the_frames() {
    let mut g = models_or_skip!();
    let img = astronaut();
    let id =
        g.0.embed_largest(&moved(&img, 3.0, 3.0, 1.02, 1.0))
            .unwrap()
            .unwrap()
            .vector;
    drop(g);
    let frames = [
        moved(&img, 0.0, 0.0, 1.0, 0.0),
        moved(&img, 6.0, -4.0, 1.03, 2.0),
        moved(&img, -5.0, 3.0, 0.97, -2.5),
    ];
    let out = run(frames.clone(), Some(&id));
    assert_eq!(out.get("matches_id"), Some(&Value::Bool(true)));
    let wrong: Vec<f32> = id.iter().map(|v| -v).collect();
    let out = run(frames, Some(&wrong));
    assert_eq!(out.get("matches_id"), Some(&Value::Bool(false)));
}
