//! Classification, the readers' document check, image quality and spoofing over real
//! HTTP with the real models. Skips when the models are not built.

mod common;

use common::*;
use hawiya_synth::{render, Difficulty, DocKind, SynthParams};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn classification_document_check_and_quality() {
    if !models_present() {
        return;
    }
    // A seed the classifier was not trained on (training uses 3000 and 3001).
    let params = SynthParams {
        seed: 4242,
        difficulty: Difficulty::Easy,
        ..Default::default()
    };
    let (server, _db) = TestServer::with_models_as_of(params.reference_date).await;
    let t = server.tenant("acme").await;

    // Documents: doc_type and side as api.md names them.
    for (kind, doc_type, side) in [
        (DocKind::Passport, "passport", json!(null)),
        (DocKind::IdBack, "national_id", json!("back")),
        (DocKind::CarLicenseFront, "car_license", json!("front")),
    ] {
        let sample = render(kind, &params, 0).unwrap();
        let (status, env) = server
            .post_json(
                "/v1/ocr/classification",
                &t,
                &json!({ "image": b64(&sample.to_jpeg().unwrap()) }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{env}");
        assert_eq!(
            env["services"]["classification"]["doc_type"], doc_type,
            "{env}"
        );
        assert_eq!(env["services"]["classification"]["side"], side, "{env}");
        // A two-sided card's side is decided again on the rectified card.
        let decided_on = if side.is_null() {
            "photo"
        } else {
            "rectified card"
        };
        assert_eq!(
            env["services"]["classification"]["side_decided_on"], decided_on,
            "{env}"
        );
        assert!(env["data"]["quality"]["findings"].is_array(), "{env}");
    }

    // A portrait is no document.
    let portrait = astronaut();
    let (status, env) = server
        .post_json(
            "/v1/ocr/classification",
            &t,
            &json!({ "image": b64(&encode_jpeg(&portrait)) }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{env}");
    assert_eq!(
        env["services"]["classification"]["doc_type"], "unknown",
        "{env}"
    );

    // A passport sent to id/front: a clear error naming what it is and where it goes.
    let passport = render(DocKind::Passport, &params, 1).unwrap();
    let (status, env) = server
        .post_json(
            "/v1/ocr/id/front",
            &t,
            &json!({ "image": b64(&passport.to_jpeg().unwrap()) }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{env}");
    assert_eq!(env["error_code"], 3011, "{env}");
    let message = env["error_message"].as_str().unwrap();
    assert!(
        message.contains("passport") && message.contains("/v1/ocr/passport"),
        "{message}"
    );

    // The back sent as the front: the same clear error.
    let back = render(DocKind::IdBack, &params, 2).unwrap();
    let (status, env) = server
        .post_json(
            "/v1/ocr/id/front",
            &t,
            &json!({ "image": b64(&back.to_jpeg().unwrap()) }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{env}");
    assert_eq!(env["error_code"], 3011, "{env}");
    assert!(
        env["error_message"]
            .as_str()
            .unwrap()
            .contains("back of a national ID"),
        "{env}"
    );

    // Too small to read: 1050 with the reason.
    let small = image::imageops::thumbnail(&passport.image, 240, 170);
    let (status, env) = server
        .post_json(
            "/v1/ocr/passport",
            &t,
            &json!({ "image": b64(&encode_jpeg(&small)) }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{env}");
    assert_eq!(env["error_code"], 1050, "{env}");
    assert!(
        env["error_message"].as_str().unwrap().contains("too small"),
        "{env}"
    );

    // A photo of the passport on a screen: read, and flagged as a spoof.
    let screen = hawiya_synth::variants::apply(
        &passport.image,
        &passport.truth.corners,
        hawiya_synth::variants::Variant::Screen,
        1,
    );
    let (status, env) = server
        .post_json(
            "/v1/ocr/passport",
            &t,
            &json!({ "image": b64(&encode_jpeg(&screen)), "getExtractedData": true }),
        )
        .await;
    if status == StatusCode::OK {
        assert_eq!(env["services"]["spoofing"]["fake"], true, "{env}");
        assert!(env["data"]["quality"].is_object(), "{env}");
    } else {
        // The moire can defeat the MRZ reader; then the answer is a clear 422.
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{env}");
    }

    // The clean passport: not fake; the quality findings come without getExtractedData.
    let (status, env) = server
        .post_json(
            "/v1/ocr/passport",
            &t,
            &json!({ "image": b64(&passport.to_jpeg().unwrap()) }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{env}");
    assert_eq!(env["services"]["spoofing"]["fake"], false, "{env}");
    assert_eq!(env["data"]["quality"]["findings"], json!([]), "{env}");
    assert!(env["data"].get("Date_of_Birth").is_none(), "{env}");
}
