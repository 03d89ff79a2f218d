//! `hawiya tenant ...`: tenants and their users.

use anyhow::Context;
use clap::Subcommand;
use hawiya_server::ServerConfig;
use hawiya_store::Store;

use crate::DataArgs;

#[derive(Subcommand)]
pub enum TenantCommand {
    /// Create a tenant with one user; prints the tenant's ApiKey alone on the last line.
    Add {
        /// The tenant's name (`tenancyName` at login).
        name: String,
        /// The user's e-mail or user name.
        #[arg(long)]
        user: String,
        /// The user's password.
        #[arg(long)]
        password: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List tenants.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

pub async fn open_store(config: &ServerConfig) -> anyhow::Result<Store> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
    }
    let url = config.effective_database_url();
    Store::connect_with(&url, &config.store_options())
        .await
        .with_context(|| format!("opening the database {}", redact_url(&url)))
}

/// Hides a password in a database URL before it is printed.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub async fn run(command: TenantCommand) -> anyhow::Result<()> {
    match command {
        TenantCommand::Add {
            name,
            user,
            password,
            data,
        } => {
            let config = data.server_config()?;
            let store = open_store(&config).await?;
            let (tenant, key) = store
                .create_tenant(&name)
                .await
                .with_context(|| format!("creating tenant {name:?}"))?;
            store
                .add_user(&tenant.id, &user, &password)
                .await
                .with_context(|| format!("adding user {user:?}"))?;
            println!("tenant {} created with user {user}", tenant.name);
            println!("{key}");
            Ok(())
        }
        TenantCommand::List { data } => {
            let config = data.server_config()?;
            let store = open_store(&config).await?;
            for t in store.list_tenants().await? {
                println!("{}\t{}", t.id, t.name);
            }
            Ok(())
        }
    }
}

/// The `dev` tenant of `hawiya serve --dev`: created once, its key kept in the data dir.
pub async fn ensure_dev_tenant(store: &Store, config: &ServerConfig) -> anyhow::Result<String> {
    let key_file = config.data_dir.join("dev-api-key.txt");
    if store.tenant_by_name("dev").await?.is_some() {
        if let Ok(key) = std::fs::read_to_string(&key_file) {
            let key = key.trim().to_string();
            if store.tenant_by_api_key(&key).await?.is_some() {
                return Ok(key);
            }
        }
        let tenant = store.tenant_by_name("dev").await?.context("dev tenant")?;
        let key = store.rotate_api_key(&tenant.id).await?;
        write_private(&key_file, &key)?;
        return Ok(key);
    }
    let (tenant, key) = store.create_tenant("dev").await?;
    store.add_user(&tenant.id, "dev@localhost", "dev").await?;
    std::fs::create_dir_all(&config.data_dir)?;
    write_private(&key_file, &key)?;
    Ok(key)
}

fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, format!("{text}\n"))
        .with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(super::redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
