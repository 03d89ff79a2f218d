//! The upright card image the readers work on, and the mapping back to the input photo.

use image::RgbImage;
use imageproc::geometric_transformations::Projection;

use crate::geometry::{perspective_crop, Quad};

/// Width of the rectified card in pixels (the card locator's size: digits stay well above
/// the 10 px digits.md asks for).
pub const CARD_WIDTH: u32 = 1000;
/// ID-1 aspect ratio, 85.6 x 54 mm.
pub const CARD_ASPECT: f32 = 85.6 / 54.0;

/// A card warped upright, with the projections between its pixels and the input's.
#[derive(Clone)]
pub struct RectifiedCard {
    pub image: RgbImage,
    /// The card's corners on the input image, clockwise from the card's own top left.
    pub quad: Quad,
    to_input: Projection,
    to_card: Projection,
}

impl std::fmt::Debug for RectifiedCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RectifiedCard")
            .field("size", &self.image.dimensions())
            .field("quad", &self.quad)
            .finish()
    }
}

impl RectifiedCard {
    /// Wraps an already rectified image whose corners are `quad` on the input.
    pub fn from_parts(image: RgbImage, quad: Quad) -> Option<RectifiedCard> {
        let (w, h) = (image.width() as f32, image.height() as f32);
        let rect = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
        let src = quad.map(|p| (p[0], p[1]));
        let to_input = Projection::from_control_points(rect, src)?;
        let to_card = Projection::from_control_points(src, rect)?;
        Some(RectifiedCard {
            image,
            quad,
            to_input,
            to_card,
        })
    }

    pub fn width(&self) -> f32 {
        self.image.width() as f32
    }

    pub fn height(&self) -> f32 {
        self.image.height() as f32
    }

    /// A point of the card image on the input image.
    pub fn to_input(&self, p: [f32; 2]) -> [f32; 2] {
        let (x, y) = self.to_input * (p[0], p[1]);
        [x, y]
    }

    pub fn to_input_quad(&self, q: &Quad) -> Quad {
        q.map(|p| self.to_input(p))
    }

    /// A quad of the input image in card pixels.
    pub fn to_card_quad(&self, q: &Quad) -> Quad {
        q.map(|p| {
            let (x, y) = self.to_card * (p[0], p[1]);
            [x, y]
        })
    }
}

/// Warps the card with corners `quad` (clockwise from its own top left) to
/// [`CARD_WIDTH`] x `CARD_WIDTH / CARD_ASPECT`.
pub fn rectify_with_corners(image: &RgbImage, quad: &Quad) -> Option<RectifiedCard> {
    let h = (CARD_WIDTH as f32 / CARD_ASPECT).round() as u32;
    let card = perspective_crop(image, quad, CARD_WIDTH, h)?;
    RectifiedCard::from_parts(card, *quad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_map_to_the_input_and_back() {
        let image = RgbImage::new(1200, 900);
        let quad = [
            [100.0, 120.0],
            [900.0, 100.0],
            [950.0, 640.0],
            [80.0, 600.0],
        ];
        let card = rectify_with_corners(&image, &quad).unwrap();
        assert_eq!(card.image.width(), CARD_WIDTH);
        let corner = card.to_input([card.width(), card.height()]);
        assert!((corner[0] - 950.0).abs() < 0.5 && (corner[1] - 640.0).abs() < 0.5);
        let back = card.to_card_quad(&[[500.0, 370.0]; 4])[0];
        let again = card.to_input(back);
        assert!((again[0] - 500.0).abs() < 0.01 && (again[1] - 370.0).abs() < 0.01);
    }
}
