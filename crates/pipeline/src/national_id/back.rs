//! The back of the national ID card: number, release and expiry dates, job, gender,
//! religion, marital status, husband's name.
//!
//! Layout (documents.md), as fractions of the upright card: the number at the top, the
//! release date row (value left of its label `تاريخ الإصدار`), job and employer rows, one
//! row with the gender, religion and marital words, the husband's name for a married
//! woman, and the expiry row (`البطاقة سارية حتى` and a date) at the bottom; a 2-D
//! barcode on the left. The word row is found by its words, not its place.

use hawiya_documents::arabic::is_arabic_letter;
use hawiya_documents::dates;
use hawiya_documents::id_number;
use hawiya_documents::vocab::{
    self, closest_term, gender_from_word, Gender, Term, MARITAL_STATUSES, RELIGIONS,
};
use hawiya_documents::{translit, FieldIssue};
use image::RgbImage;
use serde_json::{json, Value};

use super::layout::{faint_line_grown, ink_segments, CardBox, Row};
use super::rectify::RectifiedCard;
use super::{
    derived_fields, lighting_flattened, locate, number_valid, outline_moved_out,
    outlines_moved_out, turned_180, whole_number, CardReader, Edge, IdModels, IdReadParams,
};
use crate::error::Result;
use crate::extraction::{date_issue_at, Extraction};
use crate::worker::Worker;

/// Where the back's parts lie, as fractions of the card.
#[derive(Debug, Clone, PartialEq)]
pub struct BackLayout {
    /// The number row's centre lies above this. Default 0.26 (printed at about 0.11).
    pub number_row_end: f32,
    /// The release row's centre lies above this. Default 0.36 (printed at about 0.25).
    pub release_row_end: f32,
    /// The expiry row's centre lies below this. Default 0.76 (printed at about 0.84).
    pub expiry_row_start: f32,
    /// The barcode: boxes centred left of `.0` between heights `.1` and `.2` are
    /// ignored. Default 0.38, 0.27-0.82 (barcode 0.04-0.36 x 0.30-0.78).
    pub barcode: (f32, f32, f32),
    /// Rows less tall than this are specks (dots under a line), not text. Default 0.025
    /// (16 px on the 630 px card: dots stand about 10 px, the smallest line 20 px or more).
    pub min_line_height: f32,
    /// A middle row taller than this is lines run together. Default 0.16 (100 px on
    /// the 630 px card; the tallest line, the word row, stands about 50 px).
    pub max_line_height: f32,
    /// A job line found in part is grown to this height. Default 0.05 (32 px).
    pub faint_line_height: f32,
    /// How much the bottom band is enlarged for the text detector where neither the ink
    /// nor the detector on the whole card gives an expiry date. Default 2: the date's
    /// print is about 20 px tall, and on a small, soft card the whole-card pass finds
    /// none of the faint bottom line.
    pub expiry_detect_scale: f32,
}

impl Default for BackLayout {
    fn default() -> Self {
        BackLayout {
            number_row_end: 0.26,
            release_row_end: 0.36,
            expiry_row_start: 0.76,
            barcode: (0.38, 0.27, 0.82),
            min_line_height: 0.025,
            max_line_height: 0.16,
            faint_line_height: 0.05,
            expiry_detect_scale: 2.0,
        }
    }
}

/// Reads the back of an ID card.
pub fn read(
    worker: &mut Worker,
    models: &mut IdModels,
    image: &RgbImage,
    params: &IdReadParams,
) -> Result<Extraction> {
    let (located, mut info) = locate(models, image)?;
    let outline = located.quad;
    let (mut out, mut read_from) = read_either_way(worker, models, located, params)?;
    if params.try_upside_down && !whole_number(&out) {
        // No whole number (a deliberately invalid one reads whole and is not retried):
        // the locator may have cut the number off.
        for grown in outlines_moved_out(image, &outline) {
            let grown_quad = grown.quad;
            let (mut other, from) = read_either_way(worker, models, grown, params)?;
            if number_valid(&other, params) {
                // The outline moved out squeezes the card: what the first read had and
                // this one lost is kept.
                other.fill_unread_from(&out);
                out = other;
                info["quad"] = json!(grown_quad);
                read_from = from;
                break;
            }
        }
    }
    if params.flatten_lighting && DATES.iter().any(|d| date_in_doubt(&out, d)) {
        // A date lost under glare (or misread: a pale `٣` read `٢` dates a valid card
        // years back, as expired): the card read again with its lighting flattened,
        // taking what only that read has, and its dates where both pass their checks.
        if let Some(flat) = lighting_flattened(&read_from, params) {
            let other = read_card(worker, models, &flat, params)?;
            if !DATES.iter().any(|d| date_in_doubt(&other, d)) {
                out.adopt_fields_from(&other, &DATES);
            }
            out.fill_unread_from(&other);
        }
    }
    if params.try_upside_down && out.unread("idExpiry") {
        // Still no expiry, the card's lowest line: the locator may have cut it off.
        if let Some(lower) = outline_moved_out(image, &read_from.quad, Edge::Bottom) {
            let other = read_card(worker, models, &lower, params)?;
            if number_valid(&other, params) {
                out.fill_unread_from(&other);
            }
        }
    }
    out.extra.insert("card".into(), info);
    Ok(out)
}

/// The back's two dates.
const DATES: [&str; 2] = ["releaseDate", "idExpiry"];

/// Whether date `field` went unread or failed its check (a format, a release in the
/// future or an expiry past).
fn date_in_doubt(out: &Extraction, field: &str) -> bool {
    out.unread(field) || out.issues.iter().any(|i| i.field == field)
}

/// Reads the card as rectified, and turned 180 degrees where that gives no valid number.
/// Returns the read and the card as read (turned or not).
fn read_either_way(
    worker: &mut Worker,
    models: &mut IdModels,
    card: RectifiedCard,
    params: &IdReadParams,
) -> Result<(Extraction, RectifiedCard)> {
    let out = read_card(worker, models, &card, params)?;
    if params.try_upside_down && !number_valid(&out, params) {
        if let Some(turned) = turned_180(&card) {
            let other = read_card(worker, models, &turned, params)?;
            if number_valid(&other, params) {
                return Ok((other, turned));
            }
        }
    }
    Ok((out, card))
}

/// Tokens of a row, each snapped to the closed word lists where it fits.
#[derive(Debug, Default)]
struct Words {
    gender: Option<(&'static str, f32)>,
    religion: Option<(&'static str, f32)>,
    marital: Option<(&'static str, f32)>,
}

impl Words {
    fn count(&self) -> usize {
        [
            self.gender.is_some(),
            self.religion.is_some(),
            self.marital.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }
}

/// Whether a religion or marital word is the feminine form (`مسلمة`, `آنسة`).
fn feminine_form(word: &str) -> bool {
    word.ends_with('ة')
}

/// The form of a religion or marital word for `gender` (`مسلم` for a man, `مسلمة` for a
/// woman; `أعزب` and `آنسة`), from the same list.
fn gendered_form(word: &'static str, gender: Gender, list: &'static [Term]) -> &'static str {
    let want_feminine = gender == Gender::Female;
    if feminine_form(word) == want_feminine {
        return word;
    }
    let meaning = list.iter().find(|t| t.arabic == word).map(|t| t.english);
    list.iter()
        .find(|t| Some(t.english) == meaning && feminine_form(t.arabic) == want_feminine)
        .map_or(word, |t| t.arabic)
}

/// The terms of `list` in `gender`'s forms.
fn gendered_list(list: &'static [Term], gender: Gender) -> Vec<Term> {
    list.iter()
        .filter(|t| feminine_form(t.arabic) == (gender == Gender::Female))
        .copied()
        .collect()
}

/// Snaps one token to a closed list: one edit against the whole list; failing that, and
/// when the holder's gender is known, up to two edits against that gender's forms only
/// (three or four words, at least three edits apart from each other: `مسلم`, `مسيحي`,
/// `يهودي`), for tokens of two letters or more. Ties refuse.
///
/// Why two letters: Tesseract loses the `لم` ligature of `مسلم` in the Amiri faces and
/// reads `سم`, and a printed religion or marital word is never empty. Two letters two
/// edits from a four-letter word are both in it, in order; only one form of the gender's
/// few has them.
fn snap_term(token: &str, list: &'static [Term], gender: Option<Gender>) -> Option<&'static str> {
    if let Some(t) = closest_term(token, list, 1) {
        return Some(t.arabic);
    }
    let g = gender?;
    if token.chars().count() < 2 {
        return None;
    }
    let forms = gendered_list(list, g);
    let t = closest_term(token, &forms, 2)?;
    list.iter().find(|x| x.arabic == t.arabic).map(|x| x.arabic)
}

/// The words of the gender, religion and marital row. `gender` is the holder's gender
/// when known otherwise (the number's); the printed gender word, once read, takes over.
/// Religion and marital words are put in the printed gender's form: the card prints
/// `مسلمة`, `متزوجة` for a woman, and Tesseract often drops a final `ة`.
/// `spread`: the row's words stand apart as only the word row's do, so it is taken as
/// the word row even before one word snaps.
fn snap_words(text: &str, confidence: f32, gender: Option<Gender>, spread: bool) -> Words {
    let mut w = Words::default();
    let tokens: Vec<&str> = text.split_whitespace().collect();
    for token in &tokens {
        if let Some(t) = vocab::closest_term(token, vocab::GENDER_WORDS, 1)
            .filter(|t| t.arabic != "F" && t.arabic != "M")
        {
            w.gender = Some((t.arabic, confidence));
            break;
        }
    }
    let printed = w.gender.and_then(|(g, _)| gender_from_word(g));
    let g = printed.or(gender);
    // First one edit against the whole lists; then, on a row already known as the word
    // row (one word snapped), two edits within the holder's gender's forms for the
    // tokens left over. Two edits anywhere would take a job row's `أعمال` or `عامل` for
    // `أرمل`. A spread row is known as the word row by its shape.
    let mut left: Vec<&str> = Vec::new();
    for &token in &tokens {
        if w.gender.is_some_and(|(g, _)| {
            closest_term(token, vocab::GENDER_WORDS, 1).is_some_and(|t| t.arabic == g)
        }) {
            continue;
        }
        if w.religion.is_none() {
            if let Some(t) = snap_term(token, RELIGIONS, None) {
                w.religion = Some((t, confidence));
                continue;
            }
        }
        if w.marital.is_none() {
            if let Some(t) = snap_term(token, MARITAL_STATUSES, None) {
                w.marital = Some((t, confidence));
                continue;
            }
        }
        left.push(token);
    }
    if w.count() >= 1 || spread {
        for &token in &left {
            if w.religion.is_none() {
                if let Some(t) = snap_term(token, RELIGIONS, g) {
                    w.religion = Some((t, confidence));
                    continue;
                }
            }
            if w.marital.is_none() {
                if let Some(t) = snap_term(token, MARITAL_STATUSES, g) {
                    w.marital = Some((t, confidence));
                }
            }
        }
    }
    let printed = match printed {
        // On the word row, a token that is none of its other words and begins a gender
        // word is the gender word, its end lost (`أن` for `أنثى`).
        None if w.count() >= 1 || spread => {
            let fragment = left
                .iter()
                .find_map(|t| vocab::gender_word_from_fragment(t));
            if let Some(word) = fragment {
                w.gender = Some((word, confidence.min(0.5)));
            }
            fragment.and_then(gender_from_word)
        }
        known => known,
    };
    if let Some(g) = printed {
        if let Some((r, c)) = w.religion {
            w.religion = Some((gendered_form(r, g, RELIGIONS), c));
        }
        if let Some((m, c)) = w.marital {
            w.marital = Some((gendered_form(m, g, MARITAL_STATUSES), c));
        }
    }
    w
}

fn arabic_words(s: &str) -> String {
    s.chars()
        .map(|c| if is_arabic_letter(c) { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads an already rectified back.
pub fn read_card(
    worker: &mut Worker,
    models: &mut IdModels,
    card: &super::rectify::RectifiedCard,
    params: &IdReadParams,
) -> Result<Extraction> {
    let layout = BackLayout::default();
    let mut r = CardReader::new(worker, models, card, params);
    let (w, h) = (card.width(), card.height());
    let today = params.today();
    // Everything right of the barcode; the text never reaches further left.
    let ink = r.ink_boxes((layout.barcode.0, 0.0, 0.99, 0.99));
    let mut rows = r.rows(&ink);
    // Rows less tall are specks (a letter's dots standing apart), not text.
    let is_line = |row: &Row| row.bounds.height() >= layout.min_line_height * h;
    // The number: the topmost long row (the release row may also end above
    // `number_row_end` on a shifted layout, but always below the number), not a speck
    // (the dots of the release label's `الإصدار` make a long thin row under a number
    // whose thin grey digits the ink lost).
    let number_row_of = |rows: &[Row]| {
        let top = rows
            .iter()
            .filter(|row| is_line(row))
            .filter(|row| {
                row.cy() < layout.number_row_end * h
                    && row.bounds.width() > 4.0 * row.bounds.height()
            })
            .min_by(|a, b| a.cy().total_cmp(&b.cy()))?;
        // A line above it is what is left of the number, broken into pieces: this
        // long row is the release row.
        let above = rows
            .iter()
            .any(|row| is_line(row) && row.bounds.y1 <= top.bounds.y0 + 2.0);
        (!above).then(|| top.clone())
    };
    // The text detector's rows, run at most once per card, where the ink search fails.
    let mut detected: Option<Vec<Row>> = None;
    let mut number_row = number_row_of(&rows);
    let mut number = match &number_row {
        Some(row) => r.id_number(&row.bounds)?,
        None => None,
    };
    if number.as_ref().is_none_or(|n| n.parsed.is_err()) {
        // No valid number from the ink: the detector's boxes. The ink loses thin grey
        // digits under glare (the number then breaks into pieces), and on a card
        // rectified too wide the number starts left of the barcode's edge, where no ink
        // is looked for. Where the ink found rows up there, the detector gives the
        // number row alone and the rows below keep their ink boxes.
        let detected = detector_rows_once(&mut detected, &mut r, &layout)?;
        let detected_row = number_row_of(detected);
        r.prefer_detected_number(&mut number, &mut number_row, detected_row)?;
        if !rows.iter().any(|row| row.cy() < layout.number_row_end * h) {
            rows = detected.to_vec();
        }
    }
    let mut out = Extraction::default();
    let mut parsed_id = None;
    match &number {
        Some(n) => {
            r.push(
                &mut out,
                "idNumber",
                json!(n.digits),
                n.confidence,
                Some(&n.region),
            );
            match &n.parsed {
                Ok(id) => parsed_id = Some(id.clone()),
                Err(e) => out.issues.extend(e.to_issues(id_number::FIELD)),
            }
        }
        None => {
            out.push("idNumber", Value::Null);
            out.issues.push(FieldIssue::unread(
                id_number::FIELD,
                "no ID number could be read on the card",
            ));
        }
    }
    let birth = number
        .as_ref()
        .and_then(|n| derived_fields(&n.digits, today).0)
        .and_then(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());

    let number_gender = number
        .as_ref()
        .and_then(|n| derived_fields(&n.digits, today).2);
    let below_number = |row: &&Row| {
        number_row
            .as_ref()
            .is_none_or(|n| row.bounds.y0 >= n.bounds.y1 - 2.0)
    };
    // Not a speck: the dots of `الإصدار` can stand as a row of their own above it.
    let release_row = rows
        .iter()
        .filter(below_number)
        .filter(|row| is_line(row))
        .find(|row| row.cy() < layout.release_row_end * h)
        .cloned();
    // Pieces of the bottom line standing apart (the date and a stray end of its label)
    // are one row: the lowest piece alone was a speck right of the date.
    // Specks under the label (its dots, about 10 px on the 630 px tall card) are no row;
    // the smallest printed line stands 20 px or more.
    let expiry_row_of = |rows: &[Row]| {
        merge_side_by_side(
            rows.iter()
                .filter(|row| row.cy() > layout.expiry_row_start * h)
                .filter(|row| is_line(row))
                .cloned()
                .collect(),
        )
        .into_iter()
        .max_by(|a, b| a.cy().total_cmp(&b.cy()))
    };
    let mut expiry_row = expiry_row_of(&rows);

    // Dates: the value is the leftmost ink segment of its row (the label is on the right).
    let release = match &release_row {
        Some(row) => read_date(&mut r, row, 1, None)?,
        None => None,
    };
    let release_read = push_date(
        &r,
        &mut out,
        "releaseDate",
        release,
        "no release date found",
        |t| dates::check_release_date("releaseDate", t, birth, today),
        |_| false,
    );
    // A card expires after it was issued: a read that says otherwise is retried.
    let issued = release_read.map(|d| d.date.first_day());
    let mut expiry = match &expiry_row {
        Some(row) => read_date(&mut r, row, 2, issued)?,
        None => None,
    };
    let parses = |read: &Option<(String, f32, CardBox)>| {
        read.as_ref()
            .is_some_and(|(t, _, _)| dates::parse_printed_date(t).is_ok())
    };
    if !parses(&expiry) {
        // The ink lost the date (glare greys its thin digits, leaving the bold label):
        // the detector's row, which keeps faint print.
        let detected = detector_rows_once(&mut detected, &mut r, &layout)?;
        if let Some(row) = expiry_row_of(detected).filter(|row| Some(row) != expiry_row.as_ref()) {
            let other = read_date(&mut r, &row, 2, issued)?;
            if parses(&other) {
                expiry = other;
                expiry_row = Some(row);
            }
        }
    }
    if !parses(&expiry) {
        // Nor the detector on the whole card: the bottom band alone, enlarged.
        let band = (layout.barcode.0, layout.expiry_row_start, 0.99, 0.99);
        let boxes = r.boxes_in(band, layout.expiry_detect_scale)?;
        let rows = r.rows(&boxes);
        if let Some(row) = expiry_row_of(&rows) {
            let other = read_date(&mut r, &row, 2, issued)?;
            if parses(&other) {
                expiry = other;
                expiry_row = Some(row);
            }
        }
    }
    if !parses(&expiry) {
        // The row found may be the bold label alone, its date too pale for the ink
        // and the detector to find: the digits left of it, first without the row's
        // left end, then with it (where the row holds the date's last digits).
        if let Some(row) = expiry_row.clone() {
            let rh = row.bounds.height();
            for right in [-0.2, 0.5] {
                let region = CardBox {
                    x0: (row.bounds.x0 - 9.0 * rh).max(layout.barcode.0 * w),
                    x1: row.bounds.x0 + right * rh,
                    ..row.bounds
                };
                let accept = |t: &str| date_accepted(t, 2, issued);
                if let Some((read, region)) = r.digits(&region, |d| accept(&d.text))? {
                    if accept(&read.text) {
                        expiry = Some((read.text, read.confidence, region));
                        break;
                    }
                }
            }
        }
    }
    // An expiry seven years after a release month that passed its check is vouched for
    // by it, however unsure its own read.
    let vouched_by_release = |d: &dates::PrintedDate| match (d, release_read) {
        (dates::PrintedDate::Day(day), Some(r)) => {
            r.checked && r.date == dates::release_for_expiry(*day)
        }
        _ => false,
    };
    let expiry_read = push_date(
        &r,
        &mut out,
        "idExpiry",
        expiry,
        "no expiry date found",
        |t| dates::check_expiry_date("idExpiry", t, today),
        vouched_by_release,
    );

    reconcile_dates(&mut out, release_read, expiry_read, birth, today);

    // The rows between: job, optional job title, the word row, optional husband.
    let top = release_row
        .as_ref()
        .map_or(layout.release_row_end * h, |row| row.bounds.y1 - 2.0);
    let bottom = expiry_row
        .as_ref()
        .map_or(layout.expiry_row_start * h, |row| row.bounds.y0 + 2.0);
    let middle_of = |rows: &[Row]| {
        without_slivers(merge_side_by_side(
            rows.iter()
                .filter(|row| row.cy() > top && row.cy() < bottom)
                .filter(|row| number_row.as_ref() != Some(*row))
                .cloned()
                .collect(),
        ))
    };
    // The ink search can run the middle lines into one (a shadow or glare joining them)
    // or keep specks of them only: then the detector's lines are tried.
    let broken = |middle: &[Row]| {
        middle.is_empty()
            || middle
                .iter()
                .any(|row| row.bounds.height() > layout.max_line_height * h)
            || !middle.iter().any(is_line)
    };
    let mut middle: Vec<Row> = middle_of(&rows);
    if broken(&middle) {
        let detected = detector_rows_once(&mut detected, &mut r, &layout)?;
        let detected = middle_of(detected);
        if !broken(&detected) {
            middle = detected;
        }
    }
    // A job line the ink search found in part (a speck of a faint `نجار`): grown to a
    // line's height, right to the text's right edge, and left over its faint words.
    if let Some(first) = middle.first_mut().filter(|row| !is_line(row)) {
        let right = rows.iter().map(|row| row.bounds.x1).fold(0.0, f32::max);
        let height = layout.faint_line_height * h;
        *first = faint_line_grown(&card.image, first, height, right, layout.barcode.0 * w);
    }
    let mut texts = Vec::with_capacity(middle.len());
    let mut word_row: Option<(usize, Words)> = None;
    for (i, row) in middle.iter().enumerate() {
        let (text, conf) = read_middle_row(&mut r, row)?;
        let mut words = snap_words(&text, conf, number_gender, false);
        let mut spread = false;
        if words.count() < 3 {
            // The word row's three words stand apart: Tesseract reads them better alone.
            let segments = ink_segments(&r.card.image, &row.bounds.grown(4.0, 2.0), 0.9);
            spread = is_spread(&segments);
            if segments.len() >= 2 && segments.len() <= 4 {
                let mut alone = Vec::new();
                let mut c = 1.0f32;
                for seg in segments.iter().rev() {
                    let read = r.arabic_voted(seg, clean_words)?;
                    c = c.min(read.confidence);
                    alone.push(read.text);
                }
                let snapped = snap_words(&alone.join(" "), c, number_gender, spread);
                if snapped.count() > words.count() {
                    words = snapped;
                }
            }
        }
        if (words.count() >= 2 || spread && words.count() >= 1)
            && word_row
                .as_ref()
                .is_none_or(|(_, w)| words.count() > w.count())
        {
            word_row = Some((i, words));
        }
        texts.push((text, conf));
    }
    if let Some((i, _)) = word_row.as_mut().filter(|(i, _)| *i == 0) {
        // The word row first: the job above it was lost (glare greys it past the ink
        // search's reach). The detector's lines between the release row and the word
        // row are the job and its title.
        let word_top = middle[0].bounds.y0;
        let detected = detector_rows_once(&mut detected, &mut r, &layout)?;
        let above: Vec<Row> = middle_of(detected)
            .into_iter()
            .filter(|row| is_line(row) && row.bounds.y1 <= word_top + 2.0)
            .take(2)
            .collect();
        for (k, row) in above.into_iter().enumerate() {
            texts.insert(k, read_middle_row(&mut r, &row)?);
            middle.insert(k, row);
            *i += 1;
        }
    }
    let split = word_row.as_ref().map_or(middle.len(), |(i, _)| *i);
    let job_rows: Vec<usize> = (0..split).collect();
    let job = job_rows.first().map(|&i| (&texts[i], &middle[i]));
    let title = job_rows.get(1).map(|&i| (&texts[i], &middle[i]));
    match job {
        Some(((t, c), row)) => {
            // The card prints the job in the printed gender's form (`فنية` for a woman).
            // Not the number's gender: on a card whose gender word disagrees with its
            // number, the job follows the word, and the disagreement is what is checked.
            let holder = word_row
                .as_ref()
                .and_then(|(_, w)| w.gender)
                .and_then(|(g, _)| gender_from_word(g));
            let (job, conf) = r.job(t, *c, &row.bounds, holder)?;
            r.push(&mut out, "job", json!(job), conf, Some(&row.bounds))
        }
        None => r.push(&mut out, "job", json!(""), 0.0, None),
    }
    match title {
        Some(((t, c), row)) => r.push(&mut out, "jobTitle", json!(t), *c, Some(&row.bounds)),
        None => r.push(&mut out, "jobTitle", json!(""), 0.0, None),
    }
    let words = word_row.as_ref().map(|(_, w)| w);
    let word_region = word_row.as_ref().map(|(i, _)| middle[*i].bounds);
    let gender_word = words.and_then(|w| w.gender);
    let gender = gender_word.and_then(|(g, _)| gender_from_word(g));
    match gender_word {
        Some((g, c)) => {
            let code = gender.map(|g| g.code());
            r.push(&mut out, "gender", json!(code), c, word_region.as_ref());
            if let Some(id) = &parsed_id {
                if let Some(issue) = id_number::check_printed_gender(id, "gender", g) {
                    out.issues.push(issue);
                }
            }
        }
        None => {
            // Not printed legibly: the number's gender, flagged as derived.
            let derived = number
                .as_ref()
                .and_then(|n| derived_fields(&n.digits, today).2);
            r.push(
                &mut out,
                "gender",
                json!(derived.map(|g| g.code())),
                0.3,
                None,
            );
        }
    }
    let religion = words.and_then(|w| w.religion);
    r.push(
        &mut out,
        "religion",
        json!(religion.map(|x| x.0)),
        religion.map_or(0.0, |x| x.1),
        word_region.as_ref(),
    );
    let marital = words.and_then(|w| w.marital);
    r.push(
        &mut out,
        "maritalStatus",
        json!(marital.map(|x| x.0)),
        marital.map_or(0.0, |x| x.1),
        word_region.as_ref(),
    );
    // The husband's name follows the word row, for a married woman only.
    let married_woman = marital.is_some_and(|(m, _)| m == "متزوجة");
    let husband = word_row
        .as_ref()
        .and_then(|(i, _)| middle.get(i + 1).map(|row| (&texts[i + 1], row)))
        .filter(|_| married_woman);
    match husband {
        Some(((t, c), row)) => {
            // A name: the trained line reader and the name dictionary arbitrate, as on
            // the front.
            let tesseract = (translit::correct_name_words(t), *c);
            let (name, c) = match r.trained_name(&row.bounds)? {
                Some(n) => super::front::choose_name(tesseract, (n.text, n.confidence)),
                None => tesseract,
            };
            r.push(&mut out, "husbandName", json!(name), c, Some(&row.bounds))
        }
        None => r.push(&mut out, "husbandName", Value::Null, 0.0, None),
    }
    Ok(out)
}

/// The text of one of the back's middle rows (job, title, word row, husband), each box
/// read alone: the word row's three words stand far apart, and one Tesseract line over
/// the gaps reads worse than three short ones.
fn read_middle_row(r: &mut CardReader, row: &Row) -> Result<(String, f32)> {
    let mut parts = Vec::new();
    let mut conf = 1.0f32;
    for b in row.boxes.iter().rev() {
        // Reads that are jobs or names (the husband's) win the vote between views
        // (`فية`, read by the line views for `صحفية`).
        let read = r.arabic_voted_names(b, clean_words, known_back_word)?;
        conf = conf.min(read.confidence);
        parts.push(read.text);
    }
    Ok((parts.join(" "), conf))
}

/// A read of the middle rows as Arabic words, with the names' spacing fixed.
fn clean_words(text: &str) -> String {
    super::names_fix(&arabic_words(text))
}

/// [`detector_rows`], run at most once per card: kept in `cache`.
fn detector_rows_once<'c>(
    cache: &'c mut Option<Vec<Row>>,
    r: &mut CardReader,
    layout: &BackLayout,
) -> Result<&'c [Row]> {
    match cache {
        Some(rows) => Ok(rows),
        None => Ok(cache.insert(detector_rows(r, layout)?)),
    }
}

/// Rows of the text detector's boxes, without those on the barcode.
fn detector_rows(r: &mut CardReader, layout: &BackLayout) -> Result<Vec<Row>> {
    let (w, h) = (r.card.width(), r.card.height());
    let boxes: Vec<CardBox> = r
        .boxes()?
        .into_iter()
        .filter(|b| {
            !(b.cx() < layout.barcode.0 * w
                && b.cy() > layout.barcode.1 * h
                && b.cy() < layout.barcode.2 * h)
        })
        .collect();
    Ok(r.rows(&boxes))
}

/// Answers a date field from its read `(text, confidence, region)`: the date as printed,
/// also when `check` finds fault with it (its issue goes with it, an unsure expiry in the
/// past as `1050` unless `vouched` for: [`date_issue_at`]), or null and a `1050` issue
/// saying `missing` when nothing but a fragment was read. Returns the date as read, for
/// [`reconcile_dates`].
fn push_date(
    r: &CardReader,
    out: &mut Extraction,
    field: &str,
    read: Option<(String, f32, CardBox)>,
    missing: &str,
    check: impl Fn(&str) -> std::result::Result<dates::PrintedDate, FieldIssue>,
    vouched: impl Fn(&dates::PrintedDate) -> bool,
) -> Option<dates::DateRead> {
    let read = read.filter(|(text, _, _)| !dates::is_fragment(text));
    let Some((text, confidence, region)) = read else {
        out.push(field, Value::Null);
        out.issues.push(FieldIssue::unread(field, missing));
        return None;
    };
    let checked = check(&text);
    let date = match &checked {
        Ok(d) => Some(*d),
        Err(_) => dates::parse_printed_date(&text).ok(),
    };
    let value = date.map_or(Value::Null, |d| json!(d.to_iso()));
    let passed = checked.is_ok();
    let sureness = if date.as_ref().is_some_and(vouched) {
        1.0
    } else {
        confidence
    };
    out.issues
        .extend(checked.err().map(|i| date_issue_at(i, sureness)));
    r.push(out, field, value, confidence, Some(&region));
    date.map(|date| dates::DateRead {
        date,
        checked: passed,
        confidence,
    })
}

/// The release and expiry dates made to agree (the card is valid for
/// [`dates::ID_CARD_VALID_YEARS`]) where one was misread or missed: the date
/// [`dates::reconcile_id_dates`] trusts sets the other's year and month, which is
/// checked again and answered at the lower of the two confidences.
/// On 300 backs of seed 77: release 95.0 -> 97.7% exact; expiry unchanged at 92.7%
/// (its misses are mostly empty reads, whose day nothing can supply).
fn reconcile_dates(
    out: &mut Extraction,
    release: Option<dates::DateRead>,
    expiry: Option<dates::DateRead>,
    birth: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) {
    let confidence = [release, expiry]
        .iter()
        .flatten()
        .map(|d| d.confidence)
        .fold(1.0f32, f32::min);
    let (field, date) = match dates::reconcile_id_dates(release, expiry) {
        dates::IdDatesFix::Keep => return,
        dates::IdDatesFix::Release(d) => ("releaseDate", d),
        dates::IdDatesFix::Expiry(d) => ("idExpiry", d),
    };
    let iso = date.to_iso();
    let checked = match field {
        "releaseDate" => dates::check_release_date(field, &iso, birth, today),
        _ => dates::check_expiry_date(field, &iso, today),
    };
    out.issues.retain(|i| i.field != field);
    out.issues
        .extend(checked.err().map(|i| date_issue_at(i, confidence)));
    match out.fields.iter_mut().find(|f| f.name == field) {
        Some(f) => {
            f.value = json!(iso);
            f.confidence = Some(confidence.min(f.confidence.unwrap_or(1.0)));
        }
        None => out.push(field, json!(iso)).confidence = Some(confidence),
    }
}

/// A word of the back's middle rows that a list knows: a job's, or a name's.
fn known_back_word(word: &str) -> bool {
    vocab::is_job_word(word) || translit::is_known_name_word(word)
}

/// Whether a row's ink segments stand apart as the word row's do: two to four of them,
/// some gap wider than two ink heights (the gender, religion and marital words stand
/// about 0.18 card widths apart, 4-6 heights; words of a job or employer, under one).
fn is_spread(segments: &[CardBox]) -> bool {
    if !(2..=4).contains(&segments.len()) {
        return false;
    }
    let mut sorted: Vec<&CardBox> = segments.iter().collect();
    sorted.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    let height = sorted.iter().map(|b| b.height()).fold(0.0f32, f32::max);
    sorted.windows(2).any(|p| p[1].x0 - p[0].x1 > 2.0 * height)
}

/// Rows that stand side by side on one line, joined (boxes kept left to right).
/// The word row's three words stand about 0.18 card widths apart, more than
/// [`super::layout::RowParams::max_gap`] heights when the print is small: its gender word
/// then made a row of its own and went unread as part of the word row.
fn merge_side_by_side(rows: Vec<Row>) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    for row in rows {
        let joined = out.last_mut().filter(|last| {
            let (a, b) = (&last.bounds, &row.bounds);
            let overlap = a.y1.min(b.y1) - a.y0.max(b.y0);
            let apart = a.x1 <= b.x0 || b.x1 <= a.x0;
            apart && overlap >= 0.5 * a.height().min(b.height())
        });
        match joined {
            Some(last) => {
                last.bounds = last.bounds.union(&row.bounds);
                last.boxes.extend(row.boxes);
                last.boxes.sort_by(|a, b| a.x0.total_cmp(&b.x0));
            }
            None => out.push(row),
        }
    }
    out
}

/// The rows between the dates less the detector's fragments: a speck far lower than the
/// text rows (under 0.4 of their median height), and a sliver just above a taller row that
/// it overlaps (under 0.65 of its height, at most 0.3 of its height above it): the dots
/// and tops of a blurred word, boxed apart from it. Either would otherwise take the job's
/// or the employer's place, which the rows' order gives (seed 4242: `لي ل` above
/// `ربة منزل`, a 10 px `ش` between job and employer).
fn without_slivers(rows: Vec<Row>) -> Vec<Row> {
    let mut heights: Vec<f32> = rows.iter().map(|r| r.bounds.height()).collect();
    heights.sort_by(f32::total_cmp);
    let median = heights.get(heights.len() / 2).copied().unwrap_or(0.0);
    let keep: Vec<bool> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let (b, h) = (&row.bounds, row.bounds.height());
            let speck = h < 0.4 * median;
            let sliver = rows.get(i + 1).is_some_and(|next| {
                let n = &next.bounds;
                let overlaps = b.x0 < n.x1 && n.x0 < b.x1;
                overlaps && h < 0.65 * n.height() && n.y0 - b.y1 <= 0.3 * n.height()
            });
            !(speck || sliver)
        })
        .collect();
    rows.into_iter()
        .zip(keep)
        .filter_map(|(row, keep)| keep.then_some(row))
        .collect()
}

/// Whether `t` reads as a printed date of `slashes` slashes, its months and days in two
/// digits as the card prints them (`٢٠٣٣/٠٧/١٤`; a one-digit group is a digit lost at a
/// crop's edge), later than `after`.
fn date_accepted(t: &str, slashes: usize, after: Option<chrono::NaiveDate>) -> bool {
    t.matches('/').count() == slashes
        && t.split('/').skip(1).all(|g| g.len() == 2)
        && dates::parse_printed_date(t).is_ok_and(|d| after.is_none_or(|a| d.first_day() > a))
}

/// `t` with its slashes where the card prints them (`YYYY/MM/DD`, or `YYYY/MM` for one
/// slash) when it holds the digits of such a date and any slashes it has stand there:
/// the recogniser loses a thin `/` between two digits now and then on a blurred card
/// (`2029/0518`). Anything else is returned as it is.
fn with_printed_slashes(t: &str, slashes: usize) -> String {
    let digits: String = t.chars().filter(|c| *c != '/').collect();
    let places = [4, 6];
    let places = &places[..slashes.min(2)];
    // Where each slash read stands, counted in digits before it.
    let mut before = 0;
    let mut read_at = Vec::new();
    for c in t.chars() {
        if c == '/' {
            read_at.push(before);
        } else {
            before += 1;
        }
    }
    let fits = digits.len() == 4 + 2 * places.len()
        && digits.chars().all(|c| c.is_ascii_digit())
        && read_at.iter().all(|at| places.contains(at))
        && read_at.windows(2).all(|w| w[0] != w[1]);
    if !fits {
        return t.to_string();
    }
    let mut out = String::with_capacity(digits.len() + places.len());
    for (i, c) in digits.chars().enumerate() {
        if places.contains(&i) {
            out.push('/');
        }
        out.push(c);
    }
    out
}

/// The date of a label-and-value row: the leftmost ink segment (or the leftmost box when
/// the detector split the row), read until it parses with `slashes` separators.
fn read_date(
    r: &mut CardReader,
    row: &Row,
    slashes: usize,
    after: Option<chrono::NaiveDate>,
) -> Result<Option<(String, f32, CardBox)>> {
    let mut regions = Vec::new();
    let segments = ink_segments(
        &r.card.image,
        &row.bounds.grown(4.0, 2.0),
        r.params.segment_gap,
    );
    if let Some(first) = segments.first() {
        regions.push(*first);
    }
    if row.boxes.len() >= 2 {
        regions.push(row.boxes[0]);
    }
    regions.push(row.bounds);
    // The date's own digits can stand as far apart as the date from its label: when
    // neither read parses, the leftmost two to six segments together (within 8 row
    // heights, a date's length) are tried as well, the widest first (a narrower one that
    // parses may have lost a digit).
    let unions: Vec<CardBox> = (2..=segments.len().min(6))
        .map(|k| {
            segments[..k]
                .iter()
                .skip(1)
                .fold(segments[0], |u, s| u.union(s))
        })
        .take_while(|u| u.width() <= 8.0 * row.bounds.height())
        .collect();
    regions.extend(unions.into_iter().rev());
    // A date that breaks [`date_accepted`] (`2033/07/1`) is read on from a wider region.
    let accept = |t: &str| date_accepted(t, slashes, after);
    let mut reads = Vec::new();
    for region in regions {
        if let Some((read, region)) = r.digits(&region, |d| accept(&d.text))? {
            if accept(&read.text) {
                return Ok(Some((read.text, read.confidence, region)));
            }
            reads.push((read.text, read.confidence, region));
        }
    }
    // No region read the date whole: a read that lost only a slash, with its slashes
    // put back, before the first read as it is. Only here: taken earlier, it stopped
    // the search before a region that read the date right.
    let restored = reads.iter().find_map(|(text, confidence, region)| {
        let text = with_printed_slashes(text, slashes);
        accept(&text).then_some((text, *confidence, *region))
    });
    Ok(restored.or_else(|| reads.into_iter().next()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_row_snaps_each_list() {
        let w = snap_words("انثى مسلمه متزوجة", 0.9, None, false);
        assert_eq!(w.gender.map(|x| x.0), Some("أنثى"));
        assert_eq!(w.religion.map(|x| x.0), Some("مسلمة"));
        assert_eq!(w.marital.map(|x| x.0), Some("متزوجة"));
        assert_eq!(snap_words("مهندس مدني", 0.9, None, false).count(), 0);
        assert_eq!(
            snap_words("مهندس مدني", 0.9, Some(Gender::Male), false).count(),
            0
        );
    }

    #[test]
    fn a_gender_word_read_in_part_is_taken_on_the_word_row_only() {
        // Dev card 5151_30: `أنثى` read `أن` beside the woman's religion and marital
        // words, on a card whose number says male: the printed word wins (and is flagged).
        let w = snap_words("أن مسلية متزوجة", 0.63, Some(Gender::Male), false);
        assert_eq!(w.gender.map(|x| x.0), Some("أنثى"));
        assert_eq!(w.religion.map(|x| x.0), Some("مسلمة"));
        // Not on a row none of whose words is the word row's.
        let w = snap_words("أن محمد", 0.63, None, false);
        assert_eq!(w.gender, None);
    }

    #[test]
    fn lost_date_slashes_are_put_back_where_the_card_prints_them() {
        // Dev 7171 back 299: the expiry read `2029/0518`.
        assert_eq!(with_printed_slashes("2029/0518", 2), "2029/05/18");
        assert_eq!(with_printed_slashes("20290518", 2), "2029/05/18");
        assert_eq!(with_printed_slashes("2029/05/18", 2), "2029/05/18");
        assert_eq!(with_printed_slashes("202505", 1), "2025/05");
        // A digit lost or a slash out of place: as read.
        assert_eq!(with_printed_slashes("2029/058", 2), "2029/058");
        assert_eq!(with_printed_slashes("202/905/18", 2), "202/905/18");
        assert_eq!(with_printed_slashes("2029//0518", 2), "2029//0518");
    }

    #[test]
    fn fragments_between_the_dates_are_dropped() {
        let row = |x0: f32, y0: f32, x1: f32, y1: f32| Row::single(CardBox { x0, y0, x1, y1 });
        // Measured on seed 4242: the tops of `ربة منزل` boxed apart, a 10 px speck under
        // the employer, the word row, the husband's name.
        let rows = vec![
            row(834.0, 217.0, 901.0, 228.0),
            row(819.0, 229.0, 931.0, 254.0),
            row(740.0, 280.0, 930.0, 310.0),
            row(823.0, 318.0, 831.0, 328.0),
            row(524.0, 345.0, 936.0, 396.0),
            row(751.0, 420.0, 937.0, 458.0),
        ];
        let kept: Vec<f32> = without_slivers(rows.clone())
            .iter()
            .map(|r| r.bounds.y0)
            .collect();
        assert_eq!(kept, [229.0, 280.0, 345.0, 420.0]);
        // Rows of text apart from each other all stay, short ones included.
        let clean = vec![rows[1].clone(), rows[2].clone(), rows[4].clone()];
        assert_eq!(without_slivers(clean.clone()).len(), 3);
        // A short row far above the next is no sliver of it.
        let apart = vec![
            row(850.0, 200.0, 900.0, 220.0),
            rows[2].clone(),
            rows[4].clone(),
        ];
        assert_eq!(without_slivers(apart).len(), 3);
    }

    #[test]
    fn only_words_far_apart_make_a_spread_row() {
        let b = |x0: f32, x1: f32| CardBox {
            x0,
            x1,
            y0: 100.0,
            y1: 130.0,
        };
        // Gender, religion, marital: 150-200 px apart at 30 px of ink.
        assert!(is_spread(&[
            b(480.0, 560.0),
            b(700.0, 770.0),
            b(880.0, 930.0)
        ]));
        // An employer's words, 15 px apart; one word alone; too many pieces.
        assert!(!is_spread(&[
            b(600.0, 700.0),
            b(715.0, 800.0),
            b(815.0, 930.0)
        ]));
        assert!(!is_spread(&[b(800.0, 930.0)]));
        let many: Vec<CardBox> = (0..5)
            .map(|i| b(i as f32 * 150.0, i as f32 * 150.0 + 40.0))
            .collect();
        assert!(!is_spread(&many));
    }

    #[test]
    fn religion_and_marital_words_follow_the_printed_gender() {
        // A dropped final `ة` is put back for a woman; the word order does not matter.
        let w = snap_words("متزوج مسلم أنثى", 0.9, None, false);
        assert_eq!(w.religion.map(|x| x.0), Some("مسلمة"));
        assert_eq!(w.marital.map(|x| x.0), Some("متزوجة"));
        assert_eq!(w.gender.map(|x| x.0), Some("أنثى"));
        // Two edits, within the known gender's forms only, on the word row only.
        let w = snap_words("أنثى سيحبة", 0.9, Some(Gender::Female), false);
        assert_eq!(w.religion.map(|x| x.0), Some("مسيحية"));
        // (the printed gender word is a known gender: without one, one edit only)
        assert_eq!(snap_words("متزوجة سيحبة", 0.9, None, false).count(), 1);
        assert_eq!(
            snap_words("سيحبة", 0.9, Some(Gender::Female), false).count(),
            0
        );
        // On a row shaped like the word row, two edits within the holder's forms.
        let w = snap_words("سيحبة", 0.9, Some(Gender::Female), true);
        assert_eq!(w.religion.map(|x| x.0), Some("مسيحية"));
        assert_eq!(
            snap_words("مهندس", 0.9, Some(Gender::Male), true).count(),
            0
        );
        // Equally near two words of the gender's forms: refused.
        assert_eq!(
            snap_words("أنثى مسحة", 0.9, Some(Gender::Female), false).count(),
            1
        );
        // A job row is not the word row.
        assert_eq!(
            snap_words("أعمال حرة", 0.9, Some(Gender::Male), false).count(),
            0
        );
        assert_eq!(
            snap_words("عامل", 0.9, Some(Gender::Male), false).count(),
            0
        );
        // Each token fills one field: `مطلق` is the marital word, not a religion.
        let w = snap_words("ذكر هه مطلق", 0.9, Some(Gender::Male), false);
        assert_eq!(w.marital.map(|x| x.0), Some("مطلق"));
        assert_eq!(w.religion, None);
        // Two letters of the religion, in order (`مسلم` with its `لم` ligature lost).
        let w = snap_words("ذكر سم مطلق", 0.9, Some(Gender::Male), false);
        assert_eq!(w.religion.map(|x| x.0), Some("مسلم"));
        // One letter tells nothing.
        let w = snap_words("ذكر م مطلق", 0.9, Some(Gender::Male), false);
        assert_eq!(w.religion, None);
    }
}
