//! `/v1/ocr/license_plate` over real HTTP with the committed `plate_reader.onnx`: a
//! synthetic plate photo (seed 9, never trained on) answers 200 with `result` spelled as
//! documents.md says, the whole answer with `getExtractedData`, only `result` without it. Skips when the ONNX Runtime library
//! is not installed.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn license_plate_through_http() {
    if let Err(e) = hawiya_pipeline::runtime::resolve_library_path(None) {
        eprintln!("skipping the plate route test: {e}");
        return;
    }
    let (db, _dir) = databases().await.remove(0);
    let config = hawiya_server::ServerConfig {
        request_timeout_secs: 120,
        ..test_config()
    };
    let server = TestServer::start_with_models(&db, config).await;
    let t = server.tenant("acme").await;
    let params = hawiya_synth::SynthParams {
        seed: 9,
        difficulty: hawiya_synth::Difficulty::Easy,
        ..Default::default()
    };
    let sample = hawiya_synth::render(hawiya_synth::DocKind::Plate, &params, 1).unwrap();
    let image = b64(&sample.to_jpeg().unwrap());
    let (status, env) = server
        .post_json(
            "/v1/ocr/license_plate",
            &t,
            &json!({ "image": image, "getExtractedData": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{env}");
    assert!(env["error_code"].is_null(), "{env}");
    // The route's contract, not the reader's accuracy (benches/results/plates.md): a
    // `result` spelled as documents.md says, with `letters` and ASCII `digits`.
    let result = env["data"]["result"].as_str().unwrap_or_default();
    let letters = env["data"]["letters"].as_str().unwrap_or_default();
    let digits = env["data"]["digits"].as_str().unwrap_or_default();
    assert!(!result.is_empty(), "{env}");
    assert!(digits.chars().all(|c| c.is_ascii_digit()), "{env}");
    let indic: String = digits
        .chars()
        .map(|c| char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap())
        .collect();
    assert_eq!(result, format!("{letters} {indic}").trim(), "{env}");
    eprintln!(
        "read {result:?}, truth {:?}",
        sample.truth.data["result"].as_str().unwrap_or_default()
    );
    assert!(
        env["data"]["fields"]["result"]["confidence"].is_number(),
        "{env}"
    );
    assert!(env["data"]["plate_quad"].is_array(), "{env}");
    assert_eq!(
        env["services"]["classification"]["doc_type"],
        "license_plate"
    );

    // getExtractedData false: the key field only.
    let (status, short) = server
        .post_json("/v1/ocr/license_plate", &t, &json!({ "image": image }))
        .await;
    assert_eq!(status, StatusCode::OK, "{short}");
    assert_eq!(short["data"]["result"], env["data"]["result"], "{short}");
    assert!(short["data"].get("digits").is_none(), "{short}");
}
