//! Text normalisation: Arabic text for responses (documents.md, "Normalisation"), and
//! stronger matching keys for comparing names in Arabic or Latin script (AML screening,
//! ID card vs car licence name checks).
//!
//! Two levels, on purpose:
//! - [`normalize_text`] changes only what a reader cannot see (presentation forms,
//!   tatweel, harakat, invisible controls, repeated spaces). Its output goes to clients.
//! - [`normalize_for_matching`] / [`normalize_latin_name`] fold spellings that people
//!   and OCR use interchangeably (`أحمد`/`احمد`, `عبد الرحمن`/`عبدالرحمن`,
//!   `El-Sayed`/`Elsayed`). Their output is a comparison key, never shown.

use unicode_normalization::UnicodeNormalization;

/// Arabic tatweel (kashida), a stretching stroke with no meaning.
const TATWEEL: char = '\u{0640}';

/// Whether `c` belongs to the word it stands in without being a letter: the tatweel or
/// a diacritic.
pub fn is_arabic_mark(c: char) -> bool {
    c == TATWEEL || is_arabic_diacritic(c)
}

/// Whether `c` is an Arabic diacritic (harakat, tanween, shadda, sukun, Quranic
/// annotation marks, superscript alef): marks the card may print but names never need.
pub fn is_arabic_diacritic(c: char) -> bool {
    matches!(c,
        '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}'
        | '\u{06DF}'..='\u{06E8}'
        | '\u{06EA}'..='\u{06ED}')
}

/// Whether `c` is an invisible formatting control that OCR engines and copy-paste leave
/// in Arabic text (zero-width joiners, bidi marks and embeddings, BOM).
fn is_invisible_control(c: char) -> bool {
    matches!(c,
        '\u{061C}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}')
}

/// Whether `c` is an Arabic presentation form (contextual glyph or ligature, U+FB50..U+FDFF
/// and U+FE70..U+FEFC). Some OCR engines emit them; NFKC maps them back to letters.
fn is_presentation_form(c: char) -> bool {
    matches!(c, '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFC}')
}

/// Whether `c` is a letter of the Arabic script (base letters, not marks or digits).
pub fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' | '\u{0671}'..='\u{06D3}')
        || is_presentation_form(c)
}

/// Whether `s` contains at least one Arabic letter.
pub fn has_arabic(s: &str) -> bool {
    s.chars().any(is_arabic_letter)
}

/// Normalises Arabic (or mixed) text for a response: presentation forms to letters, NFC,
/// no tatweel, no diacritics, no invisible controls, whitespace runs collapsed to one
/// ASCII space, trimmed. Digits and punctuation are left alone.
pub fn normalize_text(s: &str) -> String {
    // Presentation forms first, with NFKC applied only to them: NFKC on the whole string
    // would also fold things a client should see unchanged (e.g. superscripts).
    let mut letters = String::with_capacity(s.len());
    for c in s.chars() {
        if is_presentation_form(c) {
            letters.extend(std::iter::once(c).nfkc());
        } else {
            letters.push(c);
        }
    }
    // NFC before stripping marks, so that alef + combining hamza/madda compose into the
    // letters أ إ آ (which are kept) instead of losing the hamza.
    let composed: String = letters.nfc().collect();
    let mut out = String::with_capacity(composed.len());
    let mut pending_space = false;
    for c in composed.chars() {
        if is_arabic_mark(c) || is_invisible_control(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// Options of the matching keys. `Default` is the conservative choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MatchingOptions {
    /// Drop the definite article (`ال`, `El`/`Al`) at the start of each word. Off by
    /// default: `السيد` and `سيد` are different family names, but OCR and clerks drop or
    /// add the article often enough that name screening usually wants it on.
    pub strip_definite_article: bool,
}

/// The Arabic letters folded together for matching, and why: these pairs are written
/// interchangeably in Egyptian names and misread for each other by OCR.
fn fold_arabic_letter(c: char) -> Option<char> {
    Some(match c {
        // Hamza carriers and wasla on alef: `أحمد`, `احمد`, `إبراهيم`, `ابراهيم`.
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        // Ta marbuta is usually written (and read) as ha at the end of a word.
        'ة' => 'ه',
        // Alef maqsura and ya are confused everywhere in Egyptian writing.
        'ى' => 'ي',
        // Hamza on waw / ya: `مؤمن`/`مومن`, `هانئ`/`هاني`.
        'ؤ' => 'و',
        'ئ' => 'ي',
        // Persian/Urdu code points OCR sometimes emits for kaf and ya.
        'ک' => 'ك',
        'ی' | 'ې' => 'ي',
        _ => return None,
    })
}

/// A key for comparing Arabic names: [`normalize_text`], then letter folding (see
/// [`fold_arabic_letter`]), lone hamza dropped, digits to ASCII, punctuation to spaces,
/// `عبد ...` joined to the next word (so `عبد الرحمن` equals `عبدالرحمن`), a lone `ال`
/// joined to the next word, and optionally the article dropped.
pub fn normalize_for_matching(s: &str) -> String {
    normalize_for_matching_with(s, &MatchingOptions::default())
}

/// [`normalize_for_matching`] with explicit options.
pub fn normalize_for_matching_with(s: &str, options: &MatchingOptions) -> String {
    let text = normalize_text(s);
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        if let Some(f) = fold_arabic_letter(c) {
            folded.push(f);
        } else if c == 'ء' {
            // A lone hamza (`ابوالعلاء` / `ابوالعلا`) is often omitted.
            continue;
        } else if let Some(d) = crate::digits::digit_value(c) {
            folded.push(char::from(b'0' + d));
        } else if c.is_alphanumeric() {
            folded.extend(c.to_lowercase());
        } else {
            // Hyphens, dots, commas, Arabic comma: word breaks.
            folded.push(' ');
        }
    }
    let words: Vec<&str> = folded.split_whitespace().collect();
    let joined = join_arabic_compounds(&words);
    let words = joined.into_iter().map(|w| {
        if options.strip_definite_article {
            strip_arabic_article(&w).to_string()
        } else {
            w
        }
    });
    words.collect::<Vec<_>>().join(" ")
}

/// Joins `عبد` + next word and a lone `ال` + next word, the two places where Egyptian
/// names are written with or without a space.
fn join_arabic_compounds(words: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let joins_next = w == "عبد" || w == "ال";
        if joins_next && i + 1 < words.len() {
            let mut compound = format!("{w}{}", words[i + 1]);
            i += 2;
            // `عبد ال رحمن`: the article itself split off by OCR.
            if words[i - 1] == "ال" && i < words.len() {
                compound.push_str(words[i]);
                i += 1;
            }
            out.push(compound);
        } else {
            out.push(w.to_string());
            i += 1;
        }
    }
    out
}

/// Minimum letters left after removing an article: `ال` + one letter is not a word with
/// an article but a short word (e.g. `الم`).
const MIN_LETTERS_AFTER_ARTICLE: usize = 2;

/// Drops a leading `ال` (or `وال`, "and the", is NOT handled: it does not occur in names).
fn strip_arabic_article(word: &str) -> &str {
    match word.strip_prefix("ال") {
        Some(rest) if rest.chars().count() >= MIN_LETTERS_AFTER_ARTICLE => rest,
        _ => word,
    }
}

/// A key for comparing Latin-script names (passport, driving licence English name):
/// lower case ASCII letters, punctuation to spaces, the article `el`/`al` (separate,
/// hyphenated or glued) unified to `el` and joined to its word, and the `Abdel` family
/// (`Abd El`, `Abd-El`, `Abdul`, `Abdal`, `Abd Al`) unified to `abdel` joined to its word.
pub fn normalize_latin_name(s: &str) -> String {
    normalize_latin_name_with(s, &MatchingOptions::default())
}

/// [`normalize_latin_name`] with explicit options; with `strip_definite_article` the
/// article is removed instead of joined.
pub fn normalize_latin_name_with(s: &str, options: &MatchingOptions) -> String {
    let mut cleaned = String::with_capacity(s.len());
    for c in s.nfkd() {
        if c.is_ascii_alphanumeric() {
            cleaned.push(c.to_ascii_lowercase());
        } else if c.is_alphabetic() || c.is_whitespace() || c.is_ascii_punctuation() {
            // Non-ASCII letters have been decomposed (é -> e + mark); what is left that is
            // alphabetic is another script, which a Latin key does not compare.
            if !c.is_alphabetic() {
                cleaned.push(' ');
            }
        }
        // Combining marks from the decomposition are dropped.
    }
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let next = words.get(i + 1).copied();
        if is_latin_abd(w) && next.is_some() {
            // `abd el rahman`, `abd rahman`, `abdel rahman`, `abdul rahman`.
            let mut j = i + 1;
            if is_latin_article(words[j]) && j + 1 < words.len() {
                j += 1;
            }
            out.push(format!("abdel{}", words[j]));
            i = j + 1;
            continue;
        }
        if let Some(rest) = glued_abdel_rest(w) {
            out.push(format!("abdel{rest}"));
            i += 1;
            continue;
        }
        if is_latin_article(w) {
            if let Some(n) = next {
                out.push(if options.strip_definite_article {
                    n.to_string()
                } else {
                    format!("el{n}")
                });
                i += 2;
                continue;
            }
        }
        if options.strip_definite_article {
            out.push(strip_glued_latin_article(w).to_string());
        } else if let Some(rest) = w.strip_prefix("al").filter(|r| r.len() >= 3) {
            // Glued `alsayed` is unified with `elsayed`: both spellings are common.
            out.push(format!("el{rest}"));
        } else {
            out.push(w.to_string());
        }
        i += 1;
    }
    out.join(" ")
}

fn is_latin_article(w: &str) -> bool {
    matches!(w, "el" | "al" | "el-" | "al-")
}

/// The separate first half of an `Abdel` compound: `abd`, `abdel`, `abdul`, `abdal`,
/// `abdol`, `abdoul`.
fn is_latin_abd(w: &str) -> bool {
    // `Abdo` is deliberately absent: it is a name of its own, not a prefix.
    matches!(w, "abd" | "abdel" | "abdul" | "abdal" | "abdol" | "abdoul")
}

/// For a glued compound like `abdelrahman`, `abdulrahman`, `abdalrahman`, the part after
/// the prefix (`rahman`), if at least 3 letters remain.
fn glued_abdel_rest(w: &str) -> Option<&str> {
    ["abdel", "abdul", "abdal", "abdol", "abdoul"]
        .iter()
        .find_map(|p| w.strip_prefix(p))
        .filter(|rest| rest.len() >= 3)
}

/// Removes a glued `el`/`al` prefix when at least 3 letters remain. Applied to both sides
/// of a comparison, so names that merely start with those letters (`Elham`, `Alaa`)
/// still compare equal to themselves.
fn strip_glued_latin_article(w: &str) -> &str {
    for p in ["el", "al"] {
        if let Some(rest) = w.strip_prefix(p) {
            if rest.len() >= 3 {
                return rest;
            }
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_text_strips_marks_and_tatweel() {
        assert_eq!(normalize_text("مُحَمَّد"), "محمد");
        assert_eq!(normalize_text("محمـــد"), "محمد");
        assert_eq!(normalize_text("  أحمد \t\n  علي  "), "أحمد علي");
        assert_eq!(normalize_text("ع\u{200F}لي\u{200B}"), "علي");
        // Tanween and superscript alef.
        assert_eq!(normalize_text("شكراً هٰذا"), "شكرا هذا");
    }

    #[test]
    fn normalize_text_composes_hamza_and_keeps_it() {
        // Alef + combining hamza above (U+0654) composes to أ under NFC.
        assert_eq!(normalize_text("\u{0627}\u{0654}حمد"), "أحمد");
        assert_eq!(normalize_text("\u{0627}\u{0653}مال"), "آمال");
    }

    #[test]
    fn normalize_text_maps_presentation_forms() {
        // ﻣﺤﻤﺪ written with contextual presentation forms.
        assert_eq!(normalize_text("\u{FEE3}\u{FEA4}\u{FEE4}\u{FEAA}"), "محمد");
        // Lam-alef ligature.
        assert_eq!(normalize_text("\u{FEFB}"), "لا");
    }

    #[test]
    fn normalize_text_keeps_digits_and_punctuation() {
        assert_eq!(
            normalize_text("١٢ شارع   التحرير - الدقي"),
            "١٢ شارع التحرير - الدقي"
        );
        assert_eq!(normalize_text(""), "");
    }

    #[test]
    fn matching_folds_hamza_ta_marbuta_and_ya() {
        assert_eq!(
            normalize_for_matching("أحمد"),
            normalize_for_matching("احمد")
        );
        assert_eq!(
            normalize_for_matching("إبراهيم"),
            normalize_for_matching("ابراهيم")
        );
        assert_eq!(
            normalize_for_matching("فاطمة"),
            normalize_for_matching("فاطمه")
        );
        assert_eq!(
            normalize_for_matching("مصطفى"),
            normalize_for_matching("مصطفي")
        );
        assert_eq!(
            normalize_for_matching("مؤمن"),
            normalize_for_matching("مومن")
        );
        assert_eq!(
            normalize_for_matching("هانئ"),
            normalize_for_matching("هاني")
        );
        assert_eq!(normalize_for_matching("علاء"), normalize_for_matching("علا"));
        assert_eq!(
            normalize_for_matching("یاسر"),
            normalize_for_matching("ياسر")
        );
    }

    #[test]
    fn matching_joins_abd_compounds() {
        let key = normalize_for_matching("عبدالرحمن");
        assert_eq!(normalize_for_matching("عبد الرحمن"), key);
        assert_eq!(normalize_for_matching("عبد ال رحمن"), key);
        assert_eq!(normalize_for_matching("عبـد الرَّحمن"), key);
        assert_eq!(
            normalize_for_matching("محمد عبد الله السيد"),
            "محمد عبدالله السيد"
        );
        // `عبد` last: nothing to join.
        assert_eq!(normalize_for_matching("محمد عبد"), "محمد عبد");
    }

    #[test]
    fn matching_article_option() {
        let strip = MatchingOptions {
            strip_definite_article: true,
        };
        assert_ne!(
            normalize_for_matching("السيد"),
            normalize_for_matching("سيد")
        );
        assert_eq!(
            normalize_for_matching_with("محمد السيد", &strip),
            normalize_for_matching_with("محمد سيد", &strip)
        );
        // The article inside an `عبد` compound stays.
        assert_eq!(
            normalize_for_matching_with("عبد الرحمن", &strip),
            "عبدالرحمن"
        );
        // Too short to carry an article.
        assert_eq!(normalize_for_matching_with("الم", &strip), "الم");
        // A lone article joins its word first.
        assert_eq!(normalize_for_matching_with("ال سيد", &strip), "سيد");
    }

    #[test]
    fn matching_treats_punctuation_as_space() {
        assert_eq!(normalize_for_matching("محمد-علي، حسن"), "محمد علي حسن");
        assert_eq!(normalize_for_matching("١٢٣"), "123");
    }

    #[test]
    fn latin_article_variants_compare_equal() {
        let key = normalize_latin_name("El Sayed");
        assert_eq!(key, "elsayed");
        for v in [
            "El-Sayed", "el sayed", "ELSAYED", "Al Sayed", "Al-Sayed", "Alsayed",
        ] {
            assert_eq!(normalize_latin_name(v), key, "{v}");
        }
        assert_ne!(normalize_latin_name("Sayed"), key);
        let strip = MatchingOptions {
            strip_definite_article: true,
        };
        assert_eq!(normalize_latin_name_with("El-Sayed", &strip), "sayed");
        assert_eq!(normalize_latin_name_with("Elsayed", &strip), "sayed");
        assert_eq!(normalize_latin_name_with("Sayed", &strip), "sayed");
    }

    #[test]
    fn latin_abdel_variants_compare_equal() {
        let key = normalize_latin_name("Abdel Rahman");
        assert_eq!(key, "abdelrahman");
        for v in [
            "Abdelrahman",
            "Abd El Rahman",
            "Abd-El-Rahman",
            "Abdul Rahman",
            "Abdulrahman",
            "ABD AL RAHMAN",
            "abd rahman",
        ] {
            assert_eq!(normalize_latin_name(v), key, "{v}");
        }
        assert_eq!(
            normalize_latin_name("Mohamed Abd El Aziz Ali"),
            "mohamed abdelaziz ali"
        );
        // `Abdo` is a name, not a prefix.
        assert_eq!(normalize_latin_name("Abdo Ali"), "abdo ali");
    }

    #[test]
    fn latin_keeps_other_names_and_folds_accents() {
        assert_eq!(normalize_latin_name("  Nour   O'Hara "), "nour o hara");
        assert_eq!(normalize_latin_name("Hélène"), "helene");
        assert_eq!(normalize_latin_name("Alaa"), "alaa");
        assert_eq!(normalize_latin_name("Elham"), "elham");
    }

    #[test]
    fn script_detection() {
        assert!(has_arabic("محمد 12"));
        assert!(!has_arabic("Mohamed ١٢"));
        assert!(is_arabic_diacritic('\u{064E}'));
        assert!(!is_arabic_diacritic('ا'));
    }
}
