//! The API's error and validation codes (api.md, "Codes"), defined once.

use serde::Serialize;

/// A code of the hosted API. Field-level problems go in `validation_errors`; a step
/// that could not produce its document at all sets the envelope's `error_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Code {
    /// A request field has the wrong format.
    BadFieldFormat,
    /// The image quality is too low to read the document.
    ImageQualityTooLow,
    InvalidIdNumber,
    InvalidBirthDate,
    InvalidGovernorate,
    InvalidIdKey,
    InvalidGender,
    InvalidReleaseDate,
    WrongBirthDateFormat,
    WrongReleaseDateFormat,
    WrongExpiryDateFormat,
    DocumentExpired,
    CardNotDetected,
    InvalidMrz,
    IdNumberMismatch,
    NameMismatch,
}

impl Code {
    /// Every code, for documentation and tests.
    pub const ALL: [Code; 16] = [
        Code::BadFieldFormat,
        Code::ImageQualityTooLow,
        Code::InvalidIdNumber,
        Code::InvalidBirthDate,
        Code::InvalidGovernorate,
        Code::InvalidIdKey,
        Code::InvalidGender,
        Code::InvalidReleaseDate,
        Code::WrongBirthDateFormat,
        Code::WrongReleaseDateFormat,
        Code::WrongExpiryDateFormat,
        Code::DocumentExpired,
        Code::CardNotDetected,
        Code::InvalidMrz,
        Code::IdNumberMismatch,
        Code::NameMismatch,
    ];

    /// The number the API puts in `error_code` / `errors[].code`.
    pub fn number(self) -> u32 {
        match self {
            Code::BadFieldFormat => 1001,
            Code::ImageQualityTooLow => 1050,
            Code::InvalidIdNumber => 3001,
            Code::InvalidBirthDate => 3002,
            Code::InvalidGovernorate => 3003,
            Code::InvalidIdKey => 3004,
            Code::InvalidGender => 3005,
            Code::InvalidReleaseDate => 3006,
            Code::WrongBirthDateFormat => 3007,
            Code::WrongReleaseDateFormat => 3008,
            Code::WrongExpiryDateFormat => 3009,
            Code::DocumentExpired => 3010,
            Code::CardNotDetected => 3011,
            Code::InvalidMrz => 3013,
            Code::IdNumberMismatch => 3101,
            Code::NameMismatch => 3102,
        }
    }

    /// The default human-readable message for the code.
    pub fn message(self) -> &'static str {
        match self {
            Code::BadFieldFormat => "Bad field format",
            Code::ImageQualityTooLow => "Image quality too low",
            Code::InvalidIdNumber => "Invalid ID Number",
            Code::InvalidBirthDate => "Invalid birth date",
            Code::InvalidGovernorate => "Invalid governorate",
            Code::InvalidIdKey => "Invalid ID key",
            Code::InvalidGender => "Invalid gender",
            Code::InvalidReleaseDate => "Invalid release date",
            Code::WrongBirthDateFormat => "Wrong birth date format",
            Code::WrongReleaseDateFormat => "Wrong release date format",
            Code::WrongExpiryDateFormat => "Wrong expiry date format",
            Code::DocumentExpired => "Document expired",
            Code::CardNotDetected => "Card not detected",
            Code::InvalidMrz => "Invalid MRZ",
            Code::IdNumberMismatch => "ID number mismatch between front and back",
            Code::NameMismatch => "Name mismatch between ID card and car licence",
        }
    }
}

/// One problem found with one field of a read document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldIssue {
    /// The API field name (`idNumber`, `dateOfBirth`, ...).
    pub field: String,
    /// The value as read.
    pub value: String,
    pub code: Code,
    /// A message more specific than the code's default, when there is one.
    pub detail: Option<String>,
}

impl FieldIssue {
    pub fn new(field: impl Into<String>, value: impl Into<String>, code: Code) -> Self {
        FieldIssue {
            field: field.into(),
            value: value.into(),
            code,
            detail: None,
        }
    }

    /// A field the reader could not read at all: `1050`, not the field's own code.
    /// Nothing was read, so nothing says the document is wrong; the photo is what failed
    /// (too small, blurred, glare), and the client should take it again rather than
    /// reject the holder's card.
    pub fn unread(field: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldIssue::new(field, "", Code::ImageQualityTooLow).with_detail(detail)
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unread_field_is_a_photo_to_take_again() {
        let issue = FieldIssue::unread("idKey", "the factory serial could not be read");
        assert_eq!(issue.code.number(), 1050);
        assert_eq!(issue.value, "");
        assert_eq!(issue.field, "idKey");
    }

    #[test]
    fn numbers_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.number()), "{c:?} repeats a number");
        }
        assert_eq!(Code::InvalidMrz.number(), 3013);
    }
}
