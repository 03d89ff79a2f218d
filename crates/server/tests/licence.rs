//! The licence routes over real HTTP with the real models: a synthetic vehicle licence
//! front after an ID front in one transaction answers 200 with its fields and, the two
//! documents being two different people's, a 3102 name mismatch; a driving licence
//! answers only its key field without `getExtractedData`. Skips when the models are not
//! built.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

fn params() -> hawiya_synth::SynthParams {
    hawiya_synth::SynthParams {
        seed: 4242,
        difficulty: hawiya_synth::Difficulty::Easy,
        invalid_fraction: 0.0,
        ..Default::default()
    }
}

#[tokio::test]
async fn vehicle_licence_after_id_front_reports_the_owner_mismatch() {
    if !models_present() {
        return;
    }
    let params = params();
    let (server, _dir) = TestServer::with_models_as_of(params.reference_date).await;
    let t = server.tenant("acme").await;

    let id = hawiya_synth::render(hawiya_synth::DocKind::IdFront, &params, 0).unwrap();
    let (status, env) = server
        .post_json(
            "/v1/ocr/id/front",
            &t,
            &json!({ "image": b64(&id.to_jpeg().unwrap()), "getExtractedData": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{env}");
    let tx = env["data"]["transaction_id"].as_str().unwrap().to_string();
    let id_name = env["data"]["name"].as_str().unwrap_or_default().to_string();

    let car = hawiya_synth::render(hawiya_synth::DocKind::CarLicenseFront, &params, 0).unwrap();
    let (status, env) = server
        .post_json(
            "/v1/ocr/car/license/front",
            &t,
            &json!({
                "image": b64(&car.to_jpeg().unwrap()),
                "transaction_id": tx,
                "getExtractedData": true,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{env}");
    assert!(env["error_code"].is_null(), "{env}");
    assert_eq!(env["data"]["transaction_id"], tx.as_str());
    assert_eq!(env["services"]["classification"]["doc_type"], "car_license");
    for field in [
        "license_number",
        "license_type",
        "name",
        "nationality",
        "address",
        "expiry",
        "issuance",
        "traffic_unit",
    ] {
        assert!(
            env["data"].get(field).is_some(),
            "{field} missing from {env}"
        );
    }
    // Per-field accuracy is measured in benches/results/licences.md; here the words.
    assert_eq!(
        env["data"]["license_type"], car.truth.data["license_type"],
        "{env}"
    );
    // Two people (the synth draws each document's holder anew): 3102 on `name`.
    let owner = env["data"]["name"].as_str().unwrap_or_default();
    if !owner.is_empty() && !id_name.is_empty() {
        assert!(
            codes_on(&env, "name").contains(&3102),
            "{id_name} / {owner}: {env}"
        );
    }
}

#[tokio::test]
async fn driving_licence_answers_its_key_field() {
    if !models_present() {
        return;
    }
    let params = params();
    let (server, _dir) = TestServer::with_models_as_of(params.reference_date).await;
    let t = server.tenant("acme").await;
    let dl = hawiya_synth::render(hawiya_synth::DocKind::DrivingLicense, &params, 1).unwrap();
    let (status, env) = server
        .post_json(
            "/v1/ocr/driving_license",
            &t,
            &json!({ "image": b64(&dl.to_jpeg().unwrap()) }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{env}");
    assert!(env["error_code"].is_null(), "{env}");
    assert_eq!(
        env["data"]["NationalID"], dl.truth.data["NationalID"],
        "{env}"
    );
    // Without getExtractedData only the step's key field.
    assert!(env["data"].get("NameArabic").is_none(), "{env}");
    assert_eq!(
        env["services"]["classification"]["doc_type"],
        "driving_license"
    );
}
