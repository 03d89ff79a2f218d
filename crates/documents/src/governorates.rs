//! Egyptian governorates and their codes in the national ID number (documents.md): the
//! 27 governorates plus 88, "born abroad".

use crate::arabic::{normalize_for_matching_with, normalize_latin_name_with, MatchingOptions};
use crate::fuzzy::levenshtein;

/// One governorate code of the national ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Governorate {
    /// The two-digit code (`01`..`35`, `88`).
    pub code: u8,
    /// The name as an Egyptian address prints it, with its article.
    pub arabic: &'static str,
    /// The usual English name.
    pub english: &'static str,
    /// Other Arabic spellings seen in addresses (without article and hamza variants,
    /// which matching folds anyway).
    arabic_aliases: &'static [&'static str],
    /// Other English spellings.
    english_aliases: &'static [&'static str],
}

impl Governorate {
    /// The code as the ID number writes it, two digits.
    pub fn code_str(&self) -> String {
        format!("{:02}", self.code)
    }

    /// Whether the code means the holder was born outside Egypt.
    pub fn is_abroad(&self) -> bool {
        self.code == BORN_ABROAD_CODE
    }
}

/// The ID number's governorate code for a birth outside Egypt.
pub const BORN_ABROAD_CODE: u8 = 88;

const fn gov(
    code: u8,
    arabic: &'static str,
    english: &'static str,
    arabic_aliases: &'static [&'static str],
    english_aliases: &'static [&'static str],
) -> Governorate {
    Governorate {
        code,
        arabic,
        english,
        arabic_aliases,
        english_aliases,
    }
}

/// Every code, in code order.
pub const GOVERNORATES: [Governorate; 28] = [
    gov(1, "القاهرة", "Cairo", &[], &["Al Qahirah"]),
    gov(2, "الإسكندرية", "Alexandria", &[], &["Alex"]),
    gov(3, "بورسعيد", "Port Said", &["بور سعيد"], &["Portsaid"]),
    gov(4, "السويس", "Suez", &[], &[]),
    gov(11, "دمياط", "Damietta", &[], &["Dumyat"]),
    gov(12, "الدقهلية", "Dakahlia", &[], &["Dakahliya", "Daqahliya"]),
    gov(
        13,
        "الشرقية",
        "Sharqia",
        &[],
        &["Sharkia", "Sharqiya", "Sharkiya"],
    ),
    gov(
        14,
        "القليوبية",
        "Qalyubia",
        &[],
        &["Qaliubiya", "Kalyoubia"],
    ),
    gov(
        15,
        "كفر الشيخ",
        "Kafr El Sheikh",
        &["كفرالشيخ"],
        &["Kafr Elsheikh", "Kafr Al Shaykh"],
    ),
    gov(16, "الغربية", "Gharbia", &[], &["Gharbiya"]),
    gov(
        17,
        "المنوفية",
        "Monufia",
        &[],
        &["Menoufia", "Minufiya", "Menofia"],
    ),
    gov(18, "البحيرة", "Beheira", &[], &["Behira", "Buhayrah"]),
    gov(19, "الإسماعيلية", "Ismailia", &[], &["Ismailiya"]),
    gov(21, "الجيزة", "Giza", &[], &["Gizeh", "Al Jizah"]),
    gov(
        22,
        "بني سويف",
        "Beni Suef",
        &[],
        &["Bani Suwayf", "Beni Sweif"],
    ),
    gov(23, "الفيوم", "Fayoum", &[], &["Faiyum", "Fayum"]),
    gov(24, "المنيا", "Minya", &[], &["Menia", "Minia"]),
    gov(25, "أسيوط", "Assiut", &[], &["Asyut", "Assiout"]),
    gov(26, "سوهاج", "Sohag", &[], &["Suhaj"]),
    gov(27, "قنا", "Qena", &[], &["Kena", "Qina"]),
    gov(28, "أسوان", "Aswan", &[], &[]),
    gov(29, "الأقصر", "Luxor", &[], &["Al Uqsur"]),
    gov(31, "البحر الأحمر", "Red Sea", &[], &[]),
    gov(
        32,
        "الوادي الجديد",
        "New Valley",
        &[],
        &["Al Wadi Al Jadid"],
    ),
    gov(
        33,
        "مطروح",
        "Matrouh",
        &["مرسى مطروح"],
        &["Matruh", "Marsa Matrouh"],
    ),
    gov(34, "شمال سيناء", "North Sinai", &[], &[]),
    gov(35, "جنوب سيناء", "South Sinai", &[], &[]),
    gov(
        BORN_ABROAD_CODE,
        "خارج الجمهورية",
        "Born abroad",
        &["خارج مصر"],
        &["Outside Egypt"],
    ),
];

/// Matching keys drop the article: addresses write `الجيزة`, `جيزة` and `محافظة الجيزة`.
const LOOKUP_OPTIONS: MatchingOptions = MatchingOptions {
    strip_definite_article: true,
};

/// The governorate with this ID-number code.
pub fn by_code(code: u8) -> Option<&'static Governorate> {
    GOVERNORATES.iter().find(|g| g.code == code)
}

/// The governorate for a two-character code (`"01"`, ASCII or Arabic-Indic digits).
pub fn by_code_str(code: &str) -> Option<&'static Governorate> {
    let digits = crate::digits::to_ascii_digits(code.trim());
    if digits.len() != 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    by_code(digits.parse().ok()?)
}

/// The word `محافظة` ("governorate of") that often precedes the name in addresses.
const GOVERNORATE_WORD: &str = "محافظه";

fn arabic_key(s: &str) -> String {
    let key = normalize_for_matching_with(s, &LOOKUP_OPTIONS);
    match key.strip_prefix(GOVERNORATE_WORD) {
        Some(rest) => rest.trim().to_string(),
        None => key,
    }
}

fn arabic_keys(g: &Governorate) -> impl Iterator<Item = String> + '_ {
    std::iter::once(g.arabic)
        .chain(g.arabic_aliases.iter().copied())
        .map(arabic_key)
}

/// The governorate whose Arabic name (or a known alias) equals `name` after matching
/// normalisation: hamza, ta marbuta, article and a leading `محافظة` do not matter.
pub fn by_arabic_name(name: &str) -> Option<&'static Governorate> {
    let key = arabic_key(name);
    if key.is_empty() {
        return None;
    }
    GOVERNORATES
        .iter()
        .find(|g| arabic_keys(g).any(|k| k == key))
}

/// The governorate whose English name or alias equals `name`, ignoring case, hyphens
/// and the article (`El Giza`, `giza`, `Kafr el-Sheikh`).
pub fn by_english_name(name: &str) -> Option<&'static Governorate> {
    let key = normalize_latin_name_with(name, &LOOKUP_OPTIONS);
    if key.is_empty() {
        return None;
    }
    GOVERNORATES.iter().find(|g| {
        std::iter::once(g.english)
            .chain(g.english_aliases.iter().copied())
            .any(|n| normalize_latin_name_with(n, &LOOKUP_OPTIONS) == key)
    })
}

/// The governorate named by an OCR'd name with at most `max_distance` edits on the
/// matching key; `None` if two governorates are equally close.
pub fn closest_arabic_name(name: &str, max_distance: usize) -> Option<&'static Governorate> {
    let key = arabic_key(name);
    let mut best: Option<(usize, &'static Governorate)> = None;
    let mut tied = false;
    for g in GOVERNORATES.iter() {
        let Some(d) = arabic_keys(g).map(|k| levenshtein(&key, &k)).min() else {
            continue;
        };
        if d > max_distance {
            continue;
        }
        match best {
            Some((bd, _)) if d > bd => {}
            Some((bd, _)) if d == bd => tied = true,
            _ => {
                best = Some((d, g));
                tied = false;
            }
        }
    }
    if tied {
        None
    } else {
        best.map(|(_, g)| g)
    }
}

/// The governorate an address line names, for the `govern` field. The ID card's second
/// address line reads `district - city - governorate`; the governorate is the last part
/// that names one, so the text is searched from its end, first by `-`/`،`/`,` parts and
/// then by runs of one to three words (names have at most three words).
pub fn find_in_address(address: &str) -> Option<&'static Governorate> {
    let parts: Vec<&str> = address
        .split(['-', '–', '،', ',', '/'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if let Some(g) = parts.iter().rev().find_map(|p| by_arabic_name(p)) {
        return Some(g);
    }
    let words: Vec<&str> = address
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '–' | '،' | ',' | '/'))
        .filter(|w| !w.is_empty())
        .collect();
    for end in (1..=words.len()).rev() {
        for len in (1..=3.min(end)).rev() {
            let run = words[end - len..end].join(" ");
            if let Some(g) = by_arabic_name(&run) {
                return Some(g);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_unique() {
        assert_eq!(GOVERNORATES.len(), 28);
        let mut codes = std::collections::HashSet::new();
        let mut keys = std::collections::HashSet::new();
        for g in GOVERNORATES.iter() {
            assert!(codes.insert(g.code));
            for k in arabic_keys(g) {
                assert!(keys.insert(k.clone()), "key {k} repeats");
            }
            assert_eq!(by_code(g.code), Some(g));
            assert_eq!(by_arabic_name(g.arabic), Some(g));
            assert_eq!(by_english_name(g.english), Some(g));
        }
        // The codes of documents.md: 01-04, 11-19, 21-29, 31-35, 88.
        let expected: Vec<u8> = (1..=4)
            .chain(11..=19)
            .chain(21..=29)
            .chain(31..=35)
            .chain([88])
            .collect();
        let actual: Vec<u8> = GOVERNORATES.iter().map(|g| g.code).collect();
        assert_eq!(actual, expected);
    }

    #[test]
    fn code_lookup() {
        assert_eq!(by_code(1).unwrap().english, "Cairo");
        assert_eq!(by_code_str("21").unwrap().arabic, "الجيزة");
        assert_eq!(by_code_str("٢١").unwrap().english, "Giza");
        assert!(by_code_str("88").unwrap().is_abroad());
        assert_eq!(by_code(5), None);
        assert_eq!(by_code(20), None);
        assert_eq!(by_code_str("1"), None);
        assert_eq!(by_code_str("ab"), None);
        assert_eq!(by_code(2).unwrap().code_str(), "02");
    }

    #[test]
    fn arabic_lookup_is_spelling_tolerant() {
        assert_eq!(by_arabic_name("الاسكندريه").unwrap().code, 2);
        assert_eq!(by_arabic_name("اسكندرية").unwrap().code, 2);
        assert_eq!(by_arabic_name("محافظة الجيزة").unwrap().code, 21);
        assert_eq!(by_arabic_name("جيزه").unwrap().code, 21);
        assert_eq!(by_arabic_name("بور سعيد").unwrap().code, 3);
        assert_eq!(by_arabic_name("بنى سويف").unwrap().code, 22);
        assert_eq!(by_arabic_name("الاقصر").unwrap().code, 29);
        assert_eq!(by_arabic_name("البحر الاحمر").unwrap().code, 31);
        assert_eq!(by_arabic_name("مدينة نصر"), None);
        assert_eq!(by_arabic_name(""), None);
    }

    #[test]
    fn english_lookup() {
        assert_eq!(by_english_name("kafr el-sheikh").unwrap().code, 15);
        assert_eq!(by_english_name("El Giza").unwrap().code, 21);
        assert_eq!(by_english_name("MENOUFIA").unwrap().code, 17);
        assert_eq!(by_english_name("Paris"), None);
    }

    #[test]
    fn fuzzy_lookup() {
        // One letter misread.
        assert_eq!(closest_arabic_name("الدقهليه", 0).unwrap().code, 12);
        assert_eq!(closest_arabic_name("الدقهلبة", 1).unwrap().code, 12);
        assert_eq!(closest_arabic_name("سوهاح", 1).unwrap().code, 26);
        assert_eq!(closest_arabic_name("طوكيو", 1), None);
    }

    #[test]
    fn address_search() {
        assert_eq!(find_in_address("الدقي - الجيزة").unwrap().code, 21);
        assert_eq!(
            find_in_address("قسم أول مدينة نصر - القاهرة").unwrap().code,
            1
        );
        assert_eq!(find_in_address("مركز طنطا الغربية").unwrap().code, 16);
        assert_eq!(find_in_address("أول الرمل الإسكندرية").unwrap().code, 2);
        assert_eq!(find_in_address("ش التحرير كفر الشيخ").unwrap().code, 15);
        // The last named governorate wins: `السويس` here is a street name.
        assert_eq!(find_in_address("شارع السويس - القاهرة").unwrap().code, 1);
        assert_eq!(find_in_address("شارع التحرير"), None);
    }
}
