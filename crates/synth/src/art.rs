//! Non-text artwork: card tints and guilloche, photo backgrounds, face photos, barcodes.

use std::path::{Path, PathBuf};

use image::{imageops::FilterType, Rgb, RgbImage, Rgba};
use imageproc::drawing::{draw_filled_ellipse_mut, draw_filled_rect_mut, draw_polygon_mut};
use imageproc::point::Point;
use imageproc::rect::Rect as IRect;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::geometry::Rect;
use crate::text::blend;

/// Linear interpolation between two colours.
fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> Rgb<u8> {
    let m = |x: u8, y: u8| (f32::from(x) * (1.0 - t) + f32::from(y) * t) as u8;
    Rgb([m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2])])
}

/// A pale security background: a diagonal two-tint gradient (the real ID is blue-green
/// on one side fading to pink) under fine wave lines (guilloche) and a rosette.
pub fn security_background(rng: &mut ChaCha8Rng, w: u32, h: u32, tints: [[u8; 3]; 2]) -> RgbImage {
    let (wf, hf) = (w as f32, h as f32);
    let freq = rng.gen_range(0.035..0.07f32);
    let amp = rng.gen_range(4.0..14.0f32);
    let wl = rng.gen_range(40.0..120.0f32);
    let line_col = [
        tints[0][0].saturating_sub(60),
        tints[0][1].saturating_sub(40),
        tints[0][2].saturating_sub(30),
    ];
    let rosette = (rng.gen_range(0.2..0.8) * wf, rng.gen_range(0.3..0.7) * hf);
    let petals = rng.gen_range(8..20) as f32;
    let strength = rng.gen_range(0.18..0.35f32);
    RgbImage::from_fn(w, h, |x, y| {
        let (xf, yf) = (x as f32, y as f32);
        let t = ((xf / wf) * 0.7 + (yf / hf) * 0.3).clamp(0.0, 1.0);
        let base = mix(tints[0], tints[1], t);
        // Two families of wavy lines crossing each other.
        let a = ((yf + amp * (xf / wl).sin()) * freq).sin().abs();
        let b = ((xf * 0.6 - yf + amp * (yf / wl).cos()) * freq * 0.8)
            .sin()
            .abs();
        let wave = (1.0 - a).powi(24) + (1.0 - b).powi(24);
        // A rosette: a ring whose radius wobbles with the angle.
        let (dx, dy) = (xf - rosette.0, yf - rosette.1);
        let r = (dx * dx + dy * dy).sqrt();
        let th = dy.atan2(dx);
        let ring = ((r + 12.0 * (petals * th).sin()) * 0.12).sin().abs();
        let ros = if r < hf * 0.4 {
            (1.0 - ring).powi(30)
        } else {
            0.0
        };
        let k = (strength * (wave + ros)).min(0.6);
        blend(base, Rgba([line_col[0], line_col[1], line_col[2], 255]), k)
    })
}

/// A photo background: table wood, cloth, plain paint or noise blotches.
pub fn background(rng: &mut ChaCha8Rng, w: u32, h: u32) -> RgbImage {
    let palette: [[u8; 3]; 8] = [
        [120, 80, 50],
        [170, 130, 90],
        [60, 60, 65],
        [200, 200, 195],
        [30, 40, 70],
        [140, 30, 30],
        [90, 110, 80],
        [230, 225, 210],
    ];
    let c0 = *palette.choose(rng).expect("palette");
    let c1 = [
        c0[0].saturating_add(rng.gen_range(0..40)),
        c0[1].saturating_add(rng.gen_range(0..40)),
        c0[2].saturating_add(rng.gen_range(0..40)),
    ];
    let style = rng.gen_range(0..4);
    let f1 = rng.gen_range(0.01..0.05f32);
    let f2 = rng.gen_range(0.1..0.4f32);
    let ph = rng.gen_range(0.0..6.0f32);
    let mut img = RgbImage::from_fn(w, h, |x, y| {
        let (xf, yf) = (x as f32, y as f32);
        let t = match style {
            // Wood grain: stretched, wobbling stripes.
            0 => ((yf * f1 * 3.0 + (xf * f1 * 0.3 + ph).sin() * 4.0).sin() * 0.5 + 0.5).powf(0.7),
            // Cloth: a fine weave.
            1 => ((xf * f2).sin() * (yf * f2).sin()) * 0.5 + 0.5,
            // Blotches.
            2 => ((xf * f1 + ph).sin() * (yf * f1 * 1.3).cos()) * 0.5 + 0.5,
            // Plain, slight gradient.
            _ => yf / h as f32,
        };
        mix(c0, c1, t)
    });
    if rng.gen_bool(0.3) {
        // A stray object (paper, phone) partly in frame.
        let x = rng.gen_range(0..w) as i32;
        let y = rng.gen_range(0..h) as i32;
        let c = *palette.choose(rng).expect("palette");
        draw_filled_rect_mut(
            &mut img,
            IRect::at(x, y).of_size(rng.gen_range(50..300), rng.gen_range(50..300)),
            Rgb(c),
        );
    }
    img
}

/// Face image files in `dir`, sorted so a seed picks the same file on every machine;
/// `dir` may also be one image file, which every card then carries.
pub fn face_files(dir: &Path) -> Vec<PathBuf> {
    if dir.is_file() {
        return vec![dir.to_path_buf()];
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let ext = p
                        .extension()
                        .and_then(|e| e.to_str())
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    matches!(ext.as_str(), "jpg" | "jpeg" | "png")
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Draws the holder's photo into `area`: a face file cropped to fill it, or a drawn
/// head-and-shoulders silhouette. ID photos are printed desaturated, so both are toned.
pub fn face_photo(
    canvas: &mut RgbImage,
    rng: &mut ChaCha8Rng,
    area: Rect,
    faces: &[PathBuf],
    grey: bool,
    female: bool,
) {
    let (w, h) = (area.width().max(1.0) as u32, area.height().max(1.0) as u32);
    let loaded = faces
        .choose(rng)
        .and_then(|p| image::open(p).ok())
        .map(|img| {
            let img = img.to_rgb8();
            // Cover-crop: scale to fill, then take the centre (faces sit high: bias up).
            let s = (w as f32 / img.width() as f32).max(h as f32 / img.height() as f32);
            let sw = (img.width() as f32 * s).ceil() as u32;
            let sh = (img.height() as f32 * s).ceil() as u32;
            let r = image::imageops::resize(&img, sw.max(w), sh.max(h), FilterType::Triangle);
            let ox = (r.width() - w) / 2;
            let oy = (r.height() - h) / 3;
            image::imageops::crop_imm(&r, ox, oy, w, h).to_image()
        });
    let photo = loaded.unwrap_or_else(|| silhouette(rng, w, h, female));
    let (x0, y0) = (area.x0 as i64, area.y0 as i64);
    for (x, y, p) in photo.enumerate_pixels() {
        let (cx, cy) = (x0 + i64::from(x), y0 + i64::from(y));
        if cx < 0 || cy < 0 || cx >= i64::from(canvas.width()) || cy >= i64::from(canvas.height()) {
            continue;
        }
        let px = if grey {
            let l = (0.3 * f32::from(p[0]) + 0.59 * f32::from(p[1]) + 0.11 * f32::from(p[2])) as u8;
            // A faint warm tone, as printed card photos have.
            Rgb([l.saturating_add(6), l.saturating_add(3), l])
        } else {
            *p
        };
        canvas.put_pixel(cx as u32, cy as u32, px);
    }
}

fn silhouette(rng: &mut ChaCha8Rng, w: u32, h: u32, female: bool) -> RgbImage {
    let bg = [
        rng.gen_range(190..240u8),
        rng.gen_range(200..245u8),
        rng.gen_range(210..250u8),
    ];
    let mut img = RgbImage::from_pixel(w, h, Rgb(bg));
    let skin = *[
        [224u8, 184, 150],
        [198, 150, 110],
        [160, 110, 80],
        [120, 80, 55],
    ]
    .choose(rng)
    .expect("skin");
    let hair = *[[30u8, 25, 20], [60, 45, 30], [90, 90, 90], [20, 20, 20]]
        .choose(rng)
        .expect("hair");
    let cloth = *[[40u8, 50, 80], [80, 80, 80], [200, 200, 200], [60, 30, 30]]
        .choose(rng)
        .expect("cloth");
    let (wf, hf) = (w as f32, h as f32);
    let cx = wf / 2.0 + rng.gen_range(-0.04..0.04) * wf;
    // Shoulders: a trapezoid at the bottom.
    let shoulders = [
        Point::new((cx - wf * 0.48) as i32, h as i32),
        Point::new((cx - wf * 0.32) as i32, (hf * 0.74) as i32),
        Point::new((cx + wf * 0.32) as i32, (hf * 0.74) as i32),
        Point::new((cx + wf * 0.48) as i32, h as i32),
    ];
    draw_polygon_mut(&mut img, &shoulders, Rgb(cloth));
    // Neck, head, hair (a headscarf sometimes, as on many women's cards).
    draw_filled_rect_mut(
        &mut img,
        IRect::at((cx - wf * 0.08) as i32, (hf * 0.55) as i32)
            .of_size((wf * 0.16) as u32, (hf * 0.22) as u32),
        Rgb(skin),
    );
    let (rx, ry) = (
        (wf * rng.gen_range(0.2..0.25)) as i32,
        (hf * rng.gen_range(0.22..0.27)) as i32,
    );
    let cy = (hf * 0.40) as i32;
    if female && rng.gen_bool(0.5) {
        let scarf = *[[40u8, 40, 60], [150, 120, 100], [30, 30, 30], [110, 60, 80]]
            .choose(rng)
            .expect("scarf");
        draw_filled_ellipse_mut(
            &mut img,
            (cx as i32, cy + ry / 6),
            rx + rx / 3,
            ry + ry / 3,
            Rgb(scarf),
        );
    } else {
        draw_filled_ellipse_mut(
            &mut img,
            (cx as i32, cy - ry / 5),
            rx + rx / 10,
            ry,
            Rgb(hair),
        );
    }
    draw_filled_ellipse_mut(&mut img, (cx as i32, cy + ry / 8), rx, ry, Rgb(skin));
    // Eyes and mouth, so face detectors see a face-like pattern.
    let eye_y = cy;
    let dark = Rgb([40, 30, 25]);
    draw_filled_ellipse_mut(
        &mut img,
        (cx as i32 - rx * 4 / 10, eye_y),
        (rx / 7).max(1),
        (ry / 12).max(1),
        dark,
    );
    draw_filled_ellipse_mut(
        &mut img,
        (cx as i32 + rx * 4 / 10, eye_y),
        (rx / 7).max(1),
        (ry / 12).max(1),
        dark,
    );
    draw_filled_ellipse_mut(
        &mut img,
        (cx as i32, cy + ry / 2),
        (rx / 3).max(1),
        (ry / 14).max(1),
        Rgb([150, 70, 70]),
    );
    img
}

/// A 2-D barcode-like block of random modules (PDF417-ish rows) in `area`.
pub fn barcode(canvas: &mut RgbImage, rng: &mut ChaCha8Rng, area: Rect) {
    let module = (area.height() / 24.0).max(2.0);
    let cols = (area.width() / module) as i32;
    let rows = (area.height() / module) as i32;
    for r in 0..rows {
        for c in 0..cols {
            // Start and stop patterns at both ends of every row, like PDF417.
            let edge = c < 4 || c >= cols - 4;
            let on = if edge { c % 2 == 0 } else { rng.gen_bool(0.5) };
            if on {
                let x = area.x0 + c as f32 * module;
                let y = area.y0 + r as f32 * module;
                draw_filled_rect_mut(
                    canvas,
                    IRect::at(x as i32, y as i32)
                        .of_size(module.ceil() as u32, module.ceil() as u32),
                    Rgb([20, 20, 20]),
                );
            }
        }
    }
}
