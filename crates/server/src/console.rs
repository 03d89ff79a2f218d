//! `/console`: a plain HTML/JS page served from the binary, for trying the API by hand.
//! It loads nothing from the internet and talks to the API like any client.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const INDEX: &str = include_str!("console/index.html");
const APP: &str = include_str!("console/app.js");
const STYLE: &str = include_str!("console/style.css");

/// Only this origin's scripts, styles and API; images from files and the webcam.
const CSP: &str =
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; \
                   connect-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

pub async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX)
}

pub async fn app_js() -> Response {
    asset("text/javascript; charset=utf-8", APP)
}

pub async fn style_css() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}
