//! The back of the vehicle licence (رخصة تسيير, vehicle side): model year, make, model,
//! chassis number (VIN), engine displacement, engine number, colour, fuel, cylinders,
//! technical inspection date.
//!
//! Layout (documents.md): two columns of labelled rows, values left of their labels; the
//! chassis and engine numbers are Latin, left to right, read with PP-OCR Latin; the other
//! numbers are Arabic-Indic digits; the words are snapped to their lists (makes, models,
//! colours, fuels).

use chrono::Datelike;
use hawiya_documents::dates;
use hawiya_documents::vocab::{
    closest_term, closest_term_unspaced, is_term_word, term_by_part, Term, CAR_MAKES, CAR_MODELS,
    COLOURS, FUELS,
};
use hawiya_documents::{vin, Code, FieldIssue};
use serde_json::{json, Value};

use super::{
    arabic_words, full_date, latin_number, Label, LatinGroups, LicenceCard, LicenceReadParams,
};
use crate::error::Result;
use crate::extraction::Extraction;
use crate::national_id::rectify::RectifiedCard;
use crate::national_id::IdModels;
use crate::worker::Worker;

/// The labels of the vehicle licence back.
pub const LABELS: &[Label] = &[
    Label {
        field: "model_year",
        spellings: &["سنة الصنع", "سنة الموديل"],
    },
    Label {
        field: "type",
        spellings: &["الماركة"],
    },
    Label {
        field: "sub_type",
        spellings: &["الطراز", "الموديل"],
    },
    Label {
        field: "color",
        spellings: &["اللون"],
    },
    Label {
        field: "fuel",
        spellings: &["الوقود"],
    },
    Label {
        field: "volume",
        spellings: &["سعة المحرك", "السعة اللترية"],
    },
    Label {
        field: "cylinder",
        spellings: &["السلندرات", "عدد السلندرات"],
    },
    Label {
        field: "examination_dt",
        spellings: &["تاريخ الفحص"],
    },
    Label {
        field: "chasis",
        spellings: &["رقم الشاسيه", "رقم الشاسية"],
    },
    Label {
        field: "motor",
        spellings: &["رقم الموتور", "رقم المحرك"],
    },
];

/// An engine number: 5 to 20 Latin letters and digits, at least 4 of them digits.
fn engine_number_ok(t: &str) -> bool {
    (5..=20).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && t.bytes().filter(|b| b.is_ascii_digit()).count() >= 4
}

/// A chassis number as read, less an 18th character at its right end that no VIN
/// holds (`I`, `O`, `Q`): the first letter of the label beside it.
fn vin_read(t: &str) -> &str {
    match t.strip_suffix(['I', 'O', 'Q']) {
        Some(head) if t.len() == vin::LENGTH + 1 => head,
        _ => t,
    }
}

/// Words snapped to `list` (up to `edits` edits, as read or with the spaces Tesseract
/// put inside words left out; else the one word of the list the read is a start or an
/// end of), else kept as read.
fn snapped(raw: &str, list: &[Term], edits: usize) -> String {
    closest_term(raw, list, edits)
        .or_else(|| closest_term_unspaced(raw, list, edits))
        .or_else(|| term_by_part(raw, list))
        .map(|t| t.arabic.to_string())
        .unwrap_or_else(|| raw.to_string())
}

pub(crate) fn read_card_scored(
    worker: &mut Worker,
    models: &mut IdModels,
    card: &RectifiedCard,
    params: &LicenceReadParams,
) -> Result<(Extraction, usize)> {
    // The chassis and engine numbers are Latin, printed up to their labels or apart.
    let latin = LatinGroups {
        labelled: &["chasis", "motor"],
        unlabelled: true,
        title: None,
    };
    let mut c = LicenceCard::scan(worker, models, card, params, LABELS, &[], latin)?;
    let mut out = Extraction::default();
    let labels = c.labels_found();
    let year_now = params.today().year() as u32;

    // Numbers in Arabic-Indic digits.
    // (field, smallest, largest, most digits)
    let numbers = [
        ("model_year", 1900, year_now + 1, 4),
        ("volume", 50, 20_000, 5),
        ("cylinder", 1, 16, 2),
    ];
    for (field, lo, hi, max_len) in numbers {
        let Some(u) = c.labelled(LABELS, field) else {
            out.push(field, Value::Null).confidence = Some(0.0);
            continue;
        };
        let accept = |t: &str| {
            !t.is_empty()
                && t.len() <= max_len
                && t.bytes().all(|b| b.is_ascii_digit())
                && !t.starts_with('0')
                && t.parse::<u32>().is_ok_and(|v| (lo..=hi).contains(&v))
        };
        match c.number_value(u, accept)? {
            Some((d, region)) if accept(&d.text) => {
                c.push(&mut out, field, json!(d.text), d.confidence, Some(&region))
            }
            other => {
                let text = other.map(|(d, _)| d.text).unwrap_or_default();
                out.push(field, Value::Null).confidence = Some(0.0);
                out.issues.push(
                    FieldIssue::new(field, &text, Code::BadFieldFormat)
                        .with_detail("no plausible number read"),
                );
            }
        }
    }

    // Words, snapped to their lists.
    // (field, list, most edits to snap, the list's words)
    let words = [
        (
            "type",
            CAR_MAKES,
            2,
            (|w| is_term_word(w, CAR_MAKES)) as fn(&str) -> bool,
        ),
        ("sub_type", CAR_MODELS, 1, |w| is_term_word(w, CAR_MODELS)),
        ("color", COLOURS, 1, |w| is_term_word(w, COLOURS)),
        ("fuel", FUELS, 2, |w| is_term_word(w, FUELS)),
    ];
    for (field, list, edits, listed) in words {
        // A label misread past matching (`الوترد` for `الوقود`) or lost, beside a word
        // of the list.
        let unit = c.labelled_or_lone_value(LABELS, field, |v| {
            closest_term(&arabic_words(v), list, edits).is_some()
        });
        let Some(u) = unit else {
            out.push(field, Value::Null).confidence = Some(0.0);
            continue;
        };
        let (raw, conf) = c.voted_listed_value(u, LABELS, arabic_words, listed)?;
        let value = snapped(&raw, list, edits);
        let region = c.units[u].region;
        c.push(&mut out, field, json!(value), conf, Some(&region));
    }

    // The inspection date.
    match c.labelled(LABELS, "examination_dt") {
        Some(u) => match c.date_value(u)? {
            Some((text, conf, region)) if full_date(&text) => {
                let iso = dates::parse_printed_date(&text).map(|d| d.to_iso()).ok();
                c.push(&mut out, "examination_dt", json!(iso), conf, Some(&region));
            }
            other => {
                out.push("examination_dt", Value::Null).confidence = Some(0.0);
                out.issues.push(
                    FieldIssue::new(
                        "examination_dt",
                        other.map(|o| o.0).unwrap_or_default(),
                        Code::BadFieldFormat,
                    )
                    .with_detail("no date read"),
                );
            }
        },
        None => out.push("examination_dt", Value::Null).confidence = Some(0.0),
    }

    // Latin numbers: by their label, else by their form among the Latin groups.
    let vin_ok = |t: &str| vin::parse(vin_read(t)).is_ok();
    let by_form = |c: &LicenceCard, ok: &dyn Fn(&str) -> bool| {
        c.units
            .iter()
            .filter(|u| u.is_latin())
            .map(|u| (latin_number(&u.latin), u.latin_confidence, u.region))
            .find(|(t, _, _)| ok(t))
    };
    let motor_ok = |t: &str| engine_number_ok(t) && !vin_ok(t);
    // A read that passes its form wins; then a Latin group of that form anywhere; then
    // the label's read as it is (flagged).
    let labelled_read = |c: &mut LicenceCard, field: &str, ok: &dyn Fn(&str) -> bool| match c
        .labelled(LABELS, field)
    {
        Some(u) => c.latin_value(u, ok),
        None => Ok(None),
    };
    for (field, ok) in [
        ("chasis", &vin_ok as &dyn Fn(&str) -> bool),
        ("motor", &motor_ok as &dyn Fn(&str) -> bool),
    ] {
        let read = labelled_read(&mut c, field, ok)?;
        let read = match read {
            Some(r) if ok(&r.0) => Some(r),
            other => by_form(&c, ok).or(other),
        };
        match read {
            Some((text, conf, region)) => {
                let value = if field == "chasis" {
                    vin::parse(vin_read(&text)).map(|v| v.value).ok()
                } else {
                    Some(text.clone()).filter(|t| engine_number_ok(t))
                };
                if value.is_none() {
                    out.issues.push(
                        FieldIssue::new(field, &text, Code::BadFieldFormat).with_detail(
                            if field == "chasis" {
                                "not a 17-character VIN"
                            } else {
                                "not an engine number"
                            },
                        ),
                    );
                }
                let value = value.unwrap_or(text);
                c.push(&mut out, field, json!(value), conf, Some(&region));
            }
            None => out.push(field, Value::Null).confidence = Some(0.0),
        }
    }
    Ok((out, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_letter_after_a_vin_is_left_out() {
        assert_eq!(vin_read("WDD0WY9TVP10CTYRYI"), "WDD0WY9TVP10CTYRY");
        assert_eq!(vin_read("WDD0WY9TVP10CTYRY"), "WDD0WY9TVP10CTYRY");
        // Only an 18th character, and only one a VIN cannot hold.
        assert_eq!(vin_read("WDD0WY9TVP10CTYRY7"), "WDD0WY9TVP10CTYRY7");
        assert_eq!(vin_read("WDD0WY9TVP10CTYI"), "WDD0WY9TVP10CTYI");
    }

    #[test]
    fn engine_numbers_need_digits() {
        assert!(engine_number_ok("I5414240"));
        assert!(!engine_number_ok("ABCDEF"));
        assert!(!engine_number_ok("M85"));
    }
}
