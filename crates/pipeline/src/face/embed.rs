//! The dlib 128-d face descriptor on an aligned 150 x 150 chip, and how two descriptors
//! are compared.

use image::RgbImage;
use ndarray::Array4;

use super::{FaceError, FaceNet};

/// The ResNet's input side.
pub const CHIP_SIZE: u32 = 150;
/// Length of a descriptor.
pub const EMBEDDING_LEN: usize = 128;
/// Per-channel means (RGB) the network subtracts before dividing by 255 (face-api).
const MEAN_RGB: [f32; 3] = [122.782, 117.001, 104.298];

/// The chips as the network's `[N, 3, 150, 150]` input.
pub fn chips_to_tensor(chips: &[&RgbImage]) -> Array4<f32> {
    let n = CHIP_SIZE as usize;
    let mut t = Array4::<f32>::zeros((chips.len(), 3, n, n));
    for (i, chip) in chips.iter().enumerate() {
        assert_eq!(chip.dimensions(), (CHIP_SIZE, CHIP_SIZE), "chip size");
        for (p, px) in chip.as_raw().chunks_exact(3).enumerate() {
            let (y, x) = (p / n, p % n);
            for c in 0..3 {
                t[[i, c, y, x]] = (f32::from(px[c]) - MEAN_RGB[c]) / 255.0;
            }
        }
    }
    t
}

/// The descriptor network.
pub struct Embedder<N> {
    net: N,
}

impl<N: FaceNet> Embedder<N> {
    pub fn new(net: N) -> Self {
        Embedder { net }
    }

    /// One descriptor per chip (raw network output: dlib's descriptors are not normalised,
    /// and the 0.6 rule is calibrated on raw distances).
    pub fn embed(&mut self, chips: &[&RgbImage]) -> Result<Vec<Vec<f32>>, FaceError> {
        if chips.is_empty() {
            return Ok(Vec::new());
        }
        let input = chips_to_tensor(chips).into_dyn();
        let outputs = self.net.infer(input.view())?;
        let (_, out) = outputs
            .into_iter()
            .next()
            .ok_or_else(|| FaceError::UnexpectedOutput("embedder returned nothing".into()))?;
        if out.len() != chips.len() * EMBEDDING_LEN {
            return Err(FaceError::UnexpectedOutput(format!(
                "embedder returned {} values for {} chips",
                out.len(),
                chips.len()
            )));
        }
        let flat: Vec<f32> = out.iter().copied().collect();
        Ok(flat
            .chunks_exact(EMBEDDING_LEN)
            .map(<[f32]>::to_vec)
            .collect())
    }
}

/// Euclidean distance; `None` when the lengths differ or either is empty.
pub fn l2_distance(a: &[f32], b: &[f32]) -> Option<f32> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    Some(
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f32>()
            .sqrt(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensor_subtracts_the_rgb_means_and_divides_by_255() {
        let chip = RgbImage::from_pixel(150, 150, image::Rgb([255, 0, 104]));
        let t = chips_to_tensor(&[&chip]);
        assert_eq!(t.shape(), &[1, 3, 150, 150]);
        assert!((t[[0, 0, 3, 4]] - (255.0 - 122.782) / 255.0).abs() < 1e-6);
        assert!((t[[0, 1, 149, 0]] + 117.001 / 255.0).abs() < 1e-6);
        assert!((t[[0, 2, 0, 149]] - (104.0 - 104.298) / 255.0).abs() < 1e-6);
    }

    #[test]
    fn distance_needs_equal_lengths() {
        assert_eq!(l2_distance(&[0.0, 3.0], &[4.0, 0.0]), Some(5.0));
        assert_eq!(l2_distance(&[0.0], &[0.0, 1.0]), None);
        assert_eq!(l2_distance(&[], &[]), None);
    }
}
