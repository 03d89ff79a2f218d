//! The front of the national ID card: names, address, ID number, factory serial.
//!
//! Layout (documents.md), as fractions of the upright card: header at the top, photo on
//! the left third with the serial under it, then on the right, right-aligned and top to
//! bottom, first name, last names, two address lines, and the large 14-digit number at
//! the bottom. Rows are assigned from the number's row upwards, by their expected
//! distance from it, so that a layout shifted on the card still assigns right.

use hawiya_documents::arabic::is_arabic_letter;
use hawiya_documents::id_number;
use hawiya_documents::{districts, governorates, translit, Code, FieldIssue};
use image::RgbImage;
use serde_json::{json, Value};

use super::layout::{faint_line_grown, grown_over_faint_words, ink_segments, CardBox, Row};
use super::rectify::RectifiedCard;
use super::{
    derived_fields, is_whole, lighting_flattened, locate, number_valid, outlines_moved_out,
    turned_180, whole_number, CardReader, IdModels, IdNumberRead, IdReadParams,
};
use crate::error::Result;
use crate::extraction::Extraction;
use crate::ocr::text_recognize::{recognize_crops, TextRecognizeParams};
use crate::worker::Worker;

/// Where the front's parts lie, as fractions of the card. Defaults from the layout of
/// documents.md, measured on rendered cards; each allows the 3% layout shift.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontLayout {
    /// Rows above this are the header. Default 0.24: the header's second line ends
    /// about there.
    pub header_end: f32,
    /// Boxes left of this belong to the photo column. Default 0.32 (photo 0.04-0.29).
    pub photo_column_end: f32,
    /// The ID number's row lies below this. Default 0.74.
    pub number_row_start: f32,
    /// The serial under the photo: centre between these heights. Default 0.68-0.95.
    pub serial_band: (f32, f32),
    /// How much the serial band is enlarged for the text detector where the ink gives
    /// no serial. Default 2: the serial's print is about 15 px tall on the card.
    pub serial_detect_scale: f32,
    /// Expected centres of first name, last names, address 1 and 2, relative to the
    /// number row's centre. Default from the layout: -0.53, -0.42, -0.285, -0.185.
    pub offsets: [f32; 4],
    /// Largest distance from the expected centre. Default 0.055: half the line pitch.
    pub tolerance: f32,
    /// Rows less tall than this are specks (a letter's dots standing apart), not text,
    /// where they touch a line.
    /// Default 0.025 (16 px on the 630 px card; the smallest line stands 20 px or more).
    pub min_line_height: f32,
    /// A name row less tall than this is a faint line the ink search found in part: it
    /// is grown to this height and across the line's width before reading. Default
    /// 0.045 (28 px; a first name stands 30-48 px).
    pub faint_line_height: f32,
}

impl Default for FrontLayout {
    fn default() -> Self {
        FrontLayout {
            header_end: 0.24,
            photo_column_end: 0.32,
            number_row_start: 0.74,
            serial_band: (0.68, 0.95),
            serial_detect_scale: 2.0,
            offsets: [-0.53, -0.42, -0.285, -0.185],
            tolerance: 0.055,
            min_line_height: 0.025,
            faint_line_height: 0.045,
        }
    }
}

/// Reads the front of an ID card.
pub fn read(
    worker: &mut Worker,
    models: &mut IdModels,
    image: &RgbImage,
    params: &IdReadParams,
) -> Result<Extraction> {
    let (located, mut info) = locate(models, image)?;
    let outline = located.quad;
    let (mut out, mut card) = read_located(worker, models, located, params)?;
    if params.try_upside_down && !whole_number(&out) {
        // No whole number (a deliberately invalid one reads whole and is not retried):
        // the locator may have cut the number off.
        for grown in outlines_moved_out(image, &outline) {
            let (other, other_card) = read_located(worker, models, grown, params)?;
            if number_valid(&other, params) {
                // The outline moved out squeezes the card: only the number (and what it
                // gives) and what the first read left unread are taken from this read.
                out.adopt_fields_from(&other, NUMBER_FIELDS);
                out.fill_unread_from(&other);
                card = other_card;
                info["quad"] = json!(card.quad);
                break;
            }
        }
    }
    let key_unsure = out.unread("idKey") || out.issues.iter().any(|i| i.field == "idKey");
    let number_lost = !whole_number(&out);
    if params.flatten_lighting && (key_unsure || number_lost) {
        // The serial or the number lost under glare: the card read again with its
        // lighting flattened (`preprocess::lighting_flattened`). Its serial is taken
        // where valid, its number (and what it gives) where valid, and the fields only
        // it read.
        if let Some(flat) = lighting_flattened(&card, params) {
            let other = read_card(worker, models, &flat, params)?;
            let key_valid = other.get_str("idKey").is_some_and(serial_is_valid);
            if key_unsure && key_valid {
                out.adopt_fields_from(&other, &["idKey"]);
            }
            if number_lost && number_valid(&other, params) {
                out.adopt_fields_from(&other, NUMBER_FIELDS);
            }
            out.fill_unread_from(&other);
        }
    }
    out.extra.insert("card".into(), info);
    // FACE HOOK: the holder's photo region (left third of the front, documents.md), in
    // input pixels. `Extraction::face_embedding` stays `None` here: the worker's face
    // models are not reachable from this module yet; the lead wires
    // `face::embed_largest(models, &photo_crop)` on this region (or on `card.image`).
    let (w, h) = (card.width(), card.height());
    let photo = CardBox {
        x0: 0.02 * w,
        y0: 0.06 * h,
        x1: 0.31 * w,
        y1: 0.74 * h,
    };
    out.extra
        .insert("photo".into(), json!(card.to_input_quad(&photo.quad())));
    Ok(out)
}

/// The number and the fields read from it.
const NUMBER_FIELDS: &[&str] = &[id_number::FIELD, "dateOfBirth", "govern", "gender"];

/// Reads a located card: by ink alone in both orientations, then with the text
/// detector's number row where the ink gave no whole number. Returns the read and the
/// card as read (turned or not).
fn read_located(
    worker: &mut Worker,
    models: &mut IdModels,
    mut card: RectifiedCard,
    params: &IdReadParams,
) -> Result<(Extraction, RectifiedCard)> {
    // First the ink alone, in both orientations: the wrong one reads no whole number, and
    // the text detector run on it would be wasted.
    let (mut out, detected) = read_card_with(worker, models, &card, params, false)?;
    let turned = match params.try_upside_down && !number_valid(&out, params) {
        true => turned_180(&card),
        false => None,
    };
    // Reads again with the detector's number row where the ink gave no whole number
    // and the detector was not asked yet.
    let retry = |out: &Extraction, detected: bool| !detected && !whole_number(out);
    if let Some(turned) = turned {
        let (other, other_detected) = read_card_with(worker, models, &turned, params, false)?;
        if number_valid(&other, params) {
            out = other;
            card = turned;
        } else if !whole_number(&out) && !whole_number(&other) {
            // Neither orientation gave the ink a whole number: the detector's number
            // row, the card as found first, then turned.
            if retry(&out, detected) {
                (out, _) = read_card_with(worker, models, &card, params, true)?;
            }
            if !number_valid(&out, params) && retry(&other, other_detected) {
                let (other, _) = read_card_with(worker, models, &turned, params, true)?;
                if number_valid(&other, params) {
                    out = other;
                    card = turned;
                }
            }
        }
    } else if retry(&out, detected) {
        (out, _) = read_card_with(worker, models, &card, params, true)?;
    }
    Ok((out, card))
}

/// Reads an already rectified front.
pub fn read_card(
    worker: &mut Worker,
    models: &mut IdModels,
    card: &super::rectify::RectifiedCard,
    params: &IdReadParams,
) -> Result<Extraction> {
    Ok(read_card_with(worker, models, card, params, true)?.0)
}

/// Reads a rectified front; `detector_number`: where the ink gives no whole number,
/// the text detector's number row is read too. Also answers whether the detector's
/// number row was read (it always is where the ink finds no number row).
fn read_card_with(
    worker: &mut Worker,
    models: &mut IdModels,
    card: &super::rectify::RectifiedCard,
    params: &IdReadParams,
    detector_number: bool,
) -> Result<(Extraction, bool)> {
    let layout = FrontLayout::default();
    let mut r = CardReader::new(worker, models, card, params);
    let (w, h) = (card.width(), card.height());
    let right_area = (layout.photo_column_end, 0.0, 0.99, 0.99);
    let serial_area = (
        0.0,
        layout.serial_band.0,
        layout.photo_column_end,
        layout.serial_band.1,
    );
    let mut photo_col = r.ink_boxes(serial_area);
    let right_boxes = r.ink_boxes(right_area);
    let mut rows = front_rows(&r, &right_boxes, &layout);
    // The number: the tallest row in the bottom band (the largest print on the card).
    let mut number_row = number_row_of(&rows, &layout, h);
    let mut number = match &number_row {
        Some(row) => r.id_number(&row.bounds)?,
        None => None,
    };
    let whole = |n: &Option<IdNumberRead>| n.as_ref().is_some_and(|n| is_whole(&n.digits));
    let detected = number_row.is_none() || (detector_number && !whole(&number));
    if detected {
        // No whole number from the ink (glare, a dark background, a number the ink
        // broke into pieces): the detector's boxes. A whole number that breaks a rule
        // is what a forged card shows: read twice, it reads the same.
        let boxes = r.boxes()?;
        let (left, right): (Vec<CardBox>, Vec<CardBox>) = boxes
            .iter()
            .partition(|b| b.cx() < layout.photo_column_end * w);
        let detected = front_rows(&r, &right, &layout);
        let detected_row = number_row_of(&detected, &layout, h);
        if number_row.is_none() {
            // The ink found no rows to place the names by: the detector's, all of them.
            rows = detected;
            photo_col = left;
        }
        r.prefer_detected_number(&mut number, &mut number_row, detected_row)?;
    }
    let mut out = Extraction::default();
    let today = params.today();
    match &number {
        Some(n) => {
            r.push(
                &mut out,
                "idNumber",
                json!(n.digits),
                n.confidence,
                Some(&n.region),
            );
            if let Err(e) = &n.parsed {
                out.issues.extend(e.to_issues(id_number::FIELD));
            }
            let (birth, gov, gender) = derived_fields(&n.digits, today);
            r.push(
                &mut out,
                "dateOfBirth",
                json!(birth),
                n.confidence,
                Some(&n.region),
            );
            r.push(
                &mut out,
                "govern",
                json!(gov),
                n.confidence,
                Some(&n.region),
            );
            r.push(
                &mut out,
                "gender",
                json!(gender.map(|g| g.code())),
                n.confidence,
                Some(&n.region),
            );
        }
        None => {
            out.push("idNumber", Value::Null);
            out.issues.push(FieldIssue::unread(
                id_number::FIELD,
                "no ID number could be read on the card",
            ));
        }
    }

    // Names and address: the rows nearest their expected place above the number.
    let anchor = number_row.as_ref().map_or(0.865 * h, |row| row.cy());
    let candidates: Vec<&Row> = rows
        .iter()
        .filter(|row| {
            number_row
                .as_ref()
                .is_none_or(|n| row.bounds.y1 <= n.bounds.y0 + 2.0)
        })
        .collect();
    let merged = without_line_specks(&candidates, layout.min_line_height * h);
    let candidates: Vec<&Row> = merged.iter().collect();
    let mut slots: [Option<Row>; 4] = Default::default();
    if candidates.len() == 4 {
        // The usual case: exactly the four rows, in order.
        for (slot, row) in slots.iter_mut().zip(&candidates) {
            *slot = Some((*row).clone());
        }
    } else {
        let mut used = vec![false; candidates.len()];
        for (slot, offset) in layout.offsets.iter().enumerate() {
            let expected = anchor + offset * h;
            let best = candidates
                .iter()
                .enumerate()
                .filter(|(i, row)| !used[*i] && (row.cy() - expected).abs() < layout.tolerance * h)
                .min_by(|a, b| {
                    (a.1.cy() - expected)
                        .abs()
                        .total_cmp(&(b.1.cy() - expected).abs())
                });
            if let Some((i, row)) = best {
                used[i] = true;
                slots[slot] = Some((*row).clone());
            }
        }
    }
    let [first_row, last_row, addr1_row, addr2_row] = slots;
    // The first name is one or two words: growing it pulled in the guilloche more often
    // than lost words (dev seed 4242: first_name CER 4.21 -> 5.15%).
    let text_left = layout.photo_column_end * w;
    let last_row = last_row.map(|row| grown_over_faint_words(&card.image, row, text_left));
    // A faint first name found in part: grown right to the last names' edge.
    let faint = layout.faint_line_height * h;
    let first_row = first_row.map(|row| {
        if row.bounds.height() >= faint {
            return row;
        }
        let right = last_row.as_ref().map_or(row.bounds.x1, |n| n.bounds.x1);
        faint_line_grown(&card.image, &row, faint, right, text_left)
    });

    let first = read_name(&mut r, first_row.as_ref())?;
    let last = read_name(&mut r, last_row.as_ref())?;
    r.push(
        &mut out,
        "first_name",
        json!(first.0),
        first.1,
        first_row.as_ref().map(|x| &x.bounds),
    );
    r.push(
        &mut out,
        "last_names",
        json!(last.0),
        last.1,
        last_row.as_ref().map(|x| &x.bounds),
    );
    let full = format!("{} {}", first.0, last.0).trim().to_string();
    r.push(&mut out, "name", json!(full), first.1.min(last.1), None);
    r.push(
        &mut out,
        "first_name_english",
        json!(translit::transliterate_name(&first.0)),
        first.1,
        None,
    );
    r.push(
        &mut out,
        "last_names_english",
        json!(translit::transliterate_name(&last.0)),
        last.1,
        None,
    );

    let (a1, c1) = read_address_1(&mut r, addr1_row.as_ref())?;
    let (a2, c2, city, district) = read_address_2(&mut r, addr2_row.as_ref())?;
    r.push(
        &mut out,
        "address_1",
        json!(a1),
        c1,
        addr1_row.as_ref().map(|x| &x.bounds),
    );
    r.push(
        &mut out,
        "address_2",
        json!(a2),
        c2,
        addr2_row.as_ref().map(|x| &x.bounds),
    );
    r.push(
        &mut out,
        "address",
        json!(format!("{a1} {a2}").trim()),
        c1.min(c2),
        None,
    );
    r.push(
        &mut out,
        "city",
        json!(city),
        c2,
        addr2_row.as_ref().map(|x| &x.bounds),
    );
    r.push(
        &mut out,
        "district",
        json!(district),
        c2,
        addr2_row.as_ref().map(|x| &x.bounds),
    );

    // The factory serial under the photo, Latin.
    // A serial is a long, low row: photo edges and specks are not. Rows, not boxes: where
    // the serial is faint the ink finds it in pieces.
    let mut serial_boxes: Vec<CardBox> = r
        .rows(&photo_col)
        .into_iter()
        .map(|row| row.bounds)
        .filter(|b| b.cy() > layout.serial_band.0 * h && b.cy() < layout.serial_band.1 * h)
        .filter(|b| b.width() > 3.0 * b.height())
        .collect();
    serial_boxes.sort_by(|a, b| b.width().total_cmp(&a.width()));
    serial_boxes.truncate(2);
    // The serial's slower second looks only where the card is read the right way up, as
    // far as the number tells (the other orientation reads no whole number), or where
    // this is the last look.
    let looks = match whole(&number) || detector_number {
        true => SerialLooks::All,
        false => SerialLooks::InkBoxes,
    };
    read_serial(&mut r, &serial_boxes, &layout, looks, &mut out)?;
    Ok((out, detected))
}

fn front_rows(r: &CardReader, boxes: &[CardBox], layout: &FrontLayout) -> Vec<Row> {
    let h = r.card.height();
    r.rows(boxes)
        .into_iter()
        .filter(|row| row.cy() > layout.header_end * h)
        .collect()
}

/// The tallest row in the bottom band (the number is the largest print on the card).
fn number_row_of(rows: &[Row], layout: &FrontLayout, h: f32) -> Option<Row> {
    rows.iter()
        .filter(|row| {
            row.cy() > layout.number_row_start * h && row.bounds.width() > 3.0 * row.bounds.height()
        })
        .max_by(|a, b| a.bounds.height().total_cmp(&b.bounds.height()))
        .cloned()
}

/// Keeps Arabic letters and single spaces: names carry nothing else, and Tesseract turns
/// background specks into stray punctuation.
pub(crate) fn letters_only(s: &str) -> String {
    s.chars()
        .map(|c| if is_arabic_letter(c) { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Rows without the specks (rows less tall than `min_height`: a letter's dots standing
/// apart) that touch a line above or below, within the speck's own height, overlapping
/// it: left in, the dot of `خلود`'s `خ` lay nearer the first name's place than the name.
/// The line keeps its box (joined to it, the dots made it taller, and it read worse:
/// dev seed 5151, three last names lost a letter). A speck touching no line stays: it
/// can be a faint line that the ink search found in part.
fn without_line_specks(rows: &[&Row], min_height: f32) -> Vec<Row> {
    let is_speck = |row: &Row| row.bounds.height() < min_height;
    let touches_line = |s: &CardBox| {
        rows.iter().filter(|r| !is_speck(r)).any(|r| {
            let b = r.bounds;
            let gap = (b.y0 - s.y1).max(s.y0 - b.y1);
            gap <= s.height().max(4.0) && s.x0 < b.x1 && s.x1 > b.x0
        })
    };
    rows.iter()
        .filter(|r| !(is_speck(r) && touches_line(&r.bounds)))
        .map(|r| (*r).clone())
        .collect()
}

fn read_name(r: &mut CardReader, row: Option<&Row>) -> Result<(String, f32)> {
    let Some(row) = row else {
        return Ok((String::new(), 0.0));
    };
    let read = r.arabic_voted_names(
        &row.bounds,
        |t| super::names_fix(&letters_only(t)),
        translit::is_known_name_word,
    )?;
    let tesseract = (translit::correct_name_words(&read.text), read.confidence);
    Ok(match r.trained_name(&row.bounds)? {
        Some(t) => choose_name(tesseract, (t.text, t.confidence)),
        None => tesseract,
    })
}

/// The trained reader's weakest character must reach this for its word to replace a
/// known word Tesseract read (dev seed 4242: 0.5 and 0.3 alike).
const TRAINED_NAME_SURE: f32 = 0.5;

/// Tesseract's and the trained reader's reads of one name row, `(text, confidence)`, to
/// one. Names are words of the name dictionary, so the dictionary arbitrates: with as
/// many words in both reads, each word is taken from the read in which it is a known
/// name (both known: the trained reader's when it is sure; neither: the surer read's);
/// otherwise the trained read wins whole when every word of it is known and it is sure,
/// or Tesseract's read is not all known. Dev seed 4242, 150 fronts: first_name 88.7 ->
/// 94.7%, last_names 85.3 -> 94.0% (benches/results/national_id.md).
pub(crate) fn choose_name(tesseract: (String, f32), trained: (String, f32)) -> (String, f32) {
    let known = |w: &&str| translit::is_known_name_word(w);
    let tw: Vec<&str> = tesseract.0.split_whitespace().collect();
    let rw: Vec<&str> = trained.0.split_whitespace().collect();
    let sure = trained.1 >= TRAINED_NAME_SURE;
    let confidence = tesseract.1.max(trained.1);
    if !tw.is_empty() && tw.len() == rw.len() {
        let words: Vec<&str> = tw
            .iter()
            .zip(&rw)
            .map(|(a, b)| match (known(a), known(b)) {
                (false, true) => *b,
                (true, true) if sure => *b,
                (true, _) => *a,
                (false, false) if trained.1 > tesseract.1 => *b,
                (false, false) => *a,
            })
            .collect();
        return (words.join(" "), confidence);
    }
    let all_known = |words: &[&str]| !words.is_empty() && words.iter().all(known);
    if all_known(&rw) && (sure || !all_known(&tw)) {
        return (trained.0, confidence);
    }
    tesseract
}

/// Address text: Arabic words, `-` separators and ASCII digits kept.
pub(crate) fn clean_address(s: &str) -> String {
    // No final-ya folding here: place names end in `ى` often (`مرسى علم`, `الأولى`).
    let s = hawiya_documents::digits::to_ascii_digits(s);
    s.chars()
        .map(|c| {
            if is_arabic_letter(c) || c.is_ascii_digit() || c == '-' {
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

/// The first address line starts (on the right) with the house number in Arabic-Indic
/// digits, which Tesseract cannot read: the rightmost ink goes to the digit recogniser,
/// the rest to Tesseract.
///
/// Where the number ends is not known: its digits can stand as far apart as the number
/// from the street word (`٩٩ ش`), so the line is cut at small gaps and the rightmost one
/// to four pieces are each tried as the number; the surest read of one to four digits
/// wins (a piece of the street word lowers the recogniser's confidence).
fn read_address_1(r: &mut CardReader, row: Option<&Row>) -> Result<(String, f32)> {
    let Some(row) = row else {
        return Ok((String::new(), 0.0));
    };
    let region = row.bounds;
    if let Some(number) = house_number(r, &region)? {
        return address_after_number(r, &region, number);
    }
    let read = r.arabic_voted(&region, clean_address)?;
    Ok((read.text, read.confidence))
}

/// The house number at the right end of an address line (see [`read_address_1`]): its
/// digits, the read's confidence and its box. Also the licence readers' (their address
/// line, label cut off, starts the same way).
pub(crate) fn house_number(
    r: &mut CardReader,
    region: &CardBox,
) -> Result<Option<(String, f32, CardBox)>> {
    let region = *region;
    let pieces = ink_segments(&r.card.image, &region.grown(4.0, 2.0), ADDRESS_PIECE_GAP);
    let mut best: Option<(String, f32, CardBox)> = None;
    for k in 1..=pieces.len().saturating_sub(1).min(4) {
        let first = &pieces[pieces.len() - k];
        let last = &pieces[pieces.len() - 1];
        let number_box = CardBox {
            x0: first.x0,
            x1: last.x1,
            y0: pieces[pieces.len() - k..]
                .iter()
                .map(|p| p.y0)
                .fold(f32::MAX, f32::min),
            y1: pieces[pieces.len() - k..]
                .iter()
                .map(|p| p.y1)
                .fold(f32::MIN, f32::max),
        };
        if number_box.width() > 3.0 * region.height() {
            break;
        }
        let plausible = |d: &crate::digits::DigitRead| {
            !d.text.is_empty() && d.text.len() <= 4 && d.text.chars().all(|c| c.is_ascii_digit())
        };
        let Some((d, _)) = r.digits(&number_box, plausible)? else {
            continue;
        };
        if !plausible(&d) || d.confidence <= 0.4 {
            continue;
        }
        // A piece wider than a digit is a word (`ش`, `شارع`), which the recogniser can
        // still take for a digit fairly surely; two digits run together are as wide, and
        // are taken only when read very surely.
        let digit_wide = first.width() <= NUMBER_PIECE_WIDTH * first.height();
        let better = match &mut best {
            None => true,
            // One more piece that adds nothing to the read is not the number's, but
            // tells how sure the read is (a tight box can lower the confidence).
            Some(b) if b.0 == d.text => {
                b.1 = b.1.max(d.confidence);
                false
            }
            // A digit more, read surely (a thin `١` apart from the rest lowers the
            // confidence of the read without it, a piece of `ش` that of the read with it).
            Some(b) if d.text.len() > b.0.len() => {
                d.confidence >= NUMBER_EXTEND_CONFIDENCE
                    && (digit_wide || d.confidence >= NUMBER_WIDE_PIECE_CONFIDENCE)
            }
            // Fewer digits with more ink: the street word merged with the number (`٤٢
            // شارع` read `2`); only an unsure read gives way.
            Some(b) if d.text.len() < b.0.len() => {
                b.1 < NUMBER_EXTEND_CONFIDENCE && d.confidence > b.1
            }
            Some(b) => digit_wide && d.confidence > b.1,
        };
        if better {
            best = Some((d.text, d.confidence, number_box));
        }
    }
    Ok(best)
}

/// An address line read as its house number (from [`house_number`]) and the words left
/// of it, which Tesseract reads through the voted views with the number painted out.
pub(crate) fn address_after_number(
    r: &mut CardReader,
    region: &CardBox,
    (number, confidence, number_box): (String, f32, CardBox),
) -> Result<(String, f32)> {
    // The number's box can take in the way's type beside it (`١١٠ ش`, the `ش` a piece
    // more than the number's digits, and wider than one): the words begin left of the
    // digits' pieces, the rightmost ones. A digit broken in two leaves a narrow piece.
    let pieces = ink_segments(&r.card.image, &number_box, ADDRESS_PIECE_GAP);
    let digits = number.chars().count();
    let start = match pieces.len().checked_sub(digits) {
        Some(extra)
            if extra > 0
                && digits > 0
                && pieces[extra - 1].width() > NUMBER_PIECE_WIDTH * pieces[extra - 1].height() =>
        {
            pieces[extra].x0
        }
        _ => number_box.x0,
    };
    let rest = CardBox {
        x1: start - 2.0,
        ..*region
    };
    let read = r.arabic_voted_within(&rest, clean_address, Some(start - 1.0))?;
    let words = hawiya_documents::address::words_after_number(&read.text);
    let text = format!("{number} {words}");
    Ok((text.trim().to_string(), read.confidence.min(confidence)))
}

/// A read of more pieces with more digits replaces the number read so far when at least
/// this sure.
const NUMBER_EXTEND_CONFIDENCE: f32 = 0.8;

/// Widest a piece of one digit stands, in heights of its ink band: Arabic-Indic digits
/// measure up to about 0.75, `ش` about 0.85-1.0 and `شارع` 1.5-2 (synthetic licences
/// and fronts).
const NUMBER_PIECE_WIDTH: f32 = 0.8;

/// How sure a read must be to take a piece wider than [`NUMBER_PIECE_WIDTH`] as digits.
const NUMBER_WIDE_PIECE_CONFIDENCE: f32 = 0.99;

/// Gap (in ink heights) at which an address line is cut into pieces when looking for
/// its house number. 0.15: between two Arabic-Indic digits there is about 0.2.
const ADDRESS_PIECE_GAP: f32 = 0.15;

/// The second address line, `district - governorate`: the governorate is snapped to the
/// list (it is the `city` field), the district kept as read.
fn read_address_2(
    r: &mut CardReader,
    row: Option<&Row>,
) -> Result<(String, f32, Option<String>, Option<String>)> {
    let Some(row) = row else {
        return Ok((String::new(), 0.0, None, None));
    };
    let read = r.arabic_voted(&row.bounds, clean_address)?;
    // `district - governorate` holds no digits: a lone digit is the dash misread
    // (`أشمون 1 المنوفية`).
    let text = read
        .text
        .split(' ')
        .map(|w| {
            if !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) {
                "-"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let parts: Vec<&str> = text
        .split('-')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let gov = governorates::find_in_address(&text).or_else(|| {
        parts
            .last()
            .and_then(|p| governorates::closest_arabic_name(p, 2))
    });
    let (district, city) = match (parts.len(), gov) {
        (n, Some(g)) if n >= 2 => {
            // The district is one of the governorate's when a letter or two off one.
            let district = districts::snap_trailing(&parts[..n - 1].join(" - "), g.code);
            (Some(district), Some(g.arabic.to_string()))
        }
        (1, Some(g)) => (None, Some(g.arabic.to_string())),
        (n, None) if n >= 2 => (
            Some(parts[..n - 1].join(" - ")),
            Some(parts[n - 1].to_string()),
        ),
        _ => (None, None),
    };
    let rebuilt = match (&district, &city) {
        (Some(d), Some(c)) => format!("{d} - {c}"),
        _ => text,
    };
    Ok((rebuilt, read.confidence, city, district))
}

/// `AA1234567`: two letters, seven digits; OCR confusions are folded by position.
pub fn normalize_serial(raw: &str) -> String {
    let s: Vec<char> = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    s.iter()
        .enumerate()
        .map(|(i, &c)| {
            if i < 2 {
                match c {
                    '0' => 'O',
                    '1' => 'I',
                    '5' => 'S',
                    '8' => 'B',
                    '2' => 'Z',
                    _ => c,
                }
            } else {
                match c {
                    'O' | 'D' | 'Q' => '0',
                    'I' | 'L' => '1',
                    'S' => '5',
                    'B' => '8',
                    'Z' => '2',
                    'G' => '6',
                    _ => c,
                }
            }
        })
        .collect()
}

pub fn serial_is_valid(s: &str) -> bool {
    s.len() == 9
        && s[..2].bytes().all(|b| b.is_ascii_uppercase())
        && s[2..].bytes().all(|b| b.is_ascii_digit())
}

/// The fewest characters a serial read must have to be answered (and judged) as one.
const SERIAL_FRAGMENT_CHARS: usize = 5;

/// How hard the serial is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SerialLooks {
    /// The ink's boxes alone.
    InkBoxes,
    /// Then, where they give no valid serial, widened and with the text detector.
    All,
}

/// Reads the factory serial from the widest long boxes under the photo; where no box
/// reads as a valid serial, each again across the whole photo column (the ink search
/// loses a serial's first or last characters where glare or a gradient greys them),
/// then the text detector's boxes in the serial band (where the ink found none).
fn read_serial(
    r: &mut CardReader,
    boxes: &[CardBox],
    layout: &FrontLayout,
    looks: SerialLooks,
    out: &mut Extraction,
) -> Result<()> {
    let (w, h) = (r.card.width(), r.card.height());
    let column = (0.01 * w, layout.photo_column_end * w);
    let widened = |boxes: &[CardBox]| -> Vec<CardBox> {
        boxes
            .iter()
            .map(|b| CardBox {
                x0: column.0,
                x1: column.1,
                ..b.grown(0.0, 0.25 * b.height())
            })
            .collect()
    };
    let valid = |best: &Option<(String, f32, CardBox)>| {
        best.as_ref().is_some_and(|(t, _, _)| serial_is_valid(t))
    };
    let mut best: Option<(String, f32, CardBox)> = None;
    read_serial_from(r, boxes, &mut best)?;
    if !valid(&best) && looks == SerialLooks::All {
        read_serial_from(r, &widened(boxes), &mut best)?;
    }
    if !valid(&best) && looks == SerialLooks::All {
        let band = (
            0.0,
            layout.serial_band.0,
            layout.photo_column_end,
            layout.serial_band.1,
        );
        let detected: Vec<CardBox> = r
            .boxes_in(band, layout.serial_detect_scale)?
            .into_iter()
            // The detector's box around the 15 px serial is loose (40-75 px): one too
            // tall for a serial is cut to its ink, with a margin.
            .map(|b| match b.height() < 0.09 * h {
                true => b,
                false => ink_of(&r.card.image, &b).map_or(b, |t| t.grown(0.0, 0.3 * t.height())),
            })
            // The photo's edges and the photo with the serial, taller, stay out.
            .filter(|b| b.width() > 3.0 * b.height() && b.height() < 0.09 * h)
            .collect();
        read_serial_from(r, &detected, &mut best)?;
        // The detector, too, can leave greyed characters out of its box.
        if !valid(&best) {
            read_serial_from(r, &widened(&detected), &mut best)?;
        }
    }
    match best {
        // Fewer than half the serial's nine characters is a fragment the reader caught
        // (`I`, `AN` where the 6 px serial is blurred away), not a serial read wrong.
        Some((text, conf, b)) if text.chars().count() >= SERIAL_FRAGMENT_CHARS => {
            if !serial_is_valid(&text) {
                out.issues.push(
                    FieldIssue::new("idKey", &text, Code::InvalidIdKey)
                        .with_detail("expected 2 letters and 7 digits"),
                );
            }
            r.push(out, "idKey", json!(text), conf, Some(&b));
        }
        _ => {
            out.push("idKey", Value::Null);
            out.issues.push(FieldIssue::unread(
                "idKey",
                "the factory serial could not be read",
            ));
        }
    }
    Ok(())
}

/// The tight box around the ink of `region`'s line, if any (no gap splits it).
fn ink_of(card: &RgbImage, region: &CardBox) -> Option<CardBox> {
    ink_segments(card, region, f32::INFINITY).into_iter().next()
}

/// Reads each box with PP-OCR's recogniser, keeping in `best` the surest valid read (or
/// the surest of all where none is valid).
fn read_serial_from(
    r: &mut CardReader,
    boxes: &[CardBox],
    best: &mut Option<(String, f32, CardBox)>,
) -> Result<()> {
    let Some(rec) = r.worker.models.text_recognizer.as_mut() else {
        return Ok(());
    };
    let score =
        |text: &str, confidence: f32| confidence + if serial_is_valid(text) { 1.0 } else { 0.0 };
    for b in boxes {
        let region = b.grown(2.0, 2.0);
        let (w, h) = (
            region.width().round().max(1.0) as u32,
            region.height().round().max(1.0) as u32,
        );
        let Some(crop) = crate::geometry::perspective_crop(&r.card.image, &region.quad(), w, h)
        else {
            continue;
        };
        let read = recognize_crops(rec, &[crop], &TextRecognizeParams::default())
            .map_err(crate::error::PipelineError::inference)?
            .pop()
            .unwrap_or_default();
        let text = normalize_serial(&read.text);
        // Nothing read is no serial found (null, as where no box is found), not an
        // invalid one.
        if text.is_empty() {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|(t, c, _)| score(&text, read.confidence) > score(t, *c))
        {
            *best = Some((text, read.confidence, *b));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specks_touching_a_line_leave_the_name_slots() {
        let row = |x0: f32, y0: f32, x1: f32, y1: f32| Row::single(CardBox { x0, y0, x1, y1 });
        // Card 4242_134: the dot of `خلود`'s `خ` 3 px above the name; a faint first
        // name found as a sliver, far from any line, stays.
        let dot = row(882.0, 181.0, 909.0, 192.0);
        let name = row(833.0, 195.0, 922.0, 225.0);
        let sliver = row(869.0, 120.0, 903.0, 130.0);
        let last = row(564.0, 254.0, 921.0, 296.0);
        let rows = [&sliver, &dot, &name, &last];
        let kept: Vec<CardBox> = without_line_specks(&rows, 16.0)
            .into_iter()
            .map(|r| r.bounds)
            .collect();
        assert_eq!(kept, vec![sliver.bounds, name.bounds, last.bounds]);
    }

    #[test]
    fn serials_fold_confusions_by_position() {
        assert_eq!(normalize_serial("1S18O6629"), "IS1806629");
        assert!(serial_is_valid(&normalize_serial("is 1866629")));
        assert!(!serial_is_valid("IS18666"));
    }

    #[test]
    fn name_reads_are_chosen_word_by_word_with_the_dictionary() {
        let r = |s: &str, c: f32| (s.to_string(), c);
        // Each word from the read in which it is a known name.
        assert_eq!(
            choose_name(r("عاطف ذي غنم", 0.21), r("عامف زكي غنيم", 0.55)).0,
            "عاطف زكي غنيم"
        );
        // Both known: the trained reader's when sure, Tesseract's when not.
        assert_eq!(
            choose_name(r("صلاح حسين فرح", 0.88), r("صلاح حسين فرج", 0.99)).0,
            "صلاح حسين فرج"
        );
        assert_eq!(
            choose_name(r("صلاح حسين فرح", 0.88), r("صلاح حسين فرج", 0.3)).0,
            "صلاح حسين فرح"
        );
        // Different word counts: a known, sure trained read whole (a ligature Tesseract
        // split), else Tesseract's.
        assert_eq!(
            choose_name(r("عبد ا", 0.21), r("عبدالله", 0.98)).0,
            "عبدالله"
        );
        assert_eq!(
            choose_name(r("محمد علي", 0.9), r("محمدعلي", 0.99)).0,
            "محمد علي"
        );
    }

    #[test]
    fn names_keep_only_arabic_letters() {
        assert_eq!(letters_only("محمد. أحمد|  علي"), "محمد أحمد علي");
    }
}
