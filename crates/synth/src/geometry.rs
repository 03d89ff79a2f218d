//! Boxes and quadrilaterals in image coordinates (x right, y down, pixels).

use imageproc::geometric_transformations::Projection;
use serde::Serialize;

/// An axis-aligned box.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rect {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl Rect {
    pub fn new(x0: f32, y0: f32, x1: f32, y1: f32) -> Rect {
        Rect { x0, y0, x1, y1 }
    }

    pub fn union(&self, o: &Rect) -> Rect {
        Rect::new(
            self.x0.min(o.x0),
            self.y0.min(o.y0),
            self.x1.max(o.x1),
            self.y1.max(o.y1),
        )
    }

    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }

    pub fn height(&self) -> f32 {
        self.y1 - self.y0
    }

    /// Corners clockwise from the top left.
    pub fn quad(&self) -> Quad {
        Quad([
            [self.x0, self.y0],
            [self.x1, self.y0],
            [self.x1, self.y1],
            [self.x0, self.y1],
        ])
    }
}

/// Four points, clockwise from the document's own top-left corner (so after a 180°
/// rotation the first point is at the bottom right of the photo).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quad(pub [[f32; 2]; 4]);

impl Quad {
    /// The quad mapped through a projective transform.
    pub fn project(&self, p: &Projection) -> Quad {
        Quad(self.0.map(|[x, y]| {
            let (u, v) = *p * (x, y);
            [u, v]
        }))
    }

    /// Every coordinate multiplied by `s` (for a resized photo).
    pub fn scale(&self, s: f32) -> Quad {
        Quad(self.0.map(|[x, y]| [x * s, y * s]))
    }

    /// Whether every point lies inside a `w` x `h` image.
    pub fn inside(&self, w: f32, h: f32) -> bool {
        self.0
            .iter()
            .all(|&[x, y]| x >= 0.0 && y >= 0.0 && x <= w && y <= h)
    }
}
