//! The console in headless Chromium (Debian's chromium and chromium-driver): sign in,
//! send a synthetic ID front, and check the page shows exactly what the API answers.
//! Screenshots go to `$HAWIYA_CONSOLE_SCREENSHOTS` (e.g. docs/) when it is set.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;
use fantoccini::{ClientBuilder, Locator};
use serde_json::{json, Value};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn screenshot_dir() -> Option<PathBuf> {
    std::env::var_os("HAWIYA_CONSOLE_SCREENSHOTS").map(PathBuf::from)
}

async fn save_screenshot(client: &fantoccini::Client, name: &str) {
    if let Some(dir) = screenshot_dir() {
        // Show the answer, not the form above it.
        let _ = client
            .execute(
                "const r = document.getElementById('result'); if (!r.hidden) r.scrollIntoView();",
                vec![],
            )
            .await;
        let png = client.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("console-{name}.png")), png).unwrap();
    }
}

async fn wait_visible(client: &fantoccini::Client, css: &str) {
    for _ in 0..200 {
        if let Ok(el) = client.find(Locator::Css(css)).await {
            if el.is_displayed().await.unwrap_or(false) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css} never became visible");
}

async fn text_of(client: &fantoccini::Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The raw JSON panel's text (inside a closed `<details>`, so not "visible" text).
async fn raw_json(client: &fantoccini::Client) -> String {
    client
        .execute("return document.getElementById('raw').textContent", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Picks `route` on the page, attaches `files` (image field, path), sends, and waits for the
/// answer to replace the raw JSON panel. Returns the status badge's text.
async fn send_through_page(
    client: &fantoccini::Client,
    route: &str,
    files: &[(&str, &Path)],
) -> String {
    client
        .find(Locator::Css(&format!("#route option[value='{route}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for (field, path) in files {
        client
            .find(Locator::Id(&format!("file-{field}")))
            .await
            .unwrap()
            .send_keys(path.to_str().unwrap())
            .await
            .unwrap();
    }
    // The page reads the files asynchronously (FileReader).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = raw_json(client).await;
    client
        .find(Locator::Id("send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..400 {
        if raw_json(client).await != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_visible(client, "#result").await;
    text_of(client, "#status").await
}

/// The table the page shows, as field -> value.
async fn page_fields(client: &fantoccini::Client) -> Vec<(String, String)> {
    let mut out = vec![];
    for row in client
        .find_all(Locator::Css("#fields tbody tr"))
        .await
        .unwrap()
    {
        let cells = row.find_all(Locator::Css("td")).await.unwrap();
        out.push((
            cells[0].text().await.unwrap(),
            cells[1].text().await.unwrap(),
        ));
    }
    out
}

fn write_jpeg(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[tokio::test]
async fn console_signs_in_and_shows_what_the_api_returns() {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        eprintln!("skipping console test: install Debian's chromium and chromium-driver (scripts/test.sh does)");
        return;
    }
    let (db, _dir) = databases().await.remove(0);
    // Real models when built (the page then shows real reads); without them the workers
    // answer 503 and the page must show exactly that.
    let config = hawiya_server::ServerConfig {
        validity_date: Some(hawiya_synth::SynthParams::default().reference_date),
        request_timeout_secs: 120,
        ..test_config()
    };
    let server = TestServer::start_with_models(&db, config).await;
    let (tenant, key) = server.state.store.create_tenant("acme").await.unwrap();
    server
        .state
        .store
        .add_user(&tenant.id, "ops@acme.test", "pw-console")
        .await
        .unwrap();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver"),
    );
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,1100",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }),
    );
    let mut client = None;
    for _ in 0..100 {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let c = client.expect("connecting to chromedriver");

    // Sign in.
    c.goto(&server.url("/console")).await.unwrap();
    c.find(Locator::Id("apikey"))
        .await
        .unwrap()
        .send_keys(&key)
        .await
        .unwrap();
    c.find(Locator::Id("user"))
        .await
        .unwrap()
        .send_keys("ops@acme.test")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("wrong")
        .await
        .unwrap();
    c.find(Locator::Id("signin-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        if !text_of(&c, "#signin-error").await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(text_of(&c, "#signin-error")
        .await
        .contains("Sign-in failed"));
    let password = c.find(Locator::Id("password")).await.unwrap();
    password.clear().await.unwrap();
    password.send_keys("pw-console").await.unwrap();
    c.find(Locator::Id("signin-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_visible(&c, "#workspace").await;
    assert!(text_of(&c, "#who").await.contains("ops@acme.test"));
    save_screenshot(&c, "signed-in").await;

    // A synthetic ID front, through the page and straight through the API.
    let sample = hawiya_synth::render(
        hawiya_synth::DocKind::IdFront,
        &hawiya_synth::SynthParams {
            seed: 4242,
            difficulty: hawiya_synth::Difficulty::Easy,
            ..Default::default()
        },
        0,
    )
    .unwrap();
    let jpeg = sample.to_jpeg().unwrap();
    let files = tempfile::tempdir().unwrap();
    let path = write_jpeg(files.path(), "id_front.jpg", &jpeg);
    let login = server
        .tenant_token(&key, "ops@acme.test", "pw-console")
        .await;
    let (api_status, api) = server
        .post_json(
            "/v1/ocr/id/front",
            &login,
            &json!({ "image": b64(&jpeg), "getExtractedData": true }),
        )
        .await;

    let status = send_through_page(&c, "/v1/ocr/id/front", &[("image", &path)]).await;
    save_screenshot(&c, "id-front").await;
    assert!(
        status.starts_with(&api_status.as_u16().to_string()),
        "page {status:?}, API {api_status}"
    );
    if let Some(code) = api["error_code"].as_u64() {
        assert!(status.contains(&code.to_string()));
        assert_eq!(
            text_of(&c, "#error").await,
            api["error_message"].as_str().unwrap()
        );
    }
    // Every scalar field of the API's answer is on the page with the same value.
    let shown = page_fields(&c).await;
    for (name, value) in api["data"].as_object().unwrap() {
        if value.is_object() || value.is_array() || name == "request_id" || name == "transaction_id"
        {
            continue;
        }
        let want = match value {
            Value::String(s) => s.clone(),
            Value::Null => "—".into(),
            other => other.to_string(),
        };
        let got = shown
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone());
        assert_eq!(got.as_deref(), Some(want.as_str()), "field {name}");
    }
    if let Some(id) = api["data"]["idNumber"].as_str() {
        assert!(
            shown.iter().any(|(n, v)| n == "idNumber" && v == id),
            "the ID number is on the page"
        );
    }
    let raw: Value = serde_json::from_str(&raw_json(&c).await).expect("the raw panel is JSON");
    assert_eq!(raw["error_code"], api["error_code"], "raw JSON panel");

    // Compare two faces: the page shows the API's verdict and dissimilarity.
    let portrait = image::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../pipeline/tests/data/astronaut.png"
    ))
    .unwrap()
    .to_rgb8();
    let mut first = std::io::Cursor::new(Vec::new());
    portrait
        .write_to(&mut first, image::ImageFormat::Jpeg)
        .unwrap();
    let mirrored = image::imageops::flip_horizontal(&portrait);
    let mut second = std::io::Cursor::new(Vec::new());
    mirrored
        .write_to(&mut second, image::ImageFormat::Jpeg)
        .unwrap();
    let (first, second) = (first.into_inner(), second.into_inner());
    let p1 = write_jpeg(files.path(), "face1.jpg", &first);
    let p2 = write_jpeg(files.path(), "face2.jpg", &second);
    let (api_status, api) = server
        .post_json(
            "/v1/ocr/face/compare",
            &login,
            &json!({ "face_image1": b64(&first), "face_image2": b64(&second), "getExtractedData": true }),
        )
        .await;
    let status = send_through_page(
        &c,
        "/v1/ocr/face/compare",
        &[("face_image1", &p1), ("face_image2", &p2)],
    )
    .await;
    save_screenshot(&c, "face-compare").await;
    assert!(
        status.starts_with(&api_status.as_u16().to_string()),
        "page {status:?}, API {api_status}"
    );
    if let Some(d) = api["data"]["dissimilarity"].as_f64() {
        let summary = text_of(&c, "#face-summary").await;
        assert!(summary.contains(&format!("{d:.3}")), "{summary:?} vs {d}");
        let verdict = if api["data"]["isMatched"] == true {
            "same person"
        } else {
            "different people"
        };
        assert!(summary.contains(verdict), "{summary:?}");
    } else {
        assert!(!text_of(&c, "#error").await.is_empty() || api["error_code"].is_null());
    }
    c.close().await.unwrap();
}
