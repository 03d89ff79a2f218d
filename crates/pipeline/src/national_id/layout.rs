//! Text boxes on the rectified card grouped into rows, and the ink segments inside a row.
//!
//! Fields are found by position relative to the card, by labels and by content, never by
//! fixed pixel crops (documents.md): the detector's boxes are grouped into rows here, and
//! the readers decide which row carries which field.

use image::RgbImage;

use crate::geometry::{perspective_crop, quad_bounds, Quad};

/// How boxes are grouped.
#[derive(Debug, Clone, PartialEq)]
pub struct RowParams {
    /// Two boxes share a row when their vertical overlap is at least this share of the
    /// shorter one. Default 0.5: neighbouring lines on the card overlap far less, words
    /// of one line far more.
    pub min_overlap: f32,
    /// ... and their heights differ by at most this ratio. Default 0.55: the faint
    /// microtext of the security print is about half a name's height and must not join it.
    pub min_height_ratio: f32,
    /// ... and the horizontal gap is at most this many row heights. Default 4: the
    /// gender, religion and marital words of the back stand about 3 heights apart.
    pub max_gap: f32,
}

impl Default for RowParams {
    fn default() -> Self {
        RowParams {
            min_overlap: 0.5,
            min_height_ratio: 0.55,
            max_gap: 4.0,
        }
    }
}

/// An axis-aligned box on the rectified card.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardBox {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl CardBox {
    pub fn from_quad(q: &Quad) -> CardBox {
        let (x0, y0, x1, y1) = quad_bounds(q);
        CardBox { x0, y0, x1, y1 }
    }
    pub fn height(&self) -> f32 {
        self.y1 - self.y0
    }
    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }
    pub fn cx(&self) -> f32 {
        (self.x0 + self.x1) / 2.0
    }
    pub fn cy(&self) -> f32 {
        (self.y0 + self.y1) / 2.0
    }
    /// The area this box shares with `o` (0 when apart).
    pub fn overlap_area(&self, o: &CardBox) -> f32 {
        let w = self.x1.min(o.x1) - self.x0.max(o.x0);
        let h = self.y1.min(o.y1) - self.y0.max(o.y0);
        w.max(0.0) * h.max(0.0)
    }

    pub fn union(&self, o: &CardBox) -> CardBox {
        CardBox {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }
    pub fn quad(&self) -> Quad {
        [
            [self.x0, self.y0],
            [self.x1, self.y0],
            [self.x1, self.y1],
            [self.x0, self.y1],
        ]
    }
    /// Grown by `dx`, `dy` on each side.
    pub fn grown(&self, dx: f32, dy: f32) -> CardBox {
        CardBox {
            x0: self.x0 - dx,
            y0: self.y0 - dy,
            x1: self.x1 + dx,
            y1: self.y1 + dy,
        }
    }
}

/// Boxes of one text row, left to right.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub boxes: Vec<CardBox>,
    pub bounds: CardBox,
}

impl Row {
    /// A row of one box.
    pub fn single(b: CardBox) -> Row {
        Row {
            boxes: vec![b],
            bounds: b,
        }
    }

    pub fn cy(&self) -> f32 {
        self.bounds.cy()
    }
}

/// A row grown left over the words its ink boxes lost: glare pales the end of a line
/// until the ink search no longer finds it (`رمضان` alone for `رمضان أسامة زهران`),
/// though its ink still stands out against the row's own band. The row is carried left
/// as far as ink runs continue with gaps under 1.5 ink heights, never past `left`.
pub fn grown_over_faint_words(card: &RgbImage, row: Row, left: f32) -> Row {
    let b = row.bounds;
    if b.x0 <= left {
        return row;
    }
    let band = CardBox { x0: left, ..b };
    let x0 = ink_segments(card, &band, 1.5)
        .iter()
        .filter(|s| s.x1 >= b.x0 - 1.0 && s.x0 <= b.x1)
        .map(|s| s.x0)
        .fold(b.x0, f32::min);
    Row {
        bounds: CardBox { x0, ..b },
        ..row
    }
}

/// A faint line the ink search found in part (`رشا` as a 10 px sliver) as one box grown
/// to `height` about its centre, right to `right` (the card's lines are right-aligned)
/// and left over its faint words, never past `left`.
pub fn faint_line_grown(card: &RgbImage, row: &Row, height: f32, right: f32, left: f32) -> Row {
    let b = row.bounds;
    let cy = b.cy();
    let grown = CardBox {
        x0: b.x0,
        y0: cy - 0.5 * height,
        x1: right.max(b.x1),
        y1: cy + 0.5 * height,
    };
    let grown = grown_over_faint_words(card, Row::single(grown), left);
    Row::single(grown.bounds)
}

fn joins(row: &Row, b: &CardBox, p: &RowParams) -> bool {
    let r = &row.bounds;
    let overlap = r.y1.min(b.y1) - r.y0.max(b.y0);
    let (hr, hb) = (r.height(), b.height());
    if overlap < p.min_overlap * hr.min(hb) || hr.min(hb) < p.min_height_ratio * hr.max(hb) {
        return false;
    }
    let gap = (b.x0 - r.x1).max(r.x0 - b.x1);
    gap <= p.max_gap * hr.max(hb)
}

/// Groups boxes into rows, top to bottom.
pub fn group_rows(boxes: &[CardBox], p: &RowParams) -> Vec<Row> {
    let mut sorted = boxes.to_vec();
    sorted.sort_by(|a, b| b.width().total_cmp(&a.width()));
    let mut rows: Vec<Row> = Vec::new();
    for b in sorted {
        match rows.iter_mut().find(|r| joins(r, &b, p)) {
            Some(r) => {
                r.bounds = r.bounds.union(&b);
                r.boxes.push(b);
            }
            None => rows.push(Row::single(b)),
        }
    }
    for r in &mut rows {
        r.boxes.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    }
    rows.sort_by(|a, b| a.cy().total_cmp(&b.cy()));
    rows
}

/// Runs of ink along a row, split where the gap between columns of ink is at least
/// `min_gap` ink heights; in card pixels, left to right.
pub fn ink_segments(card: &RgbImage, region: &CardBox, min_gap: f32) -> Vec<CardBox> {
    let (w, h) = (
        region.width().round() as u32,
        region.height().round() as u32,
    );
    let Some(crop) = perspective_crop(card, &region.quad(), w.max(1), h.max(1)) else {
        return Vec::new();
    };
    let gray = crate::preprocess::card_grey(&crop);
    let Some((_, iy0, _, iy1)) = crate::digits::ink_bounds(&gray) else {
        return Vec::new();
    };
    let t = crate::preprocess::otsu_level(&gray);
    let ink_h = (iy1 - iy0).max(1) as f32;
    let cols: Vec<bool> = (0..gray.width())
        .map(|x| {
            (iy0..iy1)
                .filter(|&y| gray.get_pixel(x, y).0[0] <= t)
                .count()
                >= 2
        })
        .collect();
    let mut segments = Vec::new();
    let mut start: Option<u32> = None;
    let mut last_ink = 0u32;
    for (x, &on) in cols.iter().enumerate() {
        let x = x as u32;
        if on {
            match start {
                None => start = Some(x),
                Some(s) if (x - last_ink) as f32 > min_gap * ink_h => {
                    segments.push((s, last_ink + 1));
                    start = Some(x);
                }
                _ => {}
            }
            last_ink = x;
        }
    }
    if let Some(s) = start {
        segments.push((s, last_ink + 1));
    }
    segments
        .into_iter()
        .map(|(a, b)| CardBox {
            x0: region.x0 + a as f32,
            x1: region.x0 + b as f32,
            y0: region.y0 + iy0 as f32,
            y1: region.y0 + iy1 as f32,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x0: f32, y0: f32, x1: f32, y1: f32) -> CardBox {
        CardBox { x0, y0, x1, y1 }
    }

    #[test]
    fn words_of_a_line_join_and_lines_stay_apart() {
        let boxes = [
            b(600.0, 200.0, 900.0, 240.0),
            b(450.0, 203.0, 580.0, 242.0),
            b(500.0, 270.0, 900.0, 310.0),
            // Microtext overlapping the first line, much smaller.
            b(100.0, 215.0, 440.0, 230.0),
        ];
        let rows = group_rows(&boxes, &RowParams::default());
        assert_eq!(rows.len(), 3, "{rows:?}");
        // The two words of the first line share a row; the microtext does not join it.
        let line = rows
            .iter()
            .find(|r| r.boxes.len() == 2)
            .expect("a two-word row");
        assert_eq!(line.bounds.x0, 450.0);
        assert_eq!(line.bounds.x1, 900.0);
        assert!(rows
            .iter()
            .any(|r| r.boxes.len() == 1 && r.bounds.height() == 15.0));
        assert_eq!(rows[2].bounds.y0, 270.0);
    }

    #[test]
    fn segments_split_at_wide_gaps_only() {
        // Two blocks 30 px tall: 10 px apart (one segment), then 40 px apart.
        let card = RgbImage::from_fn(400, 100, |x, y| {
            let ink = (30..70).contains(&y)
                && ((50..100).contains(&x) || (110..150).contains(&x) || (190..260).contains(&x));
            image::Rgb(if ink { [10, 10, 10] } else { [240, 240, 240] })
        });
        let segs = ink_segments(&card, &b(0.0, 0.0, 400.0, 100.0), 0.6);
        assert_eq!(segs.len(), 2, "{segs:?}");
        assert!((segs[0].x0 - 50.0).abs() < 2.0 && (segs[0].x1 - 150.0).abs() < 2.0);
        assert!((segs[1].x0 - 190.0).abs() < 2.0);
    }
}

/// How [`ink_rows`] finds rows without the detector.
#[derive(Debug, Clone, PartialEq)]
pub struct InkRowParams {
    /// A pixel is ink when darker than this share of its neighbourhood's mean. Default
    /// 0.72: printed values and labels are far darker than the pale security print, and
    /// a local reference survives the lighting gradients of a photo.
    pub darkness: f32,
    /// Radius of the neighbourhood, in pixels of the 1000 px card. Default 24: about one
    /// text height, so a line's own ink barely lowers its reference.
    pub radius: u32,
    /// A pixel row belongs to a text row when it holds at least this many ink pixels.
    /// Default 3: specks of noise stay below it.
    pub min_row_ink: usize,
    /// Rows lower than this (pixels) are dropped. Default 9: card text is 25-70 px tall;
    /// thinner bands are rules and noise.
    pub min_height: f32,
    /// Words of one row are joined across gaps up to this many row heights. Default 2.5:
    /// a word gap is under one height, the three words of the back's word row stand
    /// further apart and come out as separate boxes.
    pub word_join: f32,
    /// Bands taller than this (pixels) are two lines that touch. Default 90: the largest
    /// print on the card, the ID number, is about 70 px tall at 1000 px width.
    pub max_band: f32,
}

impl Default for InkRowParams {
    fn default() -> Self {
        InkRowParams {
            darkness: 0.72,
            radius: 24,
            min_row_ink: 3,
            min_height: 9.0,
            word_join: 2.5,
            max_band: 90.0,
        }
    }
}

/// The dark-ink mask of the card (true = ink).
pub fn ink_mask(card: &RgbImage, p: &InkRowParams) -> Vec<Vec<bool>> {
    let gray = crate::preprocess::card_grey(card);
    let mean = imageproc::filter::box_filter(&gray, p.radius, p.radius);
    (0..card.height())
        .map(|y| {
            (0..card.width())
                .map(|x| {
                    (gray.get_pixel(x, y).0[0] as f32)
                        < p.darkness * mean.get_pixel(x, y).0[0] as f32
                })
                .collect()
        })
        .collect()
}

/// Text rows found from the ink itself inside `area`: bands of the horizontal ink
/// profile, each cut into word groups. Returns the groups as boxes (one row may give
/// several), top to bottom.
pub fn ink_rows(mask: &[Vec<bool>], area: &CardBox, p: &InkRowParams) -> Vec<CardBox> {
    let h = mask.len() as i64;
    let w = mask.first().map_or(0, |r| r.len()) as i64;
    let (x0, x1) = (
        area.x0.max(0.0) as usize,
        (area.x1 as i64).clamp(0, w) as usize,
    );
    let (y0, y1) = (
        area.y0.max(0.0) as usize,
        (area.y1 as i64).clamp(0, h) as usize,
    );
    if x1 <= x0 || y1 <= y0 {
        return Vec::new();
    }
    // Card edges left in by the rectification (background, shadow) are long straight
    // runs of "ink": columns dark over most of the area, rows dark over most of its width.
    let edge_col: Vec<bool> = (x0..x1)
        .map(|x| (y0..y1).filter(|&y| mask[y][x]).count() * 2 > y1 - y0)
        .collect();
    let is_ink = |x: usize, y: usize| mask[y][x] && !edge_col[x - x0];
    let profile: Vec<usize> = (y0..y1)
        .map(|y| {
            let n = (x0..x1).filter(|&x| is_ink(x, y)).count();
            if n * 10 > (x1 - x0) * 8 {
                0
            } else {
                n
            }
        })
        .collect();
    let mut bands = Vec::new();
    let mut start = None;
    for (i, &n) in profile.iter().enumerate() {
        match (n >= p.min_row_ink, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                bands.push((y0 + s, y0 + i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        bands.push((y0 + s, y1));
    }
    // Dots and hamzas float a few pixels off their letters: join bands that close.
    let mut joined: Vec<(usize, usize)> = Vec::new();
    for b in bands {
        match joined.last_mut() {
            Some(last) if b.0 <= last.1 + 3 && (b.1 - b.0 < 10 || last.1 - last.0 < 10) => {
                last.1 = b.1
            }
            _ => joined.push(b),
        }
    }
    // Two lines whose ascenders and descenders touch make one band twice as tall: cut
    // such a band at its thinnest pixel row in the middle half.
    let mut split = Vec::new();
    for (a, b) in joined {
        let bh = b - a;
        if bh as f32 > p.max_band && bh >= 8 {
            let (lo, hi) = (a + bh / 4, b - bh / 4);
            let cut = (lo..hi)
                .min_by_key(|&y| profile[y - y0])
                .unwrap_or(a + bh / 2);
            split.push((a, cut));
            split.push((cut, b));
        } else {
            split.push((a, b));
        }
    }
    let mut out = Vec::new();
    for (by0, by1) in split {
        let bh = (by1 - by0) as f32;
        if bh < p.min_height {
            continue;
        }
        let cols: Vec<bool> = (x0..x1)
            .map(|x| (by0..by1).filter(|&y| is_ink(x, y)).count() >= 2)
            .collect();
        let max_gap = (p.word_join * bh) as usize;
        let mut seg: Option<(usize, usize)> = None;
        for (i, &on) in cols.iter().enumerate() {
            if !on {
                continue;
            }
            seg = match seg {
                Some((s, e)) if i - e <= max_gap => Some((s, i)),
                Some((s, e)) => {
                    out.push(CardBox {
                        x0: (x0 + s) as f32,
                        x1: (x0 + e + 1) as f32,
                        y0: by0 as f32,
                        y1: by1 as f32,
                    });
                    Some((i, i))
                }
                None => Some((i, i)),
            };
        }
        if let Some((s, e)) = seg {
            out.push(CardBox {
                x0: (x0 + s) as f32,
                x1: (x0 + e + 1) as f32,
                y0: by0 as f32,
                y1: by1 as f32,
            });
        }
    }
    // A group must be at least as wide as it is tall, or it is a speck or a stroke.
    out.retain(|b| b.width() >= 0.6 * b.height());
    out
}
