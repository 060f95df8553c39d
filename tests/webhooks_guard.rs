//! Webhooks under attack and under load: the address guard refuses private targets at
//! creation and again when sending (a name that now resolves to loopback), and two
//! processes deliver a burst of 200 events with every message sent exactly once.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Duration;

use roster_domain::{WebhookEvent, WebhookSecret};
use serde_json::json;

use crate::support::{TestApp, code, eventually};
use crate::webhook_receiver::Receiver;
use crate::webhooks::{endpoint, send_test, spawn};

/// A host name other than `localhost` that resolves only to loopback here (the machine's
/// own name, from `/etc/hosts` or the kernel), to stand for a DNS record pointed at
/// Roster's network.
async fn loopback_name() -> Option<String> {
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let mut names: Vec<String> = hosts
        .lines()
        .filter(|line| line.starts_with("127."))
        .flat_map(|line| line.split_whitespace().skip(1).map(str::to_owned))
        .collect();
    if let Ok(kernel) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        names.push(kernel.trim().to_owned());
    }
    for name in names {
        if name.is_empty() || name == "localhost" || name.ends_with(".localhost") {
            continue;
        }
        let Ok(addrs) = tokio::net::lookup_host((name.as_str(), 0)).await else {
            continue;
        };
        let addrs: Vec<SocketAddr> = addrs.collect();
        if !addrs.is_empty() && addrs.iter().all(|addr| addr.ip().is_loopback()) {
            return Some(name);
        }
    }
    None
}

#[tokio::test]
async fn the_guard_refuses_private_addresses_at_creation_and_when_sending() {
    let app = TestApp::spawn_with(&[("ROSTER_WEBHOOK_TIMEOUT_MS", "500")]).await;
    let owner = app.sign_in("guard-owner@example.com").await;
    let org = app.create_org(&owner, "Guarded").await;
    let name = loopback_name().await;
    let mut refused = vec![
        "http://127.0.0.1/".to_owned(),
        "http://[::1]/".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "https://127.0.0.1/".to_owned(),
        "https://[::1]:8443/".to_owned(),
        "https://169.254.169.254/latest/meta-data/".to_owned(),
        "https://10.0.0.8/".to_owned(),
        "https://localhost/".to_owned(),
        "http://hooks.example.com/".to_owned(),
    ];
    match &name {
        Some(name) => refused.push(format!("https://{name}/hooks")),
        None => eprintln!(
            "note: no host name other than localhost resolves to loopback here; the DNS part of the guard is covered by the literal addresses only"
        ),
    }
    let create = "mutation($o: ID!, $u: String!) { createWebhookEndpoint(organizationId: $o, url: $u, events: [\"webhook.test\"]) { secret } }";
    for url in &refused {
        let body = app
            .gql(Some(&owner.token), create, json!({ "o": org, "u": url }))
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{url}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "url", "{url}");
    }
    let body = app
        .gql(
            Some(&owner.token),
            create,
            json!({ "o": org, "u": "https://hooks.example.com/roster" }),
        )
        .await;
    assert!(
        body["data"]["createWebhookEndpoint"]["secret"].is_string(),
        "a public name: {body}"
    );

    // At send time: an endpoint whose name resolved publicly when it was registered now
    // resolves to loopback, where a receiver listens. Nothing reaches it.
    let Some(name) = name else { return };
    let receiver = Receiver::start().await;
    let port = receiver
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let stored = roster_persistence::webhooks::insert(
        &app.db,
        roster_persistence::webhooks::NewEndpoint {
            organization_id: org.parse().unwrap(),
            url: format!("https://{name}:{port}/hooks"),
            description: None,
            events: vec![WebhookEvent::WebhookTest],
            secret: WebhookSecret::from_random([9; 32]),
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let body = send_test(&app, &owner, &stored.id.to_string()).await;
    assert!(body["data"]["sendTestWebhook"]["id"].is_string(), "{body}");
    let query = "query($o: ID!) { organization(id: $o) { webhooks { url deliveries { nodes { status lastError } } } } }";
    let delivery = eventually(
        "the delivery to be refused",
        Duration::from_secs(20),
        || async {
            let body = app
                .gql(Some(&owner.token), query, json!({ "o": org }))
                .await;
            let hooks = body["data"]["organization"]["webhooks"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let hook = hooks
                .into_iter()
                .find(|hook| hook["url"].as_str().is_some_and(|url| url.contains(&name)))?;
            let delivery = hook["deliveries"]["nodes"][0].clone();
            (delivery["status"] == "FAILED").then_some(delivery)
        },
    )
    .await;
    assert!(
        delivery["lastError"].as_str().unwrap().contains("private"),
        "{delivery}"
    );
    assert!(
        receiver.received().is_empty(),
        "nothing reached the loopback receiver"
    );
}

#[tokio::test]
async fn two_processes_deliver_a_burst_of_200_events_once_each() {
    let app = spawn().await;
    let second = app.second_server().await;
    let receiver = Receiver::start().await;
    receiver.delay_each(Duration::from_millis(5));
    let owner = app.sign_in("burst-owner@example.com").await;
    let org = app.create_org(&owner, "Burst").await;
    let (id, secret) = endpoint(&app, &owner, &org, &receiver.url, &["webhook.test"]).await;
    for _ in 0..20 {
        let sends = (0..10).map(|_| send_test(&app, &owner, &id));
        for body in futures::future::join_all(sends).await {
            assert!(body["data"]["sendTestWebhook"]["id"].is_string(), "{body}");
        }
    }
    receiver.wait_for(200, Duration::from_secs(60)).await;
    // Let a late duplicate show itself, if there were one.
    eventually("the outbox to settle", Duration::from_secs(20), || async {
        (roster_persistence::outbox::queued_depth(&app.db)
            .await
            .unwrap()
            == 0)
            .then_some(())
    })
    .await;
    let received = receiver.received();
    let ids: HashSet<&str> = received
        .iter()
        .map(|request| request.webhook_id())
        .collect();
    assert_eq!(ids.len(), 200, "every event arrived");
    assert_eq!(received.len(), 200, "no event arrived twice");
    assert_eq!(
        receiver.overlaps(),
        0,
        "no message was in flight twice at once"
    );
    assert!(
        received
            .iter()
            .all(|request| request.verifies_with(&secret))
    );
    second.stop().await.unwrap();
}
