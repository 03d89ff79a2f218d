//! The OCR and credentials routes' JSON body parsing (`hawiya_server::input::parse_json`,
//! as the handlers call it after axum hands over the body bytes), then the common fields
//! and every text and flag accessor the handlers use. Every failure must be an
//! `ApiError` with a 4xx status.
#![no_main]

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue};
use hawiya_server::input::parse_json;
use libfuzzer_sys::fuzz_target;

const IMAGE_FIELDS: &[&str] = &[
    "image",
    "face_image1",
    "face_image2",
    "face_1",
    "face_2",
    "face_3",
];

fuzz_target!(|data: &[u8]| {
    // The first byte picks the Content-Type, the rest is the body.
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let content_type = match pick % 4 {
        0 => "application/json",
        1 => "application/json; charset=utf-8",
        2 => "application/problem+json",
        _ => "text/plain",
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let body = Bytes::copy_from_slice(body);
    let limit = |f: &str| {
        if f.starts_with("face_") {
            500 * 1024
        } else {
            3 * 1024 * 1024
        }
    };
    match parse_json(&headers, &body, IMAGE_FIELDS, limit) {
        Ok(input) => {
            for (name, bytes) in &input.images {
                assert!(bytes.len() <= limit(name));
            }
            let checks = [
                input.common().err(),
                input.text("name").err(),
                input.text("idNumber").err(),
                input.required_text("transaction_id").err(),
                input.flag("liveness").err(),
                input.image("image").err(),
            ];
            for e in checks.into_iter().flatten() {
                assert!(e.status.is_client_error(), "{e}");
            }
        }
        Err(e) => assert!(e.status.is_client_error(), "{e}"),
    }
});
