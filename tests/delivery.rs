//! Delivery under faults: an SMTP outage longer than any retry budget loses nothing, a mail
//! that stopped mattering is failed rather than sent late, a slow SMTP server shared by two
//! processes still gets every mail once, and the mail server's error text stays with the
//! organization's admins.

use std::time::Duration;

use roster_persistence::outbox;
use serde_json::json;
use test_support::SinkMode;

use crate::support::{MAIL_TIMEOUT, TestApp, code};

/// Waits (bounded) until the outbox holds `expected` (queued, sent, failed) messages.
async fn settle(app: &TestApp, expected: (u64, u64, u64)) {
    let started = std::time::Instant::now();
    loop {
        let counts = outbox::status_counts(&app.db).await.unwrap();
        if counts == expected {
            return;
        }
        assert!(
            started.elapsed() < MAIL_TIMEOUT,
            "outbox stayed at {counts:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (bounded) until the sink has refused at least `count` attempts.
async fn refusals(app: &TestApp, count: usize) {
    let started = std::time::Instant::now();
    while app.smtp.refused() < count {
        assert!(
            started.elapsed() < MAIL_TIMEOUT,
            "only {} refused attempts, expected {count}",
            app.smtp.refused()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits (bounded) until the organization's only invitation shows `count` attempts.
async fn recorded_attempts(app: &TestApp, token: &str, org: &str, count: usize) {
    let started = std::time::Instant::now();
    loop {
        let body = app
            .gql(
                Some(token),
                "query($o: ID!) { organization(id: $o) { invitations { nodes { delivery { attempts } } } } }",
                json!({ "o": org }),
            )
            .await;
        let attempts =
            body["data"]["organization"]["invitations"]["nodes"][0]["delivery"]["attempts"]
                .as_u64()
                .unwrap_or(0);
        if attempts >= count as u64 {
            return;
        }
        assert!(started.elapsed() < MAIL_TIMEOUT, "{body}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn an_invitation_mail_waits_out_an_smtp_outage_longer_than_any_retry_budget() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("outage-owner@example.com").await;
    let org = app.create_org(&owner, "Outage").await;
    app.smtp.set_mode(SinkMode::TempFail);
    let body = app
        .invite(&owner, &org, "patient-invitee@example.com", "MEMBER")
        .await;
    assert!(body["data"]["inviteMember"]["id"].is_string(), "{body}");
    // Twelve refused attempts, each followed by the longest backoff: about two hours of
    // outage, well past the old budget of eight attempts. The clock moves only once the
    // attempt is recorded, so the next one is due at once.
    for attempt in 1..=12 {
        refusals(&app, attempt).await;
        recorded_attempts(&app, &owner.token, &org, attempt).await;
        if attempt == 12 {
            // SMTP comes back before the next attempt is due.
            let failed = outbox::status_counts(&app.db).await.unwrap().2;
            assert_eq!(failed, 0, "not given up");
            app.smtp.set_mode(SinkMode::Accept);
        }
        app.clock.advance(chrono::Duration::minutes(11));
    }
    app.smtp
        .wait_for("patient-invitee@example.com", 1, MAIL_TIMEOUT)
        .await
        .unwrap();
    settle(&app, (0, 2, 0)).await;
    assert_eq!(
        app.smtp.received_by("patient-invitee@example.com").len(),
        1,
        "sent once"
    );
}

#[tokio::test]
async fn a_sign_in_mail_whose_link_expired_during_an_outage_is_failed_not_sent() {
    let app = TestApp::spawn().await;
    app.smtp.set_mode(SinkMode::TempFail);
    let body = app
        .gql(
            None,
            "mutation { requestSignIn(email: \"late@example.com\") }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["requestSignIn"], true, "{body}");
    refusals(&app, 1).await;
    // The link works for 15 minutes; the outage lasts longer.
    app.clock.advance(chrono::Duration::minutes(16));
    app.smtp.set_mode(SinkMode::Accept);
    settle(&app, (0, 0, 1)).await;
    assert!(app.smtp.received_by("late@example.com").is_empty());
}

#[tokio::test]
async fn the_invitee_never_sees_the_mail_servers_error_text() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("errtext-owner@example.com").await;
    let invitee = app.sign_in("errtext-invitee@example.com").await;
    let org = app.create_org(&owner, "Error Text").await;
    app.smtp.set_mode(SinkMode::TempFail);
    app.invite(&owner, &org, &invitee.email, "MEMBER").await;
    refusals(&app, 1).await;
    let started = std::time::Instant::now();
    let admin_view = loop {
        let body = app
            .gql(
                Some(&owner.token),
                "query($o: ID!) { organization(id: $o) { invitations { nodes { delivery { status attempts lastError } } } } }",
                json!({ "o": org }),
            )
            .await;
        let delivery = body["data"]["organization"]["invitations"]["nodes"][0]["delivery"].clone();
        if delivery["lastError"].is_string() {
            break delivery;
        }
        assert!(started.elapsed() < MAIL_TIMEOUT, "{body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(admin_view["status"], "QUEUED");
    let mine = app
        .gql(
            Some(&invitee.token),
            "{ viewer { pendingInvitations { delivery { status attempts lastError } } } }",
            json!({}),
        )
        .await;
    let delivery = &mine["data"]["viewer"]["pendingInvitations"][0]["delivery"];
    assert_eq!(delivery["status"], "QUEUED", "{mine}");
    assert!(delivery["lastError"].is_null(), "{mine}");
}

#[tokio::test]
async fn two_processes_and_a_slow_smtp_server_send_every_invitation_once() {
    // A lease shorter than the whole batch would take to send: each message's lease is
    // renewed right before its send, so the other process never takes one in flight.
    let app = TestApp::spawn_with(&[("ROSTER_DELIVERY_LEASE_MS", "700")]).await;
    app.smtp
        .set_mode(SinkMode::Slow(Duration::from_millis(250)));
    let roster = roster_gateway::build_service(&app.config, app.clock.clone())
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let second = tokio::spawn(roster.delivery_worker().run(stopped));

    let owner = app.sign_in("slow-owner@example.com").await;
    let org = app.create_org(&owner, "Slow Mail").await;
    app.unlimited(&org).await;
    let addresses: Vec<String> = (0..16).map(|i| format!("slow{i}@example.com")).collect();
    for address in &addresses {
        let body = app.invite(&owner, &org, address, "MEMBER").await;
        assert!(body["data"]["inviteMember"]["id"].is_string(), "{body}");
    }
    // One sign-in mail and sixteen invitations, all sent.
    settle(&app, (0, 17, 0)).await;
    for address in &addresses {
        assert_eq!(app.smtp.received_by(address).len(), 1, "{address}");
    }
    assert_eq!(app.smtp.received().len(), 17);
    stop.send(true).unwrap();
    second.await.unwrap();
}

#[tokio::test]
async fn resend_and_revoke_obey_the_invite_rule_and_expired_invitations_are_not_resent() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("rule-owner@example.com").await;
    let admin = app.sign_in("rule-admin@example.com").await;
    let org = app.create_org(&owner, "Resend Rules").await;
    app.join(&owner, &org, &admin, "ADMIN").await;
    let body = app
        .invite(&owner, &org, "future-owner@example.com", "OWNER")
        .await;
    let owner_invitation = body["data"]["inviteMember"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for mutation in ["resendInvitation", "revokeInvitation"] {
        let body = app
            .gql(
                Some(&admin.token),
                &format!("mutation($id: ID!) {{ {mutation}(id: $id) {{ id }} }}"),
                json!({ "id": owner_invitation }),
            )
            .await;
        assert_eq!(code(&body), "FORBIDDEN", "{mutation}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["requiredRole"], "OWNER");
    }
    // Re-inviting the address as an admin would take the owner invitation over: refused.
    let body = app
        .invite(&admin, &org, "future-owner@example.com", "ADMIN")
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");

    let body = app
        .invite(&owner, &org, "slowpoke@example.com", "MEMBER")
        .await;
    let member_invitation = body["data"]["inviteMember"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.clock.advance(chrono::Duration::days(8));
    let resent = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { resendInvitation(id: $id) { id } }",
            json!({ "id": member_invitation }),
        )
        .await;
    assert_eq!(code(&resent), "INVITATION_EXPIRED", "{resent}");
    let revoked = app
        .gql(
            Some(&admin.token),
            "mutation($id: ID!) { revokeInvitation(id: $id) { status } }",
            json!({ "id": member_invitation }),
        )
        .await;
    assert_eq!(
        revoked["data"]["revokeInvitation"]["status"], "REVOKED",
        "{revoked}"
    );
}
