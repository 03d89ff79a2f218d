//! `hawiya aml`: import watchlists, list them, screen a name from the command line.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use hawiya_store::{parse_list, AmlFormat, AmlQuery, AmlSearchParams};

use crate::tenant::open_store;
use crate::DataArgs;

#[derive(Subcommand)]
pub enum AmlCommand {
    /// Import a list file, replacing the list's previous version in one transaction.
    Import {
        /// un-xml, ofac-csv, ofac-xml, opensanctions-jsonl or local-csv.
        #[arg(long)]
        format: AmlFormat,
        /// The list's name (e.g. `un`, `ofac`, `local`); re-importing a name replaces it.
        #[arg(long)]
        list: String,
        /// The list file.
        file: PathBuf,
        /// OFAC only: `alt.csv`, the aliases of `sdn.csv`.
        #[arg(long)]
        alt: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Show the imported lists with their version, date, size and source hash.
    Lists {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Screen a name and/or ID number; prints the matches as JSON (services.AML).
    Check {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        id_number: Option<String>,
        /// `YYYY-MM-DD`, boosts matches with the same birth date.
        #[arg(long)]
        date_of_birth: Option<String>,
        /// Score (0-100) from which an entry is a match; default: the server's.
        #[arg(long)]
        threshold: Option<f32>,
        #[command(flatten)]
        data: DataArgs,
    },
}

pub async fn run(command: AmlCommand) -> anyhow::Result<()> {
    match command {
        AmlCommand::Import {
            format,
            list,
            file,
            alt,
            data,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let alt_bytes = match &alt {
                Some(p) => {
                    Some(std::fs::read(p).with_context(|| format!("reading {}", p.display()))?)
                }
                None => None,
            };
            let started = Instant::now();
            let parsed = parse_list(format, &bytes, alt_bytes.as_deref())
                .with_context(|| format!("parsing {} as {format}", file.display()))?;
            let parse_secs = started.elapsed().as_secs_f64();
            let store = open_store(&data.server_config()?).await?;
            let imported = store
                .replace_aml_list(&list, &parsed)
                .await
                .context("writing the list")?;
            println!(
                "{}: version {}, {} entries, sha256 {} (parsed in {:.1} s, stored in {:.1} s)",
                imported.name,
                imported.version,
                imported.entry_count,
                imported.source_sha256,
                parse_secs,
                started.elapsed().as_secs_f64() - parse_secs
            );
            Ok(())
        }
        AmlCommand::Lists { data } => {
            let store = open_store(&data.server_config()?).await?;
            let lists = store.aml_lists().await?;
            if lists.is_empty() {
                println!("no AML lists imported");
            }
            println!(
                "{:<20} {:>7} {:<20} {:<25} {:>9}  sha256",
                "list", "version", "format", "imported_at", "entries"
            );
            for l in lists {
                println!(
                    "{:<20} {:>7} {:<20} {:<25} {:>9}  {}",
                    l.name,
                    l.version,
                    l.format,
                    l.imported_at.format("%Y-%m-%dT%H:%M:%SZ"),
                    l.entry_count,
                    l.source_sha256
                );
            }
            Ok(())
        }
        AmlCommand::Check {
            name,
            id_number,
            date_of_birth,
            threshold,
            data,
        } => {
            anyhow::ensure!(
                name.is_some() || id_number.is_some(),
                "give --name, --id-number or both"
            );
            let store = open_store(&data.server_config()?).await?;
            let mut params = AmlSearchParams::default();
            if let Some(t) = threshold {
                params.screening.threshold = t;
            }
            let query = AmlQuery {
                name: name.as_deref(),
                id_number: id_number.as_deref(),
                date_of_birth: date_of_birth.as_deref(),
            };
            let matches = store.screen_aml(&query, &params).await?;
            let out = serde_json::json!({
                "AML_matched": !matches.is_empty(),
                "data": matches,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
    }
}
