//! `hawiya synth`: writes synthetic documents with their ground truth.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use hawiya_synth::{render, write_sample, Difficulty, DocKind, SynthParams};

#[derive(Args)]
pub struct SynthArgs {
    /// Document kind (id_front, id_back, passport, td1, driving_license, car_license_front,
    /// car_license_back, plate, plate_scene) or `all`.
    #[arg(long)]
    kind: String,
    /// Documents per kind.
    #[arg(long, default_value_t = 10)]
    n: u64,
    /// Seed of the set: the same seed gives the same documents.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output directory: DIR/<id>.jpg and DIR/<id>.json.
    #[arg(long)]
    out: PathBuf,
    /// easy, normal, hard, or a level from 0 to 1.
    #[arg(long, default_value = "normal")]
    difficulty: String,
    /// Folder of face photos for the document photo.
    #[arg(long)]
    faces: Option<PathBuf>,
    /// Share of ID-number documents made deliberately invalid.
    #[arg(long)]
    invalid_fraction: Option<f32>,
}

pub fn parse_kind(name: &str) -> anyhow::Result<Vec<DocKind>> {
    if name == "all" {
        return Ok(DocKind::ALL.to_vec());
    }
    match DocKind::ALL.iter().find(|k| k.slug() == name) {
        Some(k) => Ok(vec![*k]),
        None => bail!(
            "unknown kind {name:?}; one of: all, {}",
            DocKind::ALL.map(|k| k.slug()).join(", ")
        ),
    }
}

pub fn parse_difficulty(text: &str) -> anyhow::Result<Difficulty> {
    Ok(match text {
        "easy" => Difficulty::Easy,
        "normal" => Difficulty::Normal,
        "hard" => Difficulty::Hard,
        other => {
            let level: f32 = other
                .parse()
                .with_context(|| format!("difficulty {other:?}: easy, normal, hard or 0..1"))?;
            if !(0.0..=1.0).contains(&level) {
                bail!("difficulty {level} is outside 0..1");
            }
            Difficulty::Level(level)
        }
    })
}

pub fn run(args: SynthArgs) -> anyhow::Result<()> {
    let kinds = parse_kind(&args.kind)?;
    let mut params = SynthParams {
        seed: args.seed,
        difficulty: parse_difficulty(&args.difficulty)?,
        faces_dir: args.faces.clone(),
        ..SynthParams::default()
    };
    if let Some(f) = args.invalid_fraction {
        params.invalid_fraction = f;
    }
    let mut written = 0;
    for kind in kinds {
        for index in 0..args.n {
            let sample = render(kind, &params, index)
                .with_context(|| format!("rendering {} #{index}", kind.slug()))?;
            write_sample(&args.out, &sample)?;
            written += 1;
        }
    }
    eprintln!("wrote {written} documents to {}", args.out.display());
    Ok(())
}
