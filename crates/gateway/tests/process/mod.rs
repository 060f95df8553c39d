//! The real `roster` binary as a child process on a test database: started with its
//! address read from its JSON log, a session made the way `cargo xtask token` makes one,
//! and GraphQL over HTTP. Shared by the tests that need a process of their own.

#![allow(dead_code, reason = "each test binary uses part of the harness")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

/// Starts `roster` with `env` on top of the basics and returns it with its `/graphql` URL.
pub(crate) fn start(database_url: &str, mailbox: &Path, env: &[(&str, &str)]) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
    command
        .env_clear()
        .env("ROSTER_LISTEN_ADDR", "127.0.0.1:0")
        .env("ROSTER_DATABASE_URL", database_url)
        .env("ROSTER_DEV_MAILBOX_DIR", mailbox)
        .env("ROSTER_LOG", "info")
        .env("ROSTER_LOG_FORMAT", "json");
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let Ok(entry) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if entry["fields"]["message"] == "roster listening" {
                let _ = addr_tx.send(entry["fields"]["addr"].as_str().unwrap_or("").to_owned());
            }
        }
    });
    let addr = addr_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("roster starts and logs its address");
    (child, format!("http://{addr}/graphql"))
}

/// A session token for `email` on the database the process uses.
pub(crate) async fn session(database_url: &str, mailbox: &Path, email: &str) -> String {
    let mut config = roster_service::Config::default();
    config.database.url = database_url.to_owned().into();
    config.mail.dev_mailbox_dir = mailbox.to_owned();
    let roster = roster_gateway::build_service(&config, Arc::new(roster_service::SystemClock))
        .await
        .unwrap();
    let signed_in = roster.issue_dev_token(email).await.unwrap();
    signed_in.token.expose().to_owned()
}

/// One GraphQL request with `token` as Bearer.
pub(crate) async fn gql(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Value {
    http.post(url)
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A team organization named `name`, created by `token`'s user; its id.
pub(crate) async fn create_organization(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    name: &str,
) -> String {
    let body = gql(
        http,
        url,
        token,
        "mutation($name: String!) { createOrganization(name: $name) { id } }",
        json!({ "name": name }),
    )
    .await;
    body["data"]["createOrganization"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}
