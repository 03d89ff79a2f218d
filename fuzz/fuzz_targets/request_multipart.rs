//! The `/file` routes' multipart parsing without a socket: the body goes through axum's
//! `Multipart` extractor (as the router runs it) and `hawiya_server::input::parse_multipart`,
//! then the common fields. Every failure must be an `ApiError` with a 4xx status.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart};
use axum::http::Request;
use hawiya_server::input::parse_multipart;
use libfuzzer_sys::fuzz_target;

const FILE_PARTS: &[(&str, &str)] = &[
    ("file", "image"),
    ("face_image1", "face_image1"),
    ("face_image2", "face_image2"),
    ("face_1", "face_1"),
    ("face_2", "face_2"),
    ("face_3", "face_3"),
];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the Content-Type header; the rest is the body, whose seeds
    // use the boundary "XyZ".
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let content_type = match pick % 4 {
        0 => "multipart/form-data; boundary=XyZ",
        1 => "multipart/form-data; boundary=\"XyZ\"",
        2 => "multipart/form-data",
        _ => "application/json",
    };
    let request = Request::builder()
        .method("POST")
        .uri("/v1/ocr/id/front/file")
        .header("content-type", content_type)
        .body(Body::from(body.to_vec()))
        .unwrap();
    let limit = |f: &str| {
        if f.starts_with("face_") {
            500 * 1024
        } else {
            3 * 1024 * 1024
        }
    };
    runtime().block_on(async {
        let Ok(multipart) = Multipart::from_request(request, &()).await else {
            return;
        };
        match parse_multipart(multipart, FILE_PARTS, limit).await {
            Ok(input) => {
                for (name, bytes) in &input.images {
                    assert!(bytes.len() <= limit(name));
                }
                if let Err(e) = input.common() {
                    assert!(e.status.is_client_error(), "{e}");
                }
            }
            Err(e) => assert!(e.status.is_client_error(), "{e}"),
        }
    });
});
