//! Mail delivery through the outbox: written with its change, retried with backoff on
//! transient SMTP errors, given up on permanent ones, and never sent twice even when
//! several workers (processes) share the database.

use roster_persistence::outbox;
use serde_json::json;
use test_support::SinkMode;

use crate::support::{MAIL_TIMEOUT, TestApp, eventually};

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
    eventually("two refused attempts", MAIL_TIMEOUT, || async {
        (app.smtp.refused() >= 2).then_some(())
    })
    .await;
    let (queued, sent, failed) = outbox::status_counts(&app.db).await.unwrap();
    assert_eq!((queued, sent, failed), (1, 0, 0));

    app.smtp.set_mode(SinkMode::Accept);
    app.smtp
        .wait_for("patient@example.com", 1, MAIL_TIMEOUT)
        .await
        .unwrap();
    // Once the row is settled nothing is left to send, so the sink holds every copy.
    let rows = app.settled_outbox_to("patient@example.com").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
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
    eventually("one refused attempt", MAIL_TIMEOUT, || async {
        (app.smtp.refused() >= 1).then_some(())
    })
    .await;
    eventually("the message marked failed", MAIL_TIMEOUT, || async {
        let (_, _, failed) = outbox::status_counts(&app.db).await.unwrap();
        (failed == 1).then_some(())
    })
    .await;
    app.smtp.set_mode(SinkMode::Accept);
    // A failed row is settled: nothing is queued for a second attempt, and the one attempt
    // made is the one the sink refused.
    let rows = app.settled_outbox_to("bounced@example.com").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].status.as_str(), rows[0].attempts), ("FAILED", 1));
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
    // The worker has tried (and failed to connect) without giving the message up.
    let row = eventually("a failed connection attempt", MAIL_TIMEOUT, || async {
        let rows = app.outbox_to("offline@example.com").await;
        rows.into_iter().find(|row| row.attempts >= 1)
    })
    .await;
    assert_eq!(row.status, "QUEUED", "{row:?}");
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
    for address in &addresses {
        let rows = app.settled_outbox_to(address).await;
        assert_eq!(rows.len(), 5, "{address}: {rows:?}");
    }
    assert_eq!(app.smtp.received().len(), 30, "30 messages, each sent once");
    for (stop, worker) in stops {
        stop.send(true).unwrap();
        worker.await.unwrap();
    }
}
