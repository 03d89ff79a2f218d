//! `/v1/ocr/aml/validate` over a real socket: `services.AML` in the envelope, matches by
//! name (any script) and by ID number, on SQLite and (when configured) PostgreSQL.

mod common;

use common::*;
use hawiya_store::{parse_list, AmlFormat};
use reqwest::StatusCode;
use serde_json::json;

const LIST: &str = "caseNo,caseYear,recordDate,fullName,idNumber,dateOfBirth\n\
    1452,2021,2021-06-14,محمد عبد الرحمن السيد الشناوي,28501011234563,1985-01-01\n\
    1453,2022,2022-01-20,Osama Ibrahim Fouad,,1979-07-30\n";

#[tokio::test]
async fn aml_validate_fills_services_aml() {
    for (db, _dir) in databases().await {
        let server = TestServer::start(&db, test_config()).await;
        let parsed = parse_list(AmlFormat::LocalCsv, LIST.as_bytes(), None).unwrap();
        server
            .state
            .store
            .replace_aml_list("local", &parsed)
            .await
            .unwrap();
        let t = server.tenant("acme").await;

        // Latin query, Arabic entry, with an unrelated ID number.
        let (status, env) = server
            .post_json(
                "/v1/ocr/aml/validate",
                &t,
                &json!({
                    "idNumber": "29001010101234",
                    "name": "Mohamed Abdelrahman El Sayed El Shenawy",
                    "client_transaction_id": "c-1",
                }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{env}");
        assert_eq!(env["error_code"], json!(null));
        let aml = &env["services"]["AML"];
        assert_eq!(aml["AML_matched"], json!(true), "{env}");
        let hit = &aml["data"][0];
        assert_eq!(hit["caseNo"], "1452");
        assert_eq!(hit["caseYear"], "2021");
        assert_eq!(hit["recordDate"], "2021-06-14");
        assert_eq!(hit["fullName"], "محمد عبد الرحمن السيد الشناوي");
        assert_eq!(hit["idNumber"], "28501011234563");
        assert_eq!(hit["dateOfBirth"], "1985-01-01");
        assert_eq!(hit["list"], "local");
        assert!(hit["score"].as_u64().unwrap() >= 85, "{hit}");
        assert_eq!(env["data"]["client_transaction_id"], "c-1");

        // A tenant's own threshold above the best name score: the same name is no match.
        let tenant = server
            .state
            .store
            .tenant_by_api_key(&t.key)
            .await
            .unwrap()
            .unwrap();
        let mut strict = tenant.settings.clone();
        strict.aml_threshold = Some(hit["score"].as_f64().unwrap() as f32 + 0.5);
        server
            .state
            .store
            .update_tenant_settings(&tenant.id, &strict)
            .await
            .unwrap();
        let t_strict = server
            .tenant_token(&t.key, "user@example.com", "correct horse")
            .await;
        let (_, strict_env) = server
            .post_json(
                "/v1/ocr/aml/validate",
                &t_strict,
                &json!({ "idNumber": "29001010101234", "name": "Mohamed Abdelrahman El Sayed El Shenawy" }),
            )
            .await;
        assert_eq!(
            strict_env["services"]["AML"]["AML_matched"],
            json!(false),
            "{strict_env}"
        );
        server
            .state
            .store
            .update_tenant_settings(&tenant.id, &tenant.settings)
            .await
            .unwrap();

        // ID number in Arabic-Indic digits, with a name that matches nothing.
        let (status, env) = server
            .post_json(
                "/v1/ocr/aml/validate",
                &t,
                &json!({ "idNumber": "٢٨٥٠١٠١١٢٣٤٥٦٣", "name": "Zorro" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{env}");
        assert_eq!(env["services"]["AML"]["data"][0]["caseNo"], "1452");
        assert_eq!(env["services"]["AML"]["data"][0]["score"], 100);

        // Arabic query for a Latin entry.
        let (_, env) = server
            .post_json(
                "/v1/ocr/aml/validate",
                &t,
                &json!({ "idNumber": "29001010101234", "name": "أسامه ابراهيم فؤاد" }),
            )
            .await;
        assert_eq!(env["services"]["AML"]["data"][0]["caseNo"], "1453", "{env}");

        // No match: matched false, empty data.
        let (status, env) = server
            .post_json(
                "/v1/ocr/aml/validate",
                &t,
                &json!({ "idNumber": "29001010101234", "name": "Karim Adel Fathy Nour" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            env["services"]["AML"],
            json!({ "AML_matched": false, "data": [] })
        );

        // A missing field is a field error, in the envelope.
        let (status, env) = server
            .post_json("/v1/ocr/aml/validate", &t, &json!({ "name": "Ali" }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{env}");
        assert_eq!(env["error_code"], 1001);
    }
}
