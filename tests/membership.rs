//! Managing members: role changes, removal, leaving, ownership transfer, and the rules on
//! top of the role table. A removed or demoted member is refused on the very next request.

use roster_domain::AuditAction;
use serde_json::{Value, json};

use crate::support::{SignedIn, TestApp, code};

const CHANGE: &str = "mutation($o: ID!, $u: ID!, $r: Role!) { changeMemberRole(organizationId: $o, userId: $u, role: $r) { role user { email } } }";
const REMOVE: &str = "mutation($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }";
const LEAVE: &str = "mutation($o: ID!) { leaveOrganization(organizationId: $o) }";
const TRANSFER: &str = "mutation($o: ID!, $u: ID!) { transferOwnership(organizationId: $o, userId: $u) { viewerRole } }";
const ORG: &str = "query($id: ID) { organization(id: $id) { viewerRole memberCount } }";

struct Team {
    org: String,
    owner: SignedIn,
    admin: SignedIn,
    member: SignedIn,
}

async fn team(app: &TestApp) -> Team {
    let owner = app.sign_in("owner@example.com").await;
    let admin = app.sign_in("admin@example.com").await;
    let member = app.sign_in("member@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    app.join(&owner, &org, &admin, "ADMIN").await;
    app.join(&owner, &org, &member, "MEMBER").await;
    Team {
        org,
        owner,
        admin,
        member,
    }
}

async fn change(app: &TestApp, actor: &SignedIn, org: &str, user: &SignedIn, role: &str) -> Value {
    app.gql(
        Some(&actor.token),
        CHANGE,
        json!({ "o": org, "u": user.user_id, "r": role }),
    )
    .await
}

#[tokio::test]
async fn admins_manage_roles_below_owner_and_only_owners_touch_owner() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let body = change(&app, &t.admin, &t.org, &t.member, "VIEWER").await;
    assert_eq!(body["data"]["changeMemberRole"]["role"], "VIEWER", "{body}");
    let body = change(&app, &t.admin, &t.org, &t.member, "OWNER").await;
    assert_eq!(code(&body), "FORBIDDEN");
    assert_eq!(body["errors"][0]["extensions"]["requiredRole"], "OWNER");
    let body = change(&app, &t.admin, &t.org, &t.owner, "ADMIN").await;
    assert_eq!(code(&body), "FORBIDDEN", "an admin cannot demote an owner");
    let body = change(&app, &t.member, &t.org, &t.admin, "VIEWER").await;
    assert_eq!(code(&body), "FORBIDDEN");
    let body = change(&app, &t.owner, &t.org, &t.admin, "OWNER").await;
    assert_eq!(body["data"]["changeMemberRole"]["role"], "OWNER");
    let stranger = app.sign_in("stranger@example.com").await;
    let body = change(&app, &t.owner, &t.org, &stranger, "ADMIN").await;
    assert_eq!(code(&body), "NOT_FOUND");

    let events = app.audit_actions(&t.org).await;
    assert_eq!(
        events
            .iter()
            .filter(|a| **a == AuditAction::MemberRoleChanged)
            .count(),
        2
    );
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT context FROM audit_events WHERE action = 'member.role_changed' ORDER BY id LIMIT 1",
        ))
        .await
        .unwrap()
        .unwrap();
    let context: Value = row.try_get("", "context").unwrap();
    assert_eq!(context["from"], "MEMBER");
    assert_eq!(context["to"], "VIEWER");
}

#[tokio::test]
async fn a_demoted_admin_is_refused_on_the_next_request() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let body = app
        .invite(&t.admin, &t.org, "one@example.com", "VIEWER")
        .await;
    assert!(body["data"]["inviteMember"].is_object(), "{body}");
    change(&app, &t.owner, &t.org, &t.admin, "MEMBER").await;
    let body = app
        .invite(&t.admin, &t.org, "two@example.com", "VIEWER")
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "same token, new role: {body}");
}

#[tokio::test]
async fn removal_follows_the_rules_and_takes_effect_at_once() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let body = app
        .gql(
            Some(&t.admin.token),
            REMOVE,
            json!({ "o": t.org, "u": t.owner.user_id }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "admins cannot remove owners");
    let body = app
        .gql(
            Some(&t.member.token),
            REMOVE,
            json!({ "o": t.org, "u": t.admin.user_id }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    let body = app
        .gql(
            Some(&t.owner.token),
            REMOVE,
            json!({ "o": t.org, "u": t.owner.user_id }),
        )
        .await;
    assert_eq!(code(&body), "LAST_OWNER");

    let body = app
        .gql(
            Some(&t.admin.token),
            REMOVE,
            json!({ "o": t.org, "u": t.member.user_id }),
        )
        .await;
    assert_eq!(
        body["data"]["removeMember"],
        t.member.user_id.as_str(),
        "{body}"
    );
    let body = app
        .gql(Some(&t.member.token), ORG, json!({ "id": t.org }))
        .await;
    assert_eq!(
        body["data"]["organization"],
        Value::Null,
        "removed: the org is gone for them"
    );
    let body = app
        .gql(Some(&t.owner.token), ORG, json!({ "id": t.org }))
        .await;
    assert_eq!(body["data"]["organization"]["memberCount"], 2);
    let body = app
        .gql(
            Some(&t.admin.token),
            REMOVE,
            json!({ "o": t.org, "u": t.member.user_id }),
        )
        .await;
    assert_eq!(code(&body), "NOT_FOUND");
    assert_eq!(
        app.audit_actions(&t.org).await.last(),
        Some(&AuditAction::MemberRemoved)
    );
}

#[tokio::test]
async fn members_leave_but_not_the_last_owner_nor_a_personal_org() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let body = app
        .gql(Some(&t.owner.token), LEAVE, json!({ "o": t.org }))
        .await;
    assert_eq!(code(&body), "LAST_OWNER", "{body}");
    let body = app
        .gql(
            Some(&t.owner.token),
            LEAVE,
            json!({ "o": t.owner.personal_org_id }),
        )
        .await;
    assert_eq!(code(&body), "PERSONAL_ORGANIZATION");
    let body = app
        .gql(Some(&t.member.token), LEAVE, json!({ "o": t.org }))
        .await;
    assert_eq!(body["data"]["leaveOrganization"], t.org.as_str(), "{body}");
    let body = app
        .gql(Some(&t.member.token), ORG, json!({ "id": t.org }))
        .await;
    assert_eq!(body["data"]["organization"], Value::Null);
    assert_eq!(
        app.audit_actions(&t.org).await.last(),
        Some(&AuditAction::MemberLeft)
    );
    // With a second owner, the first may leave.
    change(&app, &t.owner, &t.org, &t.admin, "OWNER").await;
    let body = app
        .gql(Some(&t.owner.token), LEAVE, json!({ "o": t.org }))
        .await;
    assert_eq!(body["data"]["leaveOrganization"], t.org.as_str(), "{body}");
}

#[tokio::test]
async fn transferring_ownership_swaps_roles_atomically() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let body = app
        .gql(
            Some(&t.admin.token),
            TRANSFER,
            json!({ "o": t.org, "u": t.member.user_id }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    assert_eq!(body["errors"][0]["extensions"]["requiredRole"], "OWNER");
    let stranger = app.sign_in("stranger@example.com").await;
    let body = app
        .gql(
            Some(&t.owner.token),
            TRANSFER,
            json!({ "o": t.org, "u": stranger.user_id }),
        )
        .await;
    assert_eq!(code(&body), "NOT_FOUND");
    let body = app
        .gql(
            Some(&t.owner.token),
            TRANSFER,
            json!({ "o": t.owner.personal_org_id, "u": t.member.user_id }),
        )
        .await;
    assert_eq!(code(&body), "PERSONAL_ORGANIZATION");

    let body = app
        .gql(
            Some(&t.owner.token),
            TRANSFER,
            json!({ "o": t.org, "u": t.member.user_id }),
        )
        .await;
    assert_eq!(
        body["data"]["transferOwnership"]["viewerRole"], "ADMIN",
        "{body}"
    );
    let body = app
        .gql(Some(&t.member.token), ORG, json!({ "id": t.org }))
        .await;
    assert_eq!(body["data"]["organization"]["viewerRole"], "OWNER");
    let body = app
        .gql(
            Some(&t.owner.token),
            "mutation($id: ID!, $c: String!) { deleteOrganization(id: $id, confirmName: $c) }",
            json!({ "id": t.org, "c": "Team" }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "the old owner is an admin now");
    assert_eq!(
        app.audit_actions(&t.org).await.last(),
        Some(&AuditAction::OwnershipTransferred)
    );
}
