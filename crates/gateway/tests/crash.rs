//! A `roster` process killed with SIGKILL in the middle of a burst of 200 webhook events
//! loses none of them: the events are in the outbox with the changes that raised them, and
//! a restarted process re-claims what the dead one held once its lease ends. Runs the real
//! binary against SQLite, or PostgreSQL when `ROSTER_TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::json;

mod process;

use process::{create_organization, gql, session, start};

type Seen = Arc<Mutex<Vec<String>>>;

/// Sends to the local receiver, often, with short leases.
const SENDING: &[(&str, &str)] = &[
    ("ROSTER_WEBHOOKS_ALLOW_PRIVATE", "1"),
    ("ROSTER_DELIVERY_POLL_MS", "50"),
    ("ROSTER_DELIVERY_LEASE_MS", "1500"),
];

async fn receive(State(seen): State<Seen>, headers: HeaderMap, _body: Bytes) -> &'static str {
    // Slow enough that the burst is still going out when the process is killed.
    tokio::time::sleep(Duration::from_millis(20)).await;
    if let Some(id) = headers.get("webhook-id").and_then(|id| id.to_str().ok()) {
        seen.lock().unwrap().push(id.to_owned());
    }
    "ok"
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

    let (mut first, url) = start(&db.url, mailbox.path(), SENDING);
    let token = session(&db.url, mailbox.path(), "crash@example.com").await;
    let http = reqwest::Client::new();
    let org = create_organization(&http, &url, &token, "Crash").await;
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

    let (mut second, _) = start(&db.url, mailbox.path(), SENDING);
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
