//! The driving licence (رخصة قيادة): names in Arabic and English, national ID,
//! nationality, licence type, job, address, issue and expiry dates, traffic unit.
//!
//! Layout (documents.md): photo on the left; the Arabic name at the top right, unlabelled,
//! the English name and nationality in Latin to the photo's right; then labelled rows
//! (`الرقم القومي`, `الجنسية`, `نوع الرخصة`, `المهنة`, `العنوان`, `تاريخ التحرير`,
//! `نهاية الترخيص`) and the two traffic unit lines at the bottom (`وحدة مرور ...`,
//! `إدارة مرور ...`), found by their first words.

use hawiya_documents::dates::DateRole;
use hawiya_documents::fuzzy::levenshtein;
use hawiya_documents::vocab::{
    closest_term, closest_term_with, snap_job, ClosestWordParams, DRIVING_LICENCE_TYPES,
    NATIONALITIES,
};
use hawiya_documents::{governorates, translit, FieldIssue};
use image::RgbImage;
use serde_json::{json, Value};

use super::{
    arabic_words, is_header, match_label, starts_with_word, traffic_line, Label, LatinGroups,
    LicenceCard, LicenceReadParams,
};
use crate::error::Result;
use crate::extraction::Extraction;
use crate::national_id::front::letters_only;
use crate::national_id::layout::{grown_over_faint_words, Row};
use crate::national_id::rectify::RectifiedCard;
use crate::national_id::{names_fix, IdModels};
use crate::worker::Worker;

/// The labels of the driving licence.
pub const LABELS: &[Label] = &[
    Label {
        field: "NationalID",
        spellings: &["الرقم القومي", "رقم قومي"],
    },
    Label {
        field: "NationalityArabic",
        spellings: &["الجنسية"],
    },
    Label {
        field: "LicenseType",
        spellings: &["نوع الرخصة"],
    },
    Label {
        field: "Job",
        spellings: &["المهنة", "الوظيفة"],
    },
    Label {
        field: "Address",
        spellings: &["العنوان", "محل الإقامة"],
    },
    Label {
        field: "IssuenceDate",
        spellings: &["تاريخ التحرير", "تاريخ الإصدار"],
    },
    Label {
        field: "ExpiryDate",
        spellings: &["نهاية الترخيص", "تاريخ الانتهاء"],
    },
];

/// Where the English title (`DRIVING LICENCE`) stands, as fractions of the card: left
/// of the photo's right edge, above its top (the English name and nationality stand
/// right of the photo).
const TITLE: (f32, f32, f32, f32) = (0.0, 0.0, 0.24, 0.17);

/// The photo, as fractions of the card: its ink is no text.
const PHOTO: (f32, f32, f32, f32) = (0.0, 0.17, 0.24, 0.66);

pub(crate) fn read_card_scored(
    worker: &mut Worker,
    models: &mut IdModels,
    card: &RectifiedCard,
    params: &LicenceReadParams,
) -> Result<(Extraction, usize)> {
    let latin = LatinGroups {
        labelled: &[],
        unlabelled: true,
        title: Some(TITLE),
    };
    let mut c = LicenceCard::scan(worker, models, card, params, LABELS, &[PHOTO], latin)?;
    let mut out = Extraction::default();
    let labels = c.labels_found();

    // The national ID, with the ID card's rules.
    let number_unit = c
        .labelled(LABELS, "NationalID")
        .or_else(|| number_row(&mut c));
    let number = match number_unit {
        Some(u) => c.id_number_value(u)?,
        None => None,
    };
    match &number {
        Some(n) => {
            c.push(
                &mut out,
                "NationalID",
                json!(n.digits),
                n.confidence,
                Some(&n.region),
            );
            if let Err(e) = &n.parsed {
                out.issues.extend(e.to_issues("NationalID"));
            }
        }
        None => {
            out.push("NationalID", Value::Null);
            out.issues.push(FieldIssue::unread(
                "NationalID",
                "no national ID could be read on the licence",
            ));
        }
    }

    // Latin lines: the nationality word, and the English name (the longest other line
    // that is not the card's English title).
    let mut latin: Vec<&super::Unit> = c.units.iter().filter(|u| u.is_latin()).collect();
    latin.sort_by(|a, b| a.region.cy().total_cmp(&b.region.cy()));
    let is_nationality = |t: &str| levenshtein(&t.to_ascii_uppercase(), "EGYPTIAN") <= 3;
    let is_title = |t: &str| {
        let t = t.to_ascii_uppercase();
        t.contains("LICEN") || t.contains("DRIVING")
    };
    let nat_en = latin
        .iter()
        .find(|u| is_nationality(&u.latin))
        .map(|u| (u.latin_confidence, u.region));
    match nat_en {
        Some((conf, region)) => c.push(
            &mut out,
            "NationalityEnglish",
            json!("Egyptian"),
            conf,
            Some(&region),
        ),
        None => out.push("NationalityEnglish", Value::Null).confidence = Some(0.0),
    }
    let name_en = latin
        .iter()
        .filter(|u| !is_nationality(&u.latin) && !is_title(&u.latin))
        .filter(|u| u.latin.split_whitespace().count() >= 2)
        .max_by(|a, b| a.region.width().total_cmp(&b.region.width()))
        .map(|u| (english_name(&u.latin), u.latin_confidence, u.region));
    let name_en_box = name_en.as_ref().map(|n| n.2);
    match name_en {
        Some((text, conf, region)) => {
            c.push(&mut out, "NameEnglish", json!(text), conf, Some(&region))
        }
        None => out.push("NameEnglish", Value::Null).confidence = Some(0.0),
    }

    // The Arabic name: the first unlabelled Arabic line above the number's row that is
    // not the header.
    let labels_box = c.labels_bounds();
    let top_of_labels = labels_box.map_or(f32::INFINITY, |b| b.y0);
    // The name is printed below the English title's top (`DRIVING LICENCE`; a tall
    // group can take in both), the header above it: a header line split apart (`جمية`
    // read alone) is no name.
    let (card_w, card_h) = (c.r.card.width(), c.r.card.height());
    let in_title = |u: &super::Unit| super::in_area(&u.region, TITLE, card_w, card_h);
    let title_box = c
        .units
        .iter()
        .filter(|u| in_title(u) || is_title(&u.latin))
        .map(|u| u.region)
        .max_by(|a, b| a.y0.total_cmp(&b.y0));
    let below_title = title_box.map_or(f32::MIN, |b| b.y0);
    let candidate = |u: &super::Unit| {
        u.label.is_none()
            && !u.is_latin()
            && !in_title(u)
            && u.region.cy() > below_title
            && u.region.cy() < top_of_labels
            && !is_header(&u.text)
            && !starts_with_word(&u.text, "وحدة")
            && !starts_with_word(&u.text, "إدارة")
            && !label_misread(&u.text)
            // No name holds digits: a line of them is the number's row, its label
            // unread (`... الرقر الشوصي`, read after the digits).
            && digits_in(&u.text) < NAME_MAX_DIGITS
    };
    // A row of candidates is the name's when it holds two words or more, or one word
    // standing at the right edge where the labels stand (the rest of the name too faint
    // for the ink search: `رافت` alone, grown over the rest below).
    let right_edge = labels_box.map(|b| b.x1 - NAME_RIGHT_EDGE * c.r.card.width());
    let name_row = |i: usize| {
        let u = &c.units[i];
        let row: Vec<usize> = (0..c.units.len())
            .filter(|&j| candidate(&c.units[j]) && c.units[j].same_line(&u.region))
            .collect();
        let (mut words, mut letters) = (0, 0);
        for &j in &row {
            let t = letters_only(&c.units[j].text);
            words += t.split_whitespace().count();
            letters += t.chars().filter(|c| *c != ' ').count();
        }
        let right = row
            .iter()
            .map(|&j| c.units[j].region.x1)
            .fold(f32::MIN, f32::max);
        let at_edge = right_edge.is_some_and(|e| right >= e);
        (words >= 2 || (words == 1 && at_edge)).then_some((row, letters))
    };
    let rows: Vec<(Vec<usize>, usize)> = (0..c.units.len())
        .filter(|&i| candidate(&c.units[i]))
        .filter_map(name_row)
        .collect();
    let most_letters = rows.iter().map(|r| r.1).max().unwrap_or(0);
    let name = rows
        .into_iter()
        // Specks of the name's ink left below it by the ink search (`يد هه ني ان`)
        // are no name: a row holds at least half the letters of the fullest one.
        .filter(|(_, letters)| 2 * letters >= most_letters)
        // The lowest such line: the header is at the top, the name just above the
        // labelled rows (with the Latin name between).
        .max_by(|a, b| {
            let cy = |row: &[usize]| c.units[row[0]].region.cy();
            cy(&a.0).total_cmp(&cy(&b.0))
        })
        // Its groups as one line (a faint name splits into groups far apart:
        // `عبدالناصر` and `ال بدوي`, the two names between lost), in the rightmost one.
        .map(|(row, _)| {
            let right = *row
                .iter()
                .max_by(|&&a, &&b| c.units[a].region.x1.total_cmp(&c.units[b].region.x1))
                .expect("a row holds its unit");
            let line = row
                .iter()
                .fold(c.units[right].region, |b, &j| b.union(&c.units[j].region));
            if row.len() > 1 {
                c.units[right].moved_to(line);
            }
            right
        });
    let photo_right = PHOTO.2 * c.r.card.width();
    // No row found (the name paled by glare past the ink search's floor): the text
    // detector's widest line in the band between the English title and the English
    // name, beside the photo; taken only where it reads as two known names or more.
    let mut blind = false;
    let name = match (name, title_box, name_en_box, labels_box) {
        (None, Some(title), Some(latin_name), Some(labels)) => {
            let (w, h) = (c.r.card.width(), c.r.card.height());
            let band = (
                photo_right / w,
                title.y1 / h,
                labels.x1 / w,
                latin_name.y0 / h,
            );
            let line =
                c.r.boxes_in(band, 1.0)?
                    .into_iter()
                    .filter(|b| b.width() > 2.0 * b.height())
                    .max_by(|a, b| a.width().total_cmp(&b.width()));
            line.map(|line| {
                blind = true;
                c.units
                    .push(super::Unit::arabic(line, String::new(), 0.0, None));
                c.units.len() - 1
            })
        }
        (name, ..) => name,
    };
    let read = match name {
        Some(i) => {
            if !blind {
                name_line_joined(&mut c.units, i, &c.r.card.image, photo_right);
            }
            let (text, conf) = c.voted_name_line(i, |t| names_fix(&letters_only(t)))?;
            let known = text
                .split_whitespace()
                .filter(|w| translit::is_known_name_word(w))
                .count();
            (!blind || known >= 2).then_some((i, text, conf))
        }
        None => None,
    };
    match read {
        Some((i, text, conf)) => {
            let region = c.units[i].region;
            let mut text = super::join_abd(&without_stray_letters(&text));
            // The same name in Latin print, read more surely, picks between spellings.
            if let Some(latin) = out.get_str("NameEnglish") {
                text = translit::arabic_name_guided_by_latin(&text, latin);
            }
            c.push(&mut out, "NameArabic", json!(text), conf, Some(&region))
        }
        None => out.push("NameArabic", Value::Null).confidence = Some(0.0),
    }

    // Labelled words.
    for field in ["NationalityArabic", "LicenseType", "Job"] {
        let unit = match field {
            "LicenseType" => c.labelled_by_value(LABELS, field, |v| {
                closest_term(&letters_only(v), DRIVING_LICENCE_TYPES, 2).is_some()
            }),
            "Job" => c.labelled_by_value(LABELS, field, |v| {
                snap_job(&names_fix(&letters_only(v))).is_some()
            }),
            _ => c.labelled(LABELS, field),
        };
        let Some(u) = unit else {
            match (field, nat_en) {
                // The licence prints its nationality twice (documents.md: `مصري` /
                // `Egyptian`): the Arabic word lost (its label unread under glare) is the
                // English one's, at a little less than its confidence.
                ("NationalityArabic", Some((conf, region))) => c.push(
                    &mut out,
                    field,
                    json!(EGYPTIAN_ARABIC),
                    NATIONALITY_FROM_ENGLISH * conf,
                    Some(&region),
                ),
                _ => out.push(field, Value::Null).confidence = Some(0.0),
            }
            continue;
        };
        let (raw, conf) = match field {
            "Job" => c.voted_value(u, LABELS, |t| names_fix(&letters_only(t)))?,
            _ => c.voted_value(u, LABELS, letters_only)?,
        };
        let value = match field {
            // `مصرىي` is as near `مصري` as `مصرية`: the licence's usual word wins.
            "NationalityArabic" => closest_term_with(
                &raw,
                NATIONALITIES,
                &ClosestWordParams {
                    max_distance: 2,
                    refuse_ties: false,
                },
            )
            .map(|t| t.arabic.to_string())
            // Not a nationality word (`ي`, a fragment): the English one says which.
            .or_else(|| nat_en.map(|_| EGYPTIAN_ARABIC.to_string()))
            .unwrap_or(raw),
            "LicenseType" => closest_term(&raw, DRIVING_LICENCE_TYPES, 3)
                .map(|t| t.arabic.to_string())
                .unwrap_or(raw),
            "Job" => snap_job(&raw).map_or(raw, str::to_string),
            _ => raw,
        };
        let region = c.units[u].region;
        c.push(&mut out, field, json!(value), conf, Some(&region));
    }
    match c.address_unit(
        LABELS,
        "Address",
        &["Job", "LicenseType"],
        &["IssuenceDate", "ExpiryDate"],
    ) {
        Some(u) => {
            let (text, conf, region) = c.address_value(u)?;
            c.push(&mut out, "Address", json!(text), conf, Some(&region));
        }
        None => out.push("Address", Value::Null).confidence = Some(0.0),
    }

    c.push_date(
        &mut out,
        LABELS,
        "IssuenceDate",
        DateRole::Release,
        Some(("ExpiryDate", false)),
    )?;
    c.push_date(
        &mut out,
        LABELS,
        "ExpiryDate",
        DateRole::Expiry,
        Some(("IssuenceDate", true)),
    )?;

    // The traffic unit's two lines, by their first word.
    for (field, head) in [("TrafficUnit1", "وحدة"), ("TrafficUnit2", "إدارة")] {
        let unit = c.lowest_line_starting_with(&[head]);
        match unit {
            Some(i) => {
                let (read, conf, region) = c.voted_whole_line(i, arabic_words)?;
                let mut text = traffic_line(&read, head);
                if field == "TrafficUnit1" {
                    // The unit is named after the district, also read in the address.
                    if let Some(address) = out.get_str("Address") {
                        text = super::prefer_words_from(&text, address, 2);
                    }
                }
                if field == "TrafficUnit2" {
                    // The department is the governorate's: snap its name to the list.
                    let place = text.splitn(3, ' ').nth(2).unwrap_or("").to_string();
                    if let Some(g) = governorates::closest_arabic_name(&place, 2) {
                        text = format!("{head} مرور {}", g.arabic);
                    }
                }
                c.push(&mut out, field, json!(text), conf, Some(&region));
            }
            None => out.push(field, Value::Null).confidence = Some(0.0),
        }
    }
    Ok((out, labels))
}

/// The national ID's row where its label was not found (read after the digits and
/// misread, `... الرقر الشوصي`): the topmost Arabic group holding
/// [`NAME_MAX_DIGITS`] digits or more above the rows labelled (the header and the
/// names hold none), then taken as labelled.
fn number_row(c: &mut LicenceCard) -> Option<usize> {
    let index = LABELS.iter().position(|l| l.field == "NationalID")?;
    // It is the first labelled row: above every row labelled.
    let top = c.labels_bounds().map_or(f32::INFINITY, |b| b.y0);
    let (w, h) = (c.r.card.width(), c.r.card.height());
    let row = c
        .units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.label.is_none() && !u.is_latin() && u.region.cy() < top)
        // The English title, not read in Latin, keeps Tesseract's junk (digits too).
        .filter(|(_, u)| !super::in_area(&u.region, TITLE, w, h))
        .filter(|(_, u)| digits_in(&u.text) >= NAME_MAX_DIGITS)
        .min_by(|a, b| a.1.region.cy().total_cmp(&b.1.region.cy()))
        .map(|(i, _)| i)?;
    c.units[row].label = Some(super::LabelHit::assumed(index, 0));
    Some(row)
}

/// True when `text` starts with a label read too poorly to be taken as one (no such
/// line is the name): a loose match at the line's start, of words that are not all
/// names. A family name may end like a label (`الجندي`, two edits from `الجنسية`) and
/// a first name start like one (`أمينة` and `المهنة`, `أنوار` and `العنوان`).
fn label_misread(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    match_label(text, LABELS, 0.45).is_some_and(|h| {
        h.leading
            && !words[h.start..h.consumed]
                .iter()
                .all(|w| translit::is_known_name_word(w))
    })
}

/// The name line `name` joined with the unlabelled Arabic groups of its row to its left
/// (a wide gap between two names split the line: `نجلاء هشام سعد` and `رقاوى` read
/// apart), then grown left over faint words the ink search lost (never past `left`, the
/// photo's edge); a changed line is read afresh. A group joins when it shares most of
/// the line's height and the gap to the line is under [`NAME_JOIN_GAP`] line heights.
fn name_line_joined(units: &mut [super::Unit], name: usize, card: &RgbImage, left: f32) {
    let mut line = units[name].region;
    loop {
        let h = line.height();
        let next = units.iter().enumerate().find(|(j, u)| {
            let overlap = u.region.y1.min(line.y1) - u.region.y0.max(line.y0);
            *j != name
                && u.label.is_none()
                && !u.is_latin()
                && !u.text.is_empty()
                && u.region.x1 <= line.x0
                && line.x0 - u.region.x1 < NAME_JOIN_GAP * h
                && overlap > 0.6 * u.region.height().min(h)
        });
        match next {
            Some((_, u)) => line = line.union(&u.region),
            None => break,
        }
    }
    let line = grown_over_faint_words(card, Row::single(line), left).bounds;
    if line != units[name].region {
        units[name].moved_to(line);
    }
}

/// A name line without one-letter words at its ends: no name is one letter, and a line
/// grown over faint words can take in a speck of ink beside it, read as a letter.
fn without_stray_letters(text: &str) -> String {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    while words.len() > 1 && words.last().is_some_and(|w| w.chars().count() == 1) {
        words.pop();
    }
    while words.len() > 1 && words.first().is_some_and(|w| w.chars().count() == 1) {
        words.remove(0);
    }
    words.join(" ")
}

/// How far left of a name line (in line heights) another group of its row is taken as
/// the rest of the name.
const NAME_JOIN_GAP: f32 = 3.0;

/// The digits (ASCII or Arabic-Indic) in a read.
fn digits_in(text: &str) -> usize {
    text.chars().filter(|c| c.is_numeric()).count()
}

/// How far left of the labels' right edge (a fraction of the card's width) a one-word
/// name line may end and still be taken as the name's start.
const NAME_RIGHT_EDGE: f32 = 0.04;

/// Digits in a line (specks read as digits aside) that tell it is no name line.
const NAME_MAX_DIGITS: usize = 4;

/// The Arabic nationality word the licence prints beside `Egyptian`.
const EGYPTIAN_ARABIC: &str = "مصري";

/// The share of the English nationality's confidence given to the Arabic word taken from
/// it: a little less, the Arabic not having been read.
const NATIONALITY_FROM_ENGLISH: f32 = 0.9;

/// An English name: upper-case Latin letters and single spaces.
fn english_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                c.to_ascii_uppercase()
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_lines_keep_the_place() {
        assert_eq!(traffic_line("وحده مرور سفاجا", "وحدة"), "وحدة مرور سفاجا");
        assert_eq!(
            traffic_line("وحدة مرور وحده مرور الشيخ زويد", "وحدة"),
            "وحدة مرور الشيخ زويد"
        );
        assert!(starts_with_word("ادارة مرور البحر الأحمر", "إدارة"));
        assert!(!starts_with_word("السيد عاطف", "وحدة"));
    }

    #[test]
    fn names_that_look_like_labels_are_names() {
        assert!(!label_misread("إسماعيل رشاد وائل الجندي"));
        assert!(!label_misread("أمينة شوقي ضياء العربي"));
        assert!(!label_misread("انوار إيباب مدحت فتحي"));
        assert!(label_misread("الجنسبة مصري"));
        assert!(label_misread("الرقم القوبي ٢٩٠"));
    }

    #[test]
    fn one_letter_words_at_a_name_lines_ends_are_dropped() {
        assert_eq!(
            without_stray_letters("ظ ماجدة شنودة كيرلس ا"),
            "ماجدة شنودة كيرلس"
        );
        assert_eq!(without_stray_letters("عبد الله"), "عبد الله");
        assert_eq!(without_stray_letters("ب"), "ب");
    }

    #[test]
    fn english_names_are_upper_case_words() {
        assert_eq!(english_name("Mona  Rabie-Kassem"), "MONA RABIE KASSEM");
    }
}
