//! Request parsing for the OCR routes: a JSON body with base64 images, or the `/file`
//! multipart variant. Both become one [`OcrInput`]; every failure is an [`ApiError`]
//! rendered in the envelope, never axum's plain-text rejection.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::http::{header, HeaderMap, StatusCode};
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::envelope::ApiError;

/// A parsed request: text fields and decoded image bytes, by field name.
#[derive(Debug, Default)]
pub struct OcrInput {
    pub fields: Map<String, Value>,
    pub images: HashMap<String, Bytes>,
}

/// The common optional fields (api.md).
#[derive(Debug, Clone, Default)]
pub struct CommonFields {
    pub transaction_id: Option<String>,
    pub client_transaction_id: Option<String>,
    pub get_extracted_data: bool,
}

/// The 413 every over-size image gets.
pub fn image_too_large(field: &str, size: usize, limit: usize) -> ApiError {
    let mut e = ApiError::bad_field(
        field,
        format!("{field} is {size} bytes decoded, over the limit of {limit} bytes"),
    );
    e.status = StatusCode::PAYLOAD_TOO_LARGE;
    e
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.to_ascii_lowercase())
}

fn unsupported_media(message: impl Into<String>) -> ApiError {
    let mut e = ApiError::bad_request(message);
    e.status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
    e
}

/// Parses a JSON body. `image_fields` are base64 images, each limited to `limit(field)`.
pub fn parse_json(
    headers: &HeaderMap,
    body: &Bytes,
    image_fields: &[&str],
    limit: impl Fn(&str) -> usize,
) -> Result<OcrInput, ApiError> {
    match content_type(headers) {
        Some(ct) if ct.starts_with("application/json") || ct.contains("+json") => {}
        Some(ct) if ct.starts_with("multipart/form-data") => {
            return Err(unsupported_media(
                "multipart bodies go to the route's /file variant; this route takes JSON",
            ))
        }
        Some(ct) => {
            return Err(unsupported_media(format!(
                "Content-Type {ct:?} is not supported: send application/json"
            )))
        }
        None => {
            return Err(unsupported_media(
                "missing Content-Type: send application/json",
            ))
        }
    }
    if body.is_empty() {
        return Err(ApiError::bad_request("the request body is empty"));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))?;
    let Value::Object(mut fields) = value else {
        return Err(ApiError::bad_request("the JSON body must be an object"));
    };
    let mut input = OcrInput::default();
    for &name in image_fields {
        match fields.remove(name) {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) => {
                let bytes = decode_base64(name, &text, limit(name))?;
                input.images.insert(name.to_string(), bytes);
            }
            Some(_) => {
                return Err(ApiError::bad_field(
                    name,
                    format!("{name} must be a base64 string"),
                ))
            }
        }
    }
    input.fields = fields;
    Ok(input)
}

/// Decodes a base64 image (standard or URL-safe alphabet, padding optional, an optional
/// `data:image/...;base64,` prefix, whitespace ignored), refusing it before decoding when
/// its decoded size would pass `limit`.
pub fn decode_base64(field: &str, text: &str, limit: usize) -> Result<Bytes, ApiError> {
    let payload = match text.find("base64,") {
        Some(i) if text.starts_with("data:") => &text[i + "base64,".len()..],
        _ => text,
    };
    let cleaned: Vec<u8> = payload
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if cleaned.is_empty() {
        return Err(ApiError::bad_field(field, format!("{field} is empty")));
    }
    let estimated = cleaned.len() / 4 * 3;
    if estimated > limit + 3 {
        return Err(image_too_large(field, estimated, limit));
    }
    let url_safe = cleaned.iter().any(|&b| b == b'-' || b == b'_');
    let trimmed: &[u8] = {
        let mut end = cleaned.len();
        while end > 0 && cleaned[end - 1] == b'=' {
            end -= 1;
        }
        &cleaned[..end]
    };
    let engine = if url_safe {
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        &base64::engine::general_purpose::STANDARD_NO_PAD
    };
    let bytes = engine
        .decode(trimmed)
        .map_err(|e| ApiError::bad_field(field, format!("{field} is not valid base64: {e}")))?;
    if bytes.len() > limit {
        return Err(image_too_large(field, bytes.len(), limit));
    }
    Ok(Bytes::from(bytes))
}

/// Parses a multipart body. `file_parts` maps part names to image field names
/// (`file` → `image`); every other part is a text field.
pub async fn parse_multipart(
    mut multipart: Multipart,
    file_parts: &[(&str, &str)],
    limit: impl Fn(&str) -> usize,
) -> Result<OcrInput, ApiError> {
    let mut input = OcrInput::default();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let part = field.name().unwrap_or_default().to_string();
        if let Some(&(_, image_field)) = file_parts.iter().find(|(p, _)| *p == part) {
            let bytes = field.bytes().await.map_err(multipart_error)?;
            let max = limit(image_field);
            if bytes.len() > max {
                return Err(image_too_large(image_field, bytes.len(), max));
            }
            input.images.insert(image_field.to_string(), bytes);
        } else {
            let text = field.text().await.map_err(multipart_error)?;
            input.fields.insert(part, Value::String(text));
        }
    }
    Ok(input)
}

fn multipart_error(e: MultipartError) -> ApiError {
    let status = e.status();
    let mut err = ApiError::bad_request(format!("malformed multipart body: {}", e.body_text()));
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        err.status = status;
    }
    err
}

impl OcrInput {
    /// The image in `field`, or a 400 naming it.
    pub fn image(&self, field: &str) -> Result<Bytes, ApiError> {
        self.images
            .get(field)
            .cloned()
            .ok_or_else(|| ApiError::bad_field(field, format!("missing required field {field}")))
    }

    /// A text field (JSON string or number), trimmed; empty counts as absent.
    pub fn text(&self, field: &str) -> Result<Option<String>, ApiError> {
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                let s = s.trim();
                Ok((!s.is_empty()).then(|| s.to_string()))
            }
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(ApiError::bad_field(
                field,
                format!("{field} must be a string"),
            )),
        }
    }

    /// A required text field.
    pub fn required_text(&self, field: &str) -> Result<String, ApiError> {
        self.text(field)?
            .ok_or_else(|| ApiError::bad_field(field, format!("missing required field {field}")))
    }

    /// A boolean field: JSON bool, or "true"/"false"/"1"/"0" in multipart text.
    pub fn flag(&self, field: &str) -> Result<Option<bool>, ApiError> {
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(Some(true)),
                "false" | "0" | "no" | "" => Ok(Some(false)),
                _ => Err(ApiError::bad_field(
                    field,
                    format!("{field} must be true or false"),
                )),
            },
            Some(_) => Err(ApiError::bad_field(
                field,
                format!("{field} must be true or false"),
            )),
        }
    }

    /// The common fields, validated (`country` must be EGY or EG when present).
    pub fn common(&self) -> Result<CommonFields, ApiError> {
        if let Some(country) = self.text("country")? {
            let c = country.to_ascii_uppercase();
            if c != "EGY" && c != "EG" {
                return Err(ApiError::bad_field(
                    "country",
                    format!("country {country:?} is not supported: use EGY"),
                ));
            }
        }
        Ok(CommonFields {
            transaction_id: self.text("transaction_id")?,
            client_transaction_id: self.text("client_transaction_id")?,
            get_extracted_data: self.flag("getExtractedData")?.unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_variants() {
        let raw = b"\xff\xd8\xff\xe0hello-world?>";
        let std = base64::engine::general_purpose::STANDARD.encode(raw);
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
        assert_eq!(&decode_base64("image", &std, 100).unwrap()[..], raw);
        assert_eq!(&decode_base64("image", &url, 100).unwrap()[..], raw);
        let data_url = format!("data:image/jpeg;base64,{std}");
        assert_eq!(&decode_base64("image", &data_url, 100).unwrap()[..], raw);
        let wrapped = format!("{}\n{}", &std[..8], &std[8..]);
        assert_eq!(&decode_base64("image", &wrapped, 100).unwrap()[..], raw);
    }

    #[test]
    fn base64_errors() {
        let e = decode_base64("image", "not base64 at all!", 100).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.message.contains("not valid base64"));
        let big = "A".repeat(400);
        let e = decode_base64("image", &big, 100).unwrap_err();
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
