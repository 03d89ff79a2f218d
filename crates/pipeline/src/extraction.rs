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
