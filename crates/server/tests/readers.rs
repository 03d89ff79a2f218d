//! Readers over real HTTP with the real models: a synthetic passport read back exactly,
//! and face/compare on a public-domain portrait. Skips when the models are not built.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn passport_and_faces_through_http() {
    if !models_present() {
        return;
    }
    let (db, _dir) = databases().await.remove(0);
    let params = hawiya_synth::SynthParams {
        seed: 90210,
        difficulty: hawiya_synth::Difficulty::Easy,
        ..Default::default()
    };
    let config = hawiya_server::ServerConfig {
        validity_date: Some(params.reference_date),
        request_timeout_secs: 120,
        ..test_config()
    };
    let server = TestServer::start_with_models(&db, config).await;
    let t = server.tenant("acme").await;

    // A synthetic passport: every MRZ field back exactly.
    let sample = hawiya_synth::render(hawiya_synth::DocKind::Passport, &params, 0).unwrap();
    let (status, env) = server
        .post_json(
            "/v1/ocr/passport",
            &t,
            &json!({ "image": b64(&sample.to_jpeg().unwrap()), "getExtractedData": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{env}");
    for field in [
        "passport_no",
        "Date_of_Birth",
        "Date_of_Expiry",
        "gender",
        "country_code",
    ] {
        assert_eq!(
            env["data"][field], sample.truth.data[field],
            "{field}: {env}"
        );
    }
    assert_eq!(env["services"]["classification"]["doc_type"], "passport");
    // getExtractedData false: only the key field.
    let (_, short) = server
        .post_json(
            "/v1/ocr/passport",
            &t,
            &json!({ "image": b64(&sample.to_jpeg().unwrap()) }),
        )
        .await;
    assert_eq!(
        short["data"]["passport_no"],
        sample.truth.data["passport_no"]
    );
    assert!(short["data"].get("Date_of_Birth").is_none(), "{short}");

    // The same face, moved and rescaled, against itself; and against no face.
    let portrait = astronaut();
    let moved = image::imageops::resize(
        &image::imageops::crop_imm(&portrait, 20, 10, 440, 460).to_image(),
        330,
        345,
        image::imageops::FilterType::Triangle,
    );
    let (status, env) = server
        .post_json(
            "/v1/ocr/face/compare",
            &t,
            &json!({ "face_image1": b64(&encode_jpeg(&portrait)), "face_image2": b64(&encode_jpeg(&moved)) }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{env}");
    assert_eq!(env["data"]["isMatched"], true, "{env}");
    assert_eq!(env["data"]["detected_face_image"], true);
    assert_eq!(env["data"]["detected_id_face_image"], true);
    let dissimilarity = env["data"]["dissimilarity"].as_f64().unwrap();
    assert!(dissimilarity < 2.4, "{env}");
    assert_eq!(env["data"]["threshold"], json!(2.4));

    let blank = image::RgbImage::from_pixel(320, 240, image::Rgb([120, 130, 140]));
    let (status, env) = server
        .post_json(
            "/v1/ocr/face/compare",
            &t,
            &json!({ "face_image1": b64(&encode_jpeg(&portrait)), "face_image2": b64(&encode_jpeg(&blank)) }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "no face is an answer, not an error: {env}"
    );
    assert_eq!(env["data"]["isMatched"], false);
    assert_eq!(env["data"]["detected_id_face_image"], false);
}

#[tokio::test]
async fn id_front_then_face_match_in_one_transaction() {
    if !models_present() {
        return;
    }
    // The card's photo is the public-domain portrait, so a selfie of it must match.
    let faces = tempfile::tempdir().unwrap();
    astronaut()
        .save(faces.path().join("astronaut.png"))
        .unwrap();
    let params = hawiya_synth::SynthParams {
        seed: 31337,
        difficulty: hawiya_synth::Difficulty::Easy,
        faces_dir: Some(faces.path().to_path_buf()),
        invalid_fraction: 0.0,
        ..Default::default()
    };
    let sample = hawiya_synth::render(hawiya_synth::DocKind::IdFront, &params, 0).unwrap();
    let (db, _dir) = databases().await.remove(0);
    let config = hawiya_server::ServerConfig {
        validity_date: Some(params.reference_date),
        request_timeout_secs: 120,
        ..test_config()
    };
    let server = TestServer::start_with_models(&db, config).await;
    let t = server.tenant("acme").await;
    let (status, env) = server
        .post_json(
            "/v1/ocr/id/front",
            &t,
            &json!({ "image": b64(&sample.to_jpeg().unwrap()), "getExtractedData": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{env}");
    assert_eq!(
        env["data"]["idNumber"], sample.truth.data["idNumber"],
        "{env}"
    );
    assert_eq!(env["services"]["classification"]["doc_type"], "national_id");
    let tx = env["data"]["transaction_id"].as_str().unwrap().to_string();

    let selfie = encode_jpeg(&astronaut());
    let (status, env) = server
        .post_json(
            "/v1/ocr/face/match",
            &t,
            &json!({ "image": b64(&selfie), "transaction_id": tx }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{env}");
    assert_eq!(env["data"]["detected_id_face_image"], true, "{env}");
    assert_eq!(env["data"]["isMatched"], true, "{env}");
}

#[tokio::test]
async fn the_back_of_another_card_in_one_transaction_is_a_3101() {
    if !models_present() {
        return;
    }
    // The synth draws each document's holder anew: front 0 and back 0 are two people.
    let params = hawiya_synth::SynthParams {
        seed: 31337,
        difficulty: hawiya_synth::Difficulty::Easy,
        invalid_fraction: 0.0,
        ..Default::default()
    };
    let front = hawiya_synth::render(hawiya_synth::DocKind::IdFront, &params, 0).unwrap();
    let back = hawiya_synth::render(hawiya_synth::DocKind::IdBack, &params, 0).unwrap();
    assert_ne!(front.truth.data["idNumber"], back.truth.data["idNumber"]);
    let (server, _dir) = TestServer::with_models_as_of(params.reference_date).await;
    let t = server.tenant("acme").await;

    let (status, env) = server
        .post_json(
            "/v1/ocr/id/front",
            &t,
            &json!({ "image": b64(&front.to_jpeg().unwrap()), "getExtractedData": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{env}");
    assert_eq!(
        env["data"]["idNumber"], front.truth.data["idNumber"],
        "{env}"
    );
    assert!(!codes_on(&env, "idNumber").contains(&3101), "{env}");
    let tx = env["data"]["transaction_id"].as_str().unwrap().to_string();

    let (status, env) = server
        .post_json(
            "/v1/ocr/id/back",
            &t,
            &json!({
                "image": b64(&back.to_jpeg().unwrap()),
                "transaction_id": tx,
                "getExtractedData": true,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{env}");
    assert_eq!(
        env["data"]["idNumber"], back.truth.data["idNumber"],
        "{env}"
    );
    assert!(codes_on(&env, "idNumber").contains(&3101), "{env}");
}
