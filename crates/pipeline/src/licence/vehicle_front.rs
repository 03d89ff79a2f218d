//! The front of the vehicle licence (رخصة تسيير, owner side): plate number, licence type,
//! owner name, nationality, address, issue and expiry dates, traffic unit.
//!
//! Layout (documents.md): labelled rows (`رقم اللوحة`, `نوع الترخيص`, `المالك`,
//! `الجنسية`, `العنوان`, `تاريخ الترخيص`, `نهاية الترخيص`), values left of their labels,
//! and the traffic unit (`وحدة مرور ...`) unlabelled at the bottom.

use hawiya_documents::dates::DateRole;
use hawiya_documents::translit;
use hawiya_documents::vocab::{
    closest_term, closest_term_with, plate_letter, ClosestWordParams, NATIONALITIES,
    VEHICLE_LICENCE_TYPES,
};
use serde_json::{json, Value};

use super::plate_number::PlateNumberRead;
use super::{arabic_words, Label, LatinGroups, LicenceCard, LicenceReadParams};
use crate::error::Result;
use crate::extraction::Extraction;
use crate::national_id::front::letters_only;
use crate::national_id::layout::CardBox;
use crate::national_id::rectify::RectifiedCard;
use crate::national_id::{names_fix, IdModels};
use crate::worker::Worker;

/// The labels of the vehicle licence front.
pub const LABELS: &[Label] = &[
    Label {
        field: "license_number",
        spellings: &["رقم اللوحة", "رقم اللوحات"],
    },
    Label {
        field: "license_type",
        spellings: &["نوع الترخيص"],
    },
    Label {
        field: "name",
        spellings: &["المالك", "اسم المالك"],
    },
    Label {
        field: "nationality",
        spellings: &["الجنسية"],
    },
    Label {
        field: "address",
        spellings: &["العنوان"],
    },
    Label {
        field: "issuance",
        spellings: &["تاريخ الترخيص", "تاريخ التحرير"],
    },
    Label {
        field: "expiry",
        spellings: &["نهاية الترخيص", "تاريخ الانتهاء"],
    },
];

/// The plate letters among the words after the label, in reading order.
pub(crate) fn plate_letters(text: &str) -> Vec<char> {
    let mut letters = Vec::new();
    for token in text.split_whitespace() {
        let mapped: Option<Vec<char>> = token.chars().map(plate_letter).collect();
        match mapped {
            // Single letters, or letters Tesseract ran together (`طنن`).
            Some(chars) if chars.len() <= 3 => letters.extend(chars),
            _ => {}
        }
    }
    letters.truncate(3);
    letters
}

pub(crate) fn read_card_scored(
    worker: &mut Worker,
    models: &mut IdModels,
    card: &RectifiedCard,
    params: &LicenceReadParams,
) -> Result<(Extraction, usize)> {
    // No Latin print on this side but the card's English title.
    let latin = LatinGroups {
        labelled: &[],
        unlabelled: false,
        title: None,
    };
    let mut c = LicenceCard::scan(worker, models, card, params, LABELS, &[], latin)?;
    let mut out = Extraction::default();
    let labels = c.labels_found();

    // The plate number: the trained reader's read where it has a plate number's shape
    // (on the value's pieces, then from the digits the recogniser found); else letters
    // from Tesseract's words and digits from the digit recogniser.
    // Its label misread past matching (`رف اللرحة`, `زقم الأوعة`) beside a value.
    let plate_unit = c.labelled_by_value(LABELS, "license_number", |v| !v.trim().is_empty());
    match plate_unit {
        Some(u) => {
            let well_formed = |read: Option<PlateNumberRead>| read.filter(|t| t.well_formed());
            // The digit recogniser's read is needed only where the first crop fails.
            let label_left = c.label_left(u, LABELS)?;
            let by_label = match label_left {
                Some(_) => well_formed(c.plate_number_trained(u, None, label_left)?),
                None => None,
            };
            let first = match by_label {
                Some(t) => Some(t),
                None => well_formed(c.plate_number_trained(u, None, None)?),
            };
            let (text, conf) = match first {
                Some(t) => (t.text(), t.confidence),
                None => {
                    let digits = c.plate_digits(u)?;
                    let retried = match &digits {
                        Some((_, _, digits_box)) => {
                            well_formed(c.plate_number_trained(u, Some(*digits_box), None)?)
                        }
                        None => None,
                    };
                    match retried {
                        Some(t) => (t.text(), t.confidence),
                        None => plate_number_by_tesseract(&mut c, u, digits)?,
                    }
                }
            };
            let region = c.units[u].region;
            c.push(&mut out, "license_number", json!(text), conf, Some(&region));
        }
        None => out.push("license_number", Value::Null).confidence = Some(0.0),
    }

    for field in ["license_type", "name", "nationality"] {
        let unit = match field {
            "name" => c.loosely_labelled(
                LABELS,
                field,
                &["license_number", "license_type"],
                &["nationality", "address"],
            ),
            _ => c.labelled(LABELS, field),
        };
        let Some(u) = unit else {
            out.push(field, Value::Null).confidence = Some(0.0);
            continue;
        };
        let (raw, conf) = match field {
            // Tesseract's read arbitrated with the trained name reader's, as the ID card
            // and the driving licence do (dev seeds 13 and 11, 90 fronts each: name 90.0
            // -> 95.6% and 90.0 -> 96.7%).
            "name" => {
                let clean = |t: &str| names_fix(&letters_only(t));
                let read = c.voted_name_value(u, LABELS, clean)?;
                c.name_value_with_trained(u, LABELS, read, clean)?
            }
            _ => c.voted_value(u, LABELS, letters_only)?,
        };
        let value = match field {
            "license_type" => closest_term(&raw, VEHICLE_LICENCE_TYPES, 2)
                .map(|t| t.arabic.to_string())
                .unwrap_or(raw),
            // `مصرىي` is as near `مصري` as `مصرية`: the licence's usual word wins.
            "nationality" => closest_term_with(
                &raw,
                NATIONALITIES,
                &ClosestWordParams {
                    max_distance: 2,
                    refuse_ties: false,
                },
            )
            .map(|t| t.arabic.to_string())
            .unwrap_or(raw),
            // No Latin line checks the owner's name: a word one letter from one
            // dictionary name alone is taken as that name (as on the ID card).
            _ => translit::correct_name_words(&super::join_abd(&raw))
                .split(' ')
                .map(|w| translit::dictionary_spelling(w).unwrap_or(w))
                .collect::<Vec<_>>()
                .join(" "),
        };
        let region = c.units[u].region;
        c.push(&mut out, field, json!(value), conf, Some(&region));
    }
    match c.address_unit(LABELS, "address", &["nationality"], &["issuance", "expiry"]) {
        Some(u) => {
            let (text, conf, region) = c.address_value(u)?;
            c.push(&mut out, "address", json!(text), conf, Some(&region));
        }
        None => out.push("address", Value::Null).confidence = Some(0.0),
    }
    c.push_date(
        &mut out,
        LABELS,
        "issuance",
        DateRole::Release,
        Some(("expiry", false)),
    )?;
    c.push_date(
        &mut out,
        LABELS,
        "expiry",
        DateRole::Expiry,
        Some(("issuance", true)),
    )?;

    // `وحدة` first, or lost and `مرور` first.
    let unit = c.lowest_line_starting_with(&["وحدة", "مرور"]);
    match unit {
        Some(i) => {
            // `traffic_line` drops the head words, `مرور` first or not.
            let (read, conf, region) = c.voted_whole_line(i, arabic_words)?;
            let mut text = super::traffic_line(&read, "وحدة");
            if let Some(address) = out.get_str("address") {
                text = super::prefer_words_from(&text, address, 2);
            }
            c.push(&mut out, "traffic_unit", json!(text), conf, Some(&region));
        }
        None => out.push("traffic_unit", Value::Null).confidence = Some(0.0),
    }
    Ok((out, labels))
}

/// The plate number as read before the trained reader (and where its read has no plate
/// number's shape): the letters from Tesseract (the unit's words, each letter alone, the
/// letters' line: the read with more letters wins), then `digits` (the digit
/// recogniser's, with its region) where found.
fn plate_number_by_tesseract(
    c: &mut LicenceCard,
    u: usize,
    digits: Option<(String, f32, CardBox)>,
) -> Result<(String, f32)> {
    let mut letters = plate_letters(&c.units[u].value_text());
    if let Some((_, _, region)) = &digits {
        let alone = c.plate_letters_after(u, region.x1)?;
        if alone.len() >= 2 && alone.len() >= letters.len() {
            letters = alone;
        }
        // Each letter read alone loses the small ones (`ه`); the line read of the
        // letters' crop keeps them: the read with more letters wins.
        let line = c.plate_letters_line(u, region.x1)?;
        if line.len() > letters.len() {
            letters = line;
        }
    }
    let mut parts: Vec<String> = letters.iter().map(|l| l.to_string()).collect();
    parts.extend(digits.as_ref().map(|(d, _, _)| d.clone()));
    let conf = digits
        .as_ref()
        .map_or(0.0, |d| d.1)
        .min(c.units[u].confidence.max(0.3));
    Ok((parts.join(" "), conf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plate_letters_come_single_or_joined() {
        assert_eq!(plate_letters("ط ن ن ١٢"), vec!['ط', 'ن', 'ن']);
        assert_eq!(plate_letters("طنن"), vec!['ط', 'ن', 'ن']);
        assert_eq!(plate_letters("ا ي"), vec!['أ', 'ى']);
    }
}
