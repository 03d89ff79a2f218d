//! The words of an address line after its house number, as a line reader returns them
//! once the number has been read on its own: what is left of the number, stray marks and
//! ink past the line's end dropped, the way's type and the area words written as printed.
//!
//! Addresses print `number way-type street - area` (`١٢ شارع أحمد عرابي - المهندسين`);
//! the ID card's first address line and both licences' address share the shape.

use crate::arabic::is_arabic_letter;
use crate::vocab::{snap_address_word, snap_street_type, STREET_TYPES};

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
///   (`6 أكتوبر`); other words are snapped to the address vocabulary.
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
    (0..words.len())
        .map(|i| {
            let w = words[i];
            if i > 0 && w == "1" && !before_month(&words, i) {
                return "-";
            }
            snap_address_word(w).unwrap_or(w)
        })
        .collect::<Vec<_>>()
        .join(" ")
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
    fn a_lone_one_is_the_dash_except_before_a_month() {
        assert_eq!(
            words_after_number("شارع فيصل 1 المجاورة"),
            "شارع فيصل - المجاورة"
        );
        assert_eq!(words_after_number("شارع 6 أكتوبر"), "شارع 6 أكتوبر");
    }
}
