//! Two `hawiya serve` processes sharing one PostgreSQL database, as replicas behind a load
//! balancer: a token issued by one is accepted by the other, and a transaction started
//! with `id/front` on one is finished with `face/match` on the other.
//!
//! Needs `HAWIYA_TEST_PG_URL` (scripts/test.sh starts PostgreSQL and sets it) and the
//! built models; skips with a message otherwise.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{add_tenant, free_port, fresh_database, hawiya};
use serde_json::{json, Value};

/// A server process, stopped (SIGTERM) when dropped.
struct Replica {
    child: Child,
    base: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
    }
}

fn start(url: &str, data: &str, validity: &str) -> Replica {
    let port = free_port();
    let child = hawiya()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data",
            data,
            "--database-url",
            url,
            "--workers",
            "1",
        ])
        .env("HAWIYA_VALIDITY_DATE", validity)
        .env("HAWIYA_REQUEST_TIMEOUT_SECS", "120")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Replica {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

fn wait_ready(client: &reqwest::blocking::Client, r: &Replica) {
    let started = Instant::now();
    loop {
        if let Ok(resp) = client.get(format!("{}/ready", r.base)).send() {
            if resp.status().is_success() {
                return;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{} not ready",
            r.base
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn jpeg(img: &image::RgbImage) -> String {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    base64::engine::general_purpose::STANDARD.encode(out.into_inner())
}

#[test]
fn two_replicas_share_one_postgres_database() {
    let Some(pg) = std::env::var("HAWIYA_TEST_PG_URL")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        eprintln!("SKIPPED: HAWIYA_TEST_PG_URL not set (scripts/test.sh starts PostgreSQL)");
        return;
    };
    let models = std::env::var_os("HAWIYA_MODELS").map(PathBuf::from);
    if !models.is_some_and(|m| m.join("face_embed.onnx").exists()) {
        eprintln!("SKIPPED: models not built (run scripts/setup.sh)");
        return;
    }
    let url = fresh_database(&pg, "hawiya_replicas");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = add_tenant(data, &["--database-url", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string();

    // The card's photo is a public-domain portrait, so a selfie of it must match.
    let portrait = image::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../pipeline/tests/data/astronaut.png"
    ))
    .unwrap()
    .to_rgb8();
    let faces = tempfile::tempdir().unwrap();
    portrait.save(faces.path().join("astronaut.png")).unwrap();
    let params = hawiya_synth::SynthParams {
        seed: 5150,
        difficulty: hawiya_synth::Difficulty::Easy,
        faces_dir: Some(faces.path().to_path_buf()),
        invalid_fraction: 0.0,
        ..Default::default()
    };
    let card = hawiya_synth::render(hawiya_synth::DocKind::IdFront, &params, 0).unwrap();
    let validity = params.reference_date.to_string();

    // Each replica has its own data folder: all they share is the database.
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = start(&url, dir_a.path().to_str().unwrap(), &validity);
    let b = start(&url, dir_b.path().to_str().unwrap(), &validity);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(180))
        .build()
        .unwrap();
    wait_ready(&client, &a);
    wait_ready(&client, &b);

    // A token from replica A ...
    let login: Value = client
        .post(format!("{}/api/credentials/Login", a.base))
        .header("ApiKey", &key)
        .json(&json!({ "tenancyName": "acme", "userNameOrEmailAddress": "ops@acme.test", "password": "pw-123" }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = login["data"]["accessToken"]
        .as_str()
        .expect("a token")
        .to_string();
    let card_b64 = base64::engine::general_purpose::STANDARD.encode(card.to_jpeg().unwrap());
    let front: Value = client
        .post(format!("{}/v1/ocr/id/front", a.base))
        .header("ApiKey", &key)
        .bearer_auth(&token)
        .json(&json!({ "image": card_b64, "getExtractedData": true }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(front["error_code"], Value::Null, "{front}");
    assert_eq!(
        front["data"]["idNumber"], card.truth.data["idNumber"],
        "{front}"
    );
    let tx = front["data"]["transaction_id"]
        .as_str()
        .unwrap()
        .to_string();

    // ... works on replica B, which finishes A's transaction.
    let matched: Value = client
        .post(format!("{}/v1/ocr/face/match", b.base))
        .header("ApiKey", &key)
        .bearer_auth(&token)
        .json(&json!({ "image": jpeg(&portrait), "transaction_id": tx }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(matched["error_code"], Value::Null, "{matched}");
    assert_eq!(matched["data"]["isMatched"], true, "{matched}");
    assert_eq!(matched["data"]["transaction_id"], tx.as_str(), "{matched}");
}
