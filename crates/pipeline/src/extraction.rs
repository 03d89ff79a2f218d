//! What a reader returns: fields with confidence and boxes, field issues, extras.

use hawiya_documents::{Code, FieldIssue};
use serde::Serialize;

/// A quadrilateral in image pixels, corners clockwise from top-left.
pub type Quad = [[f32; 2]; 4];

/// One extracted field.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// The API field name, spelled as the hosted API spells it.
    pub name: String,
    /// The normalised value (string, number or null).
    pub value: serde_json::Value,
    /// 0.0-1.0, where the reader can tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
    /// Where on the input image the value was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<Quad>,
}

/// The least confidence a past expiry date must be read with for the document to be
/// answered expired (`3010`). Below it the read is kept but answered `1050`: a genuine
/// card misread expired (`٢٠٣٢` read `2022` on a blurred card 200 px wide) would be
/// refused outright, where a photo taken again settles it. On dev backs (seeds 1313 and
/// 6161) every expired card's date read at 0.99 or more, the two misread ones at 0.41
/// and 0.47.
pub const EXPIRED_MIN_CONFIDENCE: f32 = 0.8;

/// A date field's issue as answered for a read of `confidence`: an expiry in the past
/// read below [`EXPIRED_MIN_CONFIDENCE`] becomes `1050`; every other issue is kept.
pub fn date_issue_at(issue: FieldIssue, confidence: f32) -> FieldIssue {
    if issue.code != Code::DocumentExpired || confidence >= EXPIRED_MIN_CONFIDENCE {
        return issue;
    }
    FieldIssue {
        code: Code::ImageQualityTooLow,
        detail: Some(format!(
            "the expiry date reads as past ({}) but not clearly enough to call the document \
             expired; take the photo again",
            issue.value
        )),
        ..issue
    }
}

/// The result of one reader on one image.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Extraction {
    pub fields: Vec<Field>,
    /// Field-level problems (`validation_errors`).
    pub issues: Vec<FieldIssue>,
    /// Additions beyond the hosted API (raw MRZ lines, the card quadrilateral, quality).
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The face embedding of the document photo, kept in the transaction for face/match.
    #[serde(skip)]
    pub face_embedding: Option<Vec<f32>>,
}

impl Extraction {
    /// Fields this read left unread (null or empty) that `other`, a read of the same
    /// document, read without fault: taken with their confidence and box, and this
    /// read's issues about them dropped. Fields this read does not have are not added.
    pub fn fill_unread_from(&mut self, other: &Extraction) {
        for f in &other.fields {
            if is_unread(&f.value) || other.issues.iter().any(|i| i.field == f.name) {
                continue;
            }
            if let Some(g) = self.fields.iter_mut().find(|g| g.name == f.name) {
                if is_unread(&g.value) {
                    *g = f.clone();
                    self.issues.retain(|i| i.field != f.name);
                }
            }
        }
    }

    /// Whether field `name` went unread: absent, null or empty.
    pub fn unread(&self, name: &str) -> bool {
        self.get(name).is_none_or(is_unread)
    }

    /// The fields `names` as `other` read them, with `other`'s issues about them in
    /// place of this read's.
    pub fn adopt_fields_from(&mut self, other: &Extraction, names: &[&str]) {
        for name in names {
            self.issues.retain(|i| i.field != *name);
            self.issues
                .extend(other.issues.iter().filter(|i| i.field == *name).cloned());
            let theirs = other.fields.iter().find(|f| f.name == *name);
            match (self.fields.iter_mut().find(|f| f.name == *name), theirs) {
                (Some(mine), Some(theirs)) => *mine = theirs.clone(),
                (None, Some(theirs)) => self.fields.push(theirs.clone()),
                _ => {}
            }
        }
    }

    pub fn push(&mut self, name: &str, value: impl Into<serde_json::Value>) -> &mut Field {
        self.fields.push(Field {
            name: name.to_string(),
            value: value.into(),
            confidence: None,
            bbox: None,
        });
        self.fields.last_mut().expect("just pushed")
    }

    pub fn get(&self, name: &str) -> Option<&serde_json::Value> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| &f.value)
    }

    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| v.as_str())
    }
}

/// A value that says nothing was read: null or an empty string.
fn is_unread(v: &serde_json::Value) -> bool {
    v.is_null() || v.as_str().is_some_and(str::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_sure_read_calls_a_document_expired() {
        let expired = || FieldIssue::new("idExpiry", "2022/09/09", Code::DocumentExpired);
        assert_eq!(date_issue_at(expired(), 0.99).code, Code::DocumentExpired);
        let doubted = date_issue_at(expired(), 0.47);
        assert_eq!(doubted.code, Code::ImageQualityTooLow);
        assert_eq!(doubted.value, "2022/09/09");
        // Other date issues are the read's, whatever its confidence.
        let format = FieldIssue::new("idExpiry", "2022/13", Code::WrongExpiryDateFormat);
        assert_eq!(date_issue_at(format, 0.3).code, Code::WrongExpiryDateFormat);
    }

    #[test]
    fn adopted_fields_come_with_their_issues() {
        let mut first = Extraction::default();
        first.push("idNumber", "2900101");
        first.push("first_name", "أحمد");
        first.issues.push(FieldIssue::new(
            "idNumber",
            "2900101",
            Code::InvalidIdNumber,
        ));
        let mut second = Extraction::default();
        second.push("idNumber", "29001011234567");
        second.push("first_name", "احد");
        second.push("dateOfBirth", "1990-01-01");
        first.adopt_fields_from(&second, &["idNumber", "dateOfBirth"]);
        assert_eq!(first.get_str("idNumber"), Some("29001011234567"));
        assert_eq!(first.get_str("dateOfBirth"), Some("1990-01-01"));
        assert_eq!(first.get_str("first_name"), Some("أحمد"));
        assert!(first.issues.is_empty());
    }

    #[test]
    fn absent_null_and_empty_fields_are_unread() {
        let mut e = Extraction::default();
        e.push("idExpiry", serde_json::Value::Null);
        e.push("job", "");
        e.push("idKey", "AB1234567");
        assert!(e.unread("idExpiry") && e.unread("job") && e.unread("religion"));
        assert!(!e.unread("idKey"));
    }

    #[test]
    fn unread_fields_are_filled_from_a_faultless_read() {
        let mut first = Extraction::default();
        first.push("idNumber", "29001011234567");
        first.push("idExpiry", serde_json::Value::Null);
        first.push("job", "");
        first
            .issues
            .push(FieldIssue::new("idExpiry", "", Code::WrongExpiryDateFormat));
        let mut second = Extraction::default();
        second.push("idNumber", "1");
        second.push("idExpiry", "2030-01-01");
        second.push("job", "مهندس");
        second
            .issues
            .push(FieldIssue::new("job", "مهندس", Code::BadFieldFormat));
        first.fill_unread_from(&second);
        assert_eq!(first.get_str("idNumber"), Some("29001011234567"));
        assert_eq!(first.get_str("idExpiry"), Some("2030-01-01"));
        assert!(first.issues.is_empty());
        // The other read found fault with its job: not taken.
        assert_eq!(first.get_str("job"), Some(""));
    }
}
