//! Invitations end to end: the mail, the preview, accepting and declining by token and by
//! id, expiry, revoking, resending, refreshing, the rules, the rate limit, delivery state.

use chrono::Duration;
use serde_json::{Value, json};
use test_support::SinkMode;

use crate::support::{INVITATION_FIELDS, MAIL_TIMEOUT, TestApp, code, invitation_token};

const ACCEPT_TOKEN: &str = "mutation($t: String) { acceptInvitation(token: $t) { member { role user { email } } organization { id name viewerRole } session { token user { email } activeOrganization { kind } } } }";
const PREVIEW: &str = "query($t: String!) { invitationPreview(token: $t) { orgName inviterEmail role status expiresAt } }";

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
        text.contains("ada@example.com invited you to join Analytical Engines as ADMIN"),
        "{text}"
    );
    let links = mails[0].links();
    assert_eq!(links.len(), 1);
    assert!(links[0].starts_with(&format!("{}/invitations/rsv_", app.config.public_url())));
    assert_eq!(
        app.audit_actions(&org).await,
        ["organization.created", "member.invited"]
    );

    // Delivery is reported to admins once the worker has sent it.
    let list = format!(
        "query($id: ID) {{ organization(id: $id) {{ invitations {{ totalCount nodes {{ {INVITATION_FIELDS} }} }} }} }}"
    );
    let started = std::time::Instant::now();
    loop {
        let body = app
            .gql(Some(&owner.token), &list, json!({ "id": org }))
            .await;
        let delivery = &body["data"]["organization"]["invitations"]["nodes"][0]["delivery"];
        if delivery["status"] == "SENT" {
            assert_eq!(delivery["attempts"], 1);
            break;
        }
        assert!(started.elapsed() < MAIL_TIMEOUT, "{body}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn accepting_by_token_while_signed_out_signs_the_invitee_in() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    let token = app
        .invite_and_get_token(&owner, &org, "new@example.com", "MEMBER")
        .await;

    // The preview is public and never spends the token.
    for _ in 0..2 {
        let preview = app.gql(None, PREVIEW, json!({ "t": token })).await;
        assert_eq!(
            preview["data"]["invitationPreview"]["orgName"], "Team",
            "{preview}"
        );
        assert_eq!(
            preview["data"]["invitationPreview"]["inviterEmail"],
            "owner@example.com"
        );
        assert_eq!(preview["data"]["invitationPreview"]["status"], "PENDING");
    }
    let page = app
        .http
        .get(format!("{}/invitations/{token}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    let body = app.gql(None, ACCEPT_TOKEN, json!({ "t": token })).await;
    let accepted = &body["data"]["acceptInvitation"];
    assert_eq!(accepted["member"]["role"], "MEMBER", "{body}");
    assert_eq!(accepted["organization"]["name"], "Team");
    assert_eq!(accepted["session"]["user"]["email"], "new@example.com");
    assert_eq!(
        accepted["session"]["activeOrganization"]["kind"], "PERSONAL",
        "a new user got a personal org"
    );
    let session = accepted["session"]["token"].as_str().unwrap();
    let viewer = app
        .gql(
            Some(session),
            "query($id: ID) { organization(id: $id) { viewerRole memberCount } }",
            json!({ "id": org }),
        )
        .await;
    assert_eq!(
        viewer["data"]["organization"],
        json!({ "viewerRole": "MEMBER", "memberCount": 2 })
    );

    let again = app.gql(None, ACCEPT_TOKEN, json!({ "t": token })).await;
    assert_eq!(code(&again), "INVITATION_NOT_PENDING");
    let preview = app.gql(None, PREVIEW, json!({ "t": token })).await;
    assert_eq!(preview["data"]["invitationPreview"]["status"], "ACCEPTED");
    let actions = app.audit_actions(&org).await;
    assert_eq!(
        actions.last().map(String::as_str),
        Some("invitation.accepted")
    );
}

#[tokio::test]
async fn a_signed_in_invitee_sees_pending_invitations_and_accepts_by_id() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let invitee = app.sign_in("invitee@example.com").await;
    let first = app.create_org(&owner, "First").await;
    let second = app.create_org(&owner, "Second").await;
    app.invite(&owner, &first, "INVITEE@example.com", "VIEWER")
        .await;
    app.invite(&owner, &second, "invitee@example.com", "ADMIN")
        .await;

    let pending = app
        .gql(Some(&invitee.token), "{ viewer { pendingInvitationCount pendingInvitations { id organizationName role organization { id } } } }", json!({}))
        .await;
    let viewer = &pending["data"]["viewer"];
    assert_eq!(viewer["pendingInvitationCount"], 2, "{pending}");
    let invitations = viewer["pendingInvitations"].as_array().unwrap();
    assert_eq!(invitations[0]["organizationName"], "First");
    assert_eq!(
        invitations[0]["organization"],
        Value::Null,
        "not a member yet"
    );
    let id = invitations[0]["id"].as_str().unwrap();

    let body = app
        .gql(Some(&invitee.token), "mutation($id: ID) { acceptInvitation(id: $id) { member { role } organization { name } session { token } } }", json!({ "id": id }))
        .await;
    assert_eq!(
        body["data"]["acceptInvitation"]["member"]["role"], "VIEWER",
        "{body}"
    );
    assert_eq!(
        body["data"]["acceptInvitation"]["session"],
        Value::Null,
        "already signed in"
    );

    let decline = app
        .gql(
            Some(&invitee.token),
            "mutation($id: ID) { declineInvitation(id: $id) { status } }",
            json!({ "id": invitations[1]["id"] }),
        )
        .await;
    assert_eq!(
        decline["data"]["declineInvitation"]["status"], "DECLINED",
        "{decline}"
    );
    let count = app
        .gql(
            Some(&invitee.token),
            "{ viewer { pendingInvitationCount } }",
            json!({}),
        )
        .await;
    assert_eq!(count["data"]["viewer"]["pendingInvitationCount"], 0);
    assert_eq!(
        app.audit_actions(&second).await.last().map(String::as_str),
        Some("invitation.declined")
    );

    // By id, only the invitee can even see it.
    let outsider = app.sign_in("outsider@example.com").await;
    let body = app
        .gql(
            Some(&outsider.token),
            "mutation($id: ID) { acceptInvitation(id: $id) { member { role } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&body), "NOT_FOUND");
    let body = app
        .gql(
            None,
            "mutation($id: ID) { acceptInvitation(id: $id) { member { role } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn signed_in_as_another_address_is_an_email_mismatch() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    let token = app
        .invite_and_get_token(&owner, &org, "right@example.com", "MEMBER")
        .await;
    let wrong = app.sign_in("wrong@example.com").await;
    let body = app
        .gql(Some(&wrong.token), ACCEPT_TOKEN, json!({ "t": token }))
        .await;
    assert_eq!(code(&body), "EMAIL_MISMATCH", "{body}");
    let body = app
        .gql(
            Some(&wrong.token),
            "mutation($t: String) { declineInvitation(token: $t) { status } }",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(code(&body), "EMAIL_MISMATCH");
    // Still pending for the right person.
    let body = app.gql(None, ACCEPT_TOKEN, json!({ "t": token })).await;
    assert_eq!(
        body["data"]["acceptInvitation"]["member"]["user"]["email"], "right@example.com",
        "{body}"
    );
}

#[tokio::test]
async fn invitations_expire_after_seven_days() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    let token = app
        .invite_and_get_token(&owner, &org, "slow@example.com", "MEMBER")
        .await;
    app.clock.advance(Duration::days(7));
    let body = app.gql(None, ACCEPT_TOKEN, json!({ "t": token })).await;
    assert_eq!(code(&body), "INVITATION_EXPIRED", "{body}");
    let preview = app.gql(None, PREVIEW, json!({ "t": token })).await;
    assert_eq!(preview["data"]["invitationPreview"]["status"], "EXPIRED");
    let list = app
        .gql(Some(&owner.token), "query($id: ID) { organization(id: $id) { pending: invitations(status: PENDING) { totalCount } expired: invitations(status: EXPIRED) { totalCount nodes { status } } } }", json!({ "id": org }))
        .await;
    assert_eq!(
        list["data"]["organization"]["pending"]["totalCount"], 0,
        "{list}"
    );
    assert_eq!(
        list["data"]["organization"]["expired"]["nodes"][0]["status"],
        "EXPIRED"
    );
}

#[tokio::test]
async fn revoking_kills_the_link_and_resending_replaces_it() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    let body = app
        .invite(&owner, &org, "resend@example.com", "MEMBER")
        .await;
    let id = body["data"]["inviteMember"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = invitation_token(
        &app.smtp
            .wait_for("resend@example.com", 1, MAIL_TIMEOUT)
            .await
            .unwrap()[0],
    );

    // Resends wait for a cooldown after the last mail.
    app.clock.advance(chrono::Duration::seconds(61));
    let resent = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { resendInvitation(id: $id) { id status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        resent["data"]["resendInvitation"]["status"], "PENDING",
        "{resent}"
    );
    let mails = app
        .smtp
        .wait_for("resend@example.com", 2, MAIL_TIMEOUT)
        .await
        .unwrap();
    let second = invitation_token(&mails[1]);
    assert_ne!(first, second);
    let old = app.gql(None, ACCEPT_TOKEN, json!({ "t": first })).await;
    assert_eq!(code(&old), "NOT_FOUND", "the old link is dead");

    let revoked = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { revokeInvitation(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        revoked["data"]["revokeInvitation"]["status"], "REVOKED",
        "{revoked}"
    );
    let body = app.gql(None, ACCEPT_TOKEN, json!({ "t": second })).await;
    assert_eq!(code(&body), "INVITATION_NOT_PENDING");
    let again = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { revokeInvitation(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&again), "INVITATION_NOT_PENDING");
    let actions = app.audit_actions(&org).await;
    assert_eq!(
        &actions[1..],
        ["member.invited", "invitation.resent", "invitation.revoked"]
    );
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
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
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

    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
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
    let started = std::time::Instant::now();
    loop {
        let body = app
            .gql(Some(&owner.token), &list, json!({ "id": org }))
            .await;
        let delivery = body["data"]["organization"]["invitations"]["nodes"][0]["delivery"].clone();
        if delivery["attempts"].as_i64().unwrap_or(0) >= 2 {
            assert_eq!(delivery["status"], "QUEUED");
            assert!(
                delivery["lastError"].as_str().unwrap().contains("421"),
                "{delivery}"
            );
            break;
        }
        assert!(started.elapsed() < MAIL_TIMEOUT, "{body}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(app.smtp.received_by("later@example.com").is_empty());
    app.smtp.set_mode(SinkMode::Accept);
    app.smtp
        .wait_for("later@example.com", 1, MAIL_TIMEOUT)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
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
