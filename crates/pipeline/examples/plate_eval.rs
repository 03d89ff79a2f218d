//! Reads the EALPR plates in process (no server), for quick measurements while tuning:
//! `cargo run --release -p hawiya-pipeline --example plate_eval -- ../shared/data [LIMIT]`
//! Prints whole-plate exact, character accuracy, vehicles located and read, and the
//! p50 latency of `plate::read` per image (one thread). EALPR is for measuring only.

use std::time::Instant;

use hawiya_pipeline::plate::{self, PlateModels, PlateParams};
use hawiya_pipeline::runtime::RuntimeConfig;

fn lev(a: &[char], b: &[char]) -> usize {
    let mut d: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = d[0];
        d[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = d[j + 1];
            d[j + 1] = (d[j + 1] + 1)
                .min(d[j] + 1)
                .min(prev + usize::from(ca != cb));
            prev = cur;
        }
    }
    d[b.len()]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let data =
        std::path::PathBuf::from(args.get(1).map(String::as_str).unwrap_or("../shared/data"));
    let limit: usize = args
        .get(2)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(usize::MAX);
    let verbose = std::env::var_os("VERBOSE").is_some();
    if std::env::var_os("LOCATE").is_some() {
        return locate_only(&data);
    }
    let mut models = PlateModels::load(None, &RuntimeConfig::default())?;
    let text = std::fs::read_to_string(data.join("ealpr/plates.csv"))?;
    let params = PlateParams::default();
    for group in ["Plates dataset/", "Vehicles/"] {
        let (mut n, mut exact, mut edits, mut chars) = (0usize, 0usize, 0usize, 0usize);
        let mut ms = Vec::new();
        for line in text.lines().skip(1) {
            let parts: Vec<&str> = line.split(',').collect();
            if parts.len() != 3 || !parts[0].contains(group) {
                continue;
            }
            if n >= limit {
                break;
            }
            n += 1;
            let img = image::open(data.join(parts[0]))?.to_rgb8();
            let want_l = parts[1].replace('\u{06BE}', "\u{0647}");
            let want_d = parts[2];
            let t = Instant::now();
            let got = plate::read(&mut models, &img, &params);
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let (gl, gd) = match &got {
                Ok(ex) => (
                    ex.get_str("letters").unwrap_or_default().to_string(),
                    ex.get_str("digits").unwrap_or_default().to_string(),
                ),
                Err(_) => (String::new(), String::new()),
            };
            let ok = gl == want_l && gd == want_d;
            exact += usize::from(ok);
            let strip = |s: &str| s.chars().filter(|c| *c != ' ').collect::<Vec<char>>();
            edits += lev(&strip(&want_l), &strip(&gl)) + lev(&strip(want_d), &strip(&gd));
            chars += strip(&want_l).len() + want_d.len();
            if verbose && !ok {
                println!("{}: want {want_l}|{want_d} got {gl}|{gd}", parts[0]);
            }
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "{group}: {n} images, exact {:.1}% ({exact}), characters {:.1}%, p50 {:.1} ms, p95 {:.1} ms",
            100.0 * exact as f64 / n.max(1) as f64,
            100.0 * (1.0 - edits as f64 / chars.max(1) as f64),
            ms.get(ms.len() / 2).copied().unwrap_or(0.0),
            ms.get(ms.len() * 95 / 100).copied().unwrap_or(0.0),
        );
    }
    Ok(())
}

/// The localiser alone against the vehicles' labelled boxes: the rank of the first
/// candidate overlapping the label (IoU >= 0.3).
fn locate_only(data: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let dir = data.join("ealpr/EALPR Vechicles dataset");
    let mut names: Vec<_> = std::fs::read_dir(dir.join("Vehicles"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    let mut params = plate::locate::LocateParams::default();
    if let Some(k) = std::env::var_os("KEEP") {
        params.keep = k.to_string_lossy().parse()?;
    }
    let mut ranks = vec![0usize; params.keep + 1];
    let mut ms = Vec::new();
    for p in &names {
        let stem = p.file_stem().unwrap().to_string_lossy().to_string();
        let Ok(label) =
            std::fs::read_to_string(dir.join("Vehicles Labeling").join(format!("{stem}.txt")))
        else {
            continue;
        };
        let v: Vec<f32> = label
            .split_whitespace()
            .skip(1)
            .take(4)
            .filter_map(|t| t.parse().ok())
            .collect();
        let img = image::open(p)?.to_rgb8();
        let (w, h) = (img.width() as f32, img.height() as f32);
        let truth = [
            (v[0] - v[2] / 2.0) * w,
            (v[1] - v[3] / 2.0) * h,
            (v[0] + v[2] / 2.0) * w,
            (v[1] + v[3] / 2.0) * h,
        ];
        let t = Instant::now();
        let c = if std::env::var_os("WINDOWS").is_some() {
            plate::locate::candidates(&img, &params)
        } else {
            plate::locate::blob_candidates(&img, &params)
        };
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let iou = |a: &[f32; 4], b: &[f32; 4]| {
            let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
            let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
            let i = ix * iy;
            i / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - i)
        };
        let rank = c
            .iter()
            .position(|k| iou(&k.rect, &truth) >= 0.3)
            .unwrap_or(params.keep);
        ranks[rank] += 1;
        if std::env::var_os("VERBOSE").is_some() {
            println!(
                "{stem}: rank {rank} truth {truth:?} first {:?}",
                c.first().map(|k| k.rect)
            );
        }
    }
    ms.sort_by(f64::total_cmp);
    let n: usize = ranks.iter().sum();
    let mut cum = 0;
    for (k, r) in ranks.iter().enumerate().take(params.keep) {
        cum += r;
        println!(
            "found within top {}: {:.1}% ({cum}/{n})",
            k + 1,
            100.0 * cum as f64 / n as f64
        );
    }
    println!("localiser p50 {:.1} ms", ms[ms.len() / 2]);
    Ok(())
}
