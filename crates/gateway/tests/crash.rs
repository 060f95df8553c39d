//! A `roster` process killed with SIGKILL in the middle of a burst of 200 webhook events
//! loses none of them: the events are in the outbox with the changes that raised them, and
//! a restarted process re-claims what the dead one held once its lease ends. Runs the real
//! binary against SQLite, or PostgreSQL when `ROSTER_TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Value, json};

type Seen = Arc<Mutex<Vec<String>>>;

async fn receive(State(seen): State<Seen>, headers: HeaderMap, _body: Bytes) -> &'static str {
    // Slow enough that the burst is still going out when the process is killed.
    tokio::time::sleep(Duration::from_millis(20)).await;
    if let Some(id) = headers.get("webhook-id").and_then(|id| id.to_str().ok()) {
        seen.lock().unwrap().push(id.to_owned());
    }
    "ok"
}

/// Starts `roster` and returns it with its address (read from its JSON log).
fn start(database_url: &str, mailbox: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
        .env_clear()
        .env("ROSTER_LISTEN_ADDR", "127.0.0.1:0")
        .env("ROSTER_DATABASE_URL", database_url)
        .env("ROSTER_DEV_MAILBOX_DIR", mailbox)
        .env("ROSTER_WEBHOOKS_ALLOW_PRIVATE", "1")
        .env("ROSTER_DELIVERY_POLL_MS", "50")
        .env("ROSTER_DELIVERY_LEASE_MS", "1500")
        .env("ROSTER_LOG", "info")
        .env("ROSTER_LOG_FORMAT", "json")
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

async fn gql(
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_mid_burst_loses_no_webhook_after_restart() {
    let db = test_support::TestDb::new().await.unwrap();
    let mailbox = tempfile::tempdir().unwrap();
    let seen: Seen = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .fallback(receive)
        .with_state(Arc::clone(&seen));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (mut first, url) = start(&db.url, mailbox.path());
    // A session, as `cargo xtask token` makes one, on the database the process uses.
    let mut config = roster_service::Config::default();
    config.database.url = db.url.clone().into();
    config.mail.dev_mailbox_dir = mailbox.path().to_owned();
    let roster = roster_gateway::build_service(&config, Arc::new(roster_service::SystemClock))
        .await
        .unwrap();
    let signed_in = roster.issue_dev_token("crash@example.com").await.unwrap();
    let token = signed_in.token.expose().to_owned();
    let http = reqwest::Client::new();
    let body = gql(
        &http,
        &url,
        &token,
        "mutation { createOrganization(name: \"Crash\") { id } }",
        json!({}),
    )
    .await;
    let org = body["data"]["createOrganization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = gql(
        &http,
        &url,
        &token,
        "mutation($o: ID!, $u: String!) { createWebhookEndpoint(organizationId: $o, url: $u, events: [\"webhook.test\"]) { endpoint { id } } }",
        json!({ "o": org, "u": hook_url }),
    )
    .await;
    let endpoint = body["data"]["createWebhookEndpoint"]["endpoint"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut sent = HashSet::new();
    for _ in 0..200 {
        let body = gql(
            &http,
            &url,
            &token,
            "mutation($id: ID!) { sendTestWebhook(id: $id) { messageId } }",
            json!({ "id": endpoint }),
        )
        .await;
        sent.insert(
            body["data"]["sendTestWebhook"]["messageId"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(sent.len(), 200);

    // Kill it mid-burst: some delivered, most not.
    let started = Instant::now();
    while seen.lock().unwrap().len() < 20 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the burst did not start"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill().unwrap(); // SIGKILL: no shutdown, leases left behind
    first.wait().unwrap();
    let before_restart = seen.lock().unwrap().len();
    assert!(before_restart < 200, "the burst was over before the kill");

    let (mut second, _) = start(&db.url, mailbox.path());
    let started = Instant::now();
    loop {
        let received: HashSet<String> = seen.lock().unwrap().iter().cloned().collect();
        if sent.is_subset(&received) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{} of 200 events arrived after the restart",
            sent.intersection(&received).count()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.kill().unwrap();
    second.wait().unwrap();
}
