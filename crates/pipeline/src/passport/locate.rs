//! Finding the machine readable zone among detected text lines.
//!
//! An MRZ is 2 or 3 long lines, parallel, equally spaced and left-aligned (one font, one
//! pitch, one left margin). Detected boxes are first turned into oriented rows (a text
//! line the detector split at a wide gap becomes one row again); chains of 2 or 3 rows
//! that fit the MRZ's geometry are the candidate zones, best first. Each zone's lines
//! are then cut at the zone's common extent, so a line whose trailing `<<<<` the detector
//! missed is still read to its end.

use crate::geometry::{distance, Point, Quad};

/// An oriented text row: a rectangle with its reading direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub center: Point,
    /// Unit vector along the text, in reading direction.
    pub axis: Point,
    pub length: f32,
    pub height: f32,
}

fn dot(a: Point, b: Point) -> f32 {
    a[0] * b[0] + a[1] * b[1]
}

fn sub(a: Point, b: Point) -> Point {
    [a[0] - b[0], a[1] - b[1]]
}

fn normalize(a: Point) -> Point {
    let n = (a[0] * a[0] + a[1] * a[1]).sqrt().max(1e-9);
    [a[0] / n, a[1] / n]
}

impl Row {
    /// Perpendicular to the axis, pointing to the next line below.
    pub fn normal(&self) -> Point {
        [-self.axis[1], self.axis[0]]
    }

    /// The row of a detected quad, its axis along the quad's long side, pointing right
    /// (or down for a vertical line).
    pub fn from_quad(q: &Quad) -> Row {
        let along = [
            q[1][0] - q[0][0] + q[2][0] - q[3][0],
            q[1][1] - q[0][1] + q[2][1] - q[3][1],
        ];
        let across = [
            q[3][0] - q[0][0] + q[2][0] - q[1][0],
            q[3][1] - q[0][1] + q[2][1] - q[1][1],
        ];
        let long = if dot(along, along) >= dot(across, across) {
            along
        } else {
            across
        };
        let mut axis = normalize(long);
        if axis[0] < 0.0 || (axis[0] == 0.0 && axis[1] < 0.0) {
            axis = [-axis[0], -axis[1]];
        }
        Row::around(q, axis)
    }

    /// The smallest row with `axis` around `points`.
    fn around(points: &[Point], axis: Point) -> Row {
        let normal = [-axis[1], axis[0]];
        let (mut u0, mut u1, mut v0, mut v1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
        for &p in points {
            let (u, v) = (dot(p, axis), dot(p, normal));
            u0 = u0.min(u);
            u1 = u1.max(u);
            v0 = v0.min(v);
            v1 = v1.max(v);
        }
        let (cu, cv) = ((u0 + u1) / 2.0, (v0 + v1) / 2.0);
        Row {
            center: [cu * axis[0] + cv * normal[0], cu * axis[1] + cv * normal[1]],
            axis,
            length: u1 - u0,
            height: v1 - v0,
        }
    }

    /// The same row read the other way round (the document upside down).
    pub fn flipped(&self) -> Row {
        Row {
            axis: [-self.axis[0], -self.axis[1]],
            ..*self
        }
    }

    /// Corners tl, tr, br, bl in reading direction.
    pub fn quad(&self) -> Quad {
        let (u, v) = (self.axis, self.normal());
        let (hl, hh) = (self.length / 2.0, self.height / 2.0);
        let c = self.center;
        let at = |a: f32, b: f32| [c[0] + a * u[0] + b * v[0], c[1] + a * u[1] + b * v[1]];
        [at(-hl, -hh), at(hl, -hh), at(hl, hh), at(-hl, hh)]
    }

    fn aspect(&self) -> f32 {
        self.length / self.height.max(1.0)
    }
}

/// Parameters of zone finding. Lengths in units of the rows' height.
#[derive(Debug, Clone, PartialEq)]
pub struct LocateParams {
    /// Rows closer than this in angle are parallel. Default 4 degrees: MRZ lines are
    /// printed parallel; detection boxes of long lines are accurate to about 1 degree,
    /// perspective adds a little.
    pub max_angle_deg: f32,
    /// Pieces of one line further apart than this along the line stay separate rows.
    /// Default 2.5 heights: wider than any gap inside an MRZ line (the detector may
    /// split at a faint `<<<<` run) and narrower than the gap between columns.
    pub max_join_gap: f32,
    /// Rows shorter than this are not MRZ lines. Default aspect 8: a whole 30-character
    /// line is about 15 heights long; half of one still counts, as the zone's extent
    /// restores the rest.
    pub min_aspect: f32,
    /// The longest row of a zone must reach this. Default aspect 10: a TD1 line (30
    /// characters) measured 11.6 to 13 on synthetic cards at the default detection size.
    pub min_zone_aspect: f32,
    /// Distance between successive lines' centres. Default 1.0-2.6 heights: OCR-B lines
    /// are set at about 1.5 heights of the detector's box; looser for perspective.
    pub line_step: (f32, f32),
    /// Left ends of the zone's lines may differ by this much. Default 2.0 heights (about
    /// three characters: a missed first character or a speck).
    pub max_start_offset: f32,
    /// Heights of the zone's rows may differ by this ratio. Default 1.6.
    pub max_height_ratio: f32,
    /// Candidate zones returned at most. Default 4: recognition, not geometry, decides
    /// between them, and each costs a recognition of its lines.
    pub max_zones: usize,
}

impl Default for LocateParams {
    fn default() -> Self {
        LocateParams {
            max_angle_deg: 4.0,
            max_join_gap: 2.5,
            min_aspect: 8.0,
            min_zone_aspect: 10.0,
            line_step: (0.5, 2.6),
            max_start_offset: 2.0,
            max_height_ratio: 1.6,
            max_zones: 4,
        }
    }
}

/// Joins pieces of one line into rows.
pub fn rows_from_quads(quads: &[Quad], params: &LocateParams) -> Vec<Row> {
    let cos_max = params.max_angle_deg.to_radians().cos();
    let mut rows: Vec<(Row, Vec<Point>)> = quads
        .iter()
        .map(|q| (Row::from_quad(q), q.to_vec()))
        .collect();
    loop {
        let mut merged = false;
        'outer: for i in 0..rows.len() {
            for j in i + 1..rows.len() {
                let (a, b) = (rows[i].0, rows[j].0);
                // Short pieces have unreliable angles: compare with the longer one's.
                let (long, short) = if a.length >= b.length { (a, b) } else { (b, a) };
                if dot(a.axis, b.axis).abs() < cos_max && short.aspect() > 3.0 {
                    continue;
                }
                let h = long.height.max(short.height);
                let d = sub(short.center, long.center);
                if dot(d, long.normal()).abs() > 0.35 * h {
                    continue;
                }
                if long.height.max(short.height)
                    > params.max_height_ratio * long.height.min(short.height)
                {
                    continue;
                }
                let gap = dot(d, long.axis).abs() - (long.length + short.length) / 2.0;
                if gap > params.max_join_gap * h {
                    continue;
                }
                let mut points = std::mem::take(&mut rows[j].1);
                points.extend(rows[i].1.iter().copied());
                let axis = long.axis;
                rows[i] = (Row::around(&points, axis), points);
                rows.remove(j);
                merged = true;
                break 'outer;
            }
        }
        if !merged {
            break;
        }
    }
    rows.into_iter().map(|(r, _)| r).collect()
}

/// A candidate zone: its lines' quads top to bottom, cut at the zone's common extent.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneCandidate {
    pub lines: Vec<Quad>,
    /// Geometric fit, higher is better.
    pub score: f32,
}

impl ZoneCandidate {
    /// The quad around the whole zone.
    pub fn outline(&self) -> Quad {
        let first = self.lines[0];
        let last = self.lines[self.lines.len() - 1];
        [first[0], first[1], last[2], last[3]]
    }
}

fn zone_from(rows: &[Row]) -> ZoneCandidate {
    let axis = rows[0].axis;
    let normal = rows[0].normal();
    let origin = rows[0].center;
    let mut u0 = f32::MAX;
    let mut u1 = f32::MIN;
    for r in rows {
        let c = dot(sub(r.center, origin), axis);
        u0 = u0.min(c - r.length / 2.0);
        u1 = u1.max(c + r.length / 2.0);
    }
    let lines = rows
        .iter()
        .map(|r| {
            let v = dot(sub(r.center, origin), normal);
            let center = [
                origin[0] + (u0 + u1) / 2.0 * axis[0] + v * normal[0],
                origin[1] + (u0 + u1) / 2.0 * axis[1] + v * normal[1],
            ];
            Row {
                center,
                axis,
                length: u1 - u0,
                height: r.height,
            }
            .quad()
        })
        .collect();
    ZoneCandidate { lines, score: 0.0 }
}

/// Candidate zones of 2 or 3 lines among `rows` (all read in their `axis` direction),
/// best first.
pub fn candidate_zones(rows: &[Row], params: &LocateParams) -> Vec<ZoneCandidate> {
    let cos_max = params.max_angle_deg.to_radians().cos();
    let long: Vec<&Row> = rows
        .iter()
        .filter(|r| r.aspect() >= params.min_aspect)
        .collect();
    // A row's direction is a convention (right, or down when vertical), and two nearly
    // vertical lines of one zone can fall on either side of it (axes (0.00, 1.00) and
    // (0.01, -1.00) on a passport photographed a quarter turn round): each row is
    // compared pointing the way of the row it would follow.
    let align = |r: &Row, to: &Row| {
        if dot(r.axis, to.axis) < 0.0 {
            r.flipped()
        } else {
            *r
        }
    };
    // Whether `b` (aligned to `a`) can follow row `a` as the next MRZ line, with the step.
    let follows = |a: &Row, b: &Row| -> Option<f32> {
        if dot(a.axis, b.axis) < cos_max {
            return None;
        }
        let h = (a.height + b.height) / 2.0;
        if a.height.max(b.height) > params.max_height_ratio * a.height.min(b.height) {
            return None;
        }
        let d = sub(b.center, a.center);
        let step = dot(d, a.normal()) / h;
        if step < params.line_step.0 || step > params.line_step.1 {
            return None;
        }
        let start_a = -a.length / 2.0;
        let start_b = dot(d, a.axis) - b.length / 2.0;
        if (start_a - start_b).abs() > params.max_start_offset * h {
            return None;
        }
        Some(step)
    };
    let mut zones = Vec::new();
    for (i, a) in long.iter().enumerate() {
        for (j, b) in long.iter().enumerate() {
            if i == j {
                continue;
            }
            let b = &align(b, a);
            let Some(s1) = follows(a, b) else { continue };
            // A pair with a row between them skips a line: that row makes the real zone.
            let skips = long.iter().enumerate().any(|(k, m)| {
                let m = &align(m, a);
                k != i && k != j && follows(a, m).is_some() && follows(m, b).is_some()
            });
            let len_fit = a.length.min(b.length) / a.length.max(b.length);
            if !skips && a.aspect().max(b.aspect()) >= params.min_zone_aspect {
                let mut z = zone_from(&[**a, *b]);
                z.score = len_fit;
                zones.push(z);
            }
            for (k, c) in long.iter().enumerate() {
                if k == i || k == j {
                    continue;
                }
                let c = &align(c, b);
                let Some(s2) = follows(b, c) else { continue };
                if (s2 / s1 - 1.0).abs() > 0.25
                    || a.aspect().max(b.aspect()).max(c.aspect()) < params.min_zone_aspect
                {
                    continue;
                }
                // Three equally spaced lines are rarer by chance than two: a small bonus.
                let len_fit3 = len_fit.min(b.length.min(c.length) / b.length.max(c.length));
                let mut z = zone_from(&[**a, *b, *c]);
                z.score = len_fit3 + 0.25;
                zones.push(z);
            }
        }
    }
    zones.sort_by(|a, b| b.score.total_cmp(&a.score));
    zones.dedup_by(|a, b| a.lines == b.lines);
    zones.truncate(params.max_zones);
    zones
}

/// Length of a quad's top edge (the line's extent).
pub fn line_length(q: &Quad) -> f32 {
    distance(q[0], q[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x0: f32, y0: f32, x1: f32, y1: f32) -> Quad {
        [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
    }

    #[test]
    fn pieces_of_one_line_are_joined_and_lines_below_are_not() {
        let quads = [
            rect(100.0, 500.0, 500.0, 530.0),
            rect(540.0, 502.0, 900.0, 531.0),
            rect(100.0, 545.0, 900.0, 575.0),
        ];
        let rows = rows_from_quads(&quads, &LocateParams::default());
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows.iter().all(|r| (r.length - 800.0).abs() < 2.0));
    }

    #[test]
    fn a_two_line_zone_is_found_below_unrelated_text_and_extended() {
        let quads = [
            // A heading, short.
            rect(100.0, 100.0, 300.0, 130.0),
            // The MRZ: the first line's trailing fillers were not detected.
            rect(100.0, 500.0, 700.0, 530.0),
            rect(100.0, 545.0, 900.0, 575.0),
        ];
        let rows = rows_from_quads(&quads, &LocateParams::default());
        let zones = candidate_zones(&rows, &LocateParams::default());
        let z = &zones[0];
        assert_eq!(z.lines.len(), 2);
        assert!((z.lines[0][1][0] - 900.0).abs() < 1.0, "{:?}", z.lines[0]);
        assert!(z.lines[0][0][1] < z.lines[1][0][1]);
    }

    #[test]
    fn vertical_lines_pointing_either_way_still_make_a_zone() {
        // A passport a quarter turn round: two lines 15 px apart, their axes on either
        // side of the "right, or down" convention (measured on a synthetic photo).
        let rows = [
            Row {
                center: [559.0, 425.0],
                axis: [0.001, 1.0],
                length: 383.0,
                height: 10.0,
            },
            Row {
                center: [576.0, 432.0],
                axis: [-0.001, -1.0],
                length: 375.0,
                height: 10.0,
            },
        ];
        // Read upwards (as the fast path's flipped pass turns every row round), the second
        // row, now pointing down, counts as parallel to the first.
        let turned = [rows[0].flipped(), rows[1].flipped()];
        let zones = candidate_zones(&turned, &LocateParams::default());
        assert!(!zones.is_empty());
        assert_eq!(zones[0].lines.len(), 2);
    }

    #[test]
    fn a_rotated_zone_reads_along_its_lines() {
        // 10 degrees counter-clockwise on screen (y down): the axis points right and up.
        let (c, s) = (10f32.to_radians().cos(), 10f32.to_radians().sin());
        let rot = |x: f32, y: f32| [400.0 + x * c + y * s, 400.0 - x * s + y * c];
        let line = |y0: f32| -> Quad {
            [
                rot(-400.0, y0),
                rot(400.0, y0),
                rot(400.0, y0 + 30.0),
                rot(-400.0, y0 + 30.0),
            ]
        };
        let rows = rows_from_quads(
            &[line(0.0), line(45.0), line(90.0)],
            &LocateParams::default(),
        );
        let zones = candidate_zones(&rows, &LocateParams::default());
        assert_eq!(zones[0].lines.len(), 3);
        assert!(rows[0].axis[1] < 0.0 && rows[0].axis[0] > 0.9);
        // Upside down, the same zone is found with its lines in reverse order.
        let flipped: Vec<Row> = rows.iter().map(Row::flipped).collect();
        let zones = candidate_zones(&flipped, &LocateParams::default());
        assert_eq!(zones[0].lines.len(), 3);
    }
}
