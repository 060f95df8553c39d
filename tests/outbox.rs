//! Mail delivery through the outbox: written with its change, retried with backoff on
//! transient SMTP errors, given up on permanent ones, and never sent twice even when
//! several workers (processes) share the database.

use std::time::Duration;

use roster_persistence::outbox;
use serde_json::json;
use test_support::SinkMode;

use crate::support::{MAIL_TIMEOUT, TestApp};

async fn wait_until<F: Fn() -> bool>(what: &str, condition: F) {
    let started = std::time::Instant::now();
    while !condition() {
        assert!(
            started.elapsed() < MAIL_TIMEOUT,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn request(app: &TestApp, email: &str) {
    let body = app
        .gql(
            None,
            "mutation($e: String!) { requestSignIn(email: $e) }",
            json!({ "e": email }),
        )
        .await;
    assert_eq!(body["data"]["requestSignIn"], true, "{body}");
}

#[tokio::test]
async fn transient_smtp_failures_are_retried_and_the_mail_arrives_once() {
    let app = TestApp::spawn().await;
    app.smtp.set_mode(SinkMode::TempFail);
    request(&app, "patient@example.com").await;
    wait_until("two refused attempts", || app.smtp.refused() >= 2).await;
    let (queued, sent, failed) = outbox::status_counts(&app.db).await.unwrap();
    assert_eq!((queued, sent, failed), (1, 0, 0));

    app.smtp.set_mode(SinkMode::Accept);
    app.smtp
        .wait_for("patient@example.com", 1, MAIL_TIMEOUT)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.smtp.received_by("patient@example.com").len(),
        1,
        "exactly once"
    );
    let (queued, sent, _) = outbox::status_counts(&app.db).await.unwrap();
    assert_eq!((queued, sent), (0, 1));
}

#[tokio::test]
async fn permanent_smtp_failures_are_not_retried() {
    let app = TestApp::spawn().await;
    app.smtp.set_mode(SinkMode::Reject);
    request(&app, "bounced@example.com").await;
    wait_until("one refused attempt", || app.smtp.refused() >= 1).await;
    let started = std::time::Instant::now();
    loop {
        let (_, _, failed) = outbox::status_counts(&app.db).await.unwrap();
        if failed == 1 {
            break;
        }
        assert!(
            started.elapsed() < MAIL_TIMEOUT,
            "message never marked failed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.smtp.set_mode(SinkMode::Accept);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.smtp.refused(), 1, "no second attempt");
    assert!(app.smtp.received().is_empty());
}

#[tokio::test]
async fn an_unreachable_smtp_server_leaves_mail_queued_and_the_request_succeeds() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(&[("ROSTER_SMTP_URL", &url)]).await;
    request(&app, "offline@example.com").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (queued, sent, failed) = outbox::status_counts(&app.db).await.unwrap();
    assert_eq!((queued, sent, failed), (1, 0, 0));
}

#[tokio::test]
async fn several_workers_on_one_database_never_send_a_message_twice() {
    let app = TestApp::spawn().await;
    // Two more "processes": services of their own on the same database, each with a worker.
    let mut stops = Vec::new();
    for _ in 0..2 {
        let roster = roster_gateway::build_service(&app.config, app.clock.clone())
            .await
            .unwrap();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        stops.push((stop, tokio::spawn(roster.delivery_worker().run(stopped))));
    }
    let app = &app;
    let addresses: Vec<String> = (0..6).map(|i| format!("crowd{i}@example.com")).collect();
    let requests = addresses
        .iter()
        .flat_map(|address| std::iter::repeat_n(address.clone(), 5))
        .map(|address| async move { request(app, &address).await });
    futures::future::join_all(requests).await;
    for address in &addresses {
        app.smtp.wait_for(address, 5, MAIL_TIMEOUT).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.smtp.received().len(), 30, "30 messages, each sent once");
    for (stop, worker) in stops {
        stop.send(true).unwrap();
        worker.await.unwrap();
    }
}
