//! Face verification against the photo printed on a synthetic national ID (issue #7):
//! every photo of a labelled identity set is printed on a synthetic ID front
//! (`hawiya_synth`, `faces_dir` = that one photo), photographed at several difficulty
//! levels, and read by the server's own `id/front` path ([`read_document`], which keeps
//! the largest face's embedding in `Extraction::face_embedding`). That embedding is then
//! compared with every other photo of the set as `face/compare` embeds a selfie
//! (`face::embed_largest` on the decoded photo): same identity = genuine pair, other
//! identity = impostor pair.
//!
//! ```sh
//! HAWIYA_MODELS=$PWD/.hawiya/models ORT_DYLIB_PATH=$PWD/.hawiya/lib/libonnxruntime.so \
//! cargo run --release -p hawiya-pipeline --example face_card_eval -- \
//!     [DATA_ROOT=/work/shared/data] [--levels 0.15,0.5,0.9] [--seed 7100] [--flat] \
//!     [--as-is] [--no-rotations] [--dump DIR] [-v]
//! ```
//!
//! `DATA_ROOT/deepface_pairs/face_identities.csv` has columns `path,identity,...` with
//! paths relative to `DATA_ROOT`. Photos the server cannot decode (the set's one WebP)
//! are left out. Each photo is first framed as an ID portrait around its face (found by
//! the same detector; written to a temporary folder and removed at the end), because
//! synth cover-crops a photo to the card's portrait box and a face off-centre in a wide
//! photo would be cut away; `--as-is` prints the photos unframed. `--flat` adds the
//! unphotographed card (the printed photo alone, no perspective, blur, noise or JPEG) as a
//! level, to separate printing from photographing; `--no-rotations` turns off the
//! detector's handling of turned faces, for comparison. The data is only read; nothing
//! else is written unless `--dump DIR` asks for each card's photo and its face chip (for
//! looking at failures; keep DIR outside the repository). Results: benches/results/face.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use hawiya_pipeline::face::{self, DEFAULT_THRESHOLD, DISSIMILARITY_PER_L2};
use hawiya_pipeline::image::{decode, ImageLimits};
use hawiya_pipeline::{read_document, DocumentKind, ReadOptions, Worker, WorkerConfig};
use hawiya_synth::{render, render_card_flat, Difficulty, DocKind, Sample, SynthParams};

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// One photo of the set, decoded and embedded as `face/compare` would.
struct Photo {
    name: String,
    path: PathBuf,
    identity: String,
    selfie: Option<Vec<f32>>,
}

/// One card's outcome.
struct Card {
    photo: usize,
    level: String,
    /// What the server stored for the transaction (None: read failed or no face).
    embedding: Option<Vec<f32>>,
    /// The read's error, when the server answered with one.
    error: Option<String>,
    /// Whether the embedded face lies on the printed photo (its centre inside the truth
    /// quad's bounding box).
    on_photo: Option<bool>,
    /// The face's size in the photographed image (largest side, px).
    face_px: Option<f32>,
    /// `face::embed_largest` on the card photo, whether or not the read succeeded.
    face_step: Option<Vec<f32>>,
}

fn level_name(l: Option<f32>) -> String {
    match l {
        None => "flat".into(),
        Some(x) => format!("{x:.2}"),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let verbose = raw.iter().any(|a| a == "-v");
    let flat = raw.iter().any(|a| a == "--flat");
    let as_is = raw.iter().any(|a| a == "--as-is");
    let no_rotations = raw.iter().any(|a| a == "--no-rotations");
    let framed_dir =
        std::env::temp_dir().join(format!("hawiya_face_card_eval_{}", std::process::id()));
    let mut root = PathBuf::from("/work/shared/data");
    let mut levels: Vec<f32> = vec![0.15, 0.5, 0.9];
    let mut seed: u64 = 7100;
    let mut dump: Option<PathBuf> = None;
    let mut it = raw
        .iter()
        .filter(|a| !matches!(a.as_str(), "-v" | "--flat" | "--as-is" | "--no-rotations"));
    while let Some(a) = it.next() {
        match a.as_str() {
            "--levels" => {
                levels = it
                    .next()
                    .ok_or("--levels needs a list")?
                    .split(',')
                    .map(|s| s.trim().parse::<f32>())
                    .collect::<Result<_, _>>()?
            }
            "--seed" => seed = it.next().ok_or("--seed needs a number")?.parse()?,
            "--dump" => dump = Some(PathBuf::from(it.next().ok_or("--dump needs a folder")?)),
            other => root = PathBuf::from(other),
        }
    }
    let list = root.join("deepface_pairs/face_identities.csv");
    if !list.exists() {
        println!(
            "skipped: {} not found (the shared data is needed to measure this)",
            list.display()
        );
        return Ok(());
    }

    let mut worker = Worker::load(0, &WorkerConfig::default())?;
    if worker.models.face.is_none() || worker.models.id.is_none() {
        return Err("the face and ID models must be loaded (set HAWIYA_MODELS)".into());
    }
    if no_rotations {
        // The detector as it was before turned faces were handled, for comparison.
        let face = worker.models.face.as_mut().expect("checked");
        face.detector.params.rotations = false;
    }
    let limits = ImageLimits::default();
    let lenient = ImageLimits {
        max_bytes: usize::MAX,
        ..ImageLimits::default()
    };

    // The set, and each photo's selfie-side embedding.
    let mut photos = Vec::new();
    for line in std::fs::read_to_string(&list)?.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        if cols.len() < 2 || cols[0].is_empty() {
            continue;
        }
        let path = root.join(cols[0]);
        let name = Path::new(cols[0])
            .file_name()
            .map_or(cols[0].to_string(), |f| f.to_string_lossy().into_owned());
        let bytes = std::fs::read(&path)?;
        let image = match decode(&bytes, &lenient) {
            Ok(d) => d.rgb,
            Err(e) => {
                eprintln!("skip {name}: {e}");
                continue;
            }
        };
        let models = worker.models.face.as_mut().expect("checked");
        let found = face::embed_largest(models, &image)?;
        if found.is_none() {
            eprintln!("{name}: no face in the photo itself");
        }
        // What the card prints: an ID portrait framed on the face (a temporary file
        // outside the repository), or with `--as-is` the photo itself, which synth
        // cover-crops to the photo box (a face off-centre in a wide photo is then cut).
        let printed = match (&found, as_is) {
            (Some(f), false) => {
                let framed = portrait(&image, &f.face);
                std::fs::create_dir_all(&framed_dir)?;
                let out = framed_dir.join(format!("{name}.png"));
                framed.save(&out)?;
                out
            }
            _ => path,
        };
        photos.push(Photo {
            name,
            path: printed,
            identity: cols[1].to_string(),
            selfie: found.map(|e| e.vector),
        });
    }

    // Cards.
    let synth = SynthParams::default();
    let options = ReadOptions {
        today: synth.reference_date,
        check_document: true,
    };
    let mut runs: Vec<Option<f32>> = levels.iter().copied().map(Some).collect();
    if flat {
        runs.insert(0, None);
    }
    let mut cards = Vec::new();
    let (mut read_ms, mut face_ms) = (Vec::new(), Vec::new());
    for (i, photo) in photos.iter().enumerate() {
        for &run in &runs {
            let sp = SynthParams {
                seed,
                difficulty: Difficulty::Level(run.unwrap_or(0.0)),
                faces_dir: Some(photo.path.clone()),
                // Every card valid: the face is what is measured.
                invalid_fraction: 0.0,
                ..synth.clone()
            };
            let sample: Sample = match run {
                Some(_) => render(DocKind::IdFront, &sp, i as u64)?,
                None => render_card_flat(DocKind::IdFront, &sp, i as u64)?,
            };
            let jpeg = sample.to_jpeg()?;
            // The server's id/front path: decode, quality, document check, read, and the
            // largest face's embedding kept for face/match.
            let t = Instant::now();
            let result =
                read_document(&mut worker, DocumentKind::IdFront, &jpeg, &limits, &options);
            read_ms.push(t.elapsed().as_secs_f64() * 1e3);
            // The face step alone, as readers.rs runs it (timed; its face for diagnostics).
            let decoded = decode(&jpeg, &limits)?.rgb;
            let models = worker.models.face.as_mut().expect("checked");
            let t = Instant::now();
            let found = face::embed_largest(models, &decoded)?;
            face_ms.push(t.elapsed().as_secs_f64() * 1e3);
            if let Some(dir) = &dump {
                std::fs::create_dir_all(dir)?;
                let stem = format!("{}_{}", photo.name.replace('.', "_"), level_name(run));
                std::fs::write(dir.join(format!("{stem}.jpg")), &jpeg)?;
                if let Some(chip) = found.as_ref().and_then(|f| models.align(&decoded, &f.face)) {
                    chip.save(dir.join(format!("{stem}_chip.png")))?;
                }
            }
            let (on_photo, face_px) = match (&found, &sample.truth.face) {
                (Some(f), Some(q)) => {
                    let cx = (f.face.bbox[0] + f.face.bbox[2]) / 2.0;
                    let cy = (f.face.bbox[1] + f.face.bbox[3]) / 2.0;
                    let xs = q.0.map(|p| p[0]);
                    let ys = q.0.map(|p| p[1]);
                    let inside = cx >= xs.iter().copied().fold(f32::MAX, f32::min)
                        && cx <= xs.iter().copied().fold(f32::MIN, f32::max)
                        && cy >= ys.iter().copied().fold(f32::MAX, f32::min)
                        && cy <= ys.iter().copied().fold(f32::MIN, f32::max);
                    (Some(inside), Some(f.face.width().max(f.face.height())))
                }
                _ => (None, None),
            };
            let (embedding, error) = match result {
                Ok(ex) => {
                    if let (Some(a), Some(b)) = (&ex.face_embedding, &found) {
                        let d = face::embed::l2_distance(a, &b.vector).unwrap_or(f32::NAN);
                        if d > 1e-4 {
                            eprintln!("{}: server path and face step differ by L2 {d}", photo.name);
                        }
                    }
                    (ex.face_embedding, None)
                }
                Err(e) => (None, Some(e.to_string())),
            };
            if verbose {
                println!(
                    "{} {} level {} turns {}: read {} face {} on photo {:?} score {:?} face {:?} px",
                    photo.name,
                    photo.identity,
                    level_name(run),
                    sample.truth.quarter_turns,
                    error.as_deref().unwrap_or("ok"),
                    if embedding.is_some() { "kept" } else { "none" },
                    on_photo,
                    found.as_ref().map(|f| (f.face.score * 100.0).round() / 100.0),
                    face_px.map(|p| p.round()),
                );
            }
            cards.push(Card {
                photo: i,
                level: level_name(run),
                embedding,
                error,
                on_photo,
                face_px,
                face_step: found.map(|f| f.vector),
            });
        }
    }

    println!("data: {} ({} photos used)", list.display(), photos.len());
    println!(
        "cards: {} ({} photos x levels {:?}), seed {seed}",
        cards.len(),
        photos.len(),
        runs.iter().map(|r| level_name(*r)).collect::<Vec<_>>()
    );
    let by_level = |f: &dyn Fn(&Card) -> bool| {
        let mut m: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for c in &cards {
            let e = m.entry(c.level.as_str()).or_default();
            e.0 += 1;
            e.1 += usize::from(f(c));
        }
        m
    };
    println!(
        "ID face kept by the id/front path (face_embedding set): {}/{}; by level {:?}",
        cards.iter().filter(|c| c.embedding.is_some()).count(),
        cards.len(),
        by_level(&|c| c.embedding.is_some())
    );
    println!(
        "read errors (no transaction embedding): {}; face step found the printed photo: {}/{}, found another face: {}",
        cards.iter().filter(|c| c.error.is_some()).count(),
        cards.iter().filter(|c| c.on_photo == Some(true)).count(),
        cards.len(),
        cards.iter().filter(|c| c.on_photo == Some(false)).count(),
    );
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for c in &cards {
        if let Some(e) = &c.error {
            let key: String = e.chars().take(90).collect();
            *errors.entry(key).or_default() += 1;
        }
    }
    for (e, n) in &errors {
        println!("  {n} x {e}");
    }
    let mut px: Vec<f64> = cards
        .iter()
        .filter_map(|c| c.face_px)
        .map(f64::from)
        .collect();
    px.sort_by(f64::total_cmp);
    println!(
        "ID face size in the photo (largest side): min {:.0} p50 {:.0} max {:.0} px",
        percentile(&px, 0.0),
        percentile(&px, 0.5),
        percentile(&px, 1.0)
    );

    let levels_seen: Vec<String> = runs.iter().map(|r| level_name(*r)).collect();
    println!("\n### Server path: the embedding id/front stores (a failed read stores none)");
    score_pairs(
        &cards,
        &photos,
        &levels_seen,
        |c| c.embedding.as_ref(),
        verbose,
    );
    println!("\n### Face step alone: embed_largest on every card photo, read or not");
    score_pairs(
        &cards,
        &photos,
        &levels_seen,
        |c| c.face_step.as_ref(),
        false,
    );

    read_ms.sort_by(f64::total_cmp);
    face_ms.sort_by(f64::total_cmp);
    println!(
        "id/front read_document (whole read incl. face): p50 {:.0} ms, p90 {:.0} ms, max {:.0} ms",
        percentile(&read_ms, 0.5),
        percentile(&read_ms, 0.9),
        percentile(&read_ms, 1.0)
    );
    println!(
        "card-face extraction (embed_largest on the card photo): p50 {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        percentile(&face_ms, 0.5),
        percentile(&face_ms, 0.9),
        percentile(&face_ms, 1.0)
    );
    let _ = std::fs::remove_dir_all(&framed_dir);
    Ok(())
}

/// An ID-photo framing of `face` in `image`: a 250 x 379 (the card's photo box) portrait
/// two face widths wide, the face centred across and a little above the middle, moved
/// (not shrunk) to stay inside the image where it can.
fn portrait(image: &image::RgbImage, face: &face::Face) -> image::RgbImage {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let aspect = 379.0 / 250.0;
    let mut cw = 2.0 * face.width().max(face.height());
    let mut ch = cw * aspect;
    if cw > w {
        cw = w;
        ch = cw * aspect;
    }
    if ch > h {
        ch = h;
        cw = ch / aspect;
    }
    let cx = (face.bbox[0] + face.bbox[2]) / 2.0;
    let cy = (face.bbox[1] + face.bbox[3]) / 2.0;
    let x0 = (cx - cw / 2.0).clamp(0.0, w - cw);
    let y0 = (cy - 0.45 * ch).clamp(0.0, h - ch);
    image::imageops::crop_imm(image, x0 as u32, y0 as u32, cw as u32, ch as u32).to_image()
}

/// Pairs each card's embedding (`pick`) with every other photo's selfie embedding and
/// prints accept rates at the default threshold, per level, and the ROC.
fn score_pairs(
    cards: &[Card],
    photos: &[Photo],
    levels_seen: &[String],
    pick: impl Fn(&Card) -> Option<&Vec<f32>>,
    verbose: bool,
) {
    let t = DEFAULT_THRESHOLD;
    // Pairs: each card against every other photo's selfie embedding.
    let mut genuine: Vec<(f32, String)> = Vec::new();
    let mut impostor: Vec<(f32, String)> = Vec::new();
    for card in cards {
        let owner = &photos[card.photo];
        let mut mine = Vec::new();
        for (j, other) in photos.iter().enumerate() {
            if j == card.photo {
                continue;
            }
            let d = match (pick(card), &other.selfie) {
                (Some(a), Some(b)) => {
                    face::embed::l2_distance(a, b).unwrap_or(f32::INFINITY) * DISSIMILARITY_PER_L2
                }
                // No face on either side: the API answers "not matched".
                _ => f32::INFINITY,
            };
            if other.identity == owner.identity {
                mine.push(format!("{}:{d:.2}", other.name));
                genuine.push((d, card.level.clone()));
            } else {
                impostor.push((d, card.level.clone()));
            }
        }
        if verbose {
            println!("genuine {} {}: {}", owner.name, card.level, mine.join(" "));
        }
    }

    let ga = genuine.iter().filter(|(d, _)| *d < t).count();
    let ia = impostor.iter().filter(|(d, _)| *d < t).count();
    println!(
        "pairs: {} genuine, {} impostor",
        genuine.len(),
        impostor.len()
    );
    println!(
        "at threshold {t} (dissimilarity = 4 x L2): genuine accepted {ga}/{} ({:.2}%), impostors accepted {ia}/{} ({:.2}%)",
        genuine.len(),
        100.0 * ga as f64 / genuine.len().max(1) as f64,
        impostor.len(),
        100.0 * ia as f64 / impostor.len().max(1) as f64
    );
    for l in levels_seen {
        let g: Vec<f32> = genuine
            .iter()
            .filter(|(_, x)| x == l)
            .map(|p| p.0)
            .collect();
        let im: Vec<f32> = impostor
            .iter()
            .filter(|(_, x)| x == l)
            .map(|p| p.0)
            .collect();
        let finite = |v: &[f32]| v.iter().filter(|d| d.is_finite()).count().max(1) as f64;
        let mean = |v: &[f32]| {
            v.iter()
                .filter(|d| d.is_finite())
                .map(|&d| f64::from(d))
                .sum::<f64>()
                / finite(v)
        };
        println!(
            "  level {l}: genuine accepted {}/{} (mean {:.3}), impostors accepted {}/{} (mean {:.3})",
            g.iter().filter(|d| **d < t).count(),
            g.len(),
            mean(&g),
            im.iter().filter(|d| **d < t).count(),
            im.len(),
            mean(&im)
        );
    }

    // ROC: for a target FAR, the largest threshold accepting at most that share of
    // impostors; TAR is the genuine share below it.
    let mut imp: Vec<f32> = impostor.iter().map(|p| p.0).collect();
    imp.sort_by(f32::total_cmp);
    let gen: Vec<f32> = genuine.iter().map(|p| p.0).collect();
    println!(
        "ROC ({} impostor pairs: the smallest non-zero FAR is {:.3}%):",
        imp.len(),
        100.0 / imp.len().max(1) as f64
    );
    for far in [0.2, 0.1, 0.05, 0.02, 0.01, 0.001, 0.0] {
        let allowed = (far * imp.len() as f64).floor() as usize;
        let thr = imp.get(allowed).copied().unwrap_or(f32::INFINITY);
        let tar = gen.iter().filter(|&&d| d < thr).count() as f64 / gen.len().max(1) as f64;
        println!(
            "  FAR <= {:>5.1}% ({allowed} impostors): TAR {:>6.2}% (threshold {:.3})",
            far * 100.0,
            tar * 100.0,
            thr
        );
    }
}
