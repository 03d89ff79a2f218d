//! The Egyptian 14-digit national ID number `C YYMMDD GG SSSS K` (documents.md).

/// Weights of the check digit over the first 13 digits.
const WEIGHTS: [u32; 13] = [2, 7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_rule() {
        // 2 90 01 01 01 2345 ?: weights applied by hand.
        let first13 = "2900101012345";
        let sum: u32 = [2, 9, 0, 0, 1, 0, 1, 0, 1, 2, 3, 4, 5]
            .iter()
            .zip(WEIGHTS)
            .map(|(d, w)| d * w)
            .sum();
        assert_eq!(check_digit(first13), Some(((11 - sum % 11) % 10) as u8));
        assert_eq!(check_digit("123"), None);
    }
}
