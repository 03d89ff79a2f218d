//! The HTTP contract over a real socket: envelope on every path, auth, limits, tenants,
//! transactions, restarts, on SQLite and (when configured) PostgreSQL.

mod common;

use std::time::Duration;

use common::*;
use hawiya_server::routes::{Task, ROUTES};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A valid body for `spec` with `image_bytes` in every image field.
fn body_for(spec: &hawiya_server::routes::RouteSpec, image_bytes: &[u8]) -> Value {
    let mut body = serde_json::Map::new();
    for &f in spec.image_fields {
        body.insert(f.into(), json!(b64(image_bytes)));
    }
    for &f in spec.text_fields {
        let v = match f {
            "idNumber" => "29001010101234",
            "name" => "محمد أحمد",
            _ => "x",
        };
        body.insert(f.into(), json!(v));
    }
    Value::Object(body)
}

#[tokio::test]
async fn every_route_answers_with_the_envelope() {
    for (db, _dir) in databases().await {
        let server = TestServer::start(&db, test_config()).await;
        let t = server.tenant("acme").await;
        let img = png(64, 48);
        for spec in ROUTES {
            // JSON, complete: a reader result or a clear 501, in the envelope either way.
            let mut body = body_for(spec, &img);
            if spec.task == Task::FaceMatch {
                body.as_object_mut().unwrap().remove("transaction_id");
            }
            let (status, env) = server.post_json(spec.path, &t, &body).await;
            if spec.task == Task::FaceMatch {
                assert_eq!(status, StatusCode::BAD_REQUEST, "{}: {env}", spec.path);
                assert_eq!(env["error_descriptions"][0]["field"], "transaction_id");
            } else {
                // These workers load no models: a reader that needs one says so (503).
                assert!(
                    status == StatusCode::OK
                        || status == StatusCode::NOT_IMPLEMENTED
                        || status == StatusCode::SERVICE_UNAVAILABLE
                        || status == StatusCode::UNPROCESSABLE_ENTITY,
                    "{}: {status} {env}",
                    spec.path
                );
                assert!(env["data"]["request_id"].is_string(), "{env}");
            }
            if status == StatusCode::NOT_IMPLEMENTED {
                assert_eq!(env["error_code"], 5010);
                assert!(env["error_message"].as_str().unwrap().contains("not built"));
            }
            if status == StatusCode::SERVICE_UNAVAILABLE {
                assert_eq!(env["error_code"], 5030);
                assert!(
                    env["error_message"]
                        .as_str()
                        .unwrap()
                        .contains("not loaded"),
                    "{env}"
                );
            }
            // JSON with the image missing: 400 naming the field.
            if let Some(&field) = spec.image_fields.first() {
                let mut partial = body_for(spec, &img);
                partial.as_object_mut().unwrap().remove(field);
                let (status, env) = server.post_json(spec.path, &t, &partial).await;
                assert_eq!(status, StatusCode::BAD_REQUEST, "{}: {env}", spec.path);
                assert_eq!(env["error_code"], 1001);
                assert_eq!(env["error_descriptions"][0]["field"], field, "{env}");
            }
            // The /file variant with every part.
            let mut form = reqwest::multipart::Form::new();
            let mut seen = vec![];
            for &(part, field) in spec.file_parts {
                if seen.contains(&field) {
                    continue;
                }
                seen.push(field);
                form = form.part(
                    part.to_string(),
                    reqwest::multipart::Part::bytes(img.clone()).file_name("a.png"),
                );
            }
            for &f in spec.text_fields {
                if f != "transaction_id" {
                    form = form.text(f.to_string(), "29001010101234");
                }
            }
            let resp = server
                .client
                .post(server.url(&format!("{}/file", spec.path)))
                .header("ApiKey", &t.key)
                .bearer_auth(&t.token)
                .multipart(form)
                .send()
                .await
                .unwrap();
            let (status, env) = envelope(resp).await;
            assert!(status.is_client_error() || status.is_server_error() || status.is_success());
            assert!(
                env["data"]["request_id"].is_string() || status == StatusCode::BAD_REQUEST,
                "{env}"
            );
        }
    }
}

#[tokio::test]
async fn auth_failures_are_enveloped() {
    let (db, _dir) = databases().await.remove(0);
    let server = TestServer::start(&db, test_config()).await;
    let t = server.tenant("acme").await;
    let body = json!({ "image": b64(&png(8, 8)) });
    let url = server.url("/v1/ocr/id/front");

    // No key.
    let resp = server
        .client
        .post(&url)
        .bearer_auth(&t.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, env) = envelope(resp).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(env["error_code"], 4010);
    // Wrong key.
    let resp = server
        .client
        .post(&url)
        .header("ApiKey", "hwy_wrong")
        .bearer_auth(&t.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(envelope(resp).await.0, StatusCode::UNAUTHORIZED);
    // No token.
    let resp = server
        .client
        .post(&url)
        .header("ApiKey", &t.key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, env) = envelope(resp).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(env["error_message"].as_str().unwrap().contains("Bearer"));
    // Bad token.
    let resp = server
        .client
        .post(&url)
        .header("ApiKey", &t.key)
        .bearer_auth("abc.def.ghi")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(envelope(resp).await.0, StatusCode::UNAUTHORIZED);
    // Expired token, signed with the real secret.
    let tenant = server
        .state
        .store
        .tenant_by_api_key(&t.key)
        .await
        .unwrap()
        .unwrap();
    let now = hawiya_server::auth::unix_now();
    let claims = hawiya_server::auth::Claims {
        sub: "u".into(),
        tid: tenant.id.clone(),
        iat: now - 100,
        exp: now - 10,
    };
    let secret = server.state.store.signing_secret().await.unwrap();
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&secret),
    )
    .unwrap();
    let resp = server
        .client
        .post(&url)
        .header("ApiKey", &t.key)
        .bearer_auth(&expired)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, env) = envelope(resp).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        env["error_message"].as_str().unwrap().contains("expired"),
        "{env}"
    );
    // Another tenant's token with this tenant's key.
    let other = server.tenant("globex").await;
    let resp = server
        .client
        .post(&url)
        .header("ApiKey", &t.key)
        .bearer_auth(&other.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, env) = envelope(resp).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(env["error_code"], 4030);
    // Wrong password.
    let resp = server.client.post(server.url("/api/credentials/Login")).header("ApiKey", &t.key)
        .json(&json!({"tenancyName": "acme", "userNameOrEmailAddress": "user@example.com", "password": "nope"}))
        .send().await.unwrap();
    assert_eq!(envelope(resp).await.0, StatusCode::UNAUTHORIZED);
    // Tenancy name of another tenant.
    let resp = server.client.post(server.url("/api/credentials/Login")).header("ApiKey", &t.key)
        .json(&json!({"tenancyName": "globex", "userNameOrEmailAddress": "user@example.com", "password": "correct horse"}))
        .send().await.unwrap();
    assert_eq!(envelope(resp).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn refresh_rotates_tokens() {
    for (db, _dir) in databases().await {
        let server = TestServer::start(&db, test_config()).await;
        let t = server.tenant("acme").await;
        let refresh = |token: String| {
            let server = &server;
            async move {
                let resp = server
                    .client
                    .post(server.url("/api/credentials/RefreshToken"))
                    .json(&json!({ "refreshToken": token }))
                    .send()
                    .await
                    .unwrap();
                envelope(resp).await
            }
        };
        let (status, env) = refresh(t.refresh.clone()).await;
        assert_eq!(status, StatusCode::OK, "{env}");
        assert_eq!(env["data"]["expireInSeconds"], 86400);
        assert_eq!(env["data"]["refreshTokenExpireInSeconds"], 604800);
        let new_access = env["data"]["accessToken"].as_str().unwrap().to_string();
        // The new access token works.
        let t2 = Tenant {
            token: new_access,
            ..t
        };
        let (status, _) = server.post_json("/v1/ocr/id/front", &t2, &json!({})).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "authorised, then refused for the missing image"
        );
        // The old refresh token is spent.
        let (status, env) = refresh(t2.refresh.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{env}");
        let (status, _) = refresh("garbage".into()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn malformed_requests_get_documented_errors() {
    let (db, _dir) = databases().await.remove(0);
    let server = TestServer::start(&db, test_config()).await;
    let t = server.tenant("acme").await;
    let path = "/v1/ocr/passport";

    let (s, env) = server
        .post_raw(path, &t, "application/json", b"{\"image\": ".to_vec())
        .await;
    assert_eq!(
        (s, env["error_code"].as_u64()),
        (StatusCode::BAD_REQUEST, Some(1001))
    );
    assert!(env["error_message"]
        .as_str()
        .unwrap()
        .contains("malformed JSON"));

    let (s, _) = server
        .post_raw(path, &t, "application/json", b"[1,2]".to_vec())
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, env) = server
        .post_raw(path, &t, "text/plain", b"hello".to_vec())
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{env}");

    let (s, env) = server
        .post_json(path, &t, &json!({ "image": "%%% not base64 %%%" }))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        env["error_message"].as_str().unwrap().contains("base64"),
        "{env}"
    );

    let (s, env) = server
        .post_json(
            path,
            &t,
            &json!({ "image": b64(b"GIF89a this is not a jpeg") }),
        )
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{env}");

    let jpg = jpeg(300, 200);
    let (s, env) = server
        .post_json(path, &t, &json!({ "image": b64(&jpg[..jpg.len() / 2]) }))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{env}");
    assert!(
        env["error_message"].as_str().unwrap().contains("truncated"),
        "{env}"
    );

    let (s, env) = server
        .post_json(path, &t, &json!({ "image": b64(&huge_canvas_png()) }))
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{env}");
    assert!(
        env["error_message"]
            .as_str()
            .unwrap()
            .contains("100000x100000"),
        "{env}"
    );

    let big = vec![0xFFu8; 3 * 1024 * 1024 + 10];
    let (s, env) = server
        .post_json(path, &t, &json!({ "image": b64(&big) }))
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{env}");

    let (s, env) = server
        .post_json(
            path,
            &t,
            &json!({ "image": b64(&png(8, 8)), "country": "FRA" }),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(env["error_descriptions"][0]["field"], "country");

    let (s, _) = server.post_json(path, &t, &json!({ "image": 12 })).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Over the body cap itself.
    let huge_body = vec![b'a'; 17 * 1024 * 1024];
    let (s, env) = server
        .post_raw(path, &t, "application/json", huge_body)
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{env}");

    // Multipart: missing part, and JSON sent to /file.
    let form = reqwest::multipart::Form::new().text("getExtractedData", "true");
    let resp = server
        .client
        .post(server.url("/v1/ocr/passport/file"))
        .header("ApiKey", &t.key)
        .bearer_auth(&t.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (s, env) = envelope(resp).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(env["error_descriptions"][0]["field"], "image");
    let resp = server
        .client
        .post(server.url("/v1/ocr/passport/file"))
        .header("ApiKey", &t.key)
        .bearer_auth(&t.token)
        .json(&json!({"image": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(envelope(resp).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // A multipart frame lacking a part for the face/compare second image.
    let form = reqwest::multipart::Form::new().part(
        "face_image1",
        reqwest::multipart::Part::bytes(png(8, 8)).file_name("a.png"),
    );
    let resp = server
        .client
        .post(server.url("/v1/ocr/face/compare/file"))
        .header("ApiKey", &t.key)
        .bearer_auth(&t.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (s, env) = envelope(resp).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(env["error_descriptions"][0]["field"], "face_image2");

    // Unknown route and wrong method.
    let resp = server
        .client
        .get(server.url("/v1/ocr/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(envelope(resp).await.0, StatusCode::NOT_FOUND);
    let resp = server
        .client
        .get(server.url("/api/credentials/Login"))
        .send()
        .await
        .unwrap();
    assert_eq!(envelope(resp).await.0, StatusCode::METHOD_NOT_ALLOWED);
}

/// A PNG whose header declares 100000 x 100000 pixels, with a tiny body.
fn huge_canvas_png() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = vec![];
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

#[tokio::test]
async fn transactions_are_tenant_scoped_and_survive_a_restart() {
    for (db, _dir) in databases().await {
        let (tx, acme_key) = {
            let server = TestServer::start(&db, test_config()).await;
            let acme = server.tenant("acme").await;
            let globex = server.tenant("globex").await;
            let (_, env) = server
                .post_json(
                    "/v1/ocr/id/front",
                    &acme,
                    &json!({ "image": b64(&png(32, 32)), "client_transaction_id": "c-1" }),
                )
                .await;
            let tx = env["data"]["transaction_id"]
                .as_str()
                .expect("a transaction id")
                .to_string();
            assert_eq!(env["data"]["client_transaction_id"], "c-1");
            // Another tenant's id is not found.
            let (s, env) = server
                .post_json(
                    "/v1/ocr/face/match",
                    &globex,
                    &json!({ "image": b64(&png(32, 32)), "transaction_id": tx }),
                )
                .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{env}");
            assert_eq!(env["error_code"], 4040);
            // Unknown id.
            let (s, _) = server
                .post_json(
                    "/v1/ocr/id/back",
                    &acme,
                    &json!({ "image": b64(&png(32, 32)), "transaction_id": "no-such-id" }),
                )
                .await;
            assert_eq!(s, StatusCode::NOT_FOUND);
            (tx, acme.key)
        };
        // A new server process on the same database still knows the tenant and transaction.
        let server = TestServer::start(&db, test_config()).await;
        let tenant = server
            .state
            .store
            .tenant_by_api_key(&acme_key)
            .await
            .unwrap()
            .expect("tenant after restart");
        assert!(server
            .state
            .store
            .get_transaction(&tenant.id, &tx)
            .await
            .unwrap()
            .is_some());
        server
            .state
            .store
            .add_user(&tenant.id, "second@example.com", "pw")
            .await
            .unwrap();
        let resp = server
            .client
            .post(server.url("/api/credentials/Login"))
            .header("ApiKey", &acme_key)
            .json(&json!({"userNameOrEmailAddress": "second@example.com", "password": "pw"}))
            .send()
            .await
            .unwrap();
        let (s, env) = envelope(resp).await;
        assert_eq!(s, StatusCode::OK, "{env}");
        let acme = Tenant {
            name: "acme".into(),
            key: acme_key,
            token: env["data"]["accessToken"].as_str().unwrap().into(),
            refresh: String::new(),
        };
        let (s, env) = server
            .post_json(
                "/v1/ocr/face/match",
                &acme,
                &json!({ "image": b64(&png(32, 32)), "transaction_id": tx }),
            )
            .await;
        // Found (not 404): it has no ID photo yet, which is its own clear error.
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{env}");
        assert!(
            env["error_message"].as_str().unwrap().contains("id/front"),
            "{env}"
        );
        assert_eq!(env["data"]["transaction_id"], tx.as_str());
    }
}

#[tokio::test]
async fn a_full_queue_answers_429() {
    let (db, _dir) = databases().await.remove(0);
    let config = hawiya_server::ServerConfig {
        workers: 1,
        queue_capacity: 1,
        ..test_config()
    };
    let server = TestServer::start(&db, config).await;
    let t = server.tenant("acme").await;
    // Hold the only worker, then fill the one queue slot.
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let engine = server.state.engine.clone();
    let hold = tokio::spawn(async move {
        engine
            .run(move |_| {
                release_rx.recv().ok();
            })
            .await
    });
    while server
        .state
        .engine
        .stats()
        .running
        .load(std::sync::atomic::Ordering::SeqCst)
        == 0
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let engine = server.state.engine.clone();
    let queued = tokio::spawn(async move { engine.run(|_| ()).await });
    while server
        .state
        .engine
        .stats()
        .queued
        .load(std::sync::atomic::Ordering::SeqCst)
        == 0
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (s, env) = server
        .post_json(
            "/v1/ocr/passport",
            &t,
            &json!({ "image": b64(&png(16, 16)) }),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{env}");
    assert_eq!(env["error_code"], 4291);
    release_tx.send(()).unwrap();
    hold.await.unwrap().unwrap();
    queued.await.unwrap().unwrap();
    let metrics = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("hawiya_inference_queue_depth"),
        "{metrics}"
    );
    assert!(metrics.contains("status=\"429\""), "{metrics}");
}

#[tokio::test]
async fn tenant_rate_limit_answers_429() {
    let (db, _dir) = databases().await.remove(0);
    let server = TestServer::start(&db, test_config()).await;
    let t = server.tenant("acme").await;
    let tenant = server
        .state
        .store
        .tenant_by_api_key(&t.key)
        .await
        .unwrap()
        .unwrap();
    let mut settings = tenant.settings.clone();
    settings.rate_limit_per_second = Some(3);
    settings.rate_limit_per_minute = Some(100);
    server
        .state
        .store
        .update_tenant_settings(&tenant.id, &settings)
        .await
        .unwrap();
    let mut statuses = vec![];
    for _ in 0..6 {
        let (s, env) = server.post_json("/v1/ocr/passport", &t, &json!({})).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(env["error_code"], 4290);
        }
        statuses.push(s);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        3,
        "{statuses:?}"
    );
    // Another tenant is not affected.
    let other = server.tenant("globex").await;
    let (s, _) = server
        .post_json("/v1/ocr/passport", &other, &json!({}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn probes_and_openapi() {
    let (db, _dir) = databases().await.remove(0);
    let server = TestServer::start(&db, test_config()).await;
    let health: Value = server
        .client
        .get(server.url("/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let mut ready = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..200 {
        ready = server
            .client
            .get(server.url("/ready"))
            .send()
            .await
            .unwrap()
            .status();
        if ready == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(ready, StatusCode::OK);
    let doc: Value = server
        .client
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for spec in ROUTES {
        assert!(
            doc["paths"][spec.path]["post"].is_object(),
            "{} missing",
            spec.path
        );
        assert!(doc["paths"][format!("{}/file", spec.path)]["post"].is_object());
    }
    assert!(doc["components"]["schemas"]["Envelope"].is_object());
}
