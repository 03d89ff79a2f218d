//! The words of an address line after its house number, as a line reader returns them
//! once the number has been read on its own: what is left of the number, stray marks and
//! ink past the line's end dropped, the way's type and the area words written as printed.
//!
//! Addresses print `number way-type street - area` (`١٢ شارع أحمد عرابي - المهندسين`);
//! the ID card's first address line and both licences' address share the shape.

use crate::arabic::is_arabic_letter;
use crate::vocab::{
    closest_word, snap_address_word, snap_street_type, FEMININE_ORDINALS, MASCULINE_ORDINALS,
    STREET_TYPES,
};

/// Month names that follow a number in a place's name (`6 أكتوبر`, `10 رمضان`): there a
/// lone `1` is not the dash misread.
const MONTH_NAMED_PLACES: &[&str] = &[
    "أكتوبر",
    "مايو",
    "يوليو",
    "رمضان",
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
];

/// The words of a line read with its house number painted out, cleaned (space-joined):
/// - digits still found at the start are the number's, already read, and so is a lone
///   `ا` or `ه` there (a stroke of `١` or `٥` left beside the number's box);
/// - so are digits starting either of the first two words, unless a month follows; the
///   way's type (`ش`, `شارع`) among them is written as printed when misread, and a stray
///   mark of one or two letters before it is dropped (`او شارع`);
/// - tokens mixing digits and letters at the end are ink past the address (`0ش`);
/// - a lone `1` between words is the dash (`فيصل 1 المجاورة`), unless a month follows
///   (`6 أكتوبر`); other words are snapped to the address vocabulary;
/// - the street's name a letter or two off a common one is written as listed
///   ([`crate::streets`]).
pub fn words_after_number(read: &str) -> String {
    let mut words: Vec<&str> = read
        .split(' ')
        .skip_while(|w| w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    if words.len() > 1 && matches!(words[0], "ا" | "ه") {
        words.remove(0);
    }
    // Digits at the start of the first two words are the number's too (`12شارع`, and a
    // digit split off it), unless a month follows (`شارع 6 أكتوبر`).
    let before_month = |words: &[&str], i: usize| {
        words
            .get(i + 1)
            .is_some_and(|n| MONTH_NAMED_PLACES.contains(n))
    };
    let mut i = 0;
    while i < words.len().min(2) {
        let letters = words[i].trim_start_matches(|c: char| c.is_ascii_digit());
        if letters.is_empty() && !before_month(&words, i) {
            words.remove(i);
            continue;
        }
        if !letters.is_empty() {
            words[i] = snap_street_type(letters).unwrap_or(letters);
        }
        i += 1;
    }
    let is_street = |w: &str| STREET_TYPES.contains(&w);
    if words.len() > 2
        && !is_street(words[0])
        && words[0].chars().count() <= 2
        && is_street(words[1])
    {
        words.remove(0);
    }
    while words.len() > 1
        && words.last().is_some_and(|w| {
            w.chars().any(|c| c.is_ascii_digit()) && w.chars().any(is_arabic_letter)
        })
    {
        words.pop();
    }
    // An article read apart from its word (`ال حي`, `ا حي` for `الحي`), where the two
    // make an address word.
    let mut joined: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        if matches!(words[i], "ال" | "ا") {
            if let Some(word) = words
                .get(i + 1)
                .and_then(|next| snap_address_word(&format!("ال{next}")))
            {
                joined.push(word.to_string());
                i += 2;
                continue;
            }
        }
        joined.push(words[i].to_string());
        i += 1;
    }
    let words: Vec<&str> = joined.iter().map(String::as_str).collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    for (i, &w) in words.iter().enumerate() {
        let word = if i > 0 && w == "1" && !before_month(&words, i) {
            "-"
        } else {
            snap_address_word(w)
                .or_else(|| out.last().and_then(|area| ordinal_after(area, w)))
                .or_else(|| words.get(i + 1).and_then(|next| district_before(w, next)))
                .unwrap_or(w)
        };
        out.push(word);
    }
    // The street's name, after its way's type (or first, the type unread), put right
    // where a letter or two off a common one.
    // A mark of a letter or two first is the type misread (`ض`): not the name's.
    let start = match out.iter().take(2).position(|w| STREET_TYPES.contains(w)) {
        Some(i) => i + 1,
        None => usize::from(out.first().is_some_and(|w| w.chars().count() <= 2)),
    };
    if let Some((span, name)) = crate::streets::snap_at(&out, start) {
        out.splice(start..start + span, [name]);
    }
    out.join(" ")
}

/// `الحي` misread where a masculine ordinal follows (`الي السابع`, `المبي الثالث`):
/// of the area words only `الحي` takes one, so within two edits (a letter short, `الي`,
/// is too short to snap alone, and a word itself).
fn district_before(word: &str, next: &str) -> Option<&'static str> {
    const DISTRICT: &str = "الحي";
    let ordinal = ordinal_after(DISTRICT, next).is_some();
    // The final `ى` and `ي` are one letter in print (`الى` for `الي`).
    let folded = word.replace('ى', "ي");
    // Two edits only where the article's `ا` stands (`المبي`; `لحي` is one).
    let edits = crate::fuzzy::levenshtein(&folded, DISTRICT);
    (ordinal && word != DISTRICT && (edits <= 1 || edits == 2 && word.starts_with('ا')))
        .then_some(DISTRICT)
}

/// The ordinal numbering an area (`الحي الثالث`, `المنطقة الثالثة`) misread by one
/// letter, in the area word's gender: `الثالثك` is one edit from both `الثالث` and
/// `الثالثة`, and only the word before tells which.
fn ordinal_after(area: &str, word: &str) -> Option<&'static str> {
    let ordinals = match area {
        "الحي" => MASCULINE_ORDINALS,
        "المنطقة" | "المجاورة" => FEMININE_ORDINALS,
        _ => return None,
    };
    if word.chars().count() < 4 {
        return None;
    }
    closest_word(word, ordinals, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_numbers_leftovers_and_stray_marks_are_dropped() {
        assert_eq!(words_after_number("12 ا شارع النيل"), "شارع النيل");
        assert_eq!(words_after_number("12شارع النيل"), "شارع النيل");
        assert_eq!(words_after_number("شارع 0 النيل"), "شارع النيل");
        assert_eq!(words_after_number("او شارع النيل"), "شارع النيل");
        assert_eq!(words_after_number("شارع النيل 0ش"), "شارع النيل");
    }

    #[test]
    fn an_article_read_apart_and_an_ordinals_last_letter_are_restored() {
        assert_eq!(
            words_after_number("ش الإخلاص - ال حي الثالث الباجور"),
            "ش الإخلاص - الحي الثالث الباجور"
        );
        assert_eq!(
            words_after_number("ش الإخلاص - ا حي الثالث الباجور"),
            "ش الإخلاص - الحي الثالث الباجور"
        );
        assert_eq!(
            words_after_number("شارع الفردوس - الحي الثالثك كفر سعد"),
            "شارع الفردوس - الحي الثالث كفر سعد"
        );
        assert_eq!(
            words_after_number("شارع الوحدة - الي السابع قليوب"),
            "شارع الوحدة - الحي السابع قليوب"
        );
        assert_eq!(
            words_after_number("شارع الوحدة - الى السابع قليوب"),
            "شارع الوحدة - الحي السابع قليوب"
        );
        assert_eq!(
            words_after_number("شارع الهرم - المبي الثالث كوم أمبو"),
            "شارع الهرم - الحي الثالث كوم أمبو"
        );
        assert_eq!(
            words_after_number("شارع الجامع - لحي الثالث منفلوط"),
            "شارع الجامع - الحي الثالث منفلوط"
        );
        // Without an ordinal after it, `الى` stays as read.
        assert_eq!(words_after_number("شارع الى النيل"), "شارع الى النيل");
        assert_eq!(
            words_after_number("شارع النيل - المنطقة الثالثك بورفؤاد"),
            "شارع النيل - المنطقة الثالثة بورفؤاد"
        );
        // An article before a word that makes no address word stays...
        assert_eq!(words_after_number("شارع ال بطل"), "شارع ال بطل");
        // ... unless the two make a common street's name.
        assert_eq!(words_after_number("شارع ال نيل"), "شارع النيل");
    }

    #[test]
    fn a_common_streets_name_misread_is_put_right() {
        assert_eq!(
            words_after_number("ش اجمهورية قليوب - القليوبية"),
            "ش الجمهورية قليوب - القليوبية"
        );
        assert_eq!(
            words_after_number("شارع جمال عبد الناصر المعادي - القاهرة"),
            "شارع جمال عبدالناصر المعادي - القاهرة"
        );
        // The type unread: the name first.
        assert_eq!(words_after_number("التحريب كوم أمبو"), "التحرير كوم أمبو");
        // A lone letter of the shape of `ش` before the name is the way's type.
        assert_eq!(words_after_number("ض الجيش - الأقصر"), "ش الجيش - الأقصر");
        // A street the gazetteer does not hold stays as read.
        assert_eq!(words_after_number("شارع البطل طنطا"), "شارع البطل طنطا");
    }

    #[test]
    fn a_lone_one_is_the_dash_except_before_a_month() {
        assert_eq!(
            words_after_number("شارع فيصل 1 المجاورة"),
            "شارع فيصل - المجاورة"
        );
        assert_eq!(words_after_number("شارع 6 أكتوبر"), "شارع 6 أكتوبر");
    }
}
