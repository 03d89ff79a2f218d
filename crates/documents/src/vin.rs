//! Vehicle identification numbers (ISO 3779), the vehicle licence's `chasis` field.
//!
//! A VIN is 17 characters of `A-Z` and `0-9` without `I`, `O` and `Q`. Position 9 is a
//! check digit only in North America (first character `1`-`5`); elsewhere it is free, so
//! the check is reported, never required.

use thiserror::Error;

/// Characters in a VIN.
pub const LENGTH: usize = 17;

/// Index of the check digit (position 9, counted from 1).
const CHECK_INDEX: usize = 8;

/// ISO 3779 / 49 CFR 565 position weights.
const WEIGHTS: [u32; LENGTH] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// What the position-9 check digit says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VinCheck {
    /// North-American VIN whose check digit agrees.
    Valid,
    /// North-American VIN whose check digit disagrees.
    Invalid { expected: char, found: char },
    /// Not a North-American VIN: position 9 need not be a check digit. `agrees` tells
    /// whether it happens to be one anyway (many manufacturers compute it worldwide).
    NotRequired { agrees: bool },
}

/// A well-formed VIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vin {
    /// The 17 characters, upper case.
    pub value: String,
    pub check: VinCheck,
    /// Forbidden letters replaced by the digit they stand for (`O`/`Q` -> `0`,
    /// `I` -> `1`), as (index, from, to).
    pub corrections: Vec<(usize, char, char)>,
}

impl Vin {
    /// World manufacturer identifier (positions 1-3).
    pub fn wmi(&self) -> &str {
        &self.value[..3]
    }

    /// Whether the first character marks North America (`1`-`5`).
    pub fn is_north_american(&self) -> bool {
        is_north_american(&self.value)
    }
}

/// Why a string is not a VIN.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VinError {
    #[error("a VIN has {LENGTH} characters, found {found}")]
    WrongLength { found: usize },
    #[error("{ch:?} at position {} is not allowed in a VIN", index + 1)]
    InvalidCharacter { index: usize, ch: char },
}

/// The value of a VIN character in the check-digit sum; `None` outside the alphabet.
fn transliterate(c: u8) -> Option<u32> {
    Some(match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A' | b'J' => 1,
        b'B' | b'K' | b'S' => 2,
        b'C' | b'L' | b'T' => 3,
        b'D' | b'M' | b'U' => 4,
        b'E' | b'N' | b'V' => 5,
        b'F' | b'W' => 6,
        b'G' | b'P' | b'X' => 7,
        b'H' | b'Y' => 8,
        b'R' | b'Z' => 9,
        _ => return None,
    })
}

/// The check digit (`0`-`9` or `X`) a 17-character VIN should carry at position 9;
/// `None` if `vin` is not 17 characters of the VIN alphabet.
pub fn check_digit(vin: &str) -> Option<char> {
    let b = vin.as_bytes();
    if b.len() != LENGTH {
        return None;
    }
    let mut sum = 0;
    for (&c, w) in b.iter().zip(WEIGHTS) {
        sum += transliterate(c)? * w;
    }
    Some(match sum % 11 {
        10 => 'X',
        r => char::from(b'0' + r as u8),
    })
}

/// Whether the VIN's first character marks a North-American manufacturer.
pub fn is_north_american(vin: &str) -> bool {
    matches!(vin.as_bytes().first(), Some(b'1'..=b'5'))
}

/// Parses a VIN as OCR reads it: upper-cases, drops spaces and `-`, and replaces the
/// letters a VIN never holds by the digits they are mistaken for (`O`, `Q` -> `0`,
/// `I` -> `1`: the alphabet excludes them precisely for that confusion).
pub fn parse(input: &str) -> Result<Vin, VinError> {
    let mut corrections = Vec::new();
    let mut value = String::with_capacity(LENGTH);
    for c in input.chars().filter(|c| !c.is_whitespace() && *c != '-') {
        let index = value.len();
        let upper = c.to_ascii_uppercase();
        let fixed = match upper {
            'O' | 'Q' => '0',
            'I' => '1',
            other => other,
        };
        if fixed != upper {
            corrections.push((index, upper, fixed));
        }
        if !fixed.is_ascii() || transliterate(fixed as u8).is_none() {
            return Err(VinError::InvalidCharacter { index, ch: c });
        }
        value.push(fixed);
    }
    if value.len() != LENGTH {
        return Err(VinError::WrongLength { found: value.len() });
    }
    let expected = check_digit(&value).expect("validated alphabet and length");
    let found = char::from(value.as_bytes()[CHECK_INDEX]);
    let check = match (is_north_american(&value), expected == found) {
        (true, true) => VinCheck::Valid,
        (true, false) => VinCheck::Invalid { expected, found },
        (false, agrees) => VinCheck::NotRequired { agrees },
    };
    Ok(Vin {
        value,
        check,
        corrections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The usual worked example of the North-American check digit (check digit `X`).
    const NA_VIN: &str = "1M8GDM9AXKP042788";

    #[test]
    fn check_digit_example() {
        assert_eq!(check_digit(NA_VIN), Some('X'));
        // All ones: sum = 89, 89 mod 11 = 1.
        assert_eq!(check_digit("11111111111111111"), Some('1'));
        assert_eq!(check_digit("123"), None);
        assert_eq!(check_digit("1M8GDM9AXKP04278I"), None);
    }

    #[test]
    fn north_american_vin() {
        let v = parse(NA_VIN).unwrap();
        assert_eq!(v.check, VinCheck::Valid);
        assert_eq!(v.wmi(), "1M8");
        assert!(v.is_north_american());
        let wrong = NA_VIN.replace("AX", "A7");
        assert_eq!(
            parse(&wrong).unwrap().check,
            VinCheck::Invalid {
                expected: 'X',
                found: '7'
            }
        );
    }

    #[test]
    fn other_regions_report_but_do_not_require() {
        // A European-style VIN (W = Germany) whose position 9 is not a check digit.
        let v = parse("WVWZZZ1JZ3W386752").unwrap();
        assert!(!v.is_north_american());
        let agrees = check_digit("WVWZZZ1JZ3W386752") == Some('Z');
        assert_eq!(v.check, VinCheck::NotRequired { agrees });
        assert!(!agrees);
    }

    #[test]
    fn cleans_ocr_output() {
        let v = parse("1m8gdm9a xkp-o42788").unwrap();
        assert_eq!(v.value, NA_VIN);
        assert_eq!(v.corrections, vec![(11, 'O', '0')]);
        assert_eq!(v.check, VinCheck::Valid);
        let v = parse("JTDBR32EI60123456").unwrap();
        assert_eq!(v.value, "JTDBR32E160123456");
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(
            parse("1M8GDM9AXKP04278"),
            Err(VinError::WrongLength { found: 16 })
        );
        assert_eq!(parse(""), Err(VinError::WrongLength { found: 0 }));
        assert_eq!(
            parse("1M8GDM9AXKP04278#"),
            Err(VinError::InvalidCharacter { index: 16, ch: '#' })
        );
        assert!(matches!(
            parse("1M8GDM9AXKP0427٨8"),
            Err(VinError::InvalidCharacter { .. })
        ));
    }
}
