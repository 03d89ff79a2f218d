//! `hawiya scan FILES...`: reads documents offline through the same routes the server
//! serves (an in-process server on a loopback port), writing JSON Lines or CSV.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use base64::Engine as _;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Kind {
    /// Classify first, then read with the matching route.
    Auto,
    NationalIdFront,
    NationalIdBack,
    Passport,
    DrivingLicense,
    CarLicenseFront,
    CarLicenseBack,
    LicensePlate,
}

impl Kind {
    fn route(self) -> Option<&'static str> {
        Some(match self {
            Kind::Auto => return None,
            Kind::NationalIdFront => "/v1/ocr/id/front",
            Kind::NationalIdBack => "/v1/ocr/id/back",
            Kind::Passport => "/v1/ocr/passport",
            Kind::DrivingLicense => "/v1/ocr/driving_license",
            Kind::CarLicenseFront => "/v1/ocr/car/license/front",
            Kind::CarLicenseBack => "/v1/ocr/car/license/back",
            Kind::LicensePlate => "/v1/ocr/license_plate",
        })
    }
}

/// The route for a classification answer (`doc_type`, `side`).
fn route_for(doc_type: &str, side: Option<&str>) -> Option<&'static str> {
    Some(match (doc_type, side) {
        ("national_id", Some("back")) => "/v1/ocr/id/back",
        ("national_id", _) => "/v1/ocr/id/front",
        ("passport", _) => "/v1/ocr/passport",
        ("driving_license", _) => "/v1/ocr/driving_license",
        ("car_license", Some("back")) => "/v1/ocr/car/license/back",
        ("car_license", _) => "/v1/ocr/car/license/front",
        ("license_plate", _) => "/v1/ocr/license_plate",
        _ => return None,
    })
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
}

#[derive(Args)]
pub struct ScanArgs {
    /// Image files (JPEG or PNG).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Kind::Auto)]
    kind: Kind,
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// Output file (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub async fn run(args: ScanArgs) -> anyhow::Result<()> {
    let server = crate::local::LocalServer::start(None).await?;
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{}/api/credentials/Login", server.base))
        .header("ApiKey", &server.key)
        .json(&json!({ "userNameOrEmailAddress": "eval@localhost", "password": "eval" }))
        .send()
        .await?
        .json()
        .await?;
    let token = login["data"]["accessToken"]
        .as_str()
        .context("login")?
        .to_string();
    let post = |route: &'static str, body: Value| {
        let client = client.clone();
        let url = format!("{}{}", server.base, route);
        let key = server.key.clone();
        let token = token.clone();
        async move {
            let resp = client
                .post(url)
                .header("ApiKey", key)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await?;
            let status = resp.status().as_u16();
            anyhow::Ok((status, resp.json::<Value>().await?))
        }
    };

    let mut out: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let bar = ProgressBar::new(args.files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {msg}")
            .expect("valid template"),
    );
    if args.files.len() < 2 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut rows: Vec<Value> = vec![];
    let (mut ok, mut failed) = (0usize, 0usize);
    let mut errors = std::collections::BTreeMap::<String, usize>::new();
    for file in &args.files {
        bar.set_message(file.display().to_string());
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                failed += 1;
                *errors.entry(format!("unreadable: {e}")).or_default() += 1;
                bar.inc(1);
                continue;
            }
        };
        let image = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let route = match args.kind.route() {
            Some(r) => Some(r),
            None => {
                let (_, env) = post("/v1/ocr/classification", json!({ "image": image })).await?;
                let c = &env["services"]["classification"];
                c["doc_type"]
                    .as_str()
                    .and_then(|d| route_for(d, c["side"].as_str()))
            }
        };
        let (status, env, route) = match route {
            Some(route) => {
                let (s, e) =
                    post(route, json!({ "image": image, "getExtractedData": true })).await?;
                (s, e, route)
            }
            None => (
                422,
                json!({ "error_code": null, "error_message": "not classified as a known document", "data": {} }),
                "-",
            ),
        };
        if status == 200 {
            ok += 1;
        } else {
            failed += 1;
            let key = match env["error_code"].as_u64() {
                Some(c) => format!("{status}/{c}"),
                None => status.to_string(),
            };
            *errors.entry(key).or_default() += 1;
        }
        let row = json!({
            "file": file.display().to_string(),
            "route": route,
            "status": status,
            "error_code": env["error_code"],
            "error_message": env["error_message"],
            "data": env["data"],
            "validation_errors": env["services"]["validations"]["validation_errors"],
        });
        match args.format {
            Format::Jsonl => writeln!(out, "{}", serde_json::to_string(&row)?)?,
            Format::Csv => rows.push(row),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if let Format::Csv = args.format {
        let mut columns: Vec<String> = vec![];
        for r in &rows {
            if let Some(d) = r["data"].as_object() {
                for (k, v) in d {
                    if !v.is_object() && !v.is_array() && !columns.contains(k) {
                        columns.push(k.clone());
                    }
                }
            }
        }
        let mut header = vec!["file", "route", "status", "error_code"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>();
        header.extend(columns.iter().cloned());
        writeln!(
            out,
            "{}",
            header
                .iter()
                .map(|h| csv_field(h))
                .collect::<Vec<_>>()
                .join(",")
        )?;
        for r in &rows {
            let mut cells = vec![
                csv_field(r["file"].as_str().unwrap_or("")),
                csv_field(r["route"].as_str().unwrap_or("")),
                r["status"].to_string(),
                r["error_code"]
                    .as_u64()
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
            ];
            for c in &columns {
                let v = &r["data"][c];
                cells.push(csv_field(&match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                }));
            }
            writeln!(out, "{}", cells.join(","))?;
        }
    }
    out.flush()?;
    eprintln!(
        "scanned {} files: {ok} read, {failed} not read{}",
        args.files.len(),
        if errors.is_empty() {
            String::new()
        } else {
            format!(" ({errors:?})")
        }
    );
    if ok == 0 && failed > 0 {
        bail!("no document could be read");
    }
    Ok(())
}
