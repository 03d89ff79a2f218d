//! Digit scripts: Arabic-Indic (`٠-٩`, U+0660..U+0669), Eastern Arabic-Indic
//! (`۰-۹`, U+06F0..U+06F9, the Persian/Urdu forms OCR sometimes emits) and ASCII.
//!
//! Structured response fields carry ASCII digits (documents.md, "Normalisation");
//! plates are answered with Arabic-Indic digits.

/// First code point of the Arabic-Indic digits `٠`.
const ARABIC_INDIC_ZERO: u32 = 0x0660;
/// First code point of the Eastern Arabic-Indic digits `۰`.
const EASTERN_ARABIC_INDIC_ZERO: u32 = 0x06F0;

/// The value 0-9 of a digit in any of the three scripts, `None` for anything else.
pub fn digit_value(c: char) -> Option<u8> {
    let cp = c as u32;
    if c.is_ascii_digit() {
        Some(c as u8 - b'0')
    } else if (ARABIC_INDIC_ZERO..ARABIC_INDIC_ZERO + 10).contains(&cp) {
        Some((cp - ARABIC_INDIC_ZERO) as u8)
    } else if (EASTERN_ARABIC_INDIC_ZERO..EASTERN_ARABIC_INDIC_ZERO + 10).contains(&cp) {
        Some((cp - EASTERN_ARABIC_INDIC_ZERO) as u8)
    } else {
        None
    }
}

/// Whether `c` is a digit in one of the three scripts.
pub fn is_any_digit(c: char) -> bool {
    digit_value(c).is_some()
}

/// Replaces every Arabic-Indic and Eastern Arabic-Indic digit by its ASCII digit; every
/// other character is kept as it is.
pub fn to_ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match digit_value(c) {
            Some(d) => char::from(b'0' + d),
            None => c,
        })
        .collect()
}

/// Replaces every digit (ASCII or Eastern Arabic-Indic) by its Arabic-Indic form
/// (`٠-٩`, the form Egyptian cards and plates print); other characters are kept.
pub fn to_arabic_indic(s: &str) -> String {
    s.chars()
        .map(|c| match digit_value(c) {
            Some(d) => char::from_u32(ARABIC_INDIC_ZERO + u32::from(d)).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// Only the digits of `s`, in ASCII, in order (spaces, separators and letters dropped).
pub fn ascii_digits_only(s: &str) -> String {
    s.chars()
        .filter_map(digit_value)
        .map(|d| char::from(b'0' + d))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_indic_to_ascii() {
        assert_eq!(to_ascii_digits("٠١٢٣٤٥٦٧٨٩"), "0123456789");
        assert_eq!(to_ascii_digits("۰۱۲۳۴۵۶۷۸۹"), "0123456789");
    }

    #[test]
    fn mixed_text_keeps_non_digits() {
        assert_eq!(to_ascii_digits("٢٠٢٠/٠٥ abc ۹"), "2020/05 abc 9");
        assert_eq!(to_ascii_digits("ر ق ب"), "ر ق ب");
    }

    #[test]
    fn ascii_to_arabic_indic() {
        assert_eq!(to_arabic_indic("0123456789"), "٠١٢٣٤٥٦٧٨٩");
        // Eastern forms are unified to the Egyptian Arabic-Indic ones.
        assert_eq!(to_arabic_indic("۴۵۶"), "٤٥٦");
        assert_eq!(to_arabic_indic("ر ق ب 1234"), "ر ق ب ١٢٣٤");
    }

    #[test]
    fn round_trip() {
        let s = "29001010123458";
        assert_eq!(to_ascii_digits(&to_arabic_indic(s)), s);
    }

    #[test]
    fn digit_values_and_filters() {
        assert_eq!(digit_value('٧'), Some(7));
        assert_eq!(digit_value('۷'), Some(7));
        assert_eq!(digit_value('7'), Some(7));
        assert_eq!(digit_value('a'), None);
        // U+066B (Arabic decimal separator) sits right after the digits: not a digit.
        assert_eq!(digit_value('\u{066B}'), None);
        assert!(is_any_digit('٠'));
        assert!(!is_any_digit(' '));
        assert_eq!(ascii_digits_only("٢ ٩٠ ٠١-01x"), "2900101");
    }
}
