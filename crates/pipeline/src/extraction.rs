//! What a reader returns: fields with confidence and boxes, field issues, extras.

use hawiya_documents::FieldIssue;
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
    use hawiya_documents::Code;

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
