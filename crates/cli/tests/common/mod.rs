//! Helpers for the tests that run the `hawiya` binary.

#![allow(dead_code)]

use std::process::{Command, Output};

pub fn hawiya() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hawiya"))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `hawiya tenant add acme --user ops@acme.test --password pw-123 --data DATA [extra...]`.
pub fn add_tenant(data: &str, extra: &[&str]) -> Output {
    hawiya()
        .args([
            "tenant",
            "add",
            "acme",
            "--user",
            "ops@acme.test",
            "--password",
            "pw-123",
            "--data",
            data,
        ])
        .args(extra)
        .env_remove("HAWIYA_DATABASE_URL")
        .output()
        .unwrap()
}

/// A fresh, empty PostgreSQL database `{name}_{pid}` beside the one the URL `base` names
/// (dropped first if a killed run left it); its URL.
pub fn fresh_database(base: &str, name: &str) -> String {
    use sqlx::Connection;
    let name = format!("{name}_{}", std::process::id());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut conn = sqlx::PgConnection::connect(base)
            .await
            .expect("connecting to PostgreSQL");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
    });
    let (prefix, _) = base.rsplit_once('/').expect("a URL with a database name");
    format!("{prefix}/{name}")
}
