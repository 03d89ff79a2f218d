//! `hawiya eval`: sends cases through the real routes (an in-process server on a loopback
//! port, or a running server) and prints per-field accuracy, character error rates,
//! validation codes expected vs returned, and latency.
//!
//! Case sets:
//! - `--cases DIR`: synthetic documents written by `hawiya synth` (`<id>.jpg` + `<id>.json`).
//! - `--set deepface_pairs|ealpr|passporteye --data DIR`: the public evaluation sets in
//!   `../shared/data` (measure only), read with their own label formats.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use base64::Engine as _;
use clap::Args;
use hawiya_documents::arabic::has_arabic;
use hawiya_documents::fuzzy::levenshtein;
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Args)]
pub struct EvalArgs {
    /// A folder of synthetic cases (`hawiya synth --out DIR`).
    #[arg(long)]
    cases: Option<PathBuf>,
    /// A public set instead: deepface_pairs, ealpr, passporteye.
    #[arg(long)]
    set: Option<String>,
    /// Where the public sets are (default ../shared/data).
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// A running server; without it an in-process server is started.
    #[arg(long)]
    server: Option<String>,
    /// The tenant's ApiKey, user and password on `--server`.
    #[arg(long, env = "HAWIYA_API_KEY")]
    key: Option<String>,
    #[arg(long, default_value = "dev@localhost")]
    user: String,
    #[arg(long, default_value = "dev")]
    password: String,
    /// At most this many cases.
    #[arg(long)]
    limit: Option<usize>,
    /// Write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// One request to send and what to compare its answer with.
struct Case {
    id: String,
    route: String,
    body: Value,
    /// Expected `data` fields.
    expected: serde_json::Map<String, Value>,
    /// Fields compared loosely (case-insensitive), e.g. transliterations.
    approximate: Vec<String>,
    /// Expected validation codes as (field, code).
    codes: Vec<(String, u64)>,
    /// Grouping key in the report (document kind, set name).
    group: String,
    /// The date a synthetic case's validity was generated against.
    reference_date: Option<String>,
}

#[derive(Default, Serialize)]
struct FieldStats {
    total: usize,
    exact: usize,
    /// Sum of edit distances and of expected lengths, for the character error rate.
    edits: usize,
    chars: usize,
    arabic: bool,
}

#[derive(Default, Serialize)]
struct GroupStats {
    cases: usize,
    errors: BTreeMap<String, usize>,
    whole_exact: usize,
    fields: BTreeMap<String, FieldStats>,
    codes_expected: usize,
    codes_found: usize,
    codes_unexpected: usize,
    latencies_ms: Vec<f64>,
    /// The first cases that were not read exactly, with what differed.
    failures: Vec<Value>,
    /// Licence plates: edits and expected characters over letters and digits (spaces
    /// left out), for the character accuracy.
    plate_edits: usize,
    plate_chars: usize,
    /// Licence plates in photos with a labelled plate box: how many, how many the
    /// answer's `plate_quad` overlaps (IoU >= 0.3), and of those how many read exactly.
    boxes: usize,
    located: usize,
    located_exact: usize,
}

/// How many failing cases the JSON report lists per group.
const FAILURES_KEPT: usize = 100;

struct Client {
    http: reqwest::Client,
    base: String,
    key: String,
    token: String,
}

impl Client {
    async fn login(base: &str, key: &str, user: &str, password: &str) -> anyhow::Result<Client> {
        let http = reqwest::Client::new();
        let resp: Value = http
            .post(format!("{base}/api/credentials/Login"))
            .header("ApiKey", key)
            .json(&json!({ "userNameOrEmailAddress": user, "password": password }))
            .send()
            .await?
            .json()
            .await?;
        let token = resp["data"]["accessToken"]
            .as_str()
            .with_context(|| format!("login failed: {resp}"))?
            .to_string();
        Ok(Client {
            http,
            base: base.to_string(),
            key: key.to_string(),
            token,
        })
    }

    async fn post(&self, route: &str, body: &Value) -> anyhow::Result<(u16, Value, f64)> {
        let started = Instant::now();
        let resp = self
            .http
            .post(format!("{}{}", self.base, route))
            .header("ApiKey", &self.key)
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        let status = resp.status().as_u16();
        let value: Value = resp.json().await?;
        Ok((status, value, started.elapsed().as_secs_f64() * 1000.0))
    }
}

fn b64_file(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn synth_cases(dir: &Path) -> anyhow::Result<Vec<Case>> {
    let mut cases = vec![];
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    for json_path in entries {
        let truth: Value = serde_json::from_str(&std::fs::read_to_string(&json_path)?)
            .with_context(|| format!("parsing {}", json_path.display()))?;
        let image = json_path.with_extension("jpg");
        let codes = truth["expected_codes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| Some((c["field"].as_str()?.to_string(), c["code"].as_u64()?)))
                    .collect()
            })
            .unwrap_or_default();
        cases.push(Case {
            id: truth["id"].as_str().unwrap_or_default().to_string(),
            route: truth["route"]
                .as_str()
                .context("truth without route")?
                .to_string(),
            body: json!({ "image": b64_file(&image)?, "getExtractedData": true }),
            expected: truth["data"].as_object().cloned().unwrap_or_default(),
            approximate: truth["approximate_fields"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
            codes,
            group: truth["kind"].as_str().unwrap_or("unknown").to_string(),
            reference_date: truth["reference_date"].as_str().map(String::from),
        });
    }
    Ok(cases)
}

/// Reads a small CSV (no quoted commas in these sets) into header → value maps.
fn read_csv(path: &Path) -> anyhow::Result<Vec<BTreeMap<String, String>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .context("empty CSV")?
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    Ok(lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(|s| s.trim().to_string()))
                .collect()
        })
        .collect())
}

fn public_cases(set: &str, data: &Path) -> anyhow::Result<Vec<Case>> {
    let mut cases = vec![];
    match set {
        "deepface_pairs" => {
            let root = data.join("deepface_pairs");
            let pairs = ["pairs_usable.csv", "face_pairs.csv"]
                .iter()
                .map(|f| root.join(f))
                .find(|p| p.exists())
                .context("no pairs CSV in deepface_pairs")?;
            for (i, row) in read_csv(&pairs)?.into_iter().enumerate() {
                let (Some(a), Some(b)) = (row.get("img1"), row.get("img2")) else {
                    continue;
                };
                let same = matches!(
                    row.get("same_person").map(String::as_str),
                    Some("1" | "True" | "true" | "Yes" | "yes")
                );
                let mut expected = serde_json::Map::new();
                expected.insert("isMatched".into(), json!(same));
                cases.push(Case {
                    id: format!("pair_{i}"),
                    route: "/v1/ocr/face/compare".into(),
                    // Paths in the set's CSVs are relative to the data folder (SPLIT.txt).
                    body: json!({ "face_image1": b64_file(&data.join(a))?, "face_image2": b64_file(&data.join(b))? }),
                    expected,
                    approximate: vec![],
                    codes: vec![],
                    group: if same { "same_person".into() } else { "different_person".into() },
                    reference_date: None,
                });
            }
        }
        "ealpr" => {
            let root = data.join("ealpr");
            for row in read_csv(&root.join("plates.csv"))? {
                let Some(path) = row.get("path") else {
                    continue;
                };
                let mut expected = serde_json::Map::new();
                if let Some(l) = row.get("letters") {
                    // EALPR spells ه as U+06BE (heh doachashmee); documents.md uses U+0647.
                    expected.insert("letters".into(), json!(l.replace('\u{06BE}', "\u{0647}")));
                }
                if let Some(d) = row.get("digits") {
                    expected.insert("digits".into(), json!(d));
                }
                cases.push(Case {
                    id: path.clone(),
                    route: "/v1/ocr/license_plate".into(),
                    body: json!({ "image": b64_file(&data.join(path))?, "getExtractedData": true }),
                    expected,
                    approximate: vec![],
                    codes: vec![],
                    group: if path.contains("Vehicles/") {
                        "ealpr_vehicles".into()
                    } else {
                        "ealpr_plates".into()
                    },
                    reference_date: None,
                });
            }
        }
        "passporteye" => {
            let root = data.join("passporteye_mrz");
            let truth: Value = serde_json::from_str(&std::fs::read_to_string(
                root.join("ground_truth_full.json"),
            )?)?;
            // PassportEye's own field names, keyed by image path; "_source" describes the
            // file and a string value means "same as <other image>".
            let Value::Object(map) = &truth else {
                bail!("unexpected ground_truth_full.json shape");
            };
            for (path, fields) in map.iter().filter(|(k, _)| !k.starts_with('_')) {
                let fields = match fields {
                    Value::String(s) => s
                        .strip_prefix("same as ")
                        .and_then(|other| map.iter().find(|(k, _)| k.ends_with(other)))
                        .map(|(_, v)| v.clone())
                        .unwrap_or(Value::Null),
                    other => other.clone(),
                };
                let image = root.join(path);
                if !image.exists() {
                    eprintln!("skipping {path}: not in this copy of the set");
                    continue;
                }
                let text = |k: &str| {
                    fields[k]
                        .as_str()
                        .unwrap_or_default()
                        .trim_matches('<')
                        .to_string()
                };
                // YYMMDD to ISO: births before 2027 in this century, expiries after 2000.
                let iso = |yymmdd: String, birth: bool| -> String {
                    if yymmdd.len() != 6 {
                        return yymmdd;
                    }
                    let yy: u32 = yymmdd[..2].parse().unwrap_or(0);
                    let century = if birth && yy > 26 { 19 } else { 20 };
                    format!(
                        "{century}{}-{}-{}",
                        &yymmdd[..2],
                        &yymmdd[2..4],
                        &yymmdd[4..]
                    )
                };
                let mut expected = serde_json::Map::new();
                expected.insert("passport_no".into(), json!(text("number")));
                expected.insert("country_code".into(), json!(text("country")));
                expected.insert("nationality".into(), json!(text("nationality")));
                expected.insert("gender".into(), json!(text("sex")));
                expected.insert("surname".into(), json!(text("surname")));
                expected.insert("given_names".into(), json!(text("names")));
                expected.insert(
                    "Date_of_Birth".into(),
                    json!(iso(text("date_of_birth"), true)),
                );
                expected.insert(
                    "Date_of_Expiry".into(),
                    json!(iso(text("expiration_date"), false)),
                );
                cases.push(Case {
                    id: path.clone(),
                    route: "/v1/ocr/passport".into(),
                    body: json!({ "image": b64_file(&image)?, "getExtractedData": true }),
                    expected,
                    approximate: vec![],
                    codes: vec![],
                    group: "passporteye".into(),
                    reference_date: None,
                });
            }
        }
        other => bail!("unknown set {other:?}: deepface_pairs, ealpr, passporteye"),
    }
    Ok(cases)
}

/// The labelled plate box (x0, y0, x1, y1 in pixels) of an EALPR vehicle photo: its
/// YOLO label (`Vehicles Labeling/<stem>.txt`, class 0, centre and size as shares).
fn plate_label_box(data: &Path, case_id: &str) -> Option<[f64; 4]> {
    if !case_id.contains("Vehicles/") {
        return None;
    }
    let image = data.join(case_id);
    let stem = image.file_stem()?.to_str()?.to_string();
    let label = image
        .parent()?
        .parent()?
        .join("Vehicles Labeling")
        .join(format!("{stem}.txt"));
    let text = std::fs::read_to_string(label).ok()?;
    let v: Vec<f64> = text
        .split_whitespace()
        .skip(1)
        .take(4)
        .filter_map(|t| t.parse().ok())
        .collect();
    if v.len() != 4 {
        return None;
    }
    let bytes = std::fs::read(&image).ok()?;
    let decoded = hawiya_pipeline::image::decode(&bytes, &Default::default()).ok()?;
    let (w, h) = (decoded.rgb.width() as f64, decoded.rgb.height() as f64);
    Some([
        (v[0] - v[2] / 2.0) * w,
        (v[1] - v[3] / 2.0) * h,
        (v[0] + v[2] / 2.0) * w,
        (v[1] + v[3] / 2.0) * h,
    ])
}

fn box_iou(a: &[f64; 4], b: &[f64; 4]) -> f64 {
    let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = ix * iy;
    let area = |r: &[f64; 4]| (r[2] - r[0]) * (r[3] - r[1]);
    inter / (area(a) + area(b) - inter).max(1e-9)
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[idx]
}

pub async fn run(args: EvalArgs) -> anyhow::Result<()> {
    let mut cases = match (&args.cases, &args.set) {
        (Some(dir), None) => synth_cases(dir)?,
        (None, Some(set)) => public_cases(set, &args.data)?,
        _ => bail!("give either --cases DIR or --set NAME"),
    };
    if let Some(n) = args.limit {
        cases.truncate(n);
    }
    if cases.is_empty() {
        bail!("no cases found");
    }
    let (client, _server) = match &args.server {
        Some(url) => {
            let key = args
                .key
                .as_deref()
                .context("--key (or HAWIYA_API_KEY) is needed with --server")?;
            (
                Client::login(url.trim_end_matches('/'), key, &args.user, &args.password).await?,
                None,
            )
        }
        None => {
            // A synthetic set is judged as of the date it was generated for.
            let mut dates: Vec<&str> = cases
                .iter()
                .filter_map(|c| c.reference_date.as_deref())
                .collect();
            dates.sort();
            dates.dedup();
            let validity_date = match dates.as_slice() {
                [one] => Some(
                    one.parse()
                        .with_context(|| format!("reference_date {one:?}"))?,
                ),
                _ => None,
            };
            let server = crate::local::LocalServer::start(validity_date).await?;
            (
                Client::login(&server.base, &server.key, "eval@localhost", "eval").await?,
                Some(server),
            )
        }
    };

    let mut groups: BTreeMap<String, GroupStats> = BTreeMap::new();
    let total = cases.len();
    for (n, case) in cases.iter().enumerate() {
        let (status, env, ms) = client.post(&case.route, &case.body).await?;
        let g = groups.entry(case.group.clone()).or_default();
        g.cases += 1;
        g.latencies_ms.push(ms);
        if let Some(code) = env["error_code"].as_u64() {
            *g.errors.entry(format!("{status}/{code}")).or_default() += 1;
        }
        let data = &env["data"];
        let mut all_exact = true;
        let mut wrong = serde_json::Map::new();
        for (field, want) in &case.expected {
            let want = value_text(want);
            let got = value_text(&data[field]);
            let exact = if case.approximate.contains(field) {
                want.eq_ignore_ascii_case(&got)
            } else {
                want == got
            };
            let f = g.fields.entry(field.clone()).or_default();
            f.total += 1;
            f.exact += usize::from(exact);
            f.edits += levenshtein(&want, &got);
            f.chars += want.chars().count();
            f.arabic |= has_arabic(&want);
            if !exact && !case.approximate.contains(field) {
                all_exact = false;
                wrong.insert(field.clone(), json!({ "expected": want, "got": got }));
            }
        }
        if (!wrong.is_empty() || !env["error_code"].is_null()) && g.failures.len() < FAILURES_KEPT {
            g.failures.push(json!({
                "id": case.id,
                "status": status,
                "error_code": env["error_code"],
                "error_message": env["error_message"],
                "fields": wrong,
            }));
        }
        g.whole_exact += usize::from(all_exact && env["error_code"].is_null());
        if case.route == "/v1/ocr/license_plate" {
            for field in ["letters", "digits"] {
                let strip = |v: &Value| value_text(v).replace(' ', "");
                let (want, got) = (
                    strip(case.expected.get(field).unwrap_or(&Value::Null)),
                    strip(&data[field]),
                );
                g.plate_edits += levenshtein(&want, &got);
                g.plate_chars += want.chars().count();
            }
            if let Some(truth) = plate_label_box(&args.data, &case.id) {
                g.boxes += 1;
                let got = data["plate_quad"].as_array().map(|q| {
                    let pts: Vec<(f64, f64)> = q
                        .iter()
                        .filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?)))
                        .collect();
                    let xs = pts.iter().map(|p| p.0);
                    let ys = pts.iter().map(|p| p.1);
                    [
                        xs.clone().fold(f64::MAX, f64::min),
                        ys.clone().fold(f64::MAX, f64::min),
                        xs.fold(f64::MIN, f64::max),
                        ys.fold(f64::MIN, f64::max),
                    ]
                });
                if got.is_some_and(|b| box_iou(&b, &truth) >= 0.3) {
                    g.located += 1;
                    g.located_exact += usize::from(all_exact && env["error_code"].is_null());
                }
            }
        }
        let returned: Vec<(String, u64)> = env["services"]["validations"]["validation_errors"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|v| {
                let field = v["field"].as_str().unwrap_or_default().to_string();
                v["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(move |e| Some((field.clone(), e["code"].as_u64()?)))
                    .collect::<Vec<_>>()
            })
            .collect();
        g.codes_expected += case.codes.len();
        g.codes_found += case.codes.iter().filter(|c| returned.contains(c)).count();
        g.codes_unexpected += returned.iter().filter(|r| !case.codes.contains(r)).count();
        if (n + 1) % 50 == 0 {
            eprintln!("{}/{total}", n + 1);
        }
    }

    let mut report = serde_json::Map::new();
    for (name, g) in &mut groups {
        g.latencies_ms.sort_by(|a, b| a.total_cmp(b));
        println!("\n== {name}: {} cases", g.cases);
        println!(
            "whole document exact: {:.1}%   latency p50 {:.0} ms, p95 {:.0} ms",
            100.0 * g.whole_exact as f64 / g.cases as f64,
            percentile(&g.latencies_ms, 0.5),
            percentile(&g.latencies_ms, 0.95)
        );
        if !g.errors.is_empty() {
            println!("errors (status/code): {:?}", g.errors);
        }
        if g.plate_chars > 0 {
            println!(
                "plates: whole plate exact {:.1}% ({}/{}), characters {:.1}%",
                100.0 * g.whole_exact as f64 / g.cases as f64,
                g.whole_exact,
                g.cases,
                100.0 * (1.0 - g.plate_edits as f64 / g.plate_chars as f64)
            );
        }
        if g.boxes > 0 {
            println!(
                "plates in photos: located {:.1}% ({}/{}), located and read exactly {:.1}% ({}/{})",
                100.0 * g.located as f64 / g.boxes as f64,
                g.located,
                g.boxes,
                100.0 * g.located_exact as f64 / g.boxes as f64,
                g.located_exact,
                g.boxes
            );
        }
        println!("{:<28} {:>7} {:>8} {:>8}", "field", "n", "exact%", "CER%");
        for (field, f) in &g.fields {
            let cer = if f.arabic && f.chars > 0 {
                format!("{:.2}", 100.0 * f.edits as f64 / f.chars as f64)
            } else {
                "-".into()
            };
            println!(
                "{:<28} {:>7} {:>8.1} {:>8}",
                field,
                f.total,
                100.0 * f.exact as f64 / f.total.max(1) as f64,
                cer
            );
        }
        if g.codes_expected > 0 || g.codes_unexpected > 0 {
            println!(
                "validation codes: {}/{} expected found, {} unexpected",
                g.codes_found, g.codes_expected, g.codes_unexpected
            );
        }
        report.insert(name.clone(), serde_json::to_value(&*g)?);
    }
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
        eprintln!("results written to {}", path.display());
    }
    Ok(())
}
