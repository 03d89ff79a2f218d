//! The Egyptian 14-digit national ID number `C YYMMDD GG SSSS K` (documents.md).
//!
//! [`parse`] reads a number as OCR gives it (ASCII or Arabic-Indic digits, spaces) and
//! either derives the holder's birth date, governorate and gender, or lists every rule
//! the number breaks. The cross-check helpers compare those derived fields with what
//! the card prints; a disagreement is a validation issue, never a silent override.

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

use crate::codes::{Code, FieldIssue};
use crate::dates::{parse_printed_date, DateRole, PrintedDate};
use crate::digits::digit_value;
use crate::governorates::{self, Governorate};
use crate::vocab::{gender_from_word, Gender};

/// Weights of the check digit over the first 13 digits.
const WEIGHTS: [u32; 13] = [2, 7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// Digits in a national ID number.
pub const LENGTH: usize = 14;

/// The API field the number is reported under on the ID card routes.
pub const FIELD: &str = "idNumber";

/// The check digit for the first 13 ASCII digits: `(11 - (sum mod 11)) mod 10`.
/// Returns `None` unless `first13` is exactly 13 ASCII digits.
pub fn check_digit(first13: &str) -> Option<u8> {
    let b = first13.as_bytes();
    if b.len() != 13 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(((11 - sum % 11) % 10) as u8)
}

/// A valid national ID number and what it encodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NationalId {
    /// The 14 ASCII digits.
    pub digits: String,
    /// The first digit (2: born 1900-1999, 3: born 2000-2099).
    pub century_digit: u8,
    pub birth_date: NaiveDate,
    pub governorate: &'static Governorate,
    /// Digits 10-13, the birth registration sequence (its last digit gives the gender).
    pub sequence: u16,
    pub gender: Gender,
    pub check_digit: u8,
}

impl NationalId {
    /// `dateOfBirth` as the API answers it.
    pub fn birth_date_iso(&self) -> String {
        self.birth_date.format("%Y-%m-%d").to_string()
    }
}

/// One rule a national ID number breaks.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdNumberProblem {
    #[error("expected {LENGTH} digits, found {found}")]
    WrongLength { found: usize },
    #[error("{found:?} is not a digit")]
    NotADigit { found: char },
    #[error("century digit {found} is neither 2 (1900s) nor 3 (2000s)")]
    UnknownCentury { found: u8 },
    #[error("birth date {year:04}-{month:02}-{day:02} does not exist")]
    NotACalendarDate { year: i32, month: u32, day: u32 },
    #[error("birth date {0} is in the future")]
    BirthInFuture(NaiveDate),
    #[error("governorate code {found:02} does not exist")]
    UnknownGovernorate { found: u8 },
    #[error("check digit is {found}, expected {expected}")]
    CheckDigit { found: u8, expected: u8 },
}

impl IdNumberProblem {
    /// The API code the problem is reported with.
    pub fn code(&self) -> Code {
        match self {
            IdNumberProblem::WrongLength { .. }
            | IdNumberProblem::NotADigit { .. }
            | IdNumberProblem::UnknownCentury { .. }
            | IdNumberProblem::CheckDigit { .. } => Code::InvalidIdNumber,
            IdNumberProblem::NotACalendarDate { .. } | IdNumberProblem::BirthInFuture(_) => {
                Code::InvalidBirthDate
            }
            IdNumberProblem::UnknownGovernorate { .. } => Code::InvalidGovernorate,
        }
    }
}

/// Every rule a number breaks, with the digits as read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid national ID number {read:?}: {problems:?}")]
pub struct IdNumberError {
    /// The input with spaces removed and digits in ASCII.
    pub read: String,
    /// Never empty.
    pub problems: Vec<IdNumberProblem>,
}

impl IdNumberError {
    /// One [`FieldIssue`] per problem, all on `field` (the number itself: a birth date or
    /// governorate that the number encodes wrongly is a fault of the number).
    /// A read of the wrong length is one `1050` issue instead: no card prints a number
    /// of another length, so such a read is the number not read whole (a line cut off,
    /// blurred away), not an invalid number.
    pub fn to_issues(&self, field: &str) -> Vec<FieldIssue> {
        if let Some(p @ IdNumberProblem::WrongLength { .. }) = self
            .problems
            .iter()
            .find(|p| matches!(p, IdNumberProblem::WrongLength { .. }))
        {
            return vec![FieldIssue::new(field, &self.read, Code::ImageQualityTooLow)
                .with_detail(format!("the ID number was not read whole: {p}"))];
        }
        self.problems
            .iter()
            .map(|p| FieldIssue::new(field, &self.read, p.code()).with_detail(p.to_string()))
            .collect()
    }

    /// Whether any problem carries `code`.
    pub fn has(&self, code: Code) -> bool {
        self.problems.iter().any(|p| p.code() == code)
    }
}

/// The input's digits in ASCII with whitespace, `-` and bidi marks dropped; other
/// characters are kept so that [`parse`] can report them.
pub fn clean(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{200E}' | '\u{200F}' | '\u{061C}'))
        .map(|c| match digit_value(c) {
            Some(d) => char::from(b'0' + d),
            None => c,
        })
        .collect()
}

/// Parses and validates a national ID number against every rule of documents.md, with
/// `today` bounding the birth date. Reports all broken rules at once (a wrong length or
/// a non-digit stops further checks: positions would be meaningless).
pub fn parse(input: &str, today: NaiveDate) -> Result<NationalId, IdNumberError> {
    let read = clean(input);
    let fail = |problems: Vec<IdNumberProblem>| IdNumberError {
        read: read.clone(),
        problems,
    };
    if let Some(found) = read.chars().find(|c| !c.is_ascii_digit()) {
        return Err(fail(vec![IdNumberProblem::NotADigit { found }]));
    }
    if read.len() != LENGTH {
        return Err(fail(vec![IdNumberProblem::WrongLength {
            found: read.len(),
        }]));
    }
    let d: Vec<u8> = read.bytes().map(|b| b - b'0').collect();
    let two = |i: usize| u32::from(d[i]) * 10 + u32::from(d[i + 1]);
    let mut problems = Vec::new();

    let century_digit = d[0];
    let century = match century_digit {
        2 => Some(1900),
        3 => Some(2000),
        found => {
            problems.push(IdNumberProblem::UnknownCentury { found });
            None
        }
    };
    let birth_date = century.and_then(|c| {
        let (year, month, day) = (c + two(1) as i32, two(3), two(5));
        match NaiveDate::from_ymd_opt(year, month, day) {
            Some(date) if date > today => {
                problems.push(IdNumberProblem::BirthInFuture(date));
                None
            }
            Some(date) => Some(date),
            None => {
                problems.push(IdNumberProblem::NotACalendarDate { year, month, day });
                None
            }
        }
    });
    let governorate_code = two(7) as u8;
    let governorate = governorates::by_code(governorate_code);
    if governorate.is_none() {
        problems.push(IdNumberProblem::UnknownGovernorate {
            found: governorate_code,
        });
    }
    let expected = check_digit(&read[..13]).expect("13 ASCII digits");
    if d[13] != expected {
        problems.push(IdNumberProblem::CheckDigit {
            found: d[13],
            expected,
        });
    }
    match (birth_date, governorate) {
        (Some(birth_date), Some(governorate)) if problems.is_empty() => Ok(NationalId {
            sequence: read[9..13].parse().expect("4 ASCII digits"),
            gender: gender_of_digit(d[12]),
            check_digit: d[13],
            digits: read,
            century_digit,
            birth_date,
            governorate,
        }),
        _ => Err(fail(problems)),
    }
}

/// Gender from the 13th digit: odd male, even female.
fn gender_of_digit(d: u8) -> Gender {
    if d % 2 == 1 {
        Gender::Male
    } else {
        Gender::Female
    }
}

/// Whether `input` is a valid number (the quick test to reject an OCR read and retry).
pub fn is_valid(input: &str, today: NaiveDate) -> bool {
    parse(input, today).is_ok()
}

/// The valid numbers one digit away from a 14-digit read, for re-ranking an OCR result
/// with its per-digit confidences. The check digit catches every single-digit error, but
/// a single wrong digit can usually be repaired in several places, so the caller must
/// choose (e.g. the position the recogniser was least sure of); this function never does.
pub fn single_substitution_candidates(read: &str, today: NaiveDate) -> Vec<String> {
    let read = clean(read);
    if read.len() != LENGTH || !read.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut candidate = read.clone().into_bytes();
    for i in 0..LENGTH {
        let original = candidate[i];
        for d in b'0'..=b'9' {
            if d == original {
                continue;
            }
            candidate[i] = d;
            let s = std::str::from_utf8(&candidate).expect("ASCII");
            if is_valid(s, today) {
                out.push(s.to_string());
            }
        }
        candidate[i] = original;
    }
    out
}

/// Cross-check: the birth date printed on the card against the one the number encodes.
/// Returns 3007 on `field` if the printed date cannot be read, 3002 if it disagrees.
pub fn check_printed_birth_date(id: &NationalId, field: &str, printed: &str) -> Option<FieldIssue> {
    let date = match parse_printed_date(printed) {
        Ok(date) => date,
        Err(e) => {
            return Some(
                FieldIssue::new(field, printed, DateRole::Birth.format_code())
                    .with_detail(e.to_string()),
            )
        }
    };
    let agrees = match date {
        PrintedDate::Day(d) => d == id.birth_date,
        PrintedDate::Month { year, month } => {
            year == id.birth_date.year() && month == id.birth_date.month()
        }
    };
    (!agrees).then(|| {
        FieldIssue::new(field, printed, Code::InvalidBirthDate)
            .with_detail(format!("the ID number encodes {}", id.birth_date_iso()))
    })
}

/// Cross-check: the printed gender word (`ذكر`/`أنثى`, or `M`/`F`) against the number.
/// Returns 3005 on `field` if the word disagrees or is not a gender word at all.
pub fn check_printed_gender(id: &NationalId, field: &str, printed: &str) -> Option<FieldIssue> {
    match gender_from_word(printed) {
        Some(g) if g == id.gender => None,
        Some(_) => Some(
            FieldIssue::new(field, printed, Code::InvalidGender)
                .with_detail(format!("the ID number encodes {}", id.gender.code())),
        ),
        None => Some(
            FieldIssue::new(field, printed, Code::InvalidGender).with_detail("not a gender word"),
        ),
    }
}

/// Cross-check: the numbers read on the front and the back of one card (3101 on
/// [`FIELD`] when they differ after cleaning; the value reported is the back's). Only
/// whole reads (fourteen digits) are compared: a number read in part is no evidence of
/// two cards.
pub fn check_front_back(front: &str, back: &str) -> Option<FieldIssue> {
    let (f, b) = (clean(front), clean(back));
    let whole = |s: &str| s.len() == LENGTH && s.bytes().all(|c| c.is_ascii_digit());
    (whole(&f) && whole(&b) && f != b).then(|| {
        FieldIssue::new(FIELD, &b, Code::IdNumberMismatch).with_detail(format!("front reads {f}"))
    })
}

/// Why [`try_make_valid`] cannot build a number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MakeIdError {
    #[error("birth year {0} cannot be encoded (1900-2099 only)")]
    YearOutOfRange(i32),
    #[error("governorate code {0:02} does not exist")]
    UnknownGovernorate(u8),
}

/// Builds a valid number for tests and synthetic cards.
///
/// `sequence` spreads over the 4-digit sequence field: `sequence % 1000` fills digits
/// 10-12, and `(sequence / 1000) % 5` picks which odd (male) or even (female) digit
/// is the 13th, so 5000 distinct sequences exist per birth date, governorate and gender.
pub fn try_make_valid(
    birth_date: NaiveDate,
    governorate: u8,
    sequence: u16,
    gender: Gender,
) -> Result<String, MakeIdError> {
    let century = match birth_date.year() {
        1900..=1999 => 2,
        2000..=2099 => 3,
        y => return Err(MakeIdError::YearOutOfRange(y)),
    };
    if governorates::by_code(governorate).is_none() {
        return Err(MakeIdError::UnknownGovernorate(governorate));
    }
    let gender_digit = 2 * ((sequence / 1000) % 5) + u16::from(gender == Gender::Male);
    let first13 = format!(
        "{century}{:02}{:02}{:02}{governorate:02}{:03}{gender_digit}",
        birth_date.year() % 100,
        birth_date.month(),
        birth_date.day(),
        sequence % 1000,
    );
    let k = check_digit(&first13).expect("13 digits");
    Ok(format!("{first13}{k}"))
}

/// [`try_make_valid`] for callers that pass known-good inputs.
///
/// # Panics
/// If the birth year is outside 1900-2099 or the governorate code does not exist.
pub fn make_valid(birth_date: NaiveDate, governorate: u8, sequence: u16, gender: Gender) -> String {
    try_make_valid(birth_date, governorate, sequence, gender)
        .unwrap_or_else(|e| panic!("make_valid: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digits::to_arabic_indic;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    fn today() -> NaiveDate {
        d(2025, 6, 1)
    }

    /// A number built by hand: 2 900101 01 2345 K, with K from the weights.
    fn sample() -> String {
        let first13 = "2900101012345";
        let sum: u32 = [2, 9, 0, 0, 1, 0, 1, 0, 1, 2, 3, 4, 5]
            .iter()
            .zip(WEIGHTS)
            .map(|(d, w)| d * w)
            .sum();
        format!("{first13}{}", (11 - sum % 11) % 10)
    }

    #[test]
    fn check_digit_rule() {
        // sum = 4+63+0+0+4+0+2+0+6+10+12+12+10 = 123; 123 mod 11 = 2; (11-2) mod 10 = 9.
        assert_eq!(check_digit("2900101012345"), Some(9));
        assert_eq!(sample(), "29001010123459");
        assert_eq!(check_digit("123"), None);
        assert_eq!(check_digit("29001010123a5"), None);
    }

    #[test]
    fn parses_a_valid_number() {
        let id = parse(&sample(), today()).unwrap();
        assert_eq!(id.birth_date, d(1990, 1, 1));
        assert_eq!(id.birth_date_iso(), "1990-01-01");
        assert_eq!(id.governorate.english, "Cairo");
        assert_eq!(id.sequence, 2345);
        // 13th digit 5: odd, male.
        assert_eq!(id.gender, Gender::Male);
        assert_eq!(id.century_digit, 2);
        assert_eq!(id.check_digit, 9);
    }

    #[test]
    fn accepts_arabic_indic_and_spaces() {
        let arabic = to_arabic_indic(&sample());
        let spaced = format!("{} {}", &arabic[..6], &arabic[6..]);
        assert_eq!(parse(&spaced, today()).unwrap().digits, sample());
        assert_eq!(
            parse(" 2 900101 01 2345 9 ", today()).unwrap().digits,
            sample()
        );
    }

    #[test]
    fn length_and_characters() {
        let e = parse("2900101012345", today()).unwrap_err();
        assert_eq!(e.problems, vec![IdNumberProblem::WrongLength { found: 13 }]);
        // Read in part, not invalid: the photo is what to take again.
        let issues = e.to_issues(FIELD);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].code, Code::ImageQualityTooLow);
        assert_eq!(issues[0].value, "2900101012345");
        let e = parse("29001010123A59", today()).unwrap_err();
        assert_eq!(e.to_issues(FIELD)[0].code, Code::InvalidIdNumber);
        assert_eq!(e.problems, vec![IdNumberProblem::NotADigit { found: 'A' }]);
        assert!(parse("", today()).is_err());
    }

    #[test]
    fn wrong_check_digit_is_3001() {
        let e = parse("29001010123450", today()).unwrap_err();
        assert_eq!(
            e.problems,
            vec![IdNumberProblem::CheckDigit {
                found: 0,
                expected: 9
            }]
        );
        let issues = e.to_issues("NationalID");
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].field, "NationalID");
        assert_eq!(issues[0].value, "29001010123450");
        assert_eq!(issues[0].code.number(), 3001);
    }

    /// Replaces digits 0..13 and recomputes the check digit, so only the rule under test
    /// fails.
    fn with_check(first13: &str) -> String {
        format!("{first13}{}", check_digit(first13).unwrap())
    }

    #[test]
    fn impossible_birth_dates_are_3002() {
        let e = parse(&with_check("2900230012345"), today()).unwrap_err();
        assert!(matches!(
            e.problems[..],
            [IdNumberProblem::NotACalendarDate {
                month: 2,
                day: 30,
                ..
            }]
        ));
        assert!(e.has(Code::InvalidBirthDate));
        let e = parse(&with_check("2901301012345"), today()).unwrap_err();
        assert!(e.has(Code::InvalidBirthDate));
        // 2030: in the future.
        let e = parse(&with_check("3300101012345"), today()).unwrap_err();
        assert_eq!(
            e.problems,
            vec![IdNumberProblem::BirthInFuture(d(2030, 1, 1))]
        );
        // Born today is fine.
        assert!(parse(&with_check("3250601012345"), today()).is_ok());
        // Leap day.
        assert!(parse(&with_check("3000229012345"), today()).is_ok());
        // 1900 was not a leap year (divisible by 100, not by 400).
        assert!(parse(&with_check("2000229012345"), today()).is_err());
        assert!(parse(&with_check("2010229012345"), today()).is_err());
    }

    #[test]
    fn century_digit() {
        let e = parse(&with_check("1900101012345"), today()).unwrap_err();
        assert_eq!(
            e.problems,
            vec![IdNumberProblem::UnknownCentury { found: 1 }]
        );
        assert!(e.has(Code::InvalidIdNumber));
        let id = parse(&with_check("3050101012345"), today()).unwrap();
        assert_eq!(id.birth_date, d(2005, 1, 1));
    }

    #[test]
    fn governorates_are_3003() {
        for code in ["00", "05", "10", "20", "30", "36", "87", "99"] {
            let e = parse(&with_check(&format!("2900101{code}2345")), today()).unwrap_err();
            assert_eq!(e.problems.len(), 1, "{code}");
            assert!(e.has(Code::InvalidGovernorate), "{code}");
        }
        let abroad = parse(&with_check("2900101882345"), today()).unwrap();
        assert!(abroad.governorate.is_abroad());
    }

    #[test]
    fn reports_all_problems_together() {
        // Bad date, bad governorate and bad check digit at once.
        let first13 = "2901332912345";
        let wrong_check = (check_digit(first13).unwrap() + 1) % 10;
        let e = parse(&format!("{first13}{wrong_check}"), today()).unwrap_err();
        let codes: Vec<u32> = e.problems.iter().map(|p| p.code().number()).collect();
        assert!(codes.contains(&3002));
        assert!(codes.contains(&3003));
        assert!(codes.contains(&3001));
    }

    #[test]
    fn gender_from_13th_digit() {
        for (digit, gender) in [
            (0, Gender::Female),
            (1, Gender::Male),
            (8, Gender::Female),
            (9, Gender::Male),
        ] {
            let id = parse(&with_check(&format!("290010101234{digit}")), today()).unwrap();
            assert_eq!(id.gender, gender);
        }
    }

    #[test]
    fn make_valid_round_trips() {
        for (i, g) in crate::governorates::GOVERNORATES.iter().enumerate() {
            for gender in [Gender::Male, Gender::Female] {
                let birth = d(1950 + i as i32 * 2, 1 + (i as u32 % 12), 1 + i as u32);
                let seq = (i as u16) * 371;
                let n = make_valid(birth, g.code, seq, gender);
                let id = parse(&n, today()).unwrap();
                assert_eq!(id.birth_date, birth);
                assert_eq!(id.governorate.code, g.code);
                assert_eq!(id.gender, gender);
                assert_eq!(id.sequence / 10 % 1000, seq % 1000);
            }
        }
        assert_eq!(
            try_make_valid(d(1899, 1, 1), 1, 0, Gender::Male),
            Err(MakeIdError::YearOutOfRange(1899))
        );
        assert_eq!(
            try_make_valid(d(1990, 1, 1), 5, 0, Gender::Male),
            Err(MakeIdError::UnknownGovernorate(5))
        );
    }

    #[test]
    fn make_valid_sequences_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for seq in 0..5000u16 {
            assert!(seen.insert(make_valid(d(1990, 1, 1), 1, seq, Gender::Female)));
        }
    }

    #[test]
    fn single_digit_repair_candidates() {
        let good = sample();
        let mut bad = good.clone().into_bytes();
        bad[10] = b'7';
        let bad = String::from_utf8(bad).unwrap();
        let candidates = single_substitution_candidates(&bad, today());
        assert!(candidates.contains(&good));
        for c in &candidates {
            assert!(is_valid(c, today()));
            let diff = c.bytes().zip(bad.bytes()).filter(|(a, b)| a != b).count();
            assert_eq!(diff, 1);
        }
        assert!(single_substitution_candidates("123", today()).is_empty());
    }

    #[test]
    fn cross_checks() {
        let id = parse(&sample(), today()).unwrap();
        assert_eq!(
            check_printed_birth_date(&id, "dateOfBirth", "1990/01/01"),
            None
        );
        assert_eq!(
            check_printed_birth_date(&id, "dateOfBirth", "١٩٩٠/٠١/٠١"),
            None
        );
        let i = check_printed_birth_date(&id, "dateOfBirth", "1990/01/02").unwrap();
        assert_eq!(i.code, Code::InvalidBirthDate);
        let i = check_printed_birth_date(&id, "dateOfBirth", "???").unwrap();
        assert_eq!(i.code, Code::WrongBirthDateFormat);

        assert_eq!(check_printed_gender(&id, "gender", "ذكر"), None);
        let i = check_printed_gender(&id, "gender", "أنثى").unwrap();
        assert_eq!(i.code, Code::InvalidGender);
        assert_eq!(i.code.number(), 3005);
        assert!(check_printed_gender(&id, "gender", "مسلم").is_some());

        assert_eq!(
            check_front_back(&sample(), &to_arabic_indic(&sample())),
            None
        );
        let i = check_front_back(&sample(), "29001010123450").unwrap();
        assert_eq!(i.code.number(), 3101);
        // A number read in part (or not at all) on one side is not compared.
        assert_eq!(check_front_back(&sample(), "9468"), None);
        assert_eq!(check_front_back("", &sample()), None);
    }
}
