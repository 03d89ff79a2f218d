//! Name screening (AML): script-neutral name keys, retrieval keys, and a token-based fuzzy
//! score. Pure functions; the store does the I/O and the candidate retrieval.
//!
//! A name, Arabic or Latin, is brought to one comparable form in three steps:
//! 1. Arabic names are transliterated to their usual Egyptian Latin spelling
//!    ([`crate::translit::transliterate_name`]), so `محمد عبد الرحمن` and
//!    `Mohamed Abdel Rahman` meet in the same script.
//! 2. The Latin key ([`crate::arabic::normalize_latin_name_with`], articles stripped) joins
//!    `Abdel` compounds and drops `El`/`Al`, then connective words (`bin`, `ibn`) go.
//! 3. Each token is *folded* ([`fold_token`]): spelling habits that differ between
//!    Egyptian, English and French transliterations (`ou`/`u`, `e`/`i`, `j`/`g`, `q`/`k`,
//!    `ch`/`sh`, doubled letters) collapse, so `Mohammed`/`Mohamed` and `Youssef`/`Yousef`
//!    fold alike and the remaining differences are scored by Jaro-Winkler.
//!
//! Retrieval keys ([`entry_set_keys`], [`query_set_keys`]) are hashes of a name's *set* of
//! token skeletons (the folded token without vowels, in any order) and of that set less
//! one token, tagged with the left-out token's initial: an entry is a candidate when it has
//! the query's names, one more, one fewer, or one different name with the same initial,
//! which is what reaching the default threshold takes. Single tokens, and even pairs, would
//! be poor keys (a tenth of Egyptian names contain `Mohamed`, and at a million entries a
//! common pair has tens of thousands); a set of three or four names is selective.
//! [`retrieval_keys`] (token pairs) are the keys of lists imported before the set keys.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::arabic::{has_arabic, normalize_latin_name_with, MatchingOptions};
use crate::translit::transliterate_name;

/// Parameters of [`score`]. Every default was checked on the generated evaluation set of
/// `benches/results/aml.md`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScreeningParams {
    /// Token similarity (Jaro-Winkler on folded tokens) below which two tokens count as
    /// different names. Default 0.84: spelling variants of one name (`hasan`/`hassan`,
    /// `yusif`/`yusuf`) score above 0.9, while different names of the same shape
    /// (`hasan`/`husin`, `mahmud`/`muhamid`) stay under 0.8.
    pub token_floor: f32,
    /// Weight of a token that one name has and the other lacks, relative to a token that
    /// differs. Default 0.2: lists and documents often omit the grandfather's name, which is
    /// weak evidence against a match; a name that is present and different is strong.
    pub omission_weight: f32,
    /// Points added when both sides give the same full date of birth. Default 10: the same
    /// name and birth date is rarely a coincidence, but a date never makes a name match on
    /// its own (a name score needs at least 75 to reach the default threshold with it).
    pub dob_boost: f32,
    /// Points added when only the birth years agree (lists often give just a year).
    /// Default 4: a year narrows a name to about a sixtieth of adults, a weak hint.
    pub year_boost: f32,
    /// Score (0-100) from which an entry is reported as a match. Default 85: at 85 the
    /// generated evaluation set, screened with the date of birth as an ID card gives it,
    /// has recall above 95% with precision above 90% (benches/results/aml.md); lower values
    /// let in names that share three of four tokens with a listed person.
    pub threshold: f32,
    /// Similarity given to a misspelt name: two tokens of at least
    /// [`MISSPELT_MIN_LEN`] folded letters one edit apart (a letter changed, added, dropped
    /// or two swapped) where one of them is no name the dictionary knows
    /// ([`crate::translit::dictionary_latin_names`]). Default 0.95, just under the
    /// "only vowels differ" similarity: `Mtstafa` is `Mostafa` mistyped, while `Samira` and
    /// `Samiha`, both names, keep their Jaro-Winkler score and count as different.
    pub misspelt_similarity: f32,
}

impl Default for ScreeningParams {
    fn default() -> Self {
        ScreeningParams {
            token_floor: 0.84,
            omission_weight: 0.2,
            dob_boost: 10.0,
            year_boost: 4.0,
            threshold: 85.0,
            misspelt_similarity: 0.95,
        }
    }
}

/// Words that join names rather than being names (`Osama bin Laden`, `Ali ibn Ahmed`).
const CONNECTIVES: &[&str] = &["bin", "ibn", "ben", "bint", "binti", "ould"];

/// At most this many tokens of one name feed the retrieval keys: pairs grow quadratically,
/// and eight tokens cover a full Egyptian four-part name with compounds to spare.
const MAX_KEY_TOKENS: usize = 8;

/// A name prepared for scoring: its folded tokens, in their original order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameKey {
    pub tokens: Vec<String>,
}

impl NameKey {
    /// Prepares a name in Arabic or Latin script (or mixed: Arabic words are transliterated
    /// together, Latin words kept).
    pub fn new(name: &str) -> NameKey {
        let latin = if has_arabic(name) {
            transliterate_name(name)
        } else {
            name.to_string()
        };
        let options = MatchingOptions {
            strip_definite_article: true,
        };
        let key = normalize_latin_name_with(&latin, &options);
        let tokens = key
            .split_whitespace()
            .filter(|t| !CONNECTIVES.contains(t))
            .map(fold_token)
            .filter(|t| !t.is_empty())
            .collect();
        NameKey { tokens }
    }

    /// Rebuilds a key from [`NameKey::stored`] text.
    pub fn from_stored(stored: &str) -> NameKey {
        NameKey {
            tokens: stored.split_whitespace().map(str::to_string).collect(),
        }
    }

    /// The folded tokens joined by spaces: what the store keeps per name, so that scoring
    /// a candidate needs no transliteration.
    pub fn stored(&self) -> String {
        self.tokens.join(" ")
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// Folds a lower-case ASCII token from the Latin key (see the module docs). `abdel`
/// compounds become `abd` + the folded rest.
pub fn fold_token(token: &str) -> String {
    if let Some(rest) = token.strip_prefix("abdel").filter(|r| r.len() >= 3) {
        return format!("abd{}", fold_simple(rest));
    }
    fold_simple(token)
}

fn fold_simple(token: &str) -> String {
    let mut s: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    // Digraphs first, to single letters that no other rule produces (upper case, so a
    // lone `c` or `x` of the input stays distinct).
    for (from, to) in [
        ("sch", "S"),
        ("ch", "S"),
        ("sh", "S"),
        ("kh", "X"),
        ("gh", "g"),
        ("th", "t"),
        ("dh", "z"),
        ("ph", "f"),
    ] {
        s = s.replace(from, to);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut mapped = String::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        mapped.push(match c {
            'q' | 'c' => 'k',
            'j' => 'g',
            'p' => 'b',
            'v' => 'f',
            'e' => 'i',
            'o' => 'u',
            // A final `y` is a vowel (`Hany`/`Hani`, `Aly`/`Ali`); elsewhere a consonant,
            // which keeps `Sayed` apart from `Saeed`.
            'y' if i > 0 && i + 1 == chars.len() => 'i',
            other => other,
        });
    }
    let folded = mapped;
    // Doubled letters (`Mohammed`, `Hassan`, `Doaa`) collapse.
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    // A final `h` after `a` is silent (`Fatmah`, `Sarah`, `Abdallah`/`Abdalla`). After
    // another vowel it is usually a real consonant (`ح` of `Sameh`, `Saleh`, `Nouh`), and
    // dropping it would make `Sameh` the same name as `Samy`.
    if out.len() > 2 && out.ends_with("ah") {
        out.pop();
    }
    out
}

/// The consonant skeleton of a folded token: a leading vowel as `a`, other vowels dropped.
/// Variants that differ only in vowels (`muhamid`/`muhamad`) share it.
pub fn skeleton(folded: &str) -> String {
    let mut out = String::with_capacity(folded.len());
    for (i, c) in folded.chars().enumerate() {
        let vowel = matches!(c, 'a' | 'i' | 'u');
        if i == 0 && vowel {
            out.push('a');
        } else if !vowel && !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// FNV-1a, 64 bits: stable across builds and platforms (unlike `std`'s hasher), so keys
/// written by one version of the server are found by another.
fn stable_hash(parts: &[&str]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= u64::from(b'|');
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in p.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h as i64
}

/// Key scheme 1 (lists imported before [`entry_set_keys`]): one key per unordered pair of
/// skeletons, or, for a one-token name, one for that token. Sorted and deduplicated.
pub fn retrieval_keys(name: &NameKey) -> Vec<i64> {
    let mut skels = sorted_skeletons(name);
    // A repeated skeleton (`Mohamed ... Mohamed`, or `Mohamed` and `Mahmoud`, which share
    // `mhmd`) is numbered rather than dropped, so such names still get one key per pair
    // of tokens instead of collapsing into one very common key.
    let mut seen: Vec<String> = Vec::with_capacity(skels.len());
    for s in &mut skels {
        let n = seen.iter().filter(|x| *x == s).count();
        seen.push(s.clone());
        if n > 0 {
            s.push_str(&format!("#{}", n + 1));
        }
    }
    let mut keys = Vec::new();
    if skels.len() == 1 {
        keys.push(stable_hash(&["1", &skels[0]]));
    }
    for i in 0..skels.len() {
        for j in i + 1..skels.len() {
            keys.push(stable_hash(&["2", &skels[i], &skels[j]]));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Letters a token skeleton can start with ([`skeleton`] of a [`fold_token`] result): `a`
/// for any leading vowel, the consonants folding leaves, and `S`/`X` for `sh`/`kh`.
const SKELETON_INITIALS: &[char] = &[
    'a', 'b', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'r', 's', 't', 'w', 'x', 'y', 'z', 'S', 'X',
];

/// The skeletons of a name's first [`MAX_KEY_TOKENS`] tokens, sorted (a multiset: repeated
/// names stay repeated).
fn sorted_skeletons(name: &NameKey) -> Vec<String> {
    let mut skels: Vec<String> = name
        .tokens
        .iter()
        .take(MAX_KEY_TOKENS)
        .map(|t| skeleton(t))
        .filter(|s| !s.is_empty())
        .collect();
    skels.sort();
    skels
}

/// Key of a whole name: its sorted skeleton multiset, so order does not matter.
fn set_key(skels: &[String]) -> i64 {
    let mut parts: Vec<&str> = Vec::with_capacity(skels.len() + 1);
    parts.push("S");
    parts.extend(skels.iter().map(String::as_str));
    stable_hash(&parts)
}

/// Key of a name with one token left out, tagged with the left-out token's initial.
fn drop_key(rest: &[String], initial: char) -> i64 {
    let tag = format!("T{initial}");
    let mut parts: Vec<&str> = Vec::with_capacity(rest.len() + 1);
    parts.push(&tag);
    parts.extend(rest.iter().map(String::as_str));
    stable_hash(&parts)
}

/// `skels` without its `i`-th element.
fn without(skels: &[String], i: usize) -> Vec<String> {
    let mut rest = skels.to_vec();
    rest.remove(i);
    rest
}

/// The part a retrieval key plays in a query; the store weighs candidates by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyRole {
    /// The same skeleton multiset: the same name in any order, script or spelling that
    /// keeps the consonants.
    Exact,
    /// The entry is the query less one token.
    EntryOmits,
    /// The query is the entry less one token.
    QueryOmits,
    /// All tokens but one agree and the odd ones start alike: a typo or a spelling
    /// variant of one name (or a different name with the same initial: scoring decides).
    OneDiffers,
}

/// The set keys of a listed name (scheme 2, see [`query_set_keys`]): the whole skeleton
/// multiset, and for each token the multiset without it tagged with its initial. A
/// four-token name has 5 keys. Sorted and deduplicated.
pub fn entry_set_keys(name: &NameKey) -> Vec<i64> {
    let skels = sorted_skeletons(name);
    if skels.is_empty() {
        return Vec::new();
    }
    let mut keys = vec![set_key(&skels)];
    if skels.len() >= 2 {
        for (i, s) in skels.iter().enumerate() {
            keys.push(drop_key(&without(&skels, i), initial(s)));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

fn initial(skeleton: &str) -> char {
    skeleton.chars().next().unwrap_or('a')
}

/// The keys a query looks up, with their roles. With the entry's [`entry_set_keys`] they
/// find, without reading any long posting list, every entry that:
/// - has the same skeleton multiset ([`KeyRole::Exact`]);
/// - is the query less one token, e.g. a list that omits the grandfather
///   ([`KeyRole::EntryOmits`], the query's multiset less each token against the entry's
///   whole multiset);
/// - is the query plus one token ([`KeyRole::QueryOmits`], the query's multiset tagged with
///   each possible initial against the entry's drop keys);
/// - differs in one token with the same initial, as a typo or a consonant-changing
///   spelling does ([`KeyRole::OneDiffers`]).
///
/// Those are exactly the entries that can reach a default-threshold name score: two
/// differing tokens, or one omitted and one differing, cost more than 15 points.
pub fn query_set_keys(name: &NameKey) -> Vec<(i64, KeyRole)> {
    let skels = sorted_skeletons(name);
    let mut keys = Vec::new();
    if skels.is_empty() {
        return keys;
    }
    keys.push((set_key(&skels), KeyRole::Exact));
    if skels.len() >= 2 {
        for (i, s) in skels.iter().enumerate() {
            let rest = without(&skels, i);
            keys.push((drop_key(&rest, initial(s)), KeyRole::OneDiffers));
            // One remaining token matches too many one-token entries to be worth it.
            if rest.len() >= 2 {
                keys.push((set_key(&rest), KeyRole::EntryOmits));
            }
        }
        for &c in SKELETON_INITIALS {
            keys.push((drop_key(&skels, c), KeyRole::QueryOmits));
        }
    }
    // The same key in two roles (repeated tokens): keep the first, strongest role.
    let mut seen = std::collections::HashSet::new();
    keys.retain(|(k, _)| seen.insert(*k));
    keys
}

/// The retrieval key of a full date of birth (`YYYY-MM-DD`); `None` for a bare year or
/// anything else, which would select too many entries to be a key.
pub fn birth_date_key(date: &str) -> Option<i64> {
    let d = date.trim();
    let ok = d.len() == 10
        && d.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    ok.then(|| stable_hash(&["dob", d]))
}

/// Shortest document number used as a key: shorter "numbers" in lists are fragments or
/// placeholders and would match unrelated people.
const MIN_DOCUMENT_NUMBER_LEN: usize = 5;

/// A document number as compared: Arabic-Indic digits to ASCII, letters upper-cased,
/// spaces, dashes, slashes and dots dropped. `None` when fewer than 5 characters remain.
pub fn normalize_document_number(input: &str) -> Option<String> {
    let cleaned: String = crate::id_number::clean(input)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (cleaned.len() >= MIN_DOCUMENT_NUMBER_LEN).then_some(cleaned)
}

/// The retrieval key of a document number (a 14-digit national ID in any digits, or a
/// passport number from a list), or `None` when it is too short to be one.
pub fn document_number_key(input: &str) -> Option<i64> {
    let number = normalize_document_number(input)?;
    Some(stable_hash(&["id", &number]))
}

/// Similarity of two folded tokens in 0..=1: Jaro-Winkler. `abd` compounds compare by
/// their second part with plain Jaro: `Abdel Rahman` and `Abdel Rahim` share a prefix that
/// says nothing, and the second parts (`rahman`/`rahim`) again share their first letters.
pub fn token_similarity(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    match (a.strip_prefix("abd"), b.strip_prefix("abd")) {
        (Some(ra), Some(rb)) if ra.len() >= 2 && rb.len() >= 2 => strsim::jaro(ra, rb) as f32,
        _ => strsim::jaro_winkler(a, b) as f32,
    }
}

/// What a pair of tokens adds to a name score, 0..=1: nothing under
/// [`ScreeningParams::token_floor`], then rising linearly to 1 for identical tokens. Linear
/// from the floor, not from 0, because Jaro-Winkler rates different names of one shape
/// (`gamal`/`gamila`, `hasan`/`hanan`) near 0.9: they must add little. Tokens that differ
/// only in their vowels (`yusif`/`yusuf`, see [`same_but_vowels`]) count as at least
/// [`SAME_SKELETON_SIMILARITY`].
pub fn token_credit(a: &str, b: &str, params: &ScreeningParams) -> f32 {
    let mut s = token_similarity(a, b);
    if s < params.misspelt_similarity && misspelt(a, b) {
        s = params.misspelt_similarity;
    }
    if s < params.token_floor {
        return 0.0;
    }
    if s < SAME_SKELETON_SIMILARITY && same_but_vowels(a, b) {
        s = SAME_SKELETON_SIMILARITY;
    }
    ((s - params.token_floor) / (1.0 - params.token_floor)).clamp(0.0, 1.0)
}

/// Whether two folded tokens differ only in their vowels, with at least three consonants
/// to go by: `yusif`/`yusuf`, `muhamid`/`muhamad`, and Arabic-script names whose
/// transliteration lacks short vowels (`askndrani`/`iskandarani`). Not two-consonant names
/// (`said`/`saad`, `mina`/`muna`), where the vowel is what tells the names apart.
fn same_but_vowels(a: &str, b: &str) -> bool {
    let skel = skeleton(a);
    skel.chars().count() >= 3 && skel == skeleton(b)
}

/// Shortest folded token the misspelling rule applies to. Four letters: under that, one
/// edit away from a name lies too much (`Ola`, `Aly`, `Amr` and `Omr`...).
pub const MISSPELT_MIN_LEN: usize = 4;

/// Whether two different folded tokens look like one name mistyped: one edit apart (a
/// letter changed, added, dropped, or two neighbours swapped), both at least
/// [`MISSPELT_MIN_LEN`] letters, and at least one of them no name of the dictionary.
/// Jaro-Winkler alone cannot tell `Omar`/`Omtr` (a typo) from `Hassan`/`Hanan` (two
/// names): both score about 0.87. Whether the token is a known name can.
fn misspelt(a: &str, b: &str) -> bool {
    let (la, lb) = (a.chars().count(), b.chars().count());
    la.min(lb) >= MISSPELT_MIN_LEN
        && la.abs_diff(lb) <= 1
        && (!known_folded_name(a) || !known_folded_name(b))
        && strsim::osa_distance(a, b) == 1
}

/// Whether a folded token is the folded form of a name the dictionary knows (any of its
/// spellings), so not a misspelling.
fn known_folded_name(token: &str) -> bool {
    static KNOWN: OnceLock<HashSet<String>> = OnceLock::new();
    KNOWN
        .get_or_init(|| {
            crate::translit::dictionary_latin_names()
                .iter()
                .flat_map(|n| NameKey::new(n).tokens)
                .collect()
        })
        .contains(token)
}

/// The similarity given to tokens that differ only in vowels (and pass the floor): vowels
/// are what transliterations disagree on most.
pub const SAME_SKELETON_SIMILARITY: f32 = 0.96;

/// How well two names agree, 0..=1, regardless of token order: tokens are aligned one to
/// one, best pairs first, each adding its [`token_credit`]. The sum of credits is divided by the shorter name's length plus
/// [`ScreeningParams::omission_weight`] for each token the longer name has beyond it.
pub fn name_score(query: &NameKey, entry: &NameKey, params: &ScreeningParams) -> f32 {
    let (n, m) = (query.tokens.len(), entry.tokens.len());
    if n == 0 || m == 0 {
        return 0.0;
    }
    let mut pairs: Vec<(f32, usize, usize)> = Vec::with_capacity(n * m);
    for (i, q) in query.tokens.iter().enumerate() {
        for (j, e) in entry.tokens.iter().enumerate() {
            let c = token_credit(q, e, params);
            if c > 0.0 {
                pairs.push((c, i, j));
            }
        }
    }
    // Greedy by similarity; with names of a handful of tokens it equals the optimal
    // assignment in all but contrived cases, at a fraction of the cost.
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut used_q = vec![false; n];
    let mut used_e = vec![false; m];
    let mut sum = 0.0;
    for (s, i, j) in pairs {
        if !used_q[i] && !used_e[j] {
            used_q[i] = true;
            used_e[j] = true;
            sum += s;
        }
    }
    let short = n.min(m) as f32;
    let extra = n.abs_diff(m) as f32;
    (sum / (short + params.omission_weight * extra)).min(1.0)
}

/// Dates of birth as `YYYY-MM-DD` or a bare `YYYY` (lists give either).
fn birth_parts(s: &str) -> Option<(&str, Option<&str>)> {
    let s = s.trim();
    let year = s
        .get(0..4)
        .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))?;
    let full = (s.len() == 10).then_some(s);
    Some((year, full))
}

/// The points a date of birth adds: [`ScreeningParams::dob_boost`] for the same full date,
/// [`ScreeningParams::year_boost`] for the same year, nothing otherwise (a differing or
/// missing date is common in lists and never lowers a score).
pub fn dob_points(query: Option<&str>, entry: Option<&str>, params: &ScreeningParams) -> f32 {
    let (Some((qy, qf)), Some((ey, ef))) =
        (query.and_then(birth_parts), entry.and_then(birth_parts))
    else {
        return 0.0;
    };
    match (qf, ef) {
        (Some(a), Some(b)) if a == b => params.dob_boost,
        _ if qy == ey => params.year_boost,
        _ => 0.0,
    }
}

/// The score of an entry (0-100): the best name score over the entry's names (main name
/// and aliases) scaled to 100, plus [`dob_points`], capped at 100.
pub fn score(
    query: &NameKey,
    query_dob: Option<&str>,
    entry_names: &[NameKey],
    entry_dob: Option<&str>,
    params: &ScreeningParams,
) -> f32 {
    rank_score(query, query_dob, entry_names, entry_dob, params).min(100.0)
}

/// [`score`] before the cap at 100, for ranking: of two entries with the same full name,
/// the one with the query's birth date comes first although both score 100.
pub fn rank_score(
    query: &NameKey,
    query_dob: Option<&str>,
    entry_names: &[NameKey],
    entry_dob: Option<&str>,
    params: &ScreeningParams,
) -> f32 {
    let best = entry_names
        .iter()
        .map(|e| name_score(query, e, params))
        .fold(0.0f32, f32::max);
    if best <= 0.0 {
        return 0.0;
    }
    best * 100.0 + dob_points(query_dob, entry_dob, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> NameKey {
        NameKey::new(s)
    }

    fn s(a: &str, b: &str) -> f32 {
        name_score(&key(a), &key(b), &ScreeningParams::default()) * 100.0
    }

    #[test]
    fn spelling_families_fold_together() {
        assert_eq!(key("Mohammed").tokens, key("Mohamed").tokens);
        assert_eq!(key("Mostafa").tokens, key("Moustafa").tokens);
        assert_eq!(key("Mustafa").tokens, key("Mostafa").tokens);
        assert_eq!(key("Hussein").tokens, key("Hossein").tokens);
        let p = ScreeningParams::default();
        for (a, b) in [
            ("Hussain", "Hussein"),
            ("Zainab", "Zeinab"),
            ("Youssef", "Yusuf"),
        ] {
            let credit = token_credit(&key(a).tokens[0], &key(b).tokens[0], &p);
            assert!(credit > 0.5, "{a} {b} {credit}");
        }
        // Saeed is not (El) Sayed.
        assert_ne!(key("Saeed").tokens, key("El Sayed").tokens);
        assert_eq!(key("Shaimaa").tokens, key("Chaimaa").tokens);
        assert_eq!(key("Fatmah").tokens, key("Fatma").tokens);
        assert_eq!(key("Gamal").tokens, key("Jamal").tokens);
        assert_eq!(key("Hany").tokens, key("Hani").tokens);
        // Vowel-only differences keep the skeleton.
        assert_eq!(
            skeleton(&fold_token("muhammad")),
            skeleton(&fold_token("mohamed"))
        );
        // Ayman is not Eman.
        assert_ne!(key("Ayman").tokens, key("Eman").tokens);
    }

    #[test]
    fn articles_and_abdel_compounds() {
        assert_eq!(key("El-Sayed").tokens, key("Sayed").tokens);
        assert_eq!(key("Elsayed").tokens, key("Al Sayed").tokens);
        let abdel = key("Abdel Rahman");
        for v in [
            "Abdelrahman",
            "Abd El Rahman",
            "Abdul Rahman",
            "Abd al-Rahman",
        ] {
            assert_eq!(key(v), abdel, "{v}");
        }
        assert_eq!(key("عبد الرحمن"), abdel);
        assert_eq!(key("عبدالرحمن"), abdel);
        assert_eq!(key("Osama bin Laden").tokens.len(), 2);
    }

    #[test]
    fn arabic_and_latin_meet() {
        assert!(s("محمد عبد الرحمن السيد", "Mohamed Abdel Rahman El Sayed") >= 99.0);
        assert!(s("أحمد مصطفى", "Ahmed Mostafa") >= 99.0);
        // Hamza and ta marbuta forms.
        assert_eq!(key("أسامة إبراهيم"), key("اسامه ابراهيم"));
    }

    #[test]
    fn order_does_not_matter() {
        assert!(s("Hassan Mahmoud Ali Ibrahim", "Ibrahim Ali Mahmoud Hassan") >= 99.0);
    }

    #[test]
    fn different_names_of_the_same_shape_do_not_match() {
        let p = ScreeningParams::default();
        for (a, b) in [
            ("hasan", "husin"),
            ("mahmud", "muhamid"),
            ("abdrahman", "abdrahim"),
        ] {
            assert!(token_similarity(a, b) < p.token_floor, "{a} {b}");
        }
        // One of four names differs: below the default threshold.
        assert!(s("Mohamed Ahmed Hassan Ali", "Mohamed Ahmed Hussein Ali") < p.threshold);
        assert!(s("Mohamed Ahmed Hassan Ali", "Mohamed Ahmed Hassan Ali") >= p.threshold);
    }

    #[test]
    fn omitted_names_cost_less_than_different_ones() {
        let omitted = s("Karim Adel Fathy Nour", "Karim Adel Nour");
        let differs = s("Karim Adel Fathy Nour", "Karim Adel Samir Nour");
        assert!(omitted > 85.0, "{omitted}");
        assert!(differs < 80.0, "{differs}");
        assert_eq!(s("", "Karim"), 0.0);
    }

    #[test]
    fn misspelt_token_still_matches() {
        assert!(s("Youssef Abdel Aziz Mansour", "Yousef Abdelaziz Mansor") >= 85.0);
    }

    #[test]
    fn keys_are_order_free_and_survive_one_bad_token() {
        let a = retrieval_keys(&key("Tarek Hamdy Ragab Soliman"));
        let b = retrieval_keys(&key("Soliman Ragab Hamdy Tarek"));
        assert_eq!(a, b);
        assert_eq!(a.len(), 6);
        // Repeated names keep one key per pair.
        assert_eq!(retrieval_keys(&key("Hassan Mohamed Hassan")).len(), 3);
        assert_eq!(
            retrieval_keys(&key("Hassan Hassan Mohamed")),
            retrieval_keys(&key("Hassan Mohamed Hassan"))
        );
        let typo = retrieval_keys(&key("Tarek Hamdy Ragab Zoliman"));
        assert_eq!(typo.iter().filter(|k| a.contains(k)).count(), 3);
        // Arabic query finds the Latin entry's keys.
        let ar = retrieval_keys(&key("طارق حمدي رجب"));
        assert!(
            ar.iter().all(|k| a.contains(k)),
            "{:?}",
            key("طارق حمدي رجب")
        );
        assert_eq!(retrieval_keys(&key("Karim")).len(), 1);
    }

    /// Whether an entry named `entry` is among the candidates of a query `query`.
    fn retrieved(query: &str, entry: &str) -> bool {
        let e = entry_set_keys(&key(entry));
        query_set_keys(&key(query))
            .iter()
            .any(|(k, _)| e.contains(k))
    }

    #[test]
    fn set_keys_find_what_can_match() {
        let listed = "Tarek Hamdy Ragab Soliman";
        assert_eq!(entry_set_keys(&key(listed)).len(), 5);
        // Order, script and vowel spelling keep the whole set.
        let exact = entry_set_keys(&key(listed));
        let swapped = query_set_keys(&key("Soliman Tarek Hamdy Ragab"));
        assert_eq!(swapped[0].1, KeyRole::Exact);
        assert!(exact.contains(&swapped[0].0));
        assert!(retrieved("طارق حمدي رجب سليمان", listed));
        // One name omitted on either side, one misspelt (same initial).
        assert!(retrieved("Tarek Hamdy Soliman", listed));
        assert!(retrieved(listed, "Tarek Ragab Soliman"));
        // A misspelt initial is not (the typo keys are tagged with it).
        assert!(!retrieved("Tarek Hamdy Ragab Zoliman", listed));
        assert!(retrieved("Tarek Hamdy Ragab Solimn", listed));
        assert!(retrieved("Tarek Hamdy Ragab Sleiman", listed));
        // Two names differ: not a candidate (it cannot reach the threshold).
        assert!(!retrieved("Tarek Hamdy Samir Khaled", listed));
        // Repeated names stay a multiset.
        assert_ne!(
            entry_set_keys(&key("Mohamed Mohamed Ali")),
            entry_set_keys(&key("Mohamed Ali"))
        );
        assert!(retrieved("Mohamed Ali", "Mohamed Mohamed Ali"));
        assert_eq!(entry_set_keys(&key("Karim")).len(), 1);
        assert!(query_set_keys(&key("")).is_empty());
        // Every initial a skeleton can have is looked up for a name one token longer.
        for c in 'a'..='z' {
            let name = format!("{c}xyz");
            let initial = skeleton(&fold_token(&name)).chars().next().unwrap();
            assert!(SKELETON_INITIALS.contains(&initial), "{name}");
        }
        for w in ["sharif", "khaled", "chadi"] {
            let initial = skeleton(&fold_token(w)).chars().next().unwrap();
            assert!(SKELETON_INITIALS.contains(&initial), "{w}");
        }
    }

    #[test]
    fn a_misspelt_name_counts_but_another_name_does_not() {
        let p = ScreeningParams::default();
        let credit = |a: &str, b: &str| token_credit(&key(a).tokens[0], &key(b).tokens[0], &p);
        // No such names: one letter changed, dropped or added.
        assert!(credit("Mtstafa", "Mostafa") > 0.6);
        assert!(credit("Rmbab", "Rabab") > 0.6);
        assert!(credit("Ibrahm", "Ibrahim") > 0.6);
        // Both names: one letter apart all the same.
        assert!(credit("Amira", "Amina") < 0.6);
        assert!(credit("Nader", "Nadia") < 0.6);
        // Too short to tell a slip from another name.
        assert!(credit("Omr", "Amr") < 0.6);
        let four = |q: &str| {
            score(
                &key(q),
                None,
                &[key("Mostafa Ahmed Mohamed Elgamal")],
                None,
                &p,
            )
        };
        assert!(four("Mostafa Ahmed Mohamed Elgamal") >= 99.0);
        assert!(four("Mostafa Ahmnd Mohamed Elgamal") >= p.threshold);
        assert!(four("Mostafa Walid Mohamed Elgamal") < p.threshold);
    }

    #[test]
    fn birth_date_keys_need_a_full_date() {
        assert!(birth_date_key("1980-02-03").is_some());
        assert_ne!(birth_date_key("1980-02-03"), birth_date_key("1980-02-04"));
        assert_eq!(birth_date_key(" 1980-02-03 "), birth_date_key("1980-02-03"));
        assert_eq!(birth_date_key("1980"), None);
        assert_eq!(birth_date_key("03/02/1980"), None);
    }

    #[test]
    fn vowels_matter_in_short_names_and_final_h_only_after_a() {
        let p = ScreeningParams::default();
        let credit = |a: &str, b: &str| token_credit(&key(a).tokens[0], &key(b).tokens[0], &p);
        // Two consonants: the vowel tells the names apart.
        assert!(credit("Mina", "Mona") < 0.5);
        // Three or more: vowel spellings (and Arabic transliterations without short
        // vowels) of one name.
        assert!(token_credit("yusif", "yusuf", &p) > 0.7);
        assert!(token_credit("iskandarani", "askndrani", &p) > 0.7);
        assert_eq!(key("Sarah").tokens, key("Sara").tokens);
        assert_ne!(key("Sameh").tokens, key("Samy").tokens);
        assert_eq!(key("Saleh").tokens, key("صالح").tokens);
    }

    #[test]
    fn id_numbers_in_any_digits() {
        let ascii = document_number_key("29001011234567");
        assert!(ascii.is_some());
        assert_eq!(document_number_key("٢٩٠٠١٠١١٢٣٤٥٦٧"), ascii);
        assert_eq!(document_number_key("2900101-1234567"), ascii);
        assert_ne!(document_number_key("29001011234568"), ascii);
        assert_eq!(document_number_key("a1b2"), None);
        assert_eq!(
            normalize_document_number("ab 12.345"),
            Some("AB12345".to_string())
        );
    }

    #[test]
    fn birth_date_boosts_only() {
        let p = ScreeningParams::default();
        assert_eq!(
            dob_points(Some("1980-02-03"), Some("1980-02-03"), &p),
            p.dob_boost
        );
        assert_eq!(
            dob_points(Some("1980-02-03"), Some("1980"), &p),
            p.year_boost
        );
        assert_eq!(dob_points(Some("1980-02-03"), Some("1981-02-03"), &p), 0.0);
        assert_eq!(dob_points(None, Some("1981-02-03"), &p), 0.0);
        let names = [key("Ali Hassan")];
        assert_eq!(
            score(&key("Zorro"), Some("1980"), &names, Some("1980"), &p),
            0.0
        );
    }
}
