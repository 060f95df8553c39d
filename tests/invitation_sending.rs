//! Sending invitations end to end: the mail and its link, the delivery state admins see,
//! re-inviting a pending address, the rules that refuse and mail nothing, the rate limit,
//! and an SMTP outage that delays the mail without losing or doubling it.

use chrono::Duration;
use roster_domain::AuditAction;
use serde_json::json;
use test_support::SinkMode;

use crate::invitations::ACCEPT_TOKEN;
use crate::support::{
    INVITATION_FIELDS, MAIL_TIMEOUT, TestApp, code, eventually, invitation_token,
};

#[tokio::test]
async fn the_invitation_mail_names_org_inviter_and_role_and_links_alone_on_a_line() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("ada@example.com").await;
    let org = app.create_org(&owner, "Analytical Engines").await;
    let body = app
        .invite(&owner, &org, "Charles@Example.com", "ADMIN")
        .await;
    let invitation = &body["data"]["inviteMember"];
    assert_eq!(invitation["email"], "charles@example.com", "{body}");
    assert_eq!(invitation["status"], "PENDING");
    assert_eq!(invitation["role"], "ADMIN");
    assert_eq!(invitation["organizationName"], "Analytical Engines");
    assert_eq!(invitation["invitedBy"]["email"], "ada@example.com");

    let mails = app
        .smtp
        .wait_for("charles@example.com", 1, MAIL_TIMEOUT)
        .await
        .unwrap();
    let text = mails[0].decoded();
    assert!(
        text.contains("ada@example.com invited you to join Analytical Engines as Admin"),
        "{text}"
    );
    let links = mails[0].links();
    assert_eq!(links.len(), 1);
    assert!(links[0].starts_with(&format!("{}/invitations/rsv_", app.config.public_url())));
    assert_eq!(
        app.audit_actions(&org).await,
        [AuditAction::OrganizationCreated, AuditAction::MemberInvited]
    );

    // Delivery is reported to admins once the worker has sent it.
    let list = format!(
        "query($id: ID) {{ organization(id: $id) {{ invitations {{ totalCount nodes {{ {INVITATION_FIELDS} }} }} }} }}"
    );
    let delivery = eventually("the delivery reported SENT", MAIL_TIMEOUT, || async {
        let body = app
            .gql(Some(&owner.token), &list, json!({ "id": org }))
            .await;
        let delivery = &body["data"]["organization"]["invitations"]["nodes"][0]["delivery"];
        (delivery["status"] == "SENT").then(|| delivery.clone())
    })
    .await;
    assert_eq!(delivery["attempts"], 1);
}

#[tokio::test]
async fn reinviting_a_pending_address_refreshes_one_invitation() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    let first = app
        .invite(&owner, &org, "twice@example.com", "MEMBER")
        .await;
    let id = first["data"]["inviteMember"]["id"].clone();
    app.smtp
        .wait_for("twice@example.com", 1, MAIL_TIMEOUT)
        .await
        .unwrap();

    // Within the cooldown: the same invitation, no second mail.
    let quick = app
        .invite(&owner, &org, "TWICE@example.com", "MEMBER")
        .await;
    assert_eq!(quick["data"]["inviteMember"]["id"], id);
    // Later: refreshed (same row, new link, new expiry), mailed again.
    app.clock.advance(Duration::minutes(2));
    let later = app
        .invite(&owner, &org, "twice@example.com", "VIEWER")
        .await;
    assert_eq!(later["data"]["inviteMember"]["id"], id, "{later}");
    assert_eq!(later["data"]["inviteMember"]["role"], "VIEWER");
    assert!(
        later["data"]["inviteMember"]["expiresAt"].as_str()
            > first["data"]["inviteMember"]["expiresAt"].as_str()
    );
    let mails = app
        .smtp
        .wait_for("twice@example.com", 2, MAIL_TIMEOUT)
        .await
        .unwrap();
    // The quick re-invite queued nothing; once both rows are settled the sink has all.
    let rows = app.settled_outbox_to("twice@example.com").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(app.smtp.received_by("twice@example.com").len(), 2);
    let list = app.gql(Some(&owner.token), "query($id: ID) { organization(id: $id) { invitations(status: PENDING) { totalCount } } }", json!({ "id": org })).await;
    assert_eq!(list["data"]["organization"]["invitations"]["totalCount"], 1);
    let body = app
        .gql(
            None,
            ACCEPT_TOKEN,
            json!({ "t": invitation_token(&mails[1]) }),
        )
        .await;
    assert_eq!(
        body["data"]["acceptInvitation"]["member"]["role"], "VIEWER",
        "{body}"
    );
}

#[tokio::test]
async fn the_rules_refuse_bad_invitations_and_mail_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let admin = app.sign_in("admin@example.com").await;
    let member = app.sign_in("member@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    app.join(&owner, &org, &admin, "ADMIN").await;
    app.join(&owner, &org, &member, "MEMBER").await;
    let mails_before = app.smtp.received().len();

    let body = app
        .invite(&owner, &owner.personal_org_id, "x@example.com", "MEMBER")
        .await;
    assert_eq!(code(&body), "PERSONAL_ORGANIZATION", "{body}");
    let body = app
        .invite(&owner, &org, "Member@Example.com", "VIEWER")
        .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let body = app.invite(&admin, &org, "boss@example.com", "OWNER").await;
    assert_eq!(code(&body), "FORBIDDEN");
    assert_eq!(body["errors"][0]["extensions"]["requiredRole"], "OWNER");
    let body = app
        .invite(&member, &org, "friend@example.com", "VIEWER")
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    assert_eq!(body["errors"][0]["extensions"]["requiredRole"], "ADMIN");
    let body = app.invite(&owner, &org, "not an address", "VIEWER").await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    let stranger = app.sign_in("stranger@example.com").await;
    let body = app
        .invite(&stranger, &org, "friend@example.com", "VIEWER")
        .await;
    assert_eq!(code(&body), "NOT_FOUND");
    let list = app
        .gql(
            Some(&member.token),
            "query($id: ID) { organization(id: $id) { invitations { totalCount } } }",
            json!({ "id": org }),
        )
        .await;
    assert_eq!(code(&list), "FORBIDDEN");

    // Each refusal rolled back before anything was queued: no invitation mail for any of
    // these addresses (the member's rows are their earlier sign-in and invitation).
    for address in ["x@example.com", "boss@example.com", "friend@example.com"] {
        assert_eq!(app.outbox_to(address).await, [], "{address}");
    }
    let member_rows = app.outbox_to("member@example.com").await;
    assert_eq!(
        member_rows
            .iter()
            .map(|row| row.kind.as_str())
            .collect::<Vec<_>>(),
        ["sign_in", "invitation"],
        "no second invitation for the member"
    );
    let stranger_rows = app.settled_outbox_to("stranger@example.com").await;
    assert_eq!(stranger_rows.len(), 1, "{stranger_rows:?}");
    assert_eq!(stranger_rows[0].kind, "sign_in");
    let after: Vec<_> = app.smtp.received().into_iter().skip(mails_before).collect();
    assert!(
        after
            .iter()
            .all(|mail| mail.to.iter().all(|to| to == "stranger@example.com")),
        "only stranger's sign-in mail"
    );
    // An owner may invite an owner.
    let body = app
        .invite(&owner, &org, "coowner@example.com", "OWNER")
        .await;
    assert_eq!(body["data"]["inviteMember"]["role"], "OWNER", "{body}");
}

#[tokio::test]
async fn invitations_are_rate_limited_per_organization() {
    let app = TestApp::spawn_with(&[("ROSTER_INVITATION_LIMIT", "3")]).await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    for index in 0..3 {
        let body = app
            .invite(&owner, &org, &format!("p{index}@example.com"), "VIEWER")
            .await;
        assert!(body["data"]["inviteMember"].is_object(), "{body}");
    }
    let body = app.invite(&owner, &org, "p3@example.com", "VIEWER").await;
    assert_eq!(code(&body), "RATE_LIMITED", "{body}");
    let other = app.create_org(&owner, "Other").await;
    let body = app.invite(&owner, &other, "p3@example.com", "VIEWER").await;
    assert!(
        body["data"]["inviteMember"].is_object(),
        "another org has its own budget"
    );
    app.clock.advance(Duration::minutes(61));
    let body = app.invite(&owner, &org, "p3@example.com", "VIEWER").await;
    assert!(body["data"]["inviteMember"].is_object(), "{body}");
}

#[tokio::test]
async fn an_smtp_outage_delays_the_invitation_mail_which_then_goes_out_once() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    app.smtp.set_mode(SinkMode::TempFail);
    let body = app
        .invite(&owner, &org, "later@example.com", "MEMBER")
        .await;
    assert_eq!(
        body["data"]["inviteMember"]["status"], "PENDING",
        "the invitation succeeds: {body}"
    );
    let list = format!(
        "query($id: ID) {{ organization(id: $id) {{ invitations {{ nodes {{ {INVITATION_FIELDS} }} }} }} }}"
    );
    let delivery = eventually("two delivery attempts", MAIL_TIMEOUT, || async {
        let body = app
            .gql(Some(&owner.token), &list, json!({ "id": org }))
            .await;
        let delivery = body["data"]["organization"]["invitations"]["nodes"][0]["delivery"].clone();
        (delivery["attempts"].as_i64().unwrap_or(0) >= 2).then_some(delivery)
    })
    .await;
    assert_eq!(delivery["status"], "QUEUED");
    assert!(
        delivery["lastError"].as_str().unwrap().contains("421"),
        "{delivery}"
    );
    assert!(app.smtp.received_by("later@example.com").is_empty());
    app.smtp.set_mode(SinkMode::Accept);
    app.smtp
        .wait_for("later@example.com", 1, MAIL_TIMEOUT)
        .await
        .unwrap();
    let rows = app.settled_outbox_to("later@example.com").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        app.smtp.received_by("later@example.com").len(),
        1,
        "exactly once"
    );
    let body = app
        .gql(Some(&owner.token), &list, json!({ "id": org }))
        .await;
    assert_eq!(
        body["data"]["organization"]["invitations"]["nodes"][0]["delivery"]["status"],
        "SENT"
    );
}
