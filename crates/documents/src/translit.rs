//! Arabic to Latin transliteration of Egyptian names (`first_name_english`,
//! `last_names_english`), and Latin spelling variants for name screening.
//!
//! Egyptian names are not spelled by a scientific scheme but by habit: `محمد` is
//! `Mohamed`, `ج` is `g`, `عبد الرحمن` is `Abdel Rahman`, `السيد` is `El Sayed`. So a
//! dictionary of usual spellings comes first ([`names`]); a letter mapping, which cannot
//! know the unwritten short vowels, is only the fallback.

mod names;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::arabic::{normalize_for_matching, normalize_latin_name, normalize_text};

/// The dictionaries keyed by matching key.
struct Dictionary {
    words: HashMap<String, &'static str>,
    abd_second: HashMap<String, &'static str>,
    abd_special: HashMap<String, &'static str>,
}

fn keyed(list: &'static [(&'static str, &'static str)]) -> HashMap<String, &'static str> {
    list.iter()
        .map(|(ar, en)| (normalize_for_matching(ar), *en))
        .collect()
}

fn dictionary() -> &'static Dictionary {
    static DICTIONARY: OnceLock<Dictionary> = OnceLock::new();
    DICTIONARY.get_or_init(|| Dictionary {
        words: keyed(names::WORDS),
        abd_second: keyed(names::ABD_SECOND),
        abd_special: keyed(names::ABD_SPECIAL),
    })
}

/// The matching key of `عبد`, which starts compounds.
const ABD: &str = "عبد";

/// Transliterates an Arabic name (one or several words) to its usual Egyptian Latin
/// spelling: dictionary words as listed, `عبد ...` compounds as `Abdel ...`
/// (`عبد الله` as `Abdallah`), other words with the article as `El ...`, and the rest
/// letter by letter. Words already in Latin script are kept.
pub fn transliterate_name(arabic: &str) -> String {
    let dict = dictionary();
    let text = normalize_text(arabic);
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let key = normalize_for_matching(words[i]);
        // `عبد الرحمن` (two words) or `عبدالرحمن` (glued).
        let abd_rest = if key == ABD && i + 1 < words.len() {
            i += 1;
            Some(normalize_for_matching(words[i]))
        } else {
            key.strip_prefix(ABD)
                .filter(|rest| rest.chars().count() >= 2 && !dict.words.contains_key(&key))
                .map(str::to_string)
        };
        if let Some(rest) = abd_rest {
            out.push(abd_compound(dict, &rest));
        } else {
            out.push(word(dict, &key));
        }
        i += 1;
    }
    out.join(" ")
}

/// Whether an Arabic word is a name the dictionary knows: a listed name, one with the
/// article (`السيد`), `عبد` alone, or an `عبد` compound written as one word
/// (`عبدالرحمن`). OCR readers use it to choose between readings of a name line; a name
/// it does not know is still read, only without that help.
pub fn is_known_name_word(word: &str) -> bool {
    let dict = dictionary();
    let key = normalize_for_matching(word);
    if key.is_empty() {
        return false;
    }
    let known = |k: &str| dict.words.contains_key(k);
    known(&key)
        || key == ABD
        || key
            .strip_prefix("ال")
            .is_some_and(|rest| rest.chars().count() >= 2 && known(rest))
        || key.strip_prefix(ABD).is_some_and(|rest| {
            dict.abd_special.contains_key(rest)
                || dict.abd_second.contains_key(rest)
                || rest
                    .strip_prefix("ال")
                    .is_some_and(|r| r.chars().count() >= 2 && known(r))
        })
}

/// The dictionary's spellings of whole name words: listed names, and `عبد` compounds
/// written as one word, as ID cards print them.
fn name_spellings() -> &'static [String] {
    static SPELLINGS: OnceLock<Vec<String>> = OnceLock::new();
    SPELLINGS.get_or_init(|| {
        let mut v: Vec<String> = names::WORDS.iter().map(|(ar, _)| ar.to_string()).collect();
        v.extend(
            names::ABD_SECOND
                .iter()
                .chain(names::ABD_SPECIAL)
                .map(|(ar, _)| format!("{ABD}{ar}")),
        );
        v.sort();
        v.dedup();
        v
    })
}

/// `word` in the dictionary's spelling, where the word is a listed name written with its
/// alef's hamza or madda dropped or changed (`ادم` for `آدم`, `احمد` for `أحمد`): the
/// one dictionary spelling with the same matching key, differing only there. `None`
/// when the word is written as listed, unknown, or its key has several spellings.
///
/// Why: Tesseract often reads `آ` and `أ` as a bare `ا`; the cards print names as the
/// civil registry spells them, and the key alone cannot say how.
pub fn dictionary_spelling(word: &str) -> Option<&'static str> {
    // Each matching key with its one spelling, or `None` where several share it.
    static BY_KEY: OnceLock<std::collections::HashMap<String, Option<&'static str>>> =
        OnceLock::new();
    let by_key = BY_KEY.get_or_init(|| {
        let mut map = std::collections::HashMap::new();
        for spelling in name_spellings() {
            map.entry(normalize_for_matching(spelling))
                .and_modify(|s| *s = None)
                .or_insert(Some(spelling.as_str()));
        }
        map
    });
    // Only the alef's hamza or madda may differ: a key also folds a final hamza and
    // `ى`/`ي`, which tell names apart (`هنا`, `هناء`).
    let alef = |c: char| matches!(c, 'ا' | 'أ' | 'إ' | 'آ');
    let only_alef_differs = |s: &str| {
        s.chars().count() == word.chars().count()
            && s.chars()
                .zip(word.chars())
                .all(|(a, b)| a == b || (alef(a) && alef(b)))
    };
    by_key
        .get(&normalize_for_matching(word))
        .copied()
        .flatten()
        .filter(|s| *s != word && only_alef_differs(s))
}

/// An OCR reading of a name line with each word the dictionary does not know replaced by
/// the one dictionary name a single letter away, when there is exactly one. Words of
/// under four letters are kept (too many names lie one letter from them: `نوح`, which
/// the dictionary lacks, from `نور`), and so is every word with no or several names
/// that close.
///
/// Why: the commonest misread of a clean name is one letter dropped, added or confused
/// (`إبراهي`, `أصير` for `أمير`); a name the dictionary lacks usually lies two or more
/// letters from any it has, and keeps its reading.
pub fn correct_name_words(text: &str) -> String {
    text.split_whitespace()
        .map(|w| {
            if w.chars().count() < 4 || is_known_name_word(w) {
                return w.to_string();
            }
            let mut close = name_spellings()
                .iter()
                .filter(|s| crate::fuzzy::levenshtein(w, s) == 1);
            match (close.next(), close.next()) {
                (Some(only), None) => only.clone(),
                _ => w.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn abd_compound(dict: &Dictionary, rest: &str) -> String {
    if let Some(special) = dict.abd_special.get(rest) {
        return special.to_string();
    }
    if let Some(second) = dict.abd_second.get(rest) {
        return format!("Abdel {second}");
    }
    let bare = rest.strip_prefix("ال").unwrap_or(rest);
    format!("Abdel {}", word(dict, bare))
}

/// One word by dictionary, then article + dictionary, then letters.
fn word(dict: &Dictionary, key: &str) -> String {
    if let Some(en) = dict.words.get(key) {
        return en.to_string();
    }
    if !crate::arabic::has_arabic(key) {
        return capitalise(key);
    }
    if let Some(rest) = key.strip_prefix("ال").filter(|r| r.chars().count() >= 2) {
        let bare = match dict.words.get(rest) {
            Some(en) => en.to_string(),
            None => letters(rest),
        };
        return format!("El {bare}");
    }
    letters(key)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Whether the folded letter at `i` reads as a vowel: alef and alef maqsura always,
/// waw and ya inside a word (at its start they are the consonants w and y), and a
/// final ha (the folded ta marbuta, `-a`).
fn reads_as_vowel(chars: &[char], i: usize) -> bool {
    match chars[i] {
        'ا' | 'ى' => true,
        'و' | 'ي' => i > 0,
        'ه' => i > 0 && i + 1 == chars.len(),
        _ => false,
    }
}

/// Letter-by-letter fallback on a matching key (hamza forms already folded), with
/// Egyptian values (`ج` = `g`, `ق` = `k`, `ذ`/`ظ` = `z`, `ث` = `th`). Short vowels are
/// not written in Arabic; an `a` is inserted between the first two consonants, the
/// commonest pattern (`كريم` -> `Karim`, `ندى` -> `Nada`).
fn letters(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let first = i == 0;
        let last = i + 1 == chars.len();
        let latin = match c {
            'ا' => "a",
            'ب' => "b",
            'ت' => "t",
            'ث' => "th",
            'ج' => "g",
            'ح' => "h",
            'خ' => "kh",
            'د' => "d",
            'ذ' => "z",
            'ر' => "r",
            'ز' => "z",
            'س' => "s",
            'ش' => "sh",
            'ص' => "s",
            'ض' => "d",
            'ط' => "t",
            'ظ' => "z",
            'ع' => {
                if first || last {
                    "a"
                } else {
                    "'"
                }
            }
            'غ' => "gh",
            'ف' => "f",
            'ق' => "k",
            'ك' => "k",
            'ل' => "l",
            'م' => "m",
            'ن' => "n",
            // Final ha is the folded ta marbuta: `-a`.
            'ه' => {
                if last && !first {
                    "a"
                } else {
                    "h"
                }
            }
            // Consonants at the start or after alef (`فرماوي` -> `Farmawy`), vowels
            // elsewhere.
            'و' => {
                if first || chars[i - 1] == 'ا' {
                    "w"
                } else {
                    "o"
                }
            }
            'ي' => {
                if first || last || chars[i - 1] == 'ا' {
                    "y"
                } else {
                    "i"
                }
            }
            'ى' => "a",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => "",
        };
        out.push_str(latin);
        // The unwritten vowel between the first two consonants.
        if i == 0 && c != 'ا' && chars.len() > 2 && !reads_as_vowel(&chars, 1) {
            out.push('a');
        }
    }
    let out = out.replace('\'', "");
    capitalise(&out)
}

/// Spelling families of the same name; the first member is the usual Egyptian form.
const VARIANT_GROUPS: &[&[&str]] = &[
    &[
        "Mohamed", "Mohammed", "Muhammad", "Mohammad", "Mohamad", "Muhammed", "Mohmed",
    ],
    &["Ahmed", "Ahmad"],
    &["Mahmoud", "Mahmud", "Mahmood"],
    &["Mostafa", "Mustafa", "Moustafa", "Mostapha"],
    &["Youssef", "Yousef", "Yusuf", "Youssif", "Yousif", "Yossef"],
    &["Hussein", "Hussain", "Husain", "Hossein", "Hosein"],
    &["Hassan", "Hasan"],
    &["Ibrahim", "Ebrahim", "Ibraheem"],
    &["Khaled", "Khalid"],
    &["Tarek", "Tarik", "Tariq", "Tareq"],
    &["Sherif", "Sharif", "Cherif"],
    &["Amr", "Amro", "Amrou"],
    &["Walid", "Waleed"],
    &["Omar", "Umar", "Omer"],
    &["Ali", "Aly"],
    &["Osama", "Usama", "Ossama"],
    &["Eslam", "Islam"],
    &["Essam", "Issam", "Esam"],
    &["Emad", "Imad"],
    &["Ayman", "Aiman"],
    &["Yasser", "Yasir", "Yaser"],
    &["Karim", "Kareem"],
    &["Hazem", "Hazim"],
    &["Hatem", "Hatim"],
    &["Maged", "Majed", "Majid"],
    &["Wael", "Wail"],
    &["Adel", "Adil"],
    &["Atef", "Atif"],
    &["Ezzat", "Izzat"],
    &["Gamal", "Jamal"],
    &["Ragab", "Rajab"],
    &["Magdy", "Magdi", "Majdi"],
    &["Hamdy", "Hamdi"],
    &["Fathy", "Fathi"],
    &["Samy", "Sami"],
    &["Ramy", "Rami"],
    &["Hany", "Hani"],
    &["Shady", "Shadi"],
    &["Fady", "Fadi"],
    &["Sayed", "Sayyed", "Sayyid"],
    &["Abdallah", "Abdullah", "Abdalla", "Abdulla"],
    &["Reda", "Ridha", "Rida"],
    &["Yehia", "Yahia", "Yahya"],
    &["Mourad", "Murad"],
    &["Mounir", "Munir"],
    &["Fouad", "Fuad"],
    &["Gaber", "Jaber"],
    &["Hossam", "Hosam", "Husam"],
    &["Mohsen", "Muhsin"],
    &["Moataz", "Moetaz", "Motaz"],
    &["Abdo", "Abdou", "Abduh"],
    &["Fatma", "Fatima", "Fatema", "Fatmah"],
    &["Aya", "Ayah"],
    &["Nour", "Noor", "Nur"],
    &["Shaimaa", "Shaima", "Shimaa", "Chaimaa"],
    &["Heba", "Hiba"],
    &["Marwa", "Marwah"],
    &["Doaa", "Duaa", "Doa"],
    &["Esraa", "Israa", "Esra"],
    &["Asmaa", "Asma"],
    &["Eman", "Iman", "Imane"],
    &["Mariam", "Maryam", "Miriam"],
    &["Sara", "Sarah"],
    &["Yasmin", "Yasmine", "Yasmeen"],
    &["Zeinab", "Zainab", "Zaynab"],
    &["Khadiga", "Khadija"],
    &["Mona", "Muna"],
    &["Hoda", "Huda"],
    &["Noha", "Nuha"],
    &["Gehad", "Jihad"],
    &["Rahman", "Rahmen"],
    &["Aziz", "Azeez"],
];

/// Parameters of [`name_variants_latin_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariantParams {
    /// Most variants returned. Variants multiply per word (a four-word name with five
    /// spellings each is 625); screening only needs the likely ones, which come first.
    pub max_variants: usize,
}

impl Default for VariantParams {
    fn default() -> Self {
        VariantParams { max_variants: 64 }
    }
}

/// Common spelling variants of a Latin name, for AML matching: per word its spelling
/// family (`Mohamed`/`Mohammed`/`Muhammad`...), and the written forms of `El`
/// (`El Sayed`/`Elsayed`/`El-Sayed`/`Al Sayed`) and `Abdel` (`Abdel Rahman`/
/// `Abdelrahman`/`Abd El Rahman`/`Abdul Rahman`) compounds. The input's own spelling
/// (title-cased) comes first; at most 64 variants.
pub fn name_variants_latin(name: &str) -> Vec<String> {
    name_variants_latin_with(name, &VariantParams::default())
}

/// [`name_variants_latin`] with explicit parameters.
pub fn name_variants_latin_with(name: &str, params: &VariantParams) -> Vec<String> {
    // The key joins `el`/`abdel` compounds into single words (`elsayed`, `abdelrahman`).
    let key = normalize_latin_name(name);
    let per_unit: Vec<Vec<String>> = key.split_whitespace().map(unit_variants).collect();
    let mut out: Vec<String> = vec![String::new()];
    for options in &per_unit {
        let mut next = Vec::new();
        'outer: for prefix in &out {
            for o in options {
                next.push(if prefix.is_empty() {
                    o.clone()
                } else {
                    format!("{prefix} {o}")
                });
                if next.len() >= params.max_variants {
                    break 'outer;
                }
            }
        }
        out = next;
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The spellings of one folded unit (`mohamed`, `elsayed`, `abdelrahman`).
fn unit_variants(unit: &str) -> Vec<String> {
    if let Some(rest) = unit.strip_prefix("abdel").filter(|r| r.len() >= 3) {
        let mut out = Vec::new();
        for r in word_variants(rest) {
            out.push(format!("Abdel {r}"));
            out.push(format!("Abdel{}", r.to_lowercase()));
            out.push(format!("Abd El {r}"));
            out.push(format!("Abdul {r}"));
        }
        return out;
    }
    if let Some(rest) = unit.strip_prefix("el").filter(|r| r.len() >= 3) {
        // `elham` is a name, not `El Ham`: only split when the rest is a known name.
        if known_word(rest) {
            let mut out = Vec::new();
            for r in word_variants(rest) {
                out.push(format!("El {r}"));
                out.push(format!("El{}", r.to_lowercase()));
                out.push(format!("El-{r}"));
                out.push(format!("Al {r}"));
            }
            return out;
        }
    }
    word_variants(unit)
}

fn known_word(w: &str) -> bool {
    VARIANT_GROUPS
        .iter()
        .any(|g| g.iter().any(|v| v.eq_ignore_ascii_case(w)))
        || names::WORDS
            .iter()
            .any(|(_, en)| en.eq_ignore_ascii_case(w))
}

/// One Latin name word (or an `El`/`Abdel` compound) folded to compare: lower case,
/// letters only, no spaces (`El Sayed`, `ELSAYED` and `el-sayed` alike).
fn latin_unit_key(latin: &str) -> String {
    normalize_latin_name(latin).replace(' ', "")
}

/// The dictionary's Arabic spellings of one Latin name word (or `El`/`Abdel` compound):
/// every listed name whose usual spelling, or a member of its spelling family
/// (`Samy`/`Sami`), folds to the same key; `Abdel X` as `عبد` joined to X's names.
pub fn arabic_names_for_latin(latin: &str) -> Vec<String> {
    let key = latin_unit_key(latin);
    if key.is_empty() {
        return Vec::new();
    }
    // `en` or a member of its spelling family folds to `key`.
    let spells = |en: &str, key: &str| {
        word_variants(&latin_unit_key(en))
            .iter()
            .any(|v| latin_unit_key(v) == key)
    };
    let mut out: Vec<String> = names::WORDS
        .iter()
        .filter(|(_, en)| spells(en, &key))
        .map(|(ar, _)| ar.to_string())
        .collect();
    for (ar, en) in names::ABD_SPECIAL {
        if latin_unit_key(en) == key {
            out.push(format!("{ABD}{ar}"));
        }
    }
    if let Some(rest) = key.strip_prefix("abdel").filter(|r| r.len() >= 3) {
        for (ar, en) in names::ABD_SECOND {
            if spells(en, rest) {
                out.push(format!("{ABD}{ar}"));
            }
        }
    }
    out
}

/// An OCR reading of an Arabic name line checked against the same name printed in Latin
/// (the driving licence prints both; Latin print reads far more surely). When both have
/// as many words (`عبد` compounds and `El` names as one), each Arabic word is replaced by
/// the dictionary's spelling of the Latin word in its place, if exactly one such
/// spelling lies within [`LATIN_GUIDED_EDITS`] edits of it: a misread letter, a dropped
/// one, a missing hamza. Words the Latin line does not back are kept as read.
pub fn arabic_name_guided_by_latin(arabic: &str, latin: &str) -> String {
    let ar: Vec<&str> = arabic.split_whitespace().collect();
    let units: Vec<String> = normalize_latin_name(latin)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if ar.is_empty() || ar.len() != units.len() {
        return arabic.to_string();
    }
    ar.iter()
        .zip(&units)
        .map(|(read, unit)| {
            let key = normalize_for_matching(read);
            let close: Vec<String> = arabic_names_for_latin(unit)
                .into_iter()
                .filter(|c| {
                    let d = crate::fuzzy::levenshtein(&key, &normalize_for_matching(c));
                    d <= LATIN_GUIDED_EDITS
                })
                .collect();
            match close.as_slice() {
                [only] => only.clone(),
                _ => read.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Most edits between a read Arabic name word and the spelling its Latin word names
/// ([`arabic_name_guided_by_latin`]): two, even for a three-letter name (`رك` for
/// `زكي`), since the Latin word in the same place must name it too.
pub const LATIN_GUIDED_EDITS: usize = 2;

/// Every Latin spelling the dictionary knows for a whole name: listed names with the
/// members of their spelling families, and `Abdel ...` compounds. Screening uses it to
/// tell a misspelt name (no such name) from another real name one letter away.
pub fn dictionary_latin_names() -> Vec<String> {
    let mut out: Vec<String> = names::WORDS.iter().map(|(_, en)| en.to_string()).collect();
    out.extend(
        VARIANT_GROUPS
            .iter()
            .flat_map(|g| g.iter().map(|v| v.to_string())),
    );
    out.extend(
        names::ABD_SECOND
            .iter()
            .map(|(_, en)| format!("Abdel {en}")),
    );
    out.extend(names::ABD_SPECIAL.iter().map(|(_, en)| en.to_string()));
    out.sort();
    out.dedup();
    out
}

/// The spelling family of one word, the word's own spelling first.
fn word_variants(word: &str) -> Vec<String> {
    let own = capitalise(word);
    let mut out = vec![own.clone()];
    if let Some(group) = VARIANT_GROUPS
        .iter()
        .find(|g| g.iter().any(|v| v.eq_ignore_ascii_case(word)))
    {
        out.extend(group.iter().filter(|v| **v != own).map(|v| v.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_hamzas_take_the_dictionarys_spelling() {
        assert_eq!(dictionary_spelling("ادم"), Some("آدم"));
        assert_eq!(dictionary_spelling("احمد"), Some("أحمد"));
        assert_eq!(dictionary_spelling("أحمد"), None);
        assert_eq!(dictionary_spelling("زززز"), None);
        assert_eq!(dictionary_spelling("هنا"), None);
    }

    #[test]
    fn arabic_names_follow_the_latin_line() {
        assert!(arabic_names_for_latin("SAMI").contains(&"سامي".to_string()));
        assert!(arabic_names_for_latin("Abdel Rahman").contains(&"عبدالرحمن".to_string()));
        assert_eq!(
            arabic_name_guided_by_latin("هاجر لطفي راي أبوزيد", "HAGAR LOTFY RAMY ABOUZEID"),
            "هاجر لطفي رامي أبوزيد"
        );
        assert_eq!(
            arabic_name_guided_by_latin("انس توفيق", "ANAS TAWFIK"),
            "أنس توفيق"
        );
        // Two letters off a three-letter name the Latin word names.
        assert_eq!(
            arabic_name_guided_by_latin("رشا رك", "RASHA ZAKI"),
            "رشا زكي"
        );
        // Word counts differ: nothing is aligned, nothing changes.
        assert_eq!(
            arabic_name_guided_by_latin("راي أبوزيد", "RAMY"),
            "راي أبوزيد"
        );
        // A read far from the Latin word's names is kept.
        assert_eq!(arabic_name_guided_by_latin("مصطفى", "SAMY"), "مصطفى");
    }

    #[test]
    fn dictionary_is_large_and_unambiguous() {
        assert!(names::WORDS.len() >= 300, "{}", names::WORDS.len());
        let mut seen: HashMap<String, &str> = HashMap::new();
        for (ar, en) in names::WORDS.iter().chain(names::ABD_SECOND) {
            let key = normalize_for_matching(ar);
            // A key listed twice would make the spelling depend on table order.
            if let Some(previous) = seen.insert(key.clone(), en) {
                panic!("{ar} ({key}) listed twice: {previous} / {en}");
            }
        }
    }

    #[test]
    fn common_names() {
        for (ar, en) in [
            ("محمد", "Mohamed"),
            ("أحمد", "Ahmed"),
            ("احمد", "Ahmed"),
            ("مصطفي", "Mostafa"),
            ("فاطمه", "Fatma"),
            ("يوسف", "Youssef"),
            ("شيماء", "Shaimaa"),
            ("إسراء", "Esraa"),
            ("دعاء", "Doaa"),
        ] {
            assert_eq!(transliterate_name(ar), en, "{ar}");
        }
    }

    #[test]
    fn full_names_and_compounds() {
        assert_eq!(
            transliterate_name("محمد عبد الرحمن السيد"),
            "Mohamed Abdel Rahman El Sayed"
        );
        assert_eq!(transliterate_name("عبدالرحمن"), "Abdel Rahman");
        assert_eq!(transliterate_name("عبد الله"), "Abdallah");
        assert_eq!(transliterate_name("عبدالله"), "Abdallah");
        assert_eq!(transliterate_name("عبد ربه"), "Abd Rabbo");
        assert_eq!(transliterate_name("نور الدين"), "Nour Eldin");
        // `ال` + a known name.
        assert_eq!(transliterate_name("الحسن"), "El Hassan");
        assert_eq!(transliterate_name("أبو بكر"), "Abou Bakr");
        // Diacritics and tatweel do not matter.
        assert_eq!(transliterate_name("مُحمّـد"), "Mohamed");
        assert_eq!(transliterate_name(""), "");
    }

    #[test]
    fn known_name_words() {
        for w in [
            "محمد",
            "أحمد",
            "احمد",
            "السيد",
            "عبد",
            "عبدالرحمن",
            "عبدالله",
            "فاطمه",
        ] {
            assert!(is_known_name_word(w), "{w}");
        }
        // OCR slips of listed names, and words that are no names.
        for w in ["محمب", "احمذ", "السييد", "عبدالرحمذ", "", "ال", "شارع"]
        {
            assert!(!is_known_name_word(w), "{w}");
        }
    }

    #[test]
    fn name_words_one_letter_off_are_corrected() {
        assert_eq!(correct_name_words("موسى محمب نوح"), "موسى محمد نوح");
        assert_eq!(correct_name_words("زكريا بلال إبراهي"), "زكريا بلال إبراهيم");
        assert_eq!(correct_name_words("عبدالرحمذ"), "عبدالرحمن");
        // Known words, short words and words far from every name are kept.
        assert_eq!(correct_name_words("فرح"), "فرح");
        assert_eq!(correct_name_words("مد ور نوح"), "مد ور نوح");
        assert_eq!(correct_name_words("كمبيوتر"), "كمبيوتر");
    }

    #[test]
    fn fallback_letters() {
        // Not in the dictionary.
        assert_eq!(transliterate_name("جرير"), "Garir");
        assert_eq!(transliterate_name("قرني"), "Karny");
        assert_eq!(transliterate_name("الفرماوي"), "El Farmawy");
        assert_eq!(transliterate_name("عبد الشكور"), "Abdel Shakor");
        assert_eq!(transliterate_name("وهدان"), "Wahdan");
        assert_eq!(transliterate_name("كريمان"), "Kariman");
        // Latin words are kept.
        assert_eq!(transliterate_name("john"), "John");
    }

    #[test]
    fn variants_of_single_names() {
        let v = name_variants_latin("Mohamed");
        for s in ["Mohamed", "Mohammed", "Muhammad", "Mohammad"] {
            assert!(v.contains(&s.to_string()), "{s}");
        }
        assert_eq!(v[0], "Mohamed");
        let v = name_variants_latin("ahmad");
        assert_eq!(v, vec!["Ahmad", "Ahmed"]);
        assert_eq!(name_variants_latin("Zorro"), vec!["Zorro"]);
    }

    #[test]
    fn variants_of_compounds() {
        let v = name_variants_latin("Abdelrahman");
        for s in [
            "Abdel Rahman",
            "Abdelrahman",
            "Abd El Rahman",
            "Abdul Rahman",
        ] {
            assert!(v.contains(&s.to_string()), "{s}: {v:?}");
        }
        let v = name_variants_latin("El-Sayed");
        for s in ["El Sayed", "Elsayed", "El-Sayed", "Al Sayed", "El Sayyed"] {
            assert!(v.contains(&s.to_string()), "{s}: {v:?}");
        }
        // `Elham` is a name, not an article.
        assert_eq!(name_variants_latin("Elham"), vec!["Elham"]);
    }

    #[test]
    fn variants_of_full_names_are_capped() {
        let v = name_variants_latin("Mohamed Ahmed Mahmoud Mostafa");
        assert_eq!(v.len(), 64);
        assert_eq!(v[0], "Mohamed Ahmed Mahmoud Mostafa");
        assert!(v.contains(&"Mohamed Ahmed Mahmoud Mustafa".to_string()));
        let all = name_variants_latin_with("Mohamed Ahmed", &VariantParams { max_variants: 1000 });
        assert_eq!(all.len(), 7 * 2);
        // Every variant folds back to a name that matches one of the family keys.
        for s in &all {
            assert_eq!(s.split(' ').count(), 2);
        }
    }
}
