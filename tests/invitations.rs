//! Invitations end to end, after the mail went out: the preview, accepting and declining
//! by token and by id, the email-mismatch rule, expiry, revoking and resending. Sending
//! (the mail, delivery state, re-invites, refusals, the rate limit) is in
//! `invitation_sending.rs`.

use chrono::Duration;
use roster_domain::AuditAction;
use serde_json::{Value, json};

use crate::support::{MAIL_TIMEOUT, TestApp, code, invitation_token};

/// Accepts an invitation by its token, asking for everything the tests check.
pub const ACCEPT_TOKEN: &str = "mutation($t: String) { acceptInvitation(token: $t) { member { role user { email } } organization { id name viewerRole } session { token user { email } activeOrganization { kind } } } }";
const PREVIEW: &str = "query($t: String!) { invitationPreview(token: $t) { orgName inviterEmail role status expiresAt } }";

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
    assert_eq!(actions.last(), Some(&AuditAction::InvitationAccepted));
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
        app.audit_actions(&second).await.last(),
        Some(&AuditAction::InvitationDeclined)
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
        [
            AuditAction::MemberInvited,
            AuditAction::InvitationResent,
            AuditAction::InvitationRevoked
        ]
    );
}
