//! `hawiya`: the one binary. `serve` runs the API server; the other subcommands are the
//! operator's and developer's tools around it.

mod aml;
mod eval;
mod local;
mod scan;
mod synth_cmd;
mod tenant;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hawiya_server::ServerConfig;

#[derive(Parser)]
#[command(
    name = "hawiya",
    version,
    about = "Self-hosted Egyptian KYC OCR and vision server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the state lives; shared by the subcommands that touch the database.
#[derive(clap::Args, Clone)]
struct DataArgs {
    /// Directory of the SQLite database and other state.
    #[arg(long, env = "HAWIYA_DATA")]
    data: Option<PathBuf>,
    /// PostgreSQL URL (instead of SQLite in --data).
    #[arg(long, env = "HAWIYA_DATABASE_URL")]
    database_url: Option<String>,
    /// A TOML configuration file (see README for its keys).
    #[arg(long, env = "HAWIYA_CONFIG")]
    config: Option<PathBuf>,
}

impl DataArgs {
    fn server_config(&self) -> anyhow::Result<ServerConfig> {
        let mut config = ServerConfig::load(self.config.as_deref())?;
        if let Some(d) = &self.data {
            config.data_dir = d.clone();
        }
        if let Some(u) = &self.database_url {
            config.database_url = Some(u.clone());
        }
        Ok(config)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long, env = "HAWIYA_LISTEN")]
        listen: Option<std::net::SocketAddr>,
        /// Directory of the built models.
        #[arg(long)]
        models: Option<PathBuf>,
        /// Inference worker threads.
        #[arg(long)]
        workers: Option<usize>,
        /// Create a `dev` tenant (user dev@localhost, password dev) if there is none, keep
        /// its key in DATA/dev-api-key.txt and print it. For development only.
        #[arg(long)]
        dev: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Render synthetic documents with their ground truth.
    Synth(synth_cmd::SynthArgs),
    /// Send cases through the real routes and print per-field accuracy and latency.
    Eval(eval::EvalArgs),
    /// Read documents offline (JSON Lines or CSV), through the same pipeline as the server.
    Scan(scan::ScanArgs),
    /// AML watchlists: import, list, check.
    Aml {
        #[command(subcommand)]
        command: aml::AmlCommand,
    },
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        command: tenant::TenantCommand,
    },
}

fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("HAWIYA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match cli.command {
        Command::Serve {
            listen,
            models,
            workers,
            dev,
            data,
        } => {
            let mut config = data.server_config()?;
            if let Some(l) = listen {
                config.listen = l;
            }
            if let Some(m) = models {
                config.models_dir = Some(m);
            }
            if let Some(w) = workers {
                config.workers = w;
            }
            init_tracing(config.log_format == "json");
            runtime.block_on(serve(config, dev))
        }
        Command::Synth(args) => synth_cmd::run(args),
        Command::Eval(args) => {
            if std::env::var_os("HAWIYA_LOG").is_none() {
                std::env::set_var("HAWIYA_LOG", "warn");
            }
            init_tracing(false);
            runtime.block_on(eval::run(args))
        }
        Command::Scan(args) => {
            // Warnings only: the progress bar owns the terminal; failures must still show.
            if std::env::var_os("HAWIYA_LOG").is_none() {
                std::env::set_var("HAWIYA_LOG", "warn");
            }
            init_tracing(false);
            runtime.block_on(scan::run(args))
        }
        Command::Aml { command } => {
            init_tracing(false);
            runtime.block_on(aml::run(command))
        }
        Command::Tenant { command } => {
            init_tracing(false);
            runtime.block_on(tenant::run(command))
        }
    }
}

async fn serve(config: ServerConfig, dev: bool) -> anyhow::Result<()> {
    let store = tenant::open_store(&config).await?;
    if dev {
        let key = tenant::ensure_dev_tenant(&store, &config).await?;
        println!("dev tenant: dev, user dev@localhost, password dev");
        println!("ApiKey: {key}");
        println!(
            "try: curl -s -X POST http://{}/api/credentials/Login -H 'ApiKey: {key}' \
             -H 'Content-Type: application/json' \
             -d '{{\"tenancyName\":\"dev\",\"userNameOrEmailAddress\":\"dev@localhost\",\"password\":\"dev\"}}'",
            config.listen
        );
    }
    let secret = store
        .signing_secret()
        .await
        .context("reading the token signing secret")?;
    let engine = hawiya_server::engine::start_engine(&config);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    tracing::info!(listen = %config.listen, "hawiya serving");
    let state = hawiya_server::AppState::new(config, store, engine, &secret);
    hawiya_server::serve(listener, state).await?;
    Ok(())
}
