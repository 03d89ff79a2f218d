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
