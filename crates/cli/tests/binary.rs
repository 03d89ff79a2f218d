//! The `hawiya` binary as scripts use it: `tenant add` prints the key alone on its last
//! line; `serve` answers with that key and stops cleanly on SIGTERM.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{add_tenant, free_port, hawiya};
use serde_json::{json, Value};

#[test]
fn tenant_add_then_serve() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = add_tenant(data, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let key = stdout.lines().last().unwrap().trim().to_string();
    assert!(
        key.starts_with("hwy_") && !key.contains(' '),
        "last line {key:?}"
    );

    // The same name again is refused with a message, not a panic.
    let again = hawiya()
        .args([
            "tenant",
            "add",
            "acme",
            "--user",
            "x@y",
            "--password",
            "p",
            "--data",
            data,
        ])
        .env_remove("HAWIYA_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(!String::from_utf8_lossy(&again.stderr).contains("panicked"));

    let port = free_port();
    let mut server = hawiya()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data",
            data,
            "--workers",
            "1",
        ])
        .env_remove("HAWIYA_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::blocking::Client::new();
    let started = Instant::now();
    while client.get(format!("{base}/health")).send().is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let login: Value = client
        .post(format!("{base}/api/credentials/Login"))
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
    let resp = client
        .post(format!("{base}/v1/ocr/passport"))
        .header("ApiKey", &key)
        .bearer_auth(&token)
        .json(&json!({ "image": "not-an-image" }))
        .send()
        .unwrap();
    // Valid base64 (URL-safe alphabet) of bytes that are no image: 415.
    assert_eq!(resp.status().as_u16(), 415);
    let env: Value = resp.json().unwrap();
    assert_eq!(env["error_code"], 1001);

    // SIGTERM: graceful shutdown, exit status 0.
    let pid = server.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = server.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}
