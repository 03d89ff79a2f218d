//! Image to tensor: resizing as OpenCV's `INTER_LINEAR` does, and normalisation into NCHW
//! `f32` tensors. PP-OCR models were trained on OpenCV-loaded images, so both the
//! interpolation and the channel order (BGR) follow OpenCV.

use image::RgbImage;
use ndarray::{Array4, ArrayViewMut3};

/// Channel order of a model's input tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelOrder {
    Rgb,
    /// OpenCV's order; every PaddleOCR model expects it.
    Bgr,
}

/// Per-channel normalisation `(x / 255 - mean) / std`, in the tensor's channel order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalization {
    pub mean: [f32; 3],
    pub std: [f32; 3],
    pub order: ChannelOrder,
}

impl Normalization {
    /// PP-OCR detection and recognition: mean 0.5, std 0.5 (maps 0..255 to -1..1), BGR.
    pub const PP_OCR: Normalization = Normalization {
        mean: [0.5; 3],
        std: [0.5; 3],
        order: ChannelOrder::Bgr,
    };
}

/// Resizes with bilinear weights and half-pixel centres, as OpenCV's `INTER_LINEAR`
/// (no anti-aliasing when shrinking, like the training pipeline).
pub fn resize_bilinear(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (sw, sh) = image.dimensions();
    if (sw, sh) == (width, height) {
        return image.clone();
    }
    if width == 0 || height == 0 || sw == 0 || sh == 0 {
        return RgbImage::new(width, height);
    }
    // Precompute, per output column, the two source columns and the weight of the second.
    let taps = |dst: u32, src: u32| -> Vec<(usize, usize, f32)> {
        let scale = src as f32 / dst as f32;
        (0..dst)
            .map(|d| {
                let s = ((d as f32 + 0.5) * scale - 0.5).max(0.0);
                let s0 = (s.floor() as usize).min(src as usize - 1);
                let s1 = (s0 + 1).min(src as usize - 1);
                (s0, s1, s - s0 as f32)
            })
            .collect()
    };
    let xs = taps(width, sw);
    let ys = taps(height, sh);
    let src = image.as_raw();
    let stride = sw as usize * 3;
    let mut out = vec![0u8; width as usize * height as usize * 3];
    for (row, &(y0, y1, fy)) in out.chunks_exact_mut(width as usize * 3).zip(&ys) {
        let (r0, r1) = (&src[y0 * stride..][..stride], &src[y1 * stride..][..stride]);
        for (px, &(x0, x1, fx)) in row.chunks_exact_mut(3).zip(&xs) {
            for c in 0..3 {
                let top = r0[x0 * 3 + c] as f32 * (1.0 - fx) + r0[x1 * 3 + c] as f32 * fx;
                let bottom = r1[x0 * 3 + c] as f32 * (1.0 - fx) + r1[x1 * 3 + c] as f32 * fx;
                px[c] = (top * (1.0 - fy) + bottom * fy).round() as u8;
            }
        }
    }
    RgbImage::from_raw(width, height, out).expect("buffer sized for the image")
}

/// Writes `image` normalised into `out` (`[3, H, W']` with `W' >= W`); columns past the
/// image are left as they are (callers pad with zeros, as PP-OCR does).
pub fn write_chw(image: &RgbImage, norm: &Normalization, mut out: ArrayViewMut3<'_, f32>) {
    let (w, h) = image.dimensions();
    assert!(out.shape()[1] >= h as usize && out.shape()[2] >= w as usize);
    let source_channel = match norm.order {
        ChannelOrder::Rgb => [0, 1, 2],
        ChannelOrder::Bgr => [2, 1, 0],
    };
    for (c, &sc) in source_channel.iter().enumerate() {
        // x / 255 - mean, then / std, folded into one multiply-add per pixel.
        let scale = 1.0 / (255.0 * norm.std[c]);
        let offset = -norm.mean[c] / norm.std[c];
        let mut plane = out.index_axis_mut(ndarray::Axis(0), c);
        for (y, row) in image.as_raw().chunks_exact(w as usize * 3).enumerate() {
            let mut dst = plane.row_mut(y);
            for (x, px) in row.chunks_exact(3).enumerate() {
                dst[x] = px[sc] as f32 * scale + offset;
            }
        }
    }
}

/// A `[1, 3, H, W]` tensor of `image`.
pub fn to_nchw(image: &RgbImage, norm: &Normalization) -> Array4<f32> {
    let (w, h) = image.dimensions();
    let mut tensor = Array4::<f32>::zeros((1, 3, h as usize, w as usize));
    write_chw(image, norm, tensor.index_axis_mut(ndarray::Axis(0), 0));
    tensor
}

/// A line recogniser's input: `quad` of `image` warped upright at twice `width` x
/// `height`, grey (BT.601), halved by 2 x 2 averaging (the training resize smooths too),
/// stretched between its 2nd and 98th percentiles (at least 8 grey levels apart) to 0-1;
/// row-major. `None` when the quad cannot be warped. The plate and MRZ readers were
/// trained on inputs made this way.
pub fn stretched_grey_line(
    image: &RgbImage,
    quad: &crate::geometry::Quad,
    width: u32,
    height: u32,
) -> Option<Vec<f32>> {
    let crop = crate::geometry::perspective_crop(image, quad, width * 2, height * 2)?;
    let grey = |x: u32, y: u32| -> f32 {
        let p = crop.get_pixel(x, y).0;
        (299.0 * f32::from(p[0]) + 587.0 * f32::from(p[1]) + 114.0 * f32::from(p[2])) / 1000.0
    };
    let (w, h) = (width as usize, height as usize);
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = (2 * x as u32, 2 * y as u32);
            out[y * w + x] =
                (grey(sx, sy) + grey(sx + 1, sy) + grey(sx, sy + 1) + grey(sx + 1, sy + 1)) / 4.0;
        }
    }
    let mut sorted = out.clone();
    sorted.sort_by(f32::total_cmp);
    let at = |q: f32| sorted[((sorted.len() - 1) as f32 * q).round() as usize];
    let (lo, mut hi) = (at(0.02), at(0.98));
    if hi - lo < 8.0 {
        hi = lo + 8.0;
    }
    for v in &mut out {
        *v = ((*v - lo) / (hi - lo)).clamp(0.0, 1.0);
    }
    Some(out)
}

/// The card readers' grey: (3 R + 6 G + B) / 10, in integers (the ID and licence
/// readers' ink masks, segments and binarised views all threshold this).
pub fn card_grey(image: &RgbImage) -> image::GrayImage {
    image::GrayImage::from_fn(image.width(), image.height(), |x, y| {
        let c = image.get_pixel(x, y).0;
        image::Luma([((c[0] as u32 * 3 + c[1] as u32 * 6 + c[2] as u32) / 10) as u8])
    })
}

/// `image` in grey with its lighting flattened and its contrast raised: each pixel divided
/// by the mean of its neighbourhood (`radius` pixels either way), ratios from `floor` up
/// to 1 spread over black to white, after a slight smoothing (sigma 1) so that grain does
/// not turn to ink. Glare lays a bright patch over part of a card, and print under it
/// keeps only a few grey levels against its paper (ratio 0.8 and over where the ink
/// finder wants 0.72); flattened, it is dark again wherever it had any contrast.
pub fn lighting_flattened(image: &RgbImage, radius: u32, floor: f32) -> RgbImage {
    let grey = imageproc::filter::gaussian_blur_f32(&card_grey(image), 1.0);
    let mean = imageproc::filter::box_filter(&grey, radius, radius);
    let span = (1.0 - floor).max(0.05);
    RgbImage::from_fn(image.width(), image.height(), |x, y| {
        let v = f32::from(grey.get_pixel(x, y).0[0]);
        let m = f32::from(mean.get_pixel(x, y).0[0]).max(1.0);
        let out = (((v / m) - floor) / span * 255.0).clamp(0.0, 255.0) as u8;
        image::Rgb([out, out, out])
    })
}

/// Otsu's threshold of a grey image: the level that best separates ink from paper, used
/// by the stages that binarise a crop before finding its ink.
pub fn otsu_level(gray: &image::GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    for p in gray.pixels() {
        hist[p.0[0] as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &n)| i as f64 * n as f64)
        .sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0u64, 0f64, -1f64, 0u8);
    for (t, &n) in hist.iter().enumerate() {
        w0 += n;
        if w0 == 0 || w0 == total {
            continue;
        }
        sum0 += t as f64 * n as f64;
        let w1 = total - w0;
        let m0 = sum0 / w0 as f64;
        let m1 = (sum_all - sum0) / w1 as f64;
        let between = w0 as f64 * w1 as f64 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn flattening_brings_back_print_under_glare() {
        // Paper brightening from 150 (left) to 245 (right), as under a glare patch; a
        // 4 px stroke every 20 px printed 35 levels darker than its paper: on the right
        // (ratio 0.86) too faint for the ID ink finder, which wants 0.72 of the
        // neighbourhood (`InkRowParams::darkness`).
        let paper = |x: u32| 150.0 + 95.0 * x as f32 / 199.0;
        let card = RgbImage::from_fn(200, 60, |x, y| {
            let stroke = (20..40).contains(&y) && x % 20 < 4;
            let v = paper(x) - if stroke { 35.0 } else { 0.0 };
            Rgb([v as u8; 3])
        });
        let ratio = |img: &RgbImage, x: u32| {
            f32::from(img.get_pixel(x + 1, 30).0[0]) / f32::from(img.get_pixel(x + 10, 30).0[0])
        };
        assert!(ratio(&card, 180) > 0.72);
        let flat = lighting_flattened(&card, 12, 0.6);
        for x in [40u32, 100, 180] {
            assert!(ratio(&flat, x) < 0.72, "stroke at {x}: {}", ratio(&flat, x));
            // The paper is white again whatever its light.
            assert!(flat.get_pixel(x + 10, 10).0[0] > 240);
        }
    }

    #[test]
    fn resize_matches_opencv_on_a_ramp() {
        // Halving with half-pixel centres samples midway between source pixel pairs, so
        // the ramp 0, 60, 120, 180 becomes 30, 150 (what cv2.resize gives).
        let image = RgbImage::from_fn(4, 1, |x, _| Rgb([(x * 60) as u8; 3]));
        let half = resize_bilinear(&image, 2, 1);
        assert_eq!(half.get_pixel(0, 0).0[0], 30);
        assert_eq!(half.get_pixel(1, 0).0[0], 150);
        let same = resize_bilinear(&image, 4, 1);
        assert_eq!(same, image);
    }

    #[test]
    fn normalisation_maps_to_minus_one_one_in_bgr() {
        let image = RgbImage::from_fn(2, 1, |x, _| {
            if x == 0 {
                Rgb([255, 0, 0])
            } else {
                Rgb([0, 0, 255])
            }
        });
        let t = to_nchw(&image, &Normalization::PP_OCR);
        assert_eq!(t.shape(), &[1, 3, 1, 2]);
        // Channel 0 is blue.
        assert_eq!(t[[0, 0, 0, 0]], -1.0);
        assert_eq!(t[[0, 0, 0, 1]], 1.0);
        assert_eq!(t[[0, 2, 0, 0]], 1.0);
        assert_eq!(t[[0, 1, 0, 0]], -1.0);
    }
}
