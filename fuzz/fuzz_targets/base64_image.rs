//! The JSON routes' image path: the body's base64 text through the server's
//! `decode_base64` (data: prefix, URL-safe alphabet, whitespace, size bound before
//! decoding), then the pipeline's `decode`.
#![no_main]

use hawiya_pipeline::image::{decode, ImageLimits};
use hawiya_server::input::decode_base64;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let limits = ImageLimits::default();
    match decode_base64("image", &text, limits.max_bytes) {
        Ok(bytes) => {
            assert!(bytes.len() <= limits.max_bytes);
            let _ = decode(&bytes, &limits);
        }
        Err(e) => {
            // Every refusal is a client error with a message naming the field.
            assert!(e.status.is_client_error(), "{e}");
            assert!(e.message.contains("image"), "{e}");
        }
    }
});
