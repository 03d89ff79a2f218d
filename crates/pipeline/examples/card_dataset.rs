//! Writes the card locator's training set: synth photos of every card-shaped document,
//! letterboxed exactly as `hawiya_pipeline::card::learned::letterbox` does at inference,
//! with the card's corners (in the card's own order) as labels.
//!
//! `cargo run -p hawiya-pipeline --example card_dataset -- OUT_DIR SEED COUNT [SIZE] [THREADS]`
//!
//! Writes `OUT_DIR/images.u8` (COUNT x SIZE x SIZE x 3, RGB) and `OUT_DIR/labels.f32`
//! (COUNT x 12 little-endian f32: x0 y0 .. x3 y3 in input pixels, quarter turns, 1 if a
//! card is present, the document kind's index, the difficulty level).
//!
//! Beyond what synth varies (kind, background, perspective, tilt, blur, noise, JPEG,
//! glare, shade), each scene is randomised here: all four quarter turns at every
//! difficulty, cards from 20% to 95% of the frame, portrait and square photos, extra
//! darkness (low light), a finger over a side or corner, a second card cut by the frame,
//! and photos with no card at all (background crops, with a face-like blob), which teach
//! the confidence to fall.

use std::io::Write;
use std::path::PathBuf;

use hawiya_pipeline::card::learned::letterbox;
use hawiya_synth::{render, Difficulty, DocKind, PhotoParams, SynthParams};
use image::imageops::FilterType;
use image::{Rgb, RgbImage};

/// The kinds the locator serves (plates have their own detector).
const KINDS: [DocKind; 7] = [
    DocKind::IdFront,
    DocKind::IdBack,
    DocKind::Passport,
    DocKind::Td1,
    DocKind::DrivingLicense,
    DocKind::CarLicenseFront,
    DocKind::CarLicenseBack,
];

/// Shares of the scene variations. Negatives are 6%: enough for the confidence to learn
/// "no card" without spending much of the set on it.
const NEGATIVE: f64 = 0.06;
const FINGER: f64 = 0.2;
const SECOND_CARD: f64 = 0.08;
const LOW_LIGHT: f64 = 0.15;

/// SplitMix64: a tiny deterministic generator (the pipeline crate has no `rand`).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, a: f32, b: f32) -> f32 {
        a + (b - a) * self.unit() as f32
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One scene: the photo, the card's corners (card order) if any, quarter turns, kind.
pub struct Scene {
    pub image: RgbImage,
    pub corners: Option<[[f32; 2]; 4]>,
    pub quarter_turns: u8,
    pub kind: usize,
    pub level: f32,
}

fn photo_params(rng: &mut Rng, level: f32) -> PhotoParams {
    let mut p = PhotoParams::for_level(level);
    p.quarter_turns = true;
    p.fill = (rng.range(0.2, 0.5), 0.95);
    p.size = match rng.pick(5) {
        0 => (960, 1280),
        1 => (1024, 1024),
        2 => (1280, 720),
        _ => (1280, 960),
    };
    p
}

/// Renders scene `index` of the set `seed`.
pub fn scene(seed: u64, index: u64) -> Scene {
    let mut rng = Rng::new(seed, index);
    let kind = rng.pick(KINDS.len());
    let level = rng.range(0.0, 1.0);
    let params = SynthParams {
        seed,
        difficulty: Difficulty::Level(level),
        photo: Some(photo_params(&mut rng, level)),
        ..SynthParams::default()
    };
    let sample = render(KINDS[kind], &params, index).expect("synth render");
    let mut image = sample.image;
    let mut corners = Some(sample.truth.corners.0);
    if rng.chance(NEGATIVE) {
        image = background_only(&image, &sample.truth.corners.0, &mut rng);
        face_blob(&mut image, &mut rng);
        corners = None;
    } else {
        if rng.chance(SECOND_CARD) {
            let other = KINDS[rng.pick(KINDS.len())];
            let p2 = SynthParams {
                seed: seed ^ 0x5EC0_17D0,
                ..params.clone()
            };
            if let Ok(s2) = render(other, &p2, index) {
                second_card(&mut image, &sample.truth.corners.0, &s2, &mut rng);
            }
        }
        if rng.chance(FINGER) {
            finger(&mut image, &sample.truth.corners.0, &mut rng);
        }
    }
    if rng.chance(LOW_LIGHT) {
        let f = rng.range(0.25, 0.6);
        let lift = rng.range(0.0, 12.0);
        for px in image.pixels_mut() {
            *px = Rgb(px.0.map(|c| (c as f32 * f + lift).min(255.0) as u8));
        }
    }
    Scene {
        image,
        corners,
        quarter_turns: sample.truth.quarter_turns,
        kind,
        level,
    }
}

fn bounds(q: &[[f32; 2]; 4]) -> (f32, f32, f32, f32) {
    q.iter()
        .fold((f32::MAX, f32::MAX, f32::MIN, f32::MIN), |b, p| {
            (b.0.min(p[0]), b.1.min(p[1]), b.2.max(p[0]), b.3.max(p[1]))
        })
}

/// The widest strip of the photo beside the card, stretched to the whole frame.
pub fn background_only(image: &RgbImage, card: &[[f32; 2]; 4], rng: &mut Rng) -> RgbImage {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let (x0, y0, x1, y1) = bounds(card);
    let strips = [
        (0.0, 0.0, x0 - 10.0, h),
        (x1 + 10.0, 0.0, w, h),
        (0.0, 0.0, w, y0 - 10.0),
        (0.0, y1 + 10.0, w, h),
    ];
    let (sx0, sy0, sx1, sy1) = strips
        .iter()
        .copied()
        .max_by(|a, b| ((a.2 - a.0) * (a.3 - a.1)).total_cmp(&((b.2 - b.0) * (b.3 - b.1))))
        .expect("four strips");
    let cw = (sx1 - sx0).max(8.0) as u32;
    let ch = (sy1 - sy0).max(8.0) as u32;
    let crop = image::imageops::crop_imm(
        image,
        sx0.max(0.0) as u32,
        sy0.max(0.0) as u32,
        cw.min(image.width()),
        ch.min(image.height()),
    )
    .to_image();
    let mut out =
        image::imageops::resize(&crop, image.width(), image.height(), FilterType::Triangle);
    if rng.chance(0.5) {
        image::imageops::flip_horizontal_in_place(&mut out);
    }
    out
}

fn blend(px: &mut Rgb<u8>, c: [f32; 3], a: f32) {
    for (v, c) in px.0.iter_mut().zip(c) {
        *v = (*v as f32 * (1.0 - a) + c * a).clamp(0.0, 255.0) as u8;
    }
}

/// A skin-toned ellipse with two dark eyes: the "face-like blob" a no-card photo may hold.
pub fn face_blob(image: &mut RgbImage, rng: &mut Rng) {
    if !rng.chance(0.6) {
        return;
    }
    let (w, h) = (image.width() as f32, image.height() as f32);
    let (cx, cy) = (rng.range(0.2, 0.8) * w, rng.range(0.2, 0.8) * h);
    let (rx, ry) = (rng.range(0.08, 0.25) * w, 0.0);
    let ry = if ry == 0.0 {
        rx * rng.range(1.1, 1.4)
    } else {
        ry
    };
    let skin = skin_tone(rng);
    for y in 0..image.height() {
        for x in 0..image.width() {
            let (dx, dy) = ((x as f32 - cx) / rx, (y as f32 - cy) / ry);
            let d = dx * dx + dy * dy;
            if d < 1.0 {
                let px = image.get_pixel_mut(x, y);
                blend(px, skin, (1.0 - d).sqrt().min(1.0));
                for ex in [-0.35f32, 0.35] {
                    let (ex, ey) = (dx - ex, dy + 0.2);
                    if ex * ex + ey * ey * 4.0 < 0.015 {
                        blend(px, [30.0, 25.0, 20.0], 0.9);
                    }
                }
            }
        }
    }
}

fn skin_tone(rng: &mut Rng) -> [f32; 3] {
    let t = rng.range(0.0, 1.0);
    [120.0 + 110.0 * t, 80.0 + 100.0 * t, 60.0 + 90.0 * t]
}

/// A finger: a shaded capsule entering from outside the card and ending over one of
/// its sides or corners.
fn finger(image: &mut RgbImage, card: &[[f32; 2]; 4], rng: &mut Rng) {
    let k = rng.pick(4);
    let (a, b) = (card[k], card[(k + 1) % 4]);
    // Mostly over a side (corners stay visible); a quarter of the time on a corner.
    let t = if rng.chance(0.25) {
        0.0
    } else {
        rng.range(0.15, 0.85)
    };
    let tip = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
    let side = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
    let centre = [
        card.iter().map(|p| p[0]).sum::<f32>() / 4.0,
        card.iter().map(|p| p[1]).sum::<f32>() / 4.0,
    ];
    let out = [tip[0] - centre[0], tip[1] - centre[1]];
    let len = (out[0] * out[0] + out[1] * out[1]).sqrt().max(1.0);
    let dir = [
        out[0] / len + rng.range(-0.4, 0.4),
        out[1] / len + rng.range(-0.4, 0.4),
    ];
    let dl = (dir[0] * dir[0] + dir[1] * dir[1]).sqrt().max(1e-3);
    let dir = [dir[0] / dl, dir[1] / dl];
    let radius = side * rng.range(0.04, 0.08);
    // The tip reaches a little into the card.
    let inset = radius * rng.range(0.5, 2.5);
    let p0 = [tip[0] - dir[0] * inset, tip[1] - dir[1] * inset];
    let p1 = [p0[0] + dir[0] * 4000.0, p0[1] + dir[1] * 4000.0];
    let skin = skin_tone(rng);
    let (w, h) = image.dimensions();
    for y in 0..h {
        for x in 0..w {
            let p = [x as f32, y as f32];
            let v = [p1[0] - p0[0], p1[1] - p0[1]];
            let t = (((p[0] - p0[0]) * v[0] + (p[1] - p0[1]) * v[1]) / (v[0] * v[0] + v[1] * v[1]))
                .clamp(0.0, 1.0);
            let q = [p0[0] + v[0] * t, p0[1] + v[1] * t];
            let d = ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt() / radius;
            if d < 1.0 {
                // Rounder shading towards the finger's sides.
                let shade = 0.75 + 0.25 * (1.0 - d * d).sqrt();
                let c = skin.map(|c| c * shade);
                blend(image.get_pixel_mut(x, y), c, (4.0 * (1.0 - d)).min(1.0));
            }
        }
    }
}

/// Pastes part of another photographed card where it does not touch the target card,
/// cut by the frame's edge, so the target stays the only whole card.
fn second_card(
    image: &mut RgbImage,
    card: &[[f32; 2]; 4],
    other: &hawiya_synth::Sample,
    rng: &mut Rng,
) {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let (x0, y0, x1, y1) = bounds(card);
    let (ox0, oy0, ox1, oy1) = bounds(&other.truth.corners.0);
    let (ow, oh) = ((ox1 - ox0).max(8.0), (oy1 - oy0).max(8.0));
    // The free strip beside the target card, on the widest side.
    let room = [x0, w - x1, y0, h - y1];
    let side = (0..4)
        .max_by(|&a, &b| room[a].total_cmp(&room[b]))
        .unwrap_or(0);
    if room[side] < 40.0 {
        return;
    }
    let visible = room[side] - 15.0;
    let offset_along = rng.range(0.0, 1.0);
    for y in 0..other.image.height() {
        for x in 0..other.image.width() {
            let (fx, fy) = (x as f32, y as f32);
            // Only the other card's own pixels (inside its bounding box).
            if fx < ox0 || fx > ox1 || fy < oy0 || fy > oy1 {
                continue;
            }
            let (u, v) = (fx - ox0, fy - oy0);
            let (tx, ty) = match side {
                0 => (u - ow + visible, offset_along * (h - oh) + v),
                1 => (w - visible + u, offset_along * (h - oh) + v),
                2 => (offset_along * (w - ow) + u, v - oh + visible),
                _ => (offset_along * (w - ow) + u, h - visible + v),
            };
            if tx < 0.0 || ty < 0.0 || tx >= w || ty >= h {
                continue;
            }
            let inside_target =
                tx > x0 - 10.0 && tx < x1 + 10.0 && ty > y0 - 10.0 && ty < y1 + 10.0;
            if !inside_target {
                image.put_pixel(tx as u32, ty as u32, *other.image.get_pixel(x, y));
            }
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: card_dataset OUT_DIR SEED COUNT [SIZE=256] [THREADS=2]");
        std::process::exit(2);
    }
    let out = PathBuf::from(&args[1]);
    let seed: u64 = args[2].parse()?;
    let count: u64 = args[3].parse()?;
    let size: u32 = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(256);
    let threads: u64 = args.get(5).map(|s| s.parse()).transpose()?.unwrap_or(2);
    std::fs::create_dir_all(&out)?;
    let started = std::time::Instant::now();
    // Optional time budget (for a leased GPU machine): each worker stops at the deadline
    // and only the contiguous prefix of finished scenes is written, so a set of a given
    // length is the same whatever machine rendered it.
    let deadline: Option<std::time::Duration> = std::env::var("CARD_DATASET_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map(std::time::Duration::from_secs_f64);
    let chunks: Vec<(Vec<u8>, Vec<f32>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mut imgs = Vec::new();
                    for i in (t..count).step_by(threads as usize) {
                        if deadline.is_some_and(|d| started.elapsed() > d) {
                            break;
                        }
                        let sc = scene(seed, i);
                        let (tensor, scale) = letterbox(&sc.image, size);
                        let n = (size * size) as usize;
                        let flat = tensor.as_slice().expect("contiguous");
                        let mut rgb = vec![0u8; n * 3];
                        for p in 0..n {
                            for c in 0..3 {
                                rgb[p * 3 + c] = (flat[c * n + p] * 255.0).round() as u8;
                            }
                        }
                        let mut l = [0f32; 12];
                        if let Some(q) = sc.corners {
                            for k in 0..4 {
                                l[2 * k] = q[k][0] * scale;
                                l[2 * k + 1] = q[k][1] * scale;
                            }
                            l[9] = 1.0;
                        }
                        l[8] = sc.quarter_turns as f32;
                        l[10] = sc.kind as f32;
                        l[11] = sc.level;
                        imgs.push((i, rgb, l));
                        if t == 0 && imgs.len() % 200 == 0 {
                            eprintln!(
                                "{} scenes, {:.0?}",
                                imgs.len() as u64 * threads,
                                started.elapsed()
                            );
                        }
                    }
                    imgs
                })
            })
            .collect();
        let mut all: Vec<(u64, Vec<u8>, [f32; 12])> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect();
        all.sort_by_key(|e| e.0);
        let prefix = all
            .iter()
            .enumerate()
            .take_while(|(k, e)| e.0 == *k as u64)
            .count();
        all.truncate(prefix);
        all.into_iter()
            .map(|(_, rgb, l)| (rgb, l.to_vec()))
            .collect()
    });
    let mut images = std::io::BufWriter::new(std::fs::File::create(out.join("images.u8"))?);
    let mut labels = std::io::BufWriter::new(std::fs::File::create(out.join("labels.f32"))?);
    for (rgb, l) in &chunks {
        images.write_all(rgb)?;
        for v in l {
            labels.write_all(&v.to_le_bytes())?;
        }
    }
    eprintln!(
        "wrote {} scenes to {} in {:.1?}",
        chunks.len(),
        out.display(),
        started.elapsed()
    );
    Ok(())
}
