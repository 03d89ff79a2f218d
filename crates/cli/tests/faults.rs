//! Faults (issue 13): the database going away and coming back under a running server, and
//! a server killed (SIGKILL) between two steps of one transaction.
//!
//! - `database_outage_gives_clear_errors_then_recovers` starts its own PostgreSQL (through
//!   `scripts/postgres.sh` on a free port and a private directory, so the shared test
//!   database is never disturbed), stops it under a running `hawiya serve`, checks that
//!   requests are answered 503 with code 5030 within a bounded time and that `/ready`
//!   reports the database down, then starts it again and checks that the same process
//!   serves again. Needs `HAWIYA_TEST_PG_URL` (as a sign that PostgreSQL is installed).
//! - `restart_mid_transaction_*` completes `id/front`, kills the server with SIGKILL,
//!   starts a new one on the same database and finishes the transaction with `face/match`.
//!   SQLite always; PostgreSQL with `HAWIYA_TEST_PG_URL`. Needs the built models.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{add_tenant, free_port, fresh_database, hawiya};
use serde_json::{json, Value};

/// The acquire timeout the servers here run with: a request must never wait much longer.
const ACQUIRE_TIMEOUT_MS: u64 = 1000;
/// The bound on any answer while the database is down (the acquire timeout plus slack for
/// a loaded machine).
const OUTAGE_ANSWER_BOUND: Duration = Duration::from_secs(6);

fn pg_url() -> Option<String> {
    std::env::var("HAWIYA_TEST_PG_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

fn models_built() -> bool {
    std::env::var_os("HAWIYA_MODELS")
        .map(PathBuf::from)
        .is_some_and(|m| m.join("face_embed.onnx").exists())
}

/// A PostgreSQL of this test's own, started and stopped with `scripts/postgres.sh`.
struct OwnPostgres {
    port: u16,
    dir: PathBuf,
}

impl OwnPostgres {
    fn script(&self, action: &str) -> std::process::Output {
        Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/postgres.sh"
        ))
        .arg(action)
        .env("HAWIYA_TEST_PG_PORT", self.port.to_string())
        .env("HAWIYA_TEST_PG_DIR", &self.dir)
        .stderr(Stdio::inherit())
        .output()
        .expect("running scripts/postgres.sh")
    }

    /// Starts it (creating the cluster the first time) and returns its URL.
    fn start(&self) -> String {
        let out = self.script("start");
        assert!(out.status.success(), "scripts/postgres.sh start failed");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn stop(&self) {
        let out = self.script("stop");
        assert!(out.status.success(), "scripts/postgres.sh stop failed");
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = self.script("stop");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A server process; SIGKILLed when dropped (tests stop it explicitly when it matters).
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(data: &Path, url: Option<&str>, validity: Option<&str>) -> Server {
        let port = free_port();
        let mut cmd = hawiya();
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
            .arg(data)
            .args(["--workers", "1"])
            .env_remove("HAWIYA_DATABASE_URL")
            .env(
                "HAWIYA_DATABASE_ACQUIRE_TIMEOUT_MS",
                ACQUIRE_TIMEOUT_MS.to_string(),
            )
            .env("HAWIYA_REQUEST_TIMEOUT_SECS", "120")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(url) = url {
            cmd.args(["--database-url", url]);
        }
        if let Some(v) = validity {
            cmd.env("HAWIYA_VALIDITY_DATE", v);
        }
        Server {
            child: cmd.spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    fn still_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL: no graceful shutdown, no chance to flush anything.
    fn kill_hard(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(180))
        .build()
        .unwrap()
}

/// Polls `path` until `ok(status, body)`, for at most `limit`.
fn wait_for(
    client: &reqwest::blocking::Client,
    server: &Server,
    path: &str,
    limit: Duration,
    ok: impl Fn(u16, &Value) -> bool,
) {
    let started = Instant::now();
    loop {
        if let Ok(resp) = client.get(format!("{}{path}", server.base)).send() {
            let status = resp.status().as_u16();
            let body: Value = resp.json().unwrap_or(Value::Null);
            if ok(status, &body) {
                return;
            }
        }
        assert!(
            started.elapsed() < limit,
            "{}{path} not as expected after {limit:?}",
            server.base
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn tenant_key(data: &Path, url: Option<&str>) -> String {
    let extra: Vec<&str> = url.map(|u| vec!["--database-url", u]).unwrap_or_default();
    let out = add_tenant(data.to_str().unwrap(), &extra);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string()
}

/// `POST path` with a JSON body; the status, the envelope and how long it took.
fn post(
    client: &reqwest::blocking::Client,
    server: &Server,
    path: &str,
    key: &str,
    token: Option<&str>,
    body: &Value,
) -> (u16, Value, Duration) {
    let started = Instant::now();
    let mut req = client
        .post(format!("{}{path}", server.base))
        .header("ApiKey", key)
        .json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().expect("an envelope");
    (status, body, started.elapsed())
}

fn login(client: &reqwest::blocking::Client, server: &Server, key: &str) -> (u16, Value, Duration) {
    post(
        client,
        server,
        "/api/credentials/Login",
        key,
        None,
        &json!({ "tenancyName": "acme", "userNameOrEmailAddress": "ops@acme.test", "password": "pw-123" }),
    )
}

/// `face/match` on a transaction that does not exist: answered from the database alone
/// (404 when it is up), before any image is decoded.
fn match_unknown(
    client: &reqwest::blocking::Client,
    server: &Server,
    key: &str,
    token: &str,
) -> (u16, Value, Duration) {
    post(
        client,
        server,
        "/v1/ocr/face/match",
        key,
        Some(token),
        &json!({ "image": "aGVsbG8=", "transaction_id": "00000000-0000-4000-8000-000000000000" }),
    )
}

fn assert_unavailable(what: &str, (status, body, took): &(u16, Value, Duration)) {
    assert_eq!(*status, 503, "{what}: {body}");
    assert_eq!(body["error_code"], 5030, "{what}: {body}");
    let message = body["error_message"].as_str().unwrap_or_default();
    assert!(message.contains("database"), "{what}: {body}");
    assert!(
        *took < OUTAGE_ANSWER_BOUND,
        "{what} took {took:?} while the database was down"
    );
    eprintln!("outage: {what} answered {status} 5030 in {took:?}");
}

#[test]
fn database_outage_gives_clear_errors_then_recovers() {
    if pg_url().is_none() {
        eprintln!("SKIPPED: HAWIYA_TEST_PG_URL not set (scripts/test.sh starts PostgreSQL)");
        return;
    }
    let pg = OwnPostgres {
        port: free_port(),
        dir: std::env::temp_dir().join(format!("hawiya-faults-pg-{}", std::process::id())),
    };
    let url = pg.start();
    let data = tempfile::tempdir().unwrap();
    let key = tenant_key(data.path(), Some(&url));
    let mut server = Server::start(data.path(), Some(&url), None);
    let client = client();
    wait_for(
        &client,
        &server,
        "/ready",
        Duration::from_secs(60),
        |_, b| b["database"] == true,
    );

    let (status, body, _) = login(&client, &server, &key);
    assert_eq!(status, 200, "{body}");
    let token = body["data"]["accessToken"].as_str().unwrap().to_string();
    let (status, body, _) = match_unknown(&client, &server, &key, &token);
    assert_eq!((status, body["error_code"].clone()), (404, json!(4040)));

    // The database goes away under the running server.
    pg.stop();
    for round in 0..3 {
        assert_unavailable(&format!("login #{round}"), &login(&client, &server, &key));
        assert_unavailable(
            &format!("face/match #{round}"),
            &match_unknown(&client, &server, &key, &token),
        );
    }
    let started = Instant::now();
    let resp = client.get(format!("{}/ready", server.base)).send().unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    let ready: Value = resp.json().unwrap();
    assert_eq!(ready["database"], false, "{ready}");
    assert!(started.elapsed() < OUTAGE_ANSWER_BOUND);
    eprintln!("outage: /ready answered 503 in {:?}", started.elapsed());
    let health = client
        .get(format!("{}/health", server.base))
        .send()
        .unwrap();
    assert_eq!(health.status().as_u16(), 200, "the process itself is alive");

    // It comes back: the same process serves again, without a restart.
    assert_eq!(pg.start(), url);
    let back = Instant::now();
    wait_for(
        &client,
        &server,
        "/ready",
        Duration::from_secs(30),
        |_, b| b["database"] == true,
    );
    eprintln!(
        "recovery: /ready reports the database {:?} after PostgreSQL is back",
        back.elapsed()
    );
    let (status, body, _) = login(&client, &server, &key);
    assert_eq!(status, 200, "{body}");
    let token = body["data"]["accessToken"].as_str().unwrap().to_string();
    let (status, body, _) = match_unknown(&client, &server, &key, &token);
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error_code"], 4040, "{body}");
    assert!(server.still_running(), "the server must not have restarted");
}

/// Completes `id/front`, SIGKILLs the server, starts another on the same database (and
/// data folder) and finishes the transaction with `face/match` using the old token.
fn restart_keeps_completed_step(url: Option<&str>) {
    if !models_built() {
        eprintln!("SKIPPED: models not built (run scripts/setup.sh)");
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let key = tenant_key(data.path(), url);

    // As in replicas.rs: a synthetic card whose photo is a public-domain portrait.
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
    let b64 = base64::engine::general_purpose::STANDARD;

    let client = client();
    let first = Server::start(data.path(), url, Some(&validity));
    wait_for(
        &client,
        &first,
        "/ready",
        Duration::from_secs(120),
        |s, _| s == 200,
    );
    let (status, body, _) = login(&client, &first, &key);
    assert_eq!(status, 200, "{body}");
    let token = body["data"]["accessToken"].as_str().unwrap().to_string();
    let (status, front, _) = post(
        &client,
        &first,
        "/v1/ocr/id/front",
        &key,
        Some(&token),
        &json!({ "image": b64.encode(card.to_jpeg().unwrap()), "getExtractedData": true }),
    );
    assert_eq!(status, 200, "{front}");
    assert_eq!(front["error_code"], Value::Null, "{front}");
    let tx = front["data"]["transaction_id"]
        .as_str()
        .unwrap()
        .to_string();

    // The answer is out, so the step is committed: a crash now must not lose it.
    first.kill_hard();

    let second = Server::start(data.path(), url, Some(&validity));
    wait_for(
        &client,
        &second,
        "/ready",
        Duration::from_secs(120),
        |s, _| s == 200,
    );
    let mut selfie = std::io::Cursor::new(Vec::new());
    portrait
        .write_to(&mut selfie, image::ImageFormat::Jpeg)
        .unwrap();
    // The token issued before the crash still works: the signing secret is in the database.
    let (status, matched, _) = post(
        &client,
        &second,
        "/v1/ocr/face/match",
        &key,
        Some(&token),
        &json!({ "image": b64.encode(selfie.into_inner()), "transaction_id": tx }),
    );
    assert_eq!(status, 200, "{matched}");
    assert_eq!(matched["error_code"], Value::Null, "{matched}");
    assert_eq!(matched["data"]["isMatched"], true, "{matched}");
    assert_eq!(matched["data"]["transaction_id"], tx.as_str(), "{matched}");
}

#[test]
fn restart_mid_transaction_sqlite() {
    restart_keeps_completed_step(None);
}

#[test]
fn restart_mid_transaction_postgres() {
    let Some(pg) = pg_url() else {
        eprintln!("SKIPPED: HAWIYA_TEST_PG_URL not set (scripts/test.sh starts PostgreSQL)");
        return;
    };
    if !models_built() {
        eprintln!("SKIPPED: models not built (run scripts/setup.sh)");
        return;
    }
    restart_keeps_completed_step(Some(&fresh_database(&pg, "hawiya_faults")));
}
