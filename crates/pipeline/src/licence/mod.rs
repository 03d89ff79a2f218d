//! Driving licence (`/v1/ocr/driving_license`) and vehicle licence
//! (`/v1/ocr/car/license/front`, `/back`) readers.
//!
//! The cards are "label  value" cards: each field is printed after (to the left of) its
//! Arabic label, plus a few unlabelled lines (the holder's name, the English lines, the
//! traffic unit). The readers reuse the national ID stages: card location and
//! rectification ([`crate::national_id::locate`]), rows of ink on the upright card
//! ([`crate::national_id::layout`]), Tesseract `ara` through
//! [`crate::national_id::CardReader::arabic`], and the Arabic-Indic digit recogniser for
//! numbers and dates. What is new here is the assignment: every word group of the card is
//! read once, its label is recognised from the start of its text (in reading order, the
//! rightmost words), and the value is read with the engine its field needs (Tesseract for
//! words, the digit recogniser for digits and dates, PP-OCR Latin for the VIN, the engine
//! number and the English lines). No field depends on a fixed crop: a field is found by
//! its label, unlabelled lines by their content, and position only breaks ties
//! (documents.md).

pub mod driving;
pub mod plate_number;

pub mod vehicle_back;
pub mod vehicle_front;

use hawiya_documents::arabic::{is_arabic_letter, is_arabic_mark, normalize_for_matching};
use hawiya_documents::dates::{self, DateRole};
use hawiya_documents::fuzzy::levenshtein;
use hawiya_documents::vocab::plate_letter;
use hawiya_documents::{id_number, translit, FieldIssue};
use image::RgbImage;
use serde_json::{json, Value};

use crate::digits::DigitRead;
use crate::error::{PipelineError, Result};
use crate::extraction::Extraction;
use crate::national_id::layout::{ink_mask, ink_rows, ink_segments, CardBox, InkRowParams};
use crate::national_id::rectify::RectifiedCard;
use crate::national_id::{
    locate, sure_read, turned_180, CardReader, IdModels, IdNumberRead, IdReadParams,
};
use crate::ocr::tesseract::{PageSegMode, TessLang};
use crate::ocr::text_recognize::{recognize_crops, TextRecognizeParams};
use crate::worker::Worker;

/// A printed label and the field it introduces.
#[derive(Debug, Clone, Copy)]
pub struct Label {
    pub field: &'static str,
    /// Spellings met on cards; the first is the usual one.
    pub spellings: &'static [&'static str],
}

/// Which label a word group starts (or, read out of order, ends) with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LabelHit {
    /// Index into the reader's label list.
    pub index: usize,
    /// The label's first word in the text.
    pub start: usize,
    /// Words of the text up to the label's end (the value is the other words).
    pub consumed: usize,
    pub distance: usize,
    /// The label starts the text (after at most a stray mark, which is dropped too).
    pub leading: bool,
}

impl LabelHit {
    /// A label taken as there without being matched (its row found by place or by
    /// value): label `index`, its first `consumed` words the label's.
    pub fn assumed(index: usize, consumed: usize) -> LabelHit {
        LabelHit {
            index,
            start: 0,
            consumed,
            distance: usize::MAX,
            leading: true,
        }
    }

    /// The words of `text` that are not the label's.
    pub fn strip(&self, text: &str) -> String {
        text.split_whitespace()
            .enumerate()
            .filter(|(i, _)| *i >= self.consumed || (!self.leading && *i < self.start))
            .map(|(_, w)| w)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One word group of the card (a run of ink words on one line) and its readings.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub region: CardBox,
    /// Tesseract `ara`, normalised (empty for Latin groups).
    pub text: String,
    pub confidence: f32,
    /// PP-OCR Latin reading and its confidence.
    pub latin: String,
    pub latin_confidence: f32,
    pub label: Option<LabelHit>,
}

impl Unit {
    /// A group as Tesseract `ara` read it, not read in Latin (yet).
    fn arabic(region: CardBox, text: String, confidence: f32, label: Option<LabelHit>) -> Unit {
        Unit {
            region,
            text,
            confidence,
            latin: String::new(),
            latin_confidence: 0.0,
            label,
        }
    }

    /// The group taken as `region` (grown, or joined with others): the scan's reads of
    /// the old region no longer hold, and it is read afresh where read.
    pub fn moved_to(&mut self, region: CardBox) {
        self.region = region;
        self.text.clear();
        self.confidence = 0.0;
    }

    /// Latin print: a confident Latin reading of at least three letters or digits.
    pub fn is_latin(&self) -> bool {
        let alnum = self
            .latin
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .count();
        let other = self
            .latin
            .chars()
            .filter(|c| !c.is_ascii_alphanumeric() && *c != ' ')
            .count();
        alnum >= 3 && other * 5 <= alnum && self.latin_confidence >= 0.8
    }

    /// The words that are not the label's (all words when there is none).
    pub fn value_text(&self) -> String {
        match self.label {
            Some(l) => l.strip(&self.text),
            None => self.text.clone(),
        }
    }

    /// True when `other` shares this unit's line (vertical overlap of half the lower one).
    pub fn same_line(&self, other: &CardBox) -> bool {
        let a = &self.region;
        let overlap = a.y1.min(other.y1) - a.y0.max(other.y0);
        overlap > 0.5 * a.height().min(other.height())
    }
}

/// Parameters of the licence readers.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenceReadParams {
    /// The national ID reader's parameters (date of validity, text detection, row
    /// grouping, digit crops, Tesseract padding, ink rows): the same stages run here.
    pub id: IdReadParams,
    /// Ink segments of a word group split where the gap is at least this many ink
    /// heights. Default 0.15: fine cuts (between digits, between letter groups); the
    /// value is the prefix of segments whose reading passes its rules, since the gap
    /// between a label and its value is no wider than one between two digits.
    pub value_gap: f32,
    /// A label matches with at most this share of its letters edited. Default 0.25:
    /// Tesseract misses one or two letters of a label; the labels of one card differ
    /// from each other by far more.
    pub label_tolerance: f32,
    /// Groups of at most this many words that no label matched, and that Tesseract read
    /// unsure, are read again through the voted views when a label is missing. Default
    /// 3 (the longest label has three words; values such as addresses are longer).
    pub label_retry_words: usize,
    /// Read the card turned 180 degrees when fewer labels than this were found (the
    /// classical card finder knows the orientation only up to 180 degrees). Default 3.
    pub min_labels: usize,
    /// A word group taller than this many times the card's median group height is two
    /// lines that touch, cut apart where they meet ([`tall_groups_split`]). Default 1.6:
    /// a licence's name line stands up to 1.4 times its median group, and 1.4 split
    /// names on dev seeds 11 and 13 (NameArabic 96.7 -> 93.3%); infinity turns it off.
    pub tall_group: f32,
}

impl Default for LicenceReadParams {
    fn default() -> Self {
        LicenceReadParams {
            id: IdReadParams {
                tesseract_views: licence_views(),
                ..IdReadParams::default()
            },
            value_gap: 0.15,
            label_tolerance: 0.25,
            label_retry_words: 3,
            min_labels: 3,
            tall_group: 1.6,
        }
    }
}

/// The voted views of a licence's fields: the ID card's
/// ([`TessView::defaults`](crate::national_id::TessView::defaults)) without its two
/// binarized views padded one ink height at card scale and at 40 px.
///
/// Why: a licence's voted fields mostly went through every view, Tesseract about 45
/// reads a card. Without those two, on 90 synthetic licences of each kind (seed 13;
/// driving licences also seed 11), every kind read as well or better as a whole
/// (driving 60.0 -> 61.1% and 71.1 -> 71.1%, vehicle back 63.3 -> 66.7%; the vehicle
/// front 50.0 -> 47.8%, two addresses) and 5-13% faster. Driving licence addresses,
/// read as several voted pieces, gained most (84.4 -> 90.0%, 90.0 -> 92.2%).
pub fn licence_views() -> Vec<crate::national_id::TessView> {
    let mut views = crate::national_id::TessView::defaults();
    views.remove(2);
    views.remove(0);
    views
}

impl LicenceReadParams {
    pub fn today(&self) -> chrono::NaiveDate {
        self.id.today()
    }
}

/// Header words: lines made of them are the card's title, never a field.
const HEADER_WORDS: &[&str] = &[
    "جمهورية",
    "مصر",
    "العربية",
    "وزارة",
    "الداخلية",
    "رخصة",
    "قيادة",
    "تسيير",
    "مرور",
];

/// `boxes` with each group taller than `tall` times the median group height cut where
/// its two lines meet: at the pixel row of least ink in its middle half, when that row
/// holds under a fifth of the group's fullest row (a line's own middle never does);
/// each half is then grouped again by [`ink_rows`].
///
/// Why: on a card photographed a little turned, a line's descenders can touch the next
/// line's ascenders across its whole width; the band is then twice a line's height but
/// under [`InkRowParams::max_band`], which is sized for the card's largest print. Two
/// of 90 dev driving licences (seed 13) lost their Arabic name into the Latin name's
/// group so.
fn tall_groups_split(
    mask: &[Vec<bool>],
    boxes: Vec<CardBox>,
    ink: &InkRowParams,
    tall: f32,
) -> Vec<CardBox> {
    let mut heights: Vec<f32> = boxes.iter().map(CardBox::height).collect();
    if heights.len() < 4 || !tall.is_finite() {
        return boxes;
    }
    heights.sort_by(f32::total_cmp);
    let median = heights[heights.len() / 2];
    let rows = mask.len();
    let cols = mask.first().map_or(0, Vec::len);
    boxes
        .into_iter()
        .flat_map(|b| {
            if b.height() <= tall * median {
                return vec![b];
            }
            let (x0, x1) = (
                (b.x0.max(0.0) as usize).min(cols),
                (b.x1.max(0.0) as usize).min(cols),
            );
            let (y0, y1) = (
                (b.y0.max(0.0) as usize).min(rows),
                (b.y1.max(0.0) as usize).min(rows),
            );
            let profile: Vec<usize> = (y0..y1)
                .map(|y| mask[y][x0..x1].iter().filter(|&&on| on).count())
                .collect();
            let n = profile.len();
            let peak = profile.iter().copied().max().unwrap_or(0);
            let Some(cut) = (n / 4..n - n / 4).min_by_key(|&i| profile[i]) else {
                return vec![b];
            };
            if peak == 0 || profile[cut] * 5 > peak {
                return vec![b];
            }
            let cut = (y0 + cut) as f32;
            let top = CardBox { y1: cut, ..b };
            let bottom = CardBox { y0: cut, ..b };
            let parts: Vec<CardBox> = ink_rows(mask, &top, ink)
                .into_iter()
                .chain(ink_rows(mask, &bottom, ink))
                .collect();
            if parts.len() >= 2 {
                parts
            } else {
                vec![b]
            }
        })
        .collect()
}

/// True when most words of `text` are header words.
pub(crate) fn is_header(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return false;
    }
    let header = words
        .iter()
        .filter(|w| {
            let k = normalize_for_matching(w);
            HEADER_WORDS.iter().any(|h| {
                let limit = if h.chars().count() >= 5 { 2 } else { 1 };
                levenshtein(&k, &normalize_for_matching(h)) <= limit
            })
        })
        .count();
    header * 2 > words.len() && !text.contains("وحدة") && !text.contains("إدارة")
}

/// Which label `text` starts with: the label whose spelling is nearest the first words
/// (one stray leading mark of one or two characters allowed), else nearest the last
/// words (Tesseract puts a number read left to right before the label: `١٩٨٤ سنة الصنع`).
pub(crate) fn match_label(text: &str, labels: &[Label], tolerance: f32) -> Option<LabelHit> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut best: Option<LabelHit> = None;
    for start in 0..tokens.len() {
        for (index, label) in labels.iter().enumerate() {
            for spelling in label.spellings {
                let key = normalize_for_matching(spelling);
                let words = spelling.split_whitespace().count();
                let limit = ((key.chars().count() as f32 * tolerance).floor() as usize).max(1);
                for j in 1..=(words + 1).min(tokens.len() - start) {
                    // At the start (after at most a stray mark), or ending the text.
                    let leading = start == 0 || (start == 1 && tokens[0].chars().count() <= 2);
                    if !leading && start + j != tokens.len() {
                        continue;
                    }
                    let cand = normalize_for_matching(&tokens[start..start + j].join(" "));
                    let d = levenshtein(&cand, &key);
                    // A label at the end needs a closer match than one at the start.
                    let limit = if leading {
                        limit
                    } else {
                        limit.saturating_sub(1).max(1)
                    };
                    // A two-word label whose first word is read exactly may have its
                    // second half misread (`سنة العينة` for `سنة الصنع`).
                    let first_exact = words > 1
                        && j == words
                        && spelling
                            .split_whitespace()
                            .next()
                            .map(normalize_for_matching)
                            == Some(normalize_for_matching(tokens[start]));
                    let limit = if first_exact {
                        limit.max(key.chars().count() / 2)
                    } else {
                        limit
                    };
                    let better = best.is_none_or(|b| d < b.distance);
                    if d <= limit && better {
                        best = Some(LabelHit {
                            index,
                            start,
                            consumed: start + j,
                            distance: d,
                            leading,
                        });
                    }
                }
            }
        }
    }
    best
}

/// The label in a group's read, as [`match_label`] finds it; else in the read with a
/// space after every Arabic word that runs into marks or digits (`الشاسية»«79...`: a
/// label read up to the value's ink), which then becomes the group's text.
fn label_in(text: String, labels: &[Label], tolerance: f32) -> (String, Option<LabelHit>) {
    if let Some(hit) = match_label(&text, labels, tolerance) {
        return (text, Some(hit));
    }
    let mut spaced = String::with_capacity(text.len() + 8);
    let mut previous_letter = false;
    for c in text.chars() {
        if previous_letter && !c.is_whitespace() && !is_arabic_letter(c) && !is_arabic_mark(c) {
            spaced.push(' ');
        }
        previous_letter = is_arabic_letter(c);
        spaced.push(c);
    }
    match match_label(&spaced, labels, tolerance) {
        Some(hit) => (spaced, Some(hit)),
        None => (text, None),
    }
}

/// Arabic letters, ASCII digits and single spaces.
pub(crate) fn arabic_words(s: &str) -> String {
    hawiya_documents::digits::to_ascii_digits(s)
        .chars()
        .map(|c| {
            if is_arabic_letter(c) || c.is_ascii_digit() {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Which word groups of a card the Latin recogniser reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LatinGroups {
    /// Groups carrying these labels (Latin values printed up to their label).
    pub labelled: &'static [&'static str],
    /// Unlabelled groups that Tesseract did not read as sure Arabic.
    pub unlabelled: bool,
    /// Unlabelled groups centred in this area (fractions of the card: x0, y0, x1, y1)
    /// are not read in Latin: the card's English title, known by its place, whose read
    /// would cost a long line's (~35 ms) for nothing.
    pub title: Option<(f32, f32, f32, f32)>,
}

/// A Latin number as read (a VIN, an engine number: uppercase letters and digits), its
/// spaces and whatever is not one of its characters at either end left out: a crop
/// reaching into the next ink reads it as `l`, `|` or `)`.
pub(crate) fn latin_number(read: &str) -> String {
    let printed = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit();
    let t: String = read.chars().filter(|c| !c.is_whitespace()).collect();
    t.trim_matches(|c: char| !printed(c)).to_string()
}

/// The scale the card is shown to the text detector at when looking for lost rows: a
/// row's print stays over 20 pixels tall, at a third of the cost of the detector's own
/// resolution.
const DETECTOR_SCALE: f32 = 0.6;

/// The share of a text detector line that groups of the ink search may already cover
/// for it still to be read as a row they lost.
const DETECTOR_LINE_COVERED: f32 = 0.3;

/// How much less sure than the surest passing read of a Latin value a longer read may
/// be and still win (see [`LicenceCard::latin_value`]).
const LATIN_SURE_MARGIN: f32 = 0.03;

/// True when `b`'s centre lies in `area` (fractions of a `w` x `h` card).
pub(crate) fn in_area(b: &CardBox, area: (f32, f32, f32, f32), w: f32, h: f32) -> bool {
    b.cx() > area.0 * w && b.cx() < area.2 * w && b.cy() > area.1 * h && b.cy() < area.3 * h
}

/// A sure Arabic read: at least three Arabic letters, no Latin letter, and Tesseract
/// confident (Latin print read by `ara` comes back as a few letters at low confidence).
fn sure_arabic(text: &str, confidence: f32) -> bool {
    let letters = text.chars().filter(|c| is_arabic_letter(*c)).count();
    letters >= 3 && !text.chars().any(|c| c.is_ascii_alphabetic()) && confidence >= 0.7
}

/// The licence being read: the card, its word groups and their readings.
pub(crate) struct LicenceCard<'a> {
    pub r: CardReader<'a>,
    pub params: &'a LicenceReadParams,
    pub units: Vec<Unit>,
}

impl<'a> LicenceCard<'a> {
    /// Finds the word groups of the card (outside `skip`, fractions of the card, whose
    /// ink is blanked first) and
    /// reads each once: PP-OCR Latin on all (one batch), Tesseract `ara` on the others.
    pub fn scan(
        worker: &'a mut Worker,
        models: &'a mut IdModels,
        card: &'a RectifiedCard,
        params: &'a LicenceReadParams,
        labels: &[Label],
        skip: &[(f32, f32, f32, f32)],
        latin: LatinGroups,
    ) -> Result<Self> {
        let mut r = CardReader::new(worker, models, card, &params.id);
        let (w, h) = (card.width(), card.height());
        let outside = |b: &CardBox| !skip.iter().any(|s| in_area(b, *s, w, h));
        // The photo's ink would join every line beside it into one band: blank it.
        let mask = r
            .mask
            .get_or_insert_with(|| ink_mask(&card.image, &params.id.ink));
        for s in skip {
            let (y0, y1) = ((s.1 * h) as usize, ((s.3 * h) as usize).min(mask.len()));
            // The photo's edge is a column of ink over most of its height: the blanked
            // area reaches it wherever the layout shifted it.
            let mut x1 = (s.2 * w) as usize;
            let limit = ((s.2 + 0.06) * w) as usize;
            for x in (s.2 * w) as usize..limit.min(mask.first().map_or(0, |r| r.len())) {
                let inked = mask[y0.min(y1)..y1].iter().filter(|row| row[x]).count();
                if inked * 2 > y1.saturating_sub(y0) {
                    x1 = x + 3;
                }
            }
            let s = &(s.0, s.1, x1 as f32 / w, s.3);
            for row in &mut mask[y0.min(y1)..y1] {
                let (x0, x1) = ((s.0 * w) as usize, ((s.2 * w) as usize).min(row.len()));
                for px in &mut row[x0.min(x1)..x1] {
                    *px = false;
                }
            }
        }
        let mut boxes: Vec<CardBox> = r
            .ink_boxes((0.01, 0.01, 0.99, 0.99))
            .into_iter()
            .filter(|b| outside(b) && b.height() >= 10.0 && b.height() < 0.2 * h)
            .collect();
        let boxes_found = boxes.len();
        if let Some(mask) = r.mask.as_ref() {
            boxes = tall_groups_split(mask, boxes, &params.id.ink, params.tall_group);
        }
        if boxes_found < 4 {
            // No ink rows (a dark or glared card): the text detector's boxes.
            boxes = r.boxes()?.into_iter().filter(|b| outside(b)).collect();
        }
        boxes.sort_by(|a, b| a.cy().total_cmp(&b.cy()));
        // Every group is read by Tesseract once (labels are found in these reads); the
        // Latin recogniser reads only the groups that may be Latin: those `latin` names,
        // and unlabelled groups Tesseract did not read as sure Arabic. (It cost more than
        // half of a licence's time when it read every group.)
        let mut units = Vec::with_capacity(boxes.len());
        for region in boxes {
            let read = r.arabic(&region)?;
            let (text, label) = label_in(read.text, labels, params.label_tolerance);
            units.push(Unit::arabic(region, text, read.confidence, label));
        }
        // Labels the single read missed (`سئة الصنع`, one edit too many): short groups
        // Tesseract was unsure of are read again through the voted views and matched
        // again, for the labels no group has yet.
        let found = |units: &[Unit], index: usize| {
            units
                .iter()
                .any(|u| u.label.is_some_and(|l| l.index == index))
        };
        if (0..labels.len()).any(|i| !found(&units, i)) {
            for i in 0..units.len() {
                // Every label found: no later group can take one.
                if (0..labels.len()).all(|l| found(&units, l)) {
                    break;
                }
                let u = &units[i];
                if u.label.is_some()
                    || sure_arabic(&u.text, u.confidence)
                    || u.text.split_whitespace().count() > params.label_retry_words
                {
                    continue;
                }
                let read = r.arabic_voted(&u.region, |t| t.to_string())?;
                let hit = match_label(&read.text, labels, params.label_tolerance)
                    .filter(|l| !found(&units, l.index));
                if let Some(label) = hit {
                    let u = &mut units[i];
                    u.text = read.text;
                    u.confidence = read.confidence;
                    u.label = Some(label);
                }
            }
        }
        // The groups left of a Latin field's label on its line are its value whatever
        // Tesseract made of them (a `W` reads as `الا`, surely enough).
        let latin_labels: Vec<CardBox> = units
            .iter()
            .filter(|u| {
                u.label
                    .is_some_and(|l| latin.labelled.contains(&labels[l.index].field))
            })
            .map(|u| u.region)
            .collect();
        let beside_latin_label = |u: &Unit| {
            latin_labels
                .iter()
                .any(|l| u.same_line(l) && u.region.x1 <= l.x0 + 2.0)
        };
        // Rows the ink search lost (glare, faint print) where labels are missing: the
        // text detector's lines that no group covers, kept where they hold a missing
        // label (groups of their ink found apart, a value alone, join them).
        let missing = |units: &[Unit]| (0..labels.len()).any(|i| !found(units, i));
        if missing(&units) && boxes_found >= 4 {
            let lines: Vec<CardBox> = r
                .boxes_in((0.0, 0.0, 1.0, 1.0), DETECTOR_SCALE)?
                .into_iter()
                .filter(|b| outside(b))
                .collect();
            for line in lines {
                let area = line.width() * line.height();
                let covered: f32 = units.iter().map(|u| u.region.overlap_area(&line)).sum();
                if covered > DETECTOR_LINE_COVERED * area {
                    continue;
                }
                let read = r.arabic(&line)?;
                let (text, label) = label_in(read.text, labels, params.label_tolerance);
                let Some(label) = label.filter(|l| !found(&units, l.index)) else {
                    continue;
                };
                units.retain(|u| {
                    u.label.is_some()
                        || u.region.overlap_area(&line) < 0.5 * u.region.width() * u.region.height()
                });
                units.push(Unit::arabic(line, text, read.confidence, Some(label)));
                if !missing(&units) {
                    break;
                }
            }
            units.sort_by(|a, b| a.region.cy().total_cmp(&b.region.cy()));
        }
        let wanted: Vec<usize> = (0..units.len())
            .filter(|&i| {
                let u = &units[i];
                match u.label {
                    Some(l) => latin.labelled.contains(&labels[l.index].field),
                    None => {
                        latin.unlabelled
                            && !latin.title.is_some_and(|t| in_area(&u.region, t, w, h))
                            && (!sure_arabic(&u.text, u.confidence) || beside_latin_label(u))
                    }
                }
            })
            .collect();
        let regions: Vec<CardBox> = wanted.iter().map(|&i| units[i].region).collect();
        let reads = latin_reads(&mut r, &regions)?;
        for (i, (text, confidence)) in wanted.into_iter().zip(reads) {
            let u = &mut units[i];
            u.latin = text;
            u.latin_confidence = confidence;
            // A confident Latin group is no Arabic text (a VIN printed up to its label
            // reads as one Latin group, and keeps its label).
            if u.label.is_none() && u.is_latin() {
                u.text.clear();
                u.confidence = 0.0;
            }
            if u.label.is_some() {
                u.latin_confidence = 0.0;
            }
        }
        if std::env::var_os("HAWIYA_LICENCE_DEBUG").is_some() {
            for u in &units {
                eprintln!(
                    "unit {:?} ar={:?} latin={:?} {:.2} label={:?}",
                    (
                        u.region.x0 as i32,
                        u.region.y0 as i32,
                        u.region.x1 as i32,
                        u.region.y1 as i32
                    ),
                    u.text,
                    u.latin,
                    u.latin_confidence,
                    u.label.map(|l| labels[l.index].field)
                );
            }
        }
        Ok(LicenceCard { r, params, units })
    }

    /// How many distinct labels were found.
    pub fn labels_found(&self) -> usize {
        let mut seen: Vec<usize> = self
            .units
            .iter()
            .filter_map(|u| u.label.map(|l| l.index))
            .collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    }

    /// The unit carrying the label of `field` (the closest match when several do).
    pub fn labelled(&self, labels: &[Label], field: &str) -> Option<usize> {
        let index = labels.iter().position(|l| l.field == field)?;
        self.units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.label.is_some_and(|l| l.index == index))
            .min_by_key(|(_, u)| u.label.map_or(usize::MAX, |l| l.distance))
            .map(|(i, _)| i)
    }

    /// The unit labelled `field`, else the unlabelled group that starts with its label
    /// misread past matching (within [`LOOSE_LABEL_TOLERANCE`] of its letters: `نرء
    /// الرخمة` for `نوع الرخصة`) and whose other words `value_ok` takes (a word of the
    /// field's list, so that no name line that starts like a label is taken). The group
    /// is then taken as labelled.
    pub fn labelled_by_value(
        &mut self,
        labels: &[Label],
        field: &str,
        value_ok: impl Fn(&str) -> bool,
    ) -> Option<usize> {
        self.misread_label(labels, field, LOOSE_LABEL_TOLERANCE, |u, hit| {
            value_ok(&hit.strip(&u.text))
        })
    }

    /// [`LicenceCard::labelled_by_value`], else, the label lost (glare) or misread
    /// beyond matching (`انب تويوتا` for `الماركة تويوتا`), the first unlabelled Arabic
    /// group whose words after its first `k` (fewest first; at most the label's words)
    /// `value_ok` takes, and that is no other label's value (no labelled group on its
    /// line to its right). The group is then taken as labelled, its first `k` words the
    /// label's. For cards that print only labels and values (the vehicle back), with
    /// lists no two fields share.
    pub fn labelled_or_lone_value(
        &mut self,
        labels: &[Label],
        field: &str,
        value_ok: impl Fn(&str) -> bool,
    ) -> Option<usize> {
        if let Some(u) = self.labelled_by_value(labels, field, &value_ok) {
            return Some(u);
        }
        let index = labels.iter().position(|l| l.field == field)?;
        let label_words = labels[index]
            .spellings
            .iter()
            .map(|s| s.split_whitespace().count())
            .max()
            .unwrap_or(1);
        let units = &self.units;
        let (found, consumed) = units.iter().enumerate().find_map(|(i, u)| {
            if u.label.is_some() || u.is_latin() {
                return None;
            }
            let beside_label = units.iter().any(|l| {
                l.label.is_some() && u.same_line(&l.region) && l.region.x0 >= u.region.x1 - 2.0
            });
            if beside_label {
                return None;
            }
            let words: Vec<&str> = u.text.split_whitespace().collect();
            (0..=label_words.min(words.len().saturating_sub(1)))
                .find(|&k| value_ok(&words[k..].join(" ")))
                .map(|k| (i, k))
        })?;
        self.units[found].label = Some(LabelHit::assumed(index, consumed));
        Some(found)
    }

    /// The unit labelled `field`, else the first unlabelled Arabic group that starts
    /// with the label read within `tolerance` of its letters and that `take` takes,
    /// which is then taken as labelled.
    fn misread_label(
        &mut self,
        labels: &[Label],
        field: &str,
        tolerance: f32,
        take: impl Fn(&Unit, &LabelHit) -> bool,
    ) -> Option<usize> {
        if let Some(u) = self.labelled(labels, field) {
            return Some(u);
        }
        let index = labels.iter().position(|l| l.field == field)?;
        let (found, hit) = self.units.iter().enumerate().find_map(|(i, u)| {
            if u.label.is_some() || u.is_latin() {
                return None;
            }
            let hit = match_label(&u.text, &labels[index..=index], tolerance)?;
            (hit.leading && take(u, &hit)).then_some((i, hit))
        })?;
        self.units[found].label = Some(LabelHit { index, ..hit });
        Some(found)
    }

    /// The unit of the address: its label's, else (the label misread past matching,
    /// `السوان` for `العنوان`) the unlabelled group that reads like an address: at the
    /// right edge where the Arabic lines stand, three words or more, no traffic unit
    /// line, ending with a governorate, or else the one such group between the rows
    /// labelled `above` and `below`. The group is then taken as labelled (its first word
    /// the label's).
    pub fn address_unit(
        &mut self,
        labels: &[Label],
        field: &str,
        above: &[&str],
        below: &[&str],
    ) -> Option<usize> {
        if let Some(u) = self.labelled(labels, field) {
            return Some(u);
        }
        let index = labels.iter().position(|l| l.field == field)?;
        // The right edge the Arabic lines stand at: the labels', or where most labels
        // were misread (a blurred card keeps only a label of the left column), the
        // Arabic lines' own.
        let arabic_edge = self
            .units
            .iter()
            .filter(|u| !u.is_latin() && u.text.split_whitespace().count() >= 2)
            .map(|u| u.region.x1)
            .fold(f32::MIN, f32::max);
        let right = self
            .labels_bounds()
            .map_or(f32::MIN, |b| b.x1)
            .max(arabic_edge);
        let tolerance = ADDRESS_RIGHT_EDGE * self.r.card.width();
        let candidate = |u: &Unit| {
            u.label.is_none()
                && !u.is_latin()
                && (u.region.x1 - right).abs() <= tolerance
                && u.text.split_whitespace().count() >= 3
                && !["وحدة", "إدارة", "مرور"]
                    .iter()
                    .any(|w| starts_with_word(&u.text, w))
        };
        let by_content = self
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| candidate(u) && ends_with_governorate(&u.text))
            .max_by_key(|(_, u)| u.text.split_whitespace().count())
            .map(|(i, _)| i);
        // Else by place: the one such group between the rows labelled `above` and
        // `below` (the end of the line lost to glare, `- أسيوط` unread).
        let by_place = || {
            let (top, bottom) = (
                self.labelled_rows(labels, above),
                self.labelled_rows(labels, below),
            );
            if top.is_empty() || bottom.is_empty() {
                return None;
            }
            let top = top.into_iter().fold(f32::MIN, f32::max);
            let bottom = bottom.into_iter().fold(f32::MAX, f32::min);
            let mut between = self
                .units
                .iter()
                .enumerate()
                .filter(|(_, u)| candidate(u) && u.region.cy() > top && u.region.cy() < bottom);
            match (between.next(), between.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        };
        let found = by_content.or_else(by_place)?;
        self.units[found].label = Some(LabelHit::assumed(index, 1));
        Some(found)
    }

    /// The centres (y) of the groups labelled with `fields`, those found.
    fn labelled_rows(&self, labels: &[Label], fields: &[&str]) -> Vec<f32> {
        fields
            .iter()
            .filter_map(|f| self.labelled(labels, f))
            .map(|u| self.units[u].region.cy())
            .collect()
    }

    /// The box around every labelled group (`None` when no label was found): its right
    /// edge is where the labels stand, its top where the labelled rows begin.
    pub fn labels_bounds(&self) -> Option<CardBox> {
        self.units
            .iter()
            .filter(|u| u.label.is_some())
            .map(|u| u.region)
            .reduce(|a, b| a.union(&b))
    }

    /// The unit of `field`: its label's, else (the label misread past matching, `الاك`
    /// or `مالك` for `المالك`) the unlabelled group that starts with the label read
    /// within [`KNOWN_LABEL_TOLERANCE`], at the right edge where the labels stand,
    /// between the groups labelled `above` and `below` (those found), with at least
    /// two words after the label. The group is then taken as labelled.
    pub fn loosely_labelled(
        &mut self,
        labels: &[Label],
        field: &str,
        above: &[&str],
        below: &[&str],
    ) -> Option<usize> {
        let right = self.labels_bounds().map_or(f32::MIN, |b| b.x1);
        let tolerance = ADDRESS_RIGHT_EDGE * self.r.card.width();
        let top = self
            .labelled_rows(labels, above)
            .into_iter()
            .fold(f32::MIN, f32::max);
        let bottom = self
            .labelled_rows(labels, below)
            .into_iter()
            .fold(f32::MAX, f32::min);
        self.misread_label(labels, field, KNOWN_LABEL_TOLERANCE, |u, hit| {
            (u.region.x1 - right).abs() <= tolerance
                && u.region.cy() > top
                && u.region.cy() < bottom
                && u.text.split_whitespace().count() - hit.consumed >= 2
        })
    }

    /// The lowest unlabelled group whose first word is one of `heads` (one edit
    /// allowed): the traffic unit lines at the bottom of the licences (`وحدة مرور ...`).
    pub fn lowest_line_starting_with(&self, heads: &[&str]) -> Option<usize> {
        self.units
            .iter()
            .enumerate()
            .filter(|(_, u)| {
                u.label.is_none() && heads.iter().any(|h| starts_with_word(&u.text, h))
            })
            .max_by(|a, b| a.1.region.cy().total_cmp(&b.1.region.cy()))
            .map(|(i, _)| i)
    }

    /// The unit with the unlabelled groups left of it on its line (a value the ink
    /// search split from its label), chained while the gaps stay under 2.5 heights.
    pub fn value_region(&self, unit: usize) -> CardBox {
        let mut region = self.units[unit].region;
        loop {
            let next = self
                .units
                .iter()
                .filter(|u| u.label.is_none() && u.same_line(&region))
                .filter(|u| u.region.x1 <= region.x0 + 2.0)
                .filter(|u| region.x0 - u.region.x1 < 2.5 * region.height())
                .max_by(|a, b| a.region.x1.total_cmp(&b.region.x1));
            match next {
                Some(u) => region = region.union(&u.region),
                None => return region,
            }
        }
    }

    /// The words of the value: after the label in the unit, else (the ink search split
    /// them apart) the words of the unlabelled groups left of it on its line.
    pub fn value_words(&self, unit: usize) -> String {
        let own = self.units[unit].value_text();
        if !own.trim().is_empty() {
            return own;
        }
        let region = self.value_region(unit);
        let mut left: Vec<&Unit> = self
            .units
            .iter()
            .filter(|u| u.label.is_none() && u.region.x1 <= self.units[unit].region.x0 + 2.0)
            .filter(|u| u.region.x0 >= region.x0 - 1.0 && u.same_line(&region))
            .collect();
        // Reading order: right to left.
        left.sort_by(|a, b| b.region.x1.total_cmp(&a.region.x1));
        left.iter()
            .map(|u| u.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Regions left of the label: from the leftmost ink segment growing rightwards
    /// (never the rightmost segment, which is the label), at least `min_aspect` times as
    /// wide as tall, then the whole region.
    ///
    /// The first candidates are cut at the wide gaps ([`IdReadParams::segment_gap`], the
    /// gap between a value and its label): a date or a number is then whole in the first
    /// one or two, and the digit recogniser is called a few times instead of a dozen;
    /// the fine cuts follow, for values that stand too close to their label.
    pub fn value_candidates(&self, unit: usize, min_aspect: f32) -> Vec<CardBox> {
        let region = self.value_region(unit);
        let grown = region.grown(4.0, 2.0);
        let image = &self.r.card.image;
        let coarse = ink_segments(image, &grown, self.params.id.segment_gap);
        let segs = ink_segments(image, &grown, self.params.value_gap);
        let mut out: Vec<CardBox> = Vec::new();
        let unions = |segs: &[CardBox], limit: usize| -> Vec<CardBox> {
            (0..segs.len().saturating_sub(1))
                .map(|i| segs[0].union(&segs[i]))
                .filter(|b| b.width() >= min_aspect * b.height())
                .take(limit)
                .collect()
        };
        for b in unions(&coarse, 3).into_iter().chain(unions(&segs, 16)) {
            let same = |o: &CardBox| (o.x0 - b.x0).abs() < 1.0 && (o.x1 - b.x1).abs() < 1.0;
            if !out.iter().any(same) {
                out.push(b);
            }
        }
        out.push(region);
        out
    }

    /// The Arabic words of a labelled field's value, read through the national ID's
    /// voted Tesseract views ([`CardReader::arabic_voted`]) unless the scan's read was
    /// already sure; the label's words are dropped from every view's read before the
    /// vote, and `clean` applied. A value the ink search split from its label is read
    /// in its own groups (left of the label on its line).
    pub fn voted_value(
        &mut self,
        unit: usize,
        labels: &[Label],
        clean: impl Fn(&str) -> String,
    ) -> Result<(String, f32)> {
        self.voted_value_with(unit, labels, clean, None)
    }

    /// [`LicenceCard::voted_value`] for a value of a closed list: the scan's read is
    /// taken as sure only when `listed` takes all its words, and the views' reads of
    /// such words weigh more in the vote (`بي` read for `بني`, surely, by one view).
    pub fn voted_listed_value(
        &mut self,
        unit: usize,
        labels: &[Label],
        clean: impl Fn(&str) -> String,
        listed: fn(&str) -> bool,
    ) -> Result<(String, f32)> {
        self.voted_value_with(unit, labels, clean, Some(listed))
    }

    /// [`LicenceCard::voted_value`] for a labelled line of names, with the name
    /// dictionary's help as in [`LicenceCard::voted_name_line`].
    pub fn voted_name_value(
        &mut self,
        unit: usize,
        labels: &[Label],
        clean: impl Fn(&str) -> String,
    ) -> Result<(String, f32)> {
        self.voted_value_with(unit, labels, clean, Some(translit::is_known_name_word))
    }

    /// A labelled name value as [`LicenceCard::voted_name_value`] reads it, arbitrated
    /// with the trained name reader's read of the value's line (`front::choose_name`):
    /// the reader reads the label too, which is matched and left out as in the voted
    /// reads; no label found in its read, its read is not used.
    pub fn name_value_with_trained(
        &mut self,
        unit: usize,
        labels: &[Label],
        tesseract: (String, f32),
        clean: impl Fn(&str) -> String,
    ) -> Result<(String, f32)> {
        let Some(label) = self.units[unit].label.map(|l| &labels[l.index..=l.index]) else {
            return Ok(tesseract);
        };
        let region = self.value_region(unit);
        let Some(trained) = self.r.trained_name(&region)? else {
            return Ok(tesseract);
        };
        let Some(hit) = match_label(&trained.text, label, KNOWN_LABEL_TOLERANCE) else {
            return Ok(tesseract);
        };
        let value = clean(&hit.strip(&trained.text));
        Ok(crate::national_id::front::choose_name(
            tesseract,
            (value, trained.confidence),
        ))
    }

    fn voted_value_with(
        &mut self,
        unit: usize,
        labels: &[Label],
        clean: impl Fn(&str) -> String,
        known: Option<fn(&str) -> bool>,
    ) -> Result<(String, f32)> {
        let u = self.units[unit].clone();
        let accept = self.params.id.tesseract_accept;
        let own = u.value_text();
        let mut region = self.value_region(unit);
        let groups_left = region.x0 < u.region.x0 - 1.0;
        // The value in the label's own group (Tesseract's scan can also have dropped it
        // there: `الجنسية` alone, with `مصري` in the box).
        if !own.trim().is_empty() || !groups_left {
            if !own.trim().is_empty() {
                let text = clean(&own);
                if sure_read(&text, u.confidence, accept, known) {
                    return Ok((text, u.confidence));
                }
            }
            // The views read the label too: each view's read is taken only when its label
            // is found in it (within half its letters), and only its other words vote.
            let own_label = u.label.map(|l| &labels[l.index..=l.index]);
            let read = self.r.voted(
                &u.region,
                |t| match own_label.and_then(|l| match_label(t, l, KNOWN_LABEL_TOLERANCE)) {
                    Some(hit) => clean(&hit.strip(t)),
                    None => String::new(),
                },
                None,
                known,
            )?;
            if !read.text.is_empty() {
                return Ok((read.text, read.confidence));
            }
            if !own.trim().is_empty() {
                return Ok((clean(&own), u.confidence));
            }
            // No group left of the label: a value too faint for the ink rows may still
            // be there.
            let start = self.ink_start(&u.region);
            if start >= u.region.x0 - 0.5 * u.region.height() {
                // No ink found either (a value washed out by glare, fainter than the
                // ink search's floor): the stretch a value takes beside its label,
                // read blind; an empty stretch reads empty.
                let x0 = (u.region.x0 - BLIND_VALUE_HEIGHTS * u.region.height())
                    .max(LINE_MARGIN * self.r.card.width());
                if x0 >= u.region.x0 - 1.0 {
                    return Ok((String::new(), 0.0));
                }
                let blind = CardBox {
                    x0,
                    x1: u.region.x0 - 1.0,
                    ..u.region
                };
                let read = self
                    .r
                    .voted(&blind, clean, Some(u.region.x0 - 1.0), known)?;
                return Ok((read.text, read.confidence));
            }
            region.x0 = start;
        }
        let left = CardBox {
            x1: u.region.x0 - 1.0,
            ..region
        };
        let read = self.r.voted(&left, clean, Some(u.region.x0 - 1.0), known)?;
        Ok((read.text, read.confidence))
    }

    /// An unlabelled line read through the voted views (the scan's read when sure).
    pub fn voted_line(
        &mut self,
        unit: usize,
        clean: impl Fn(&str) -> String,
    ) -> Result<(String, f32)> {
        self.voted_line_with(unit, clean, None)
    }

    /// Where the ink of `region`'s line begins on the left: the line goes on past the
    /// region while the ink gaps stay under [`LINE_INK_GAP`] heights.
    fn ink_start(&self, region: &CardBox) -> f32 {
        let band = CardBox {
            x0: LINE_MARGIN * self.r.card.width(),
            ..*region
        };
        ink_segments(&self.r.card.image, &band, LINE_INK_GAP)
            .into_iter()
            .filter(|s| s.x1 >= region.x0 && s.x0 <= region.x1)
            .map(|s| s.x0)
            .fold(region.x0, f32::min)
    }

    /// An unlabelled line read through the voted views as far left as its ink goes
    /// (gaps under [`LINE_INK_GAP`] heights): the group the scan found can stop short of
    /// the line's end (a faint word, a box cut by the detector: `وحدة مرور` without its
    /// place). Returns the read and the region read.
    pub fn voted_whole_line(
        &mut self,
        unit: usize,
        clean: impl Fn(&str) -> String,
    ) -> Result<(String, f32, CardBox)> {
        let u = self.units[unit].region;
        let whole = self.ink_start(&u);
        if whole >= u.x0 - 0.5 * u.height() {
            let (text, conf) = self.voted_line(unit, clean)?;
            return Ok((text, conf, u));
        }
        let region = CardBox { x0: whole, ..u };
        let read = self.r.voted(&region, clean, None, None)?;
        Ok((read.text, read.confidence, region))
    }

    /// An unlabelled line of names: [`LicenceCard::voted_line`] with the name
    /// dictionary's help ([`CardReader::arabic_voted_names`]): the scan's sure read is
    /// taken only when the dictionary knows each of its words; then the trained name
    /// reader's read of the line, arbitrated word by word as on the ID card
    /// (`front::choose_name`).
    pub fn voted_name_line(
        &mut self,
        unit: usize,
        clean: impl Fn(&str) -> String,
    ) -> Result<(String, f32)> {
        let tesseract = self.voted_line_with(unit, clean, Some(translit::is_known_name_word))?;
        // The ID card's trained name reader, arbitrated the same way (dev seed 11, 90
        // driving licences: NameArabic 93.3 -> 95.6%).
        let region = self.units[unit].region;
        Ok(match self.r.trained_name(&region)? {
            Some(t) => crate::national_id::front::choose_name(tesseract, (t.text, t.confidence)),
            None => tesseract,
        })
    }

    fn voted_line_with(
        &mut self,
        unit: usize,
        clean: impl Fn(&str) -> String,
        known: Option<fn(&str) -> bool>,
    ) -> Result<(String, f32)> {
        let u = self.units[unit].clone();
        let text = clean(&u.text);
        if sure_read(&text, u.confidence, self.params.id.tesseract_accept, known) {
            return Ok((text, u.confidence));
        }
        let read = self.r.voted(&u.region, clean, None, known)?;
        Ok((read.text, read.confidence))
    }

    /// One Arabic letter alone (Tesseract `ara`, single-character mode), as a plate
    /// letter.
    fn plate_letter_at(&mut self, region: &CardBox) -> Result<Option<char>> {
        let pad = region.height() * 0.5;
        let g = region.grown(pad, pad * 0.5);
        let (w, h) = (
            g.width().round().max(1.0) as u32,
            g.height().round().max(1.0) as u32,
        );
        let Some(crop) = crate::geometry::perspective_crop(&self.r.card.image, &g.quad(), w, h)
        else {
            return Ok(None);
        };
        let tess = self
            .r
            .worker
            .tesseract()
            .map_err(PipelineError::inference)?;
        let line = tess
            .recognize_line(&crop, TessLang::Ara, PageSegMode::PsmSingleChar, None)
            .map_err(PipelineError::inference)?;
        let mut chars = line.text.chars().filter(|c| !c.is_whitespace());
        Ok(match (chars.next(), chars.next()) {
            (Some(c), None) => plate_letter(c),
            _ => None,
        })
    }

    /// The plate letters between the number (ending at `after`) and the label: one ink
    /// segment per letter, each read alone; in reading order (right to left).
    pub fn plate_letters_after(&mut self, unit: usize, after: f32) -> Result<Vec<char>> {
        let region = self.value_region(unit);
        let segs = ink_segments(&self.r.card.image, &region.grown(4.0, 2.0), 0.3);
        let mut letters = Vec::new();
        for seg in segs.iter().filter(|s| s.x0 > after - 1.0) {
            if seg.width() > 1.6 * region.height() {
                break;
            }
            match self.plate_letter_at(seg)? {
                Some(l) => letters.push(l),
                None => break,
            }
            if letters.len() == 3 {
                break;
            }
        }
        letters.reverse();
        Ok(letters)
    }

    /// The plate letters between the number (ending at `after`) and the label, read as
    /// one line through the voted views: the crop from the number to the last piece no
    /// wider than a letter ([`PLATE_LETTER_WIDTH`] heights; the label's `اللوحة` is
    /// wider). In reading order.
    pub fn plate_letters_line(&mut self, unit: usize, after: f32) -> Result<Vec<char>> {
        let region = self.value_region(unit);
        let segs = ink_segments(&self.r.card.image, &region.grown(4.0, 2.0), 0.3);
        let letters: Vec<CardBox> = segs
            .into_iter()
            .filter(|s| s.x0 > after - 1.0)
            .take_while(|s| s.width() <= PLATE_LETTER_WIDTH * region.height())
            .collect();
        let (Some(first), Some(last)) = (letters.first(), letters.last()) else {
            return Ok(Vec::new());
        };
        let crop = first.union(last);
        let read = self
            .r
            .arabic_voted_within(&crop, arabic_words, Some(crop.x1 + 1.0))?;
        Ok(vehicle_front::plate_letters(&read.text))
    }

    /// The plate number read by the trained plate number reader
    /// ([`plate_number`]), when its model is loaded: the line from `digits` (else the
    /// value's first piece) through the pieces after it no wider than a letter
    /// ([`PLATE_READER_LETTER_WIDTH`] heights; the label's `اللوحة` is wider), pieces
    /// split at [`PLATE_NUMBER_GAP`].
    ///
    /// With `label_left` (where the label's words begin, [`LicenceCard::label_left`]),
    /// the line is every piece starting left of it, cut there: the label's `اللوحة`
    /// stands as narrow as a wide letter (1.35-1.45 heights against `ص`'s 1.5), and ink
    /// as close as a space joins a letter to it.
    pub fn plate_number_trained(
        &mut self,
        unit: usize,
        digits: Option<CardBox>,
        label_left: Option<f32>,
    ) -> Result<Option<plate_number::PlateNumberRead>> {
        let region = self.value_region(unit);
        let pieces = ink_segments(
            &self.r.card.image,
            &region.grown(4.0, 2.0),
            PLATE_NUMBER_GAP,
        );
        let Some(first) = digits.or_else(|| pieces.first().copied()) else {
            return Ok(None);
        };
        let after = pieces.iter().filter(|s| s.x0 > first.x1 - 1.0);
        let line = match label_left {
            Some(left) => {
                let line = after
                    .filter(|s| s.x0 < left - 1.0)
                    .fold(first, |u, s| u.union(s));
                CardBox {
                    x1: line.x1.min(left - 1.0),
                    ..line
                }
            }
            None => after
                .take_while(|s| s.width() <= PLATE_READER_LETTER_WIDTH * region.height())
                .fold(first, |u, s| u.union(s)),
        };
        if line.width() < 1.0 {
            return Ok(None);
        }
        let Some(reader) = self.r.models.plate_numbers.as_mut() else {
            return Ok(None);
        };
        let h = line.height();
        let quad = line.grown(0.2 * h, 0.3 * h).quad();
        let probs = reader
            .probabilities(&self.r.card.image, &quad)
            .map_err(PipelineError::inference)?;
        Ok(probs.and_then(|p| plate_number::decode(p.view())))
    }

    /// Where the words of `unit`'s label begin on the card (their left end), from
    /// Tesseract's word spans of the group: `None` where the label is not found leading
    /// the words read.
    pub fn label_left(&mut self, unit: usize, labels: &[Label]) -> Result<Option<f32>> {
        let Some(own) = self.units[unit].label.map(|l| &labels[l.index..=l.index]) else {
            return Ok(None);
        };
        let words = self.r.arabic_word_spans(&self.units[unit].region)?;
        let text = words
            .iter()
            .map(|w| w.0.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(match_label(&text, own, KNOWN_LABEL_TOLERANCE)
            .filter(|hit| hit.leading && hit.consumed <= words.len())
            .and_then(|hit| {
                words[hit.start..hit.consumed]
                    .iter()
                    .map(|w| w.1)
                    .min_by(f32::total_cmp)
            }))
    }

    /// True when the ink left of the label holds one more Arabic-Indic zero (a small dot)
    /// right after the read's last zero than the read has: the ink groups are walked from
    /// the left, one per digit of the read, a zero matching a dot, a digit a larger group.
    fn zero_merged(&self, unit: usize, read: &str) -> bool {
        let image = &self.r.card.image;
        let region = self.value_region(unit).grown(4.0, 2.0);
        let segs = ink_segments(image, &region, 0.12);
        let band = segs.first().map_or(0.0, |s| s.height());
        if band < 4.0 {
            return false;
        }
        let dot: Vec<bool> = segs
            .iter()
            .map(|seg| {
                let (w, h) = (
                    seg.width().round().max(1.0) as u32,
                    seg.height().round().max(1.0) as u32,
                );
                let Some(c) = crate::geometry::perspective_crop(image, &seg.quad(), w, h) else {
                    return false;
                };
                let gray = image::imageops::grayscale(&c);
                crate::digits::ink_bounds(&gray).is_some_and(|(x0, y0, x1, y1)| {
                    let (bw, bh) = ((x1 - x0) as f32, (y1 - y0) as f32);
                    bh < 0.45 * band && bw < 0.45 * band
                })
            })
            .collect();
        let mut i = 0;
        for ch in read.chars() {
            match dot.get(i) {
                Some(&d) if d == (ch == '0') => i += 1,
                _ => return false,
            }
        }
        read.ends_with('0') && dot.get(i) == Some(&true)
    }

    /// A short number left of the label (the line read, its merged zeros restored).
    pub fn number_value(
        &mut self,
        unit: usize,
        accept: impl Fn(&str) -> bool + Copy,
    ) -> Result<Option<(DigitRead, CardBox)>> {
        let Some((mut read, region)) = self.digit_value(unit, 0.3, accept)? else {
            return Ok(None);
        };
        // Two zeros in a row are two dots close together, which the line read can merge
        // (`١٥٠٠` read `150`): the run of zeros ending the read is made as long as the
        // dots counted on the line.
        if accept(&read.text) && read.text.ends_with('0') && self.zero_merged(unit, &read.text) {
            let longer = format!("{}0", read.text);
            if accept(&longer) {
                read.text = longer;
            }
        }
        Ok(Some((read, region)))
    }

    /// Reads digits left of the label of `unit` until `accept` takes a read (else the
    /// longest read).
    pub fn digit_value(
        &mut self,
        unit: usize,
        min_aspect: f32,
        accept: impl Fn(&str) -> bool,
    ) -> Result<Option<(DigitRead, CardBox)>> {
        let mut fallback: Option<(DigitRead, CardBox)> = None;
        let mut accepted: Option<(DigitRead, CardBox)> = None;
        for region in self.value_candidates(unit, min_aspect) {
            if let Some((read, region)) = self.r.digits(&region, |d| accept(&d.text))? {
                if std::env::var_os("HAWIYA_LICENCE_DEBUG").is_some() {
                    eprintln!(
                        "  digits {:?}: {:?} {:.2}",
                        (region.x0 as i32, region.x1 as i32),
                        read.text,
                        read.confidence
                    );
                }
                if accept(&read.text) {
                    // A read cut short by a tight crop also passes: the next, wider
                    // candidate is read too, and the surer of the two kept.
                    if let Some((first, first_region)) = &accepted {
                        // A longer sure read is the whole value; of two as long, the surer,
                        // unless it is the narrower: a crop that clips the value's last
                        // digit reads it as another, surely (`٣` cut to `٢`).
                        let longer = read.text.len() > first.text.len() && read.confidence >= 0.7;
                        let surer = read.text.len() == first.text.len()
                            && read.confidence > first.confidence
                            && region.x1 >= first_region.x1 - 1.0;
                        if longer || surer {
                            return Ok(Some((read, region)));
                        }
                        return Ok(accepted);
                    }
                    accepted = Some((read, region));
                    continue;
                }
                if accepted.is_some() {
                    return Ok(accepted);
                }
                if fallback
                    .as_ref()
                    .is_none_or(|f| read.text.len() > f.0.text.len())
                {
                    fallback = Some((read, region));
                }
            }
        }
        Ok(accepted.or(fallback))
    }

    /// A number of `min..=max` digits at the left end of the value (before letters or the
    /// label): the longest prefix read whose every digit is sure.
    pub fn number_prefix(
        &mut self,
        unit: usize,
        min: usize,
        max: usize,
    ) -> Result<Option<(String, f32, CardBox)>> {
        let mut best: Option<(String, f32, CardBox)> = None;
        let ok = |t: &str| (min..=max).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit());
        for region in self.value_candidates(unit, 0.3) {
            let Some((read, region)) = self.r.digits(&region, |d| ok(&d.text))? else {
                continue;
            };
            let sure = read.char_confidences.iter().all(|&c| c > 0.8);
            if !ok(&read.text) || !sure {
                if best.is_some() || read.text.len() > max {
                    break;
                }
                continue;
            }
            if best.as_ref().is_none_or(|b| read.text.len() >= b.0.len()) {
                best = Some((read.text, read.confidence, region));
            }
        }
        Ok(best)
    }

    /// The digits of a plate number (three or four, documents.md), left of its letters.
    ///
    /// The digits stand closer together than the letters after them: the ink is cut
    /// into pieces at word gaps ([`PLATE_NUMBER_GAP`]) and read from the left, one more
    /// piece at a time, until a sure read of three or four digits; the tightest such
    /// crop wins, since in a wider one the letters change the digits (`٣٨٥ ج` read
    /// `285`). A three-digit read takes one more piece only when that reads as a fourth
    /// digit and not as a plate letter. Without such a read, [`Self::number_prefix`], else
    /// the tightest unsure read of three or four digits.
    pub fn plate_digits(&mut self, unit: usize) -> Result<Option<(String, f32, CardBox)>> {
        let region = self.value_region(unit);
        let pieces = ink_segments(
            &self.r.card.image,
            &region.grown(4.0, 2.0),
            PLATE_NUMBER_GAP,
        );
        let digits_only = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let mut best: Option<(String, f32, CardBox)> = None;
        let mut unsure: Option<(String, f32, CardBox)> = None;
        // The last piece is the label's.
        for k in 1..pieces.len().min(6) {
            let cut = pieces[0].union(&pieces[k - 1]);
            let Some((read, cut)) = self.r.digits(&cut, |d| digits_only(&d.text))? else {
                continue;
            };
            let sure = digits_only(&read.text) && read.char_confidences.iter().all(|&c| c > 0.8);
            match &best {
                None if sure && (3..=4).contains(&read.text.len()) => {
                    best = Some((read.text, read.confidence, cut));
                }
                None if read.text.len() > 4 => break,
                None => {
                    if unsure.is_none() && (3..=4).contains(&read.text.len()) {
                        unsure = Some((read.text, read.confidence, cut));
                    }
                }
                Some(b) => {
                    let fourth = sure
                        && b.0.len() == 3
                        && read.text.len() == 4
                        && read.text.starts_with(&b.0);
                    if fourth && self.plate_letter_at(&pieces[k - 1])?.is_none() {
                        best = Some((read.text, read.confidence, cut));
                    }
                    break;
                }
            }
        }
        match best {
            Some(b) => Ok(Some(b)),
            // No sure read: the number's, else the tightest three or four digits read,
            // with their low confidence.
            None => Ok(self.number_prefix(unit, 1, 4)?.or(unsure)),
        }
    }

    /// The 14-digit national ID left of the label of `unit` (the ID card's retries and
    /// guarded repair).
    pub fn id_number_value(&mut self, unit: usize) -> Result<Option<IdNumberRead>> {
        let mut fallback = None;
        for region in self.value_candidates(unit, 5.0) {
            if let Some(n) = self.r.id_number(&region)? {
                if n.parsed.is_ok() {
                    return Ok(Some(n));
                }
                if n.digits.len() == id_number::LENGTH || fallback.is_none() {
                    fallback = Some(n);
                }
            }
        }
        Ok(fallback)
    }

    /// A date (`yyyy/mm/dd`) left of the label of `unit`.
    pub fn date_value(&mut self, unit: usize) -> Result<Option<(String, f32, CardBox)>> {
        Ok(self
            .digit_value(unit, 3.0, full_date)?
            .map(|(d, region)| (d.text, d.confidence, region)))
    }

    /// A Latin number (uppercase letters and digits, [`latin_number`]) near the label of
    /// `unit`: a Latin group on the same line to its left,
    /// else the ink left of the label inside the unit; the first read `accept` takes,
    /// else the surest.
    pub fn latin_value(
        &mut self,
        unit: usize,
        accept: impl Fn(&str) -> bool,
    ) -> Result<Option<(String, f32, CardBox)>> {
        let label = self.units[unit].region;
        let mut regions: Vec<CardBox> = self
            .units
            .iter()
            .filter(|u| u.is_latin() && u.same_line(&label) && u.region.cx() < label.x0)
            .map(|u| u.region)
            .collect();
        regions.sort_by(|a, b| b.x1.total_cmp(&a.x1));
        let inside = self.value_candidates(unit, 2.0);
        regions.extend(inside.iter().take(inside.len().saturating_sub(1)));
        let reads = latin_reads(&mut self.r, &regions)?;
        // Of the reads that pass, the longest (a shorter one is a cut prefix) of those
        // nearly as sure as the surest (a crop reaching into the label reads its first
        // letters as a trailing `9` or `J`, less surely), then the surest; else the
        // surest read.
        let mut passed: Vec<(String, f32, CardBox)> = Vec::new();
        let mut best: Option<(String, f32, CardBox)> = None;
        for ((text, conf), region) in reads.into_iter().zip(regions) {
            let text = latin_number(&text);
            if accept(&text) {
                passed.push((text, conf, region));
                continue;
            }
            if !text.is_empty() && best.as_ref().is_none_or(|b| conf > b.1) {
                best = Some((text, conf, region));
            }
        }
        let surest = passed.iter().map(|p| p.1).fold(f32::MIN, f32::max);
        let chosen = passed
            .into_iter()
            .filter(|p| p.1 >= surest - LATIN_SURE_MARGIN)
            .max_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.1.total_cmp(&b.1)));
        Ok(chosen.or(best))
    }

    /// An address, left of its label: a house number then words, read as the national
    /// ID reads its first address line ([`crate::national_id::front::house_number`], the
    /// words through the voted views), once the label is cut off. Where the label ends is
    /// the wide gap (at least [`ADDRESS_LABEL_GAP`] ink heights) whose distance from the
    /// line's right end is a label's width ([`ADDRESS_LABEL_WIDTH`]); of two such gaps,
    /// the cut whose house number reads surer wins. The governorate (after the last
    /// dash) is snapped to the list. Without a number: the scan's words after the label.
    pub fn address_value(&mut self, unit: usize) -> Result<(String, f32, CardBox)> {
        use crate::national_id::front::{address_after_number, clean_address, house_number};
        let u = self.units[unit].clone();
        let mut region = self.value_region(unit);
        // The end of the address (`district - governorate`) split off by a faint stretch
        // the ink search did not see: joined across any gap.
        let tail = self
            .units
            .iter()
            .filter(|o| o.label.is_none() && o.same_line(&region) && o.region.x1 <= region.x0)
            .filter(|o| ends_with_governorate(&o.text))
            .max_by(|a, b| a.region.x1.total_cmp(&b.region.x1))
            .map(|o| o.region);
        if let Some(tail) = tail {
            region = region.union(&tail);
        }
        let w = self.r.card.width();
        let pieces = ink_segments(&self.r.card.image, &region.grown(4.0, 2.0), 0.15);
        let ink_h = pieces.first().map_or(1.0, |p| p.height());
        let mut cuts: Vec<(f32, f32)> = (1..pieces.len())
            .filter_map(|i| {
                let gap = pieces[i].x0 - pieces[i - 1].x1;
                let width = (region.x1 - pieces[i].x0) / w;
                let fits = width >= ADDRESS_LABEL_WIDTH.0 && width <= ADDRESS_LABEL_WIDTH.1;
                (gap >= ADDRESS_LABEL_GAP * ink_h && fits).then_some((gap, pieces[i - 1].x1))
            })
            .collect();
        cuts.sort_by(|a, b| b.0.total_cmp(&a.0));
        cuts.truncate(2);
        if u.value_text().trim().is_empty() && region.x0 < u.region.x0 - 1.0 {
            // The label stood alone: the value is the groups left of it.
            cuts = vec![(0.0, u.region.x0 - 1.0)];
        }
        let mut best: Option<(CardBox, (String, f32, CardBox))> = None;
        for (_, x1) in cuts {
            let value = CardBox { x1, ..region };
            if let Some(n) = house_number(&mut self.r, &value)? {
                // A cut left of the number reads a piece of the street word as a short
                // number, surely enough at times: of the sure reads, the one nearest the
                // label; else the surest.
                let better = |b: &(String, f32, CardBox)| match (
                    n.1 >= ADDRESS_NUMBER_SURE,
                    b.1 >= ADDRESS_NUMBER_SURE,
                ) {
                    (true, true) => n.2.x1 > b.2.x1,
                    (true, false) => true,
                    (false, true) => false,
                    (false, false) => n.1 > b.1,
                };
                if best.as_ref().is_none_or(|b| better(&b.1)) {
                    best = Some((value, n));
                }
            }
        }
        let (text, conf, region) = match best {
            Some((value, number)) => {
                let (text, conf) = address_after_number(&mut self.r, &value, number)?;
                (text, conf, value)
            }
            None => (
                clean_address(&self.value_words(unit)),
                u.confidence,
                u.region,
            ),
        };
        Ok((snap_governorate(&text), conf, region))
    }

    pub fn push(
        &self,
        out: &mut Extraction,
        name: &str,
        value: Value,
        confidence: f32,
        region: Option<&CardBox>,
    ) {
        self.r.push(out, name, value, confidence, region);
    }

    /// A date field: its check (`3010` for an expiry in the past, the format codes for an
    /// unreadable date), the ISO value even when a check fails.
    pub fn push_date(
        &mut self,
        out: &mut Extraction,
        labels: &[Label],
        field: &str,
        role: DateRole,
        partner: Option<(&str, bool)>,
    ) -> Result<()> {
        let today = self.params.today();
        let unit = self.labelled(labels, field).or_else(|| {
            // The label unread: the unlabelled group beside the partner date's label on
            // its line (`true`: to its left).
            let (other, left) = partner?;
            let p = self.units[self.labelled(labels, other)?].region;
            self.units
                .iter()
                .enumerate()
                .filter(|(_, u)| u.label.is_none() && !u.is_latin() && u.same_line(&p))
                .filter(|(_, u)| {
                    if left {
                        u.region.x1 < p.x0
                    } else {
                        u.region.x0 > p.x1
                    }
                })
                .min_by(|a, b| {
                    (a.1.region.cx() - p.cx())
                        .abs()
                        .total_cmp(&(b.1.region.cx() - p.cx()).abs())
                })
                .map(|(i, _)| i)
        });
        let read = match unit {
            Some(u) => self.date_value(u)?,
            None => None,
        };
        match read.filter(|(text, _, _)| !dates::is_fragment(text)) {
            Some((text, conf, region)) => {
                let checked = match role {
                    DateRole::Expiry => dates::check_expiry_date(field, &text, today),
                    DateRole::Release => dates::check_release_date(field, &text, None, today),
                    DateRole::Birth => dates::check_birth_date(field, &text, today),
                };
                let value = match checked {
                    Ok(d) => json!(d.to_iso()),
                    Err(issue) => {
                        out.issues
                            .push(crate::extraction::date_issue_at(issue, conf));
                        dates::parse_printed_date(&text)
                            .map(|d| json!(d.to_iso()))
                            .unwrap_or(Value::Null)
                    }
                };
                self.push(out, field, value, conf, Some(&region));
            }
            None => {
                out.push(field, Value::Null);
                out.issues.push(FieldIssue::unread(
                    field,
                    "no date could be read on the card",
                ));
            }
        }
        Ok(())
    }
}

/// A label already found in a group's scan is found again in another read of the group
/// with at most this share of its letters edited.
const KNOWN_LABEL_TOLERANCE: f32 = 0.5;

/// Gap between the address label and the value, in ink heights. 0.3: on the synthetic
/// cards 0.4-0.6 there, 0.2-0.35 between the digits and letters near it.
const ADDRESS_LABEL_GAP: f32 = 0.3;

/// A house number read at least this surely counts as a number when two cuts of the
/// address line are compared.
const ADDRESS_NUMBER_SURE: f32 = 0.8;

/// An address group whose label was not recognised stands with its right end this far
/// (share of the card's width) at most from the labels' right edge.
const ADDRESS_RIGHT_EDGE: f32 = 0.05;

/// How far left of its label (in label heights) a value no ink was found for is read
/// blind: two or three words.
const BLIND_VALUE_HEIGHTS: f32 = 7.0;

/// The share of a label's letters that may be misread in a group whose value is of the
/// label's field ([`LicenceCard::labelled_by_value`]).
const LOOSE_LABEL_TOLERANCE: f32 = 0.45;

/// A line goes on past its group while the ink gaps are under this many ink heights
/// ([`LicenceCard::voted_whole_line`]): word spaces are under one; the driving licence's
/// two traffic unit lines, on one row, stand about ten apart.
const LINE_INK_GAP: f32 = 2.0;

/// Share of the card's width at its left and right edges that holds no text.
const LINE_MARGIN: f32 = 0.02;

/// Gap (in ink heights) between a plate number's digits and the letter after it: 0.3-0.4
/// on the synthetic licences, where the digits stand 0.15 or less apart.
const PLATE_NUMBER_GAP: f32 = 0.25;

/// Widest a plate letter's ink stands, in heights of its line (`ط` about 0.75; the
/// label's `اللوحة` about 1.6).
const PLATE_LETTER_WIDTH: f32 = 1.2;

/// Widest a plate letter's ink stands for the trained reader's crop, in heights of its
/// line: 1.45. `ص` and `س` stand 1.3-1.4 and were left out at 1.2 (the first letter lost
/// on 4 of 90 dev 13 vehicle fronts); the label's `اللوحة` stood 1.4-3.2. Dev seeds 13
/// and 11 (90 fronts each), plate numbers exact: 1.2 93.3 / 88.9%, 1.45 94.4 / 92.2%,
/// 1.55 93.3 / 90.0%.
const PLATE_READER_LETTER_WIDTH: f32 = 1.45;

/// Width of the address label `العنوان` as a share of the card's width: 0.047-0.099 on
/// the synthetic cards of seed 11 (fonts vary), with a margin.
const ADDRESS_LABEL_WIDTH: (f32, f32) = (0.035, 0.125);

/// An address whose last part (after the last dash) is a governorate's name within two
/// edits: the name written as listed.
pub(crate) fn snap_governorate(address: &str) -> String {
    let Some((head, last)) = address.rsplit_once(" - ") else {
        return address.to_string();
    };
    match hawiya_documents::governorates::closest_arabic_name(last.trim(), 2) {
        // The city before the governorate is one of its districts when a letter or two
        // off one (`اللحارجة`).
        Some(g) => format!(
            "{} - {}",
            hawiya_documents::districts::snap_trailing(head, g.code),
            g.arabic
        ),
        // The governorate's name cut short (`الج`, the end of the line faint), where the
        // city before it is a district of one governorate alone whose name starts so.
        None => {
            let start = normalize_for_matching(last.trim());
            let named = hawiya_documents::districts::governorate_of_trailing(head)
                .and_then(hawiya_documents::governorates::by_code)
                .filter(|g| {
                    start.chars().count() >= 3
                        && normalize_for_matching(g.arabic).starts_with(&start)
                });
            match named {
                Some(g) => format!("{head} - {}", g.arabic),
                None => address.to_string(),
            }
        }
    }
}

/// Ends with a governorate's name (one edit allowed), as an address does.
pub(crate) fn ends_with_governorate(text: &str) -> bool {
    use hawiya_documents::governorates;
    let last = text.rsplit('-').next().unwrap_or(text).trim();
    // Two edits in a name of eight letters or more (`البر الأجر`, the `ح`s lost).
    let edits = if last.chars().count() >= 8 { 2 } else { 1 };
    governorates::find_in_address(text).is_some()
        || governorates::closest_arabic_name(last, edits).is_some()
}

/// Starts with `word` (one edit allowed), e.g. `وحدة` of the traffic unit line.
pub(crate) fn starts_with_word(text: &str, word: &str) -> bool {
    text.split_whitespace().next().is_some_and(|first| {
        levenshtein(
            &normalize_for_matching(first),
            &normalize_for_matching(word),
        ) <= 1
    })
}

/// A traffic unit line: `وحدة مرور X` or `إدارة مرور X`, the place kept as read and the
/// first two words written as printed.
pub(crate) fn traffic_line(text: &str, head: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    // The head words, even twice (the detector's box and a wider view of the line
    // both read into one text: `وحدة مرور وحدة مرور X`).
    let rest: Vec<&str> = words
        .iter()
        .skip(1)
        .skip_while(|w| {
            let key = normalize_for_matching(w);
            [head, "مرور"]
                .iter()
                .any(|h| levenshtein(&key, &normalize_for_matching(h)) <= 1)
        })
        .copied()
        .collect();
    format!("{head} مرور {}", rest.join(" ")).trim().to_string()
}

/// The words of `text` after its first two (`وحدة مرور`), replaced by the words of
/// `source` they are within `max_edits` of (the same place read on another line, where
/// Tesseract did not lose its last letters).
pub(crate) fn prefer_words_from(text: &str, source: &str, max_edits: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() < 3 {
        return text.to_string();
    }
    let place = words[2..].join(" ");
    let key = normalize_for_matching(&place);
    let src: Vec<&str> = source
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .collect();
    let mut best: Option<(usize, String)> = None;
    for n in 1..=(words.len() - 2 + 1) {
        for window in src.windows(n.min(src.len()).max(1)) {
            let cand = window.join(" ");
            let d = levenshtein(&normalize_for_matching(&cand), &key);
            if d <= max_edits && best.as_ref().is_none_or(|b| d < b.0) {
                best = Some((d, cand));
            }
        }
    }
    match best {
        Some((_, cand)) => format!("{} {} {}", words[0], words[1], cand),
        None => text.to_string(),
    }
}

/// A name as registries write it: `عبد` joined to the name after it (`عبدالعزيز`).
pub(crate) fn join_abd(name: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut pending = false;
    for w in name.split_whitespace() {
        if pending {
            if let Some(last) = out.last_mut() {
                last.push_str(w);
            }
            pending = false;
            continue;
        }
        out.push(w.to_string());
        pending = w == "عبد";
    }
    out.join(" ")
}

/// A whole `yyyy/mm/dd` date (cards print months and days with two digits: a shorter
/// read is a cut one).
pub(crate) fn full_date(t: &str) -> bool {
    let parts: Vec<&str> = t.split('/').collect();
    parts.len() == 3
        && [4, 2, 2]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit()))
        && dates::parse_printed_date(t).is_ok()
}

/// PP-OCR Latin readings of card regions, one batch.
fn latin_reads(r: &mut CardReader, regions: &[CardBox]) -> Result<Vec<(String, f32)>> {
    let Some(rec) = r.worker.models.text_recognizer.as_mut() else {
        return Ok(vec![(String::new(), 0.0); regions.len()]);
    };
    let mut crops = Vec::with_capacity(regions.len());
    let mut index = Vec::with_capacity(regions.len());
    for (i, b) in regions.iter().enumerate() {
        let g = b.grown(3.0, 3.0);
        let (w, h) = (
            g.width().round().max(1.0) as u32,
            g.height().round().max(1.0) as u32,
        );
        if let Some(c) = crate::geometry::perspective_crop(&r.card.image, &g.quad(), w, h) {
            crops.push(c);
            index.push(i);
        }
    }
    let reads = recognize_crops(rec, &crops, &TextRecognizeParams::default())
        .map_err(PipelineError::inference)?;
    let mut out = vec![(String::new(), 0.0); regions.len()];
    for (i, read) in index.into_iter().zip(reads) {
        out[i] = (read.text.trim().to_string(), read.confidence);
    }
    Ok(out)
}

/// Locates the card, reads it with `read_card`, and reads it turned 180 degrees as well
/// when `good` says the first reading is not trustworthy; the better of the two wins
/// (by `score`).
pub(crate) fn read_oriented(
    worker: &mut Worker,
    models: &mut IdModels,
    image: &RgbImage,
    read_card: impl Fn(&mut Worker, &mut IdModels, &RectifiedCard) -> Result<(Extraction, usize)>,
    good: impl Fn(&Extraction, usize) -> bool,
) -> Result<Extraction> {
    let (card, info, learned) = match locate(models, image) {
        Ok((card, info)) => (card, info, true),
        // The learned locator was trained on ID cards: on a licence its corner evidence
        // can stay under the bar where the outline is plain. The classical finder then.
        Err(e) => {
            let (card, info) = classical_locate(image).ok_or(e)?;
            (card, info, false)
        }
    };
    let mut best = read_card(worker, models, &card)?;
    let mut best_info = info;
    if good(&best.0, best.1) {
        best.0.extra.insert("card".into(), best_info);
        return Ok(best.0);
    }
    // Not trustworthy: the card turned 180 degrees, then (when the learned locator
    // found it) the classical finder's outline both ways; the reading with the most
    // labels wins.
    let mut cards = vec![(turned_180(&card), best_info.clone())];
    if learned {
        if let Some((c2, i2)) = classical_locate(image) {
            cards.push((turned_180(&c2), i2.clone()));
            cards.insert(1, (Some(c2), i2));
        }
    }
    for (candidate, info) in cards {
        let Some(candidate) = candidate else { continue };
        let other = read_card(worker, models, &candidate)?;
        let better = other.1 > best.1 || (good(&other.0, other.1) && other.1 >= best.1);
        if better {
            best = other;
            best_info = info;
            if good(&best.0, best.1) {
                break;
            }
        }
    }
    best.0.extra.insert("card".into(), best_info);
    Ok(best.0)
}

/// The card found by the classical (edge and shape) finder alone.
fn classical_locate(image: &RgbImage) -> Option<(RectifiedCard, Value)> {
    let found = crate::card::CardLocator::classical()
        .locate(image, crate::card::ID1_ASPECT)
        .ok()?;
    let info = json!({
        "quad": found.quad,
        "confidence": found.confidence,
        "quarter_turns": found.quarter_turns,
        "finder": "classical",
    });
    RectifiedCard::from_parts(found.rectified, found.quad).map(|card| (card, info))
}

/// One side's reader of a rectified card: the extraction and how many labels it found.
type CardRead = fn(
    &mut Worker,
    &mut IdModels,
    &RectifiedCard,
    &LicenceReadParams,
) -> Result<(Extraction, usize)>;

/// The reader of `kind`'s rectified card, and how many more labels than
/// [`LicenceReadParams::min_labels`] a reading must find to be trusted the right way up
/// (the vehicle licence's sides print more labels than the driving licence).
fn card_reader(kind: crate::DocumentKind) -> Result<(CardRead, usize)> {
    use crate::DocumentKind as K;
    match kind {
        K::DrivingLicense => Ok((driving::read_card_scored, 0)),
        K::CarLicenseFront => Ok((vehicle_front::read_card_scored, 2)),
        K::CarLicenseBack => Ok((vehicle_back::read_card_scored, 3)),
        other => Err(PipelineError::NotImplemented(format!(
            "{} is not a licence",
            other.step()
        ))),
    }
}

/// Reads a licence of `kind` from an image (the worker's ID models lent by the caller):
/// the card located, read, and read again turned (see [`read_oriented`]) only when too
/// few of its labels were found.
pub fn read(
    worker: &mut Worker,
    models: &mut IdModels,
    kind: crate::DocumentKind,
    image: &RgbImage,
    params: &LicenceReadParams,
) -> Result<Extraction> {
    let (read_card, more) = card_reader(kind)?;
    read_oriented(
        worker,
        models,
        image,
        |w, m, card| read_card(w, m, card, params),
        |_, labels| labels >= params.min_labels + more,
    )
}

/// Reads an already rectified licence of `kind`.
pub fn read_card(
    worker: &mut Worker,
    models: &mut IdModels,
    kind: crate::DocumentKind,
    card: &RectifiedCard,
    params: &LicenceReadParams,
) -> Result<Extraction> {
    let (read_card, _) = card_reader(kind)?;
    read_card(worker, models, card, params).map(|(out, _)| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: &[Label] = &[
        Label {
            field: "type",
            spellings: &["نوع الترخيص"],
        },
        Label {
            field: "issuance",
            spellings: &["تاريخ الترخيص"],
        },
        Label {
            field: "expiry",
            spellings: &["نهاية الترخيص"],
        },
    ];

    #[test]
    fn labels_match_the_first_words() {
        let hit = match_label("نوع الترخبص ملاكي", LABELS, 0.25).unwrap();
        assert_eq!((hit.index, hit.consumed), (0, 2));
        let hit = match_label(". نهاية الترخيص ١٢", LABELS, 0.25).unwrap();
        assert_eq!((hit.index, hit.consumed), (2, 3));
        assert!(match_label("ياسين عصام نوح", LABELS, 0.25).is_none());
        // Read out of order: the number first, the label last.
        let hit = match_label("١٢ ٢٠٢٤ نهاية الترخيص", LABELS, 0.25).unwrap();
        assert_eq!((hit.index, hit.start, hit.leading), (2, 2, false));
        assert_eq!(hit.strip("١٢ ٢٠٢٤ نهاية الترخيص"), "١٢ ٢٠٢٤");
        let hit = match_label(". نهاية الترخيص ١٢", LABELS, 0.25).unwrap();
        assert_eq!(hit.strip(". نهاية الترخيص ١٢"), "١٢");
        // The first word exact, the second badly read: still the label.
        let back = super::vehicle_back::LABELS;
        let hit = match_label("٧٠ ٠١ سنة العينة", back, 0.25).unwrap();
        assert_eq!(back[hit.index].field, "model_year");
        // Without the exact first word, as far off is no label.
        assert!(match_label("٧٠ ٠١ سنن العينة", back, 0.25).is_none());
    }

    #[test]
    fn the_governorate_is_snapped() {
        assert_eq!(
            snap_governorate("248 شارع جمال عبدالناصر جرجا - سوماج"),
            "248 شارع جمال عبدالناصر جرجا - سوهاج"
        );
        assert_eq!(snap_governorate("10 ش الثورة"), "10 ش الثورة");
        // Cut short: the city tells which governorate starts so.
        assert_eq!(
            snap_governorate("168 ش النيل - كفر الجبل العجوزة - الج"),
            "168 ش النيل - كفر الجبل العجوزة - الجيزة"
        );
        assert_eq!(
            snap_governorate("168 ش النيل - كفر الجبل العجوزة - الق"),
            "168 ش النيل - كفر الجبل العجوزة - الق"
        );
    }

    #[test]
    fn places_are_taken_from_the_address() {
        assert_eq!(
            prefer_words_from("وحدة مرور مرمى عل", "10 ش الثورة مرسى علم - البحر الأحمر", 2),
            "وحدة مرور مرسى علم"
        );
        assert_eq!(
            prefer_words_from(
                "وحدة مرور منود",
                "16 شارع الإخلاص - الشيخ حسن سمنود - الغربية",
                2
            ),
            "وحدة مرور سمنود"
        );
    }

    #[test]
    fn abd_joins_the_next_name() {
        assert_eq!(join_abd("مختار عبد الرحيم تامر"), "مختار عبدالرحيم تامر");
        assert_eq!(join_abd("عبد"), "عبد");
    }

    #[test]
    fn header_lines_are_recognised() {
        assert!(is_header("جمهورية مصر العربية - وزارة الداخلية"));
        assert!(is_header("رخصة قيادة"));
        assert!(!is_header("وحدة مرور سفاجا"));
        assert!(!is_header("السيد عاطف مروان رأفت"));
    }
}
