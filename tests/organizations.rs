//! Organizations: creation and slug rules, renaming, visibility to non-members,
//! switching the active organization, deletion.

use roster_domain::AuditAction;
use roster_domain::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, code};

const CREATE: &str = "mutation($n: String!, $s: String) { createOrganization(name: $n, slug: $s) { id slug name kind viewerRole memberCount avatarUrl viewerPermissions plan } }";
const BY_ID: &str = "query($id: ID) { organization(id: $id) { id name slug viewerRole } }";

async fn create(app: &TestApp, token: &str, name: &str, slug: Option<&str>) -> Value {
    app.gql(Some(token), CREATE, json!({ "n": name, "s": slug }))
        .await
}

async fn org_count(app: &TestApp, token: &str) -> i64 {
    let body = app
        .gql(
            Some(token),
            "{ viewer { organizations { totalCount } } }",
            json!({}),
        )
        .await;
    body["data"]["viewer"]["organizations"]["totalCount"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn creating_a_team_org_makes_the_creator_its_owner() {
    let app = TestApp::spawn().await;
    let user = app.sign_in("owner@example.com").await;
    let body = create(&app, &user.token, "  Acme Corp ", None).await;
    let org = &body["data"]["createOrganization"];
    assert_eq!(org["name"], "Acme Corp", "{body}");
    assert_eq!(org["slug"], "acme-corp");
    assert_eq!(org["kind"], "TEAM");
    assert_eq!(org["viewerRole"], "OWNER");
    assert_eq!(org["memberCount"], 1);
    assert_eq!(org["plan"], "free");
    let permissions: Vec<&str> = org["viewerPermissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(permissions.contains(&"organization:delete") && permissions.contains(&"member:invite"));
    // The avatar is deterministic from the id.
    let again = app
        .gql(
            Some(&user.token),
            "query($id: ID) { organization(id: $id) { avatarUrl } }",
            json!({ "id": org["id"] }),
        )
        .await;
    assert_eq!(again["data"]["organization"]["avatarUrl"], org["avatarUrl"]);

    let id = org["id"].as_str().unwrap();
    assert_eq!(
        app.audit_actions(id).await,
        [AuditAction::OrganizationCreated]
    );
}

#[tokio::test]
async fn slugs_follow_the_rules_and_derived_slugs_never_collide() {
    let app = TestApp::spawn().await;
    let user = app.sign_in("slugs@example.com").await;
    let before = org_count(&app, &user.token).await;

    for (slug, why) in [
        ("ab", "too short"),
        ("Acme", "uppercase"),
        ("-acme", "leading hyphen"),
        ("acme-", "trailing hyphen"),
        ("ac_me", "underscore"),
        ("admin", "reserved"),
        ("graphql", "reserved"),
        ("invitations", "reserved"),
    ] {
        let body = create(&app, &user.token, "Acme", Some(slug)).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{why}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "slug");
    }
    for (name, why) in [("   ", "blank"), ("a\u{7}b", "control character")] {
        let body = create(&app, &user.token, name, None).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{why}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "name");
    }
    let long = "x".repeat(65);
    assert_eq!(
        code(&create(&app, &user.token, &long, None).await),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        org_count(&app, &user.token).await,
        before,
        "refusals wrote nothing"
    );

    let first = create(&app, &user.token, "Acme", Some("acme")).await;
    assert_eq!(first["data"]["createOrganization"]["slug"], "acme");
    let taken = create(&app, &user.token, "Other", Some("acme")).await;
    assert_eq!(code(&taken), "CONFLICT");
    assert_eq!(taken["errors"][0]["extensions"]["field"], "slug");
    // A derived slug that is taken gets a suffix instead of failing.
    let derived = create(&app, &user.token, "ACME", None).await;
    let slug = derived["data"]["createOrganization"]["slug"]
        .as_str()
        .unwrap();
    assert!(slug.starts_with("acme-") && slug.len() == 9, "{slug}");
    let reserved_name = create(&app, &user.token, "Admin", None).await;
    assert_eq!(
        reserved_name["data"]["createOrganization"]["slug"],
        "admin-org"
    );
}

#[tokio::test]
async fn admins_rename_and_reslug_members_below_admin_are_forbidden() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("o@example.com").await;
    let admin = app.sign_in("a@example.com").await;
    let member = app.sign_in("m@example.com").await;
    let org = app.create_org(&owner, "Before").await;
    app.add_member(&org, &admin, Role::Admin).await;
    app.add_member(&org, &member, Role::Member).await;
    let update = "mutation($id: ID!, $n: String, $s: String) { updateOrganization(id: $id, name: $n, slug: $s) { name slug } }";

    let body = app
        .gql(
            Some(&admin.token),
            update,
            json!({ "id": org, "n": "After", "s": "after-co" }),
        )
        .await;
    assert_eq!(
        body["data"]["updateOrganization"],
        json!({ "name": "After", "slug": "after-co" }),
        "{body}"
    );

    let body = app
        .gql(
            Some(&member.token),
            update,
            json!({ "id": org, "n": "Nope" }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    assert_eq!(body["errors"][0]["extensions"]["requiredRole"], "ADMIN");

    let stranger = app.sign_in("s@example.com").await;
    let body = app
        .gql(
            Some(&stranger.token),
            update,
            json!({ "id": org, "n": "Nope" }),
        )
        .await;
    assert_eq!(code(&body), "NOT_FOUND");

    let other = app.create_org(&owner, "Taken").await;
    let body = app
        .gql(
            Some(&owner.token),
            update,
            json!({ "id": other, "s": "after-co" }),
        )
        .await;
    assert_eq!(code(&body), "CONFLICT");
    let body = app
        .gql(Some(&owner.token), update, json!({ "id": other, "n": "" }))
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");

    let actions = app.audit_actions(&org).await;
    assert_eq!(
        actions,
        [
            AuditAction::OrganizationCreated,
            AuditAction::OrganizationUpdated
        ]
    );
    let by_slug = app
        .gql(
            Some(&member.token),
            "{ organization(slug: \"after-co\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(by_slug["data"]["organization"]["name"], "After");
}

#[tokio::test]
async fn a_non_member_sees_an_organization_exactly_as_if_it_did_not_exist() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let stranger = app.sign_in("stranger@example.com").await;
    let org = app.create_org(&owner, "Secret Co").await;

    let theirs = app
        .gql(Some(&stranger.token), BY_ID, json!({ "id": org }))
        .await;
    let missing = app
        .gql(
            Some(&stranger.token),
            BY_ID,
            json!({ "id": "01890000-0000-7000-8000-000000000000" }),
        )
        .await;
    assert_eq!(theirs, missing);
    assert_eq!(theirs, json!({ "data": { "organization": null } }));
    let by_slug = app
        .gql(
            Some(&stranger.token),
            "{ organization(slug: \"secret-co\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(by_slug, json!({ "data": { "organization": null } }));

    // Mutations answer NOT_FOUND alike, too.
    let switch = "mutation($id: ID!) { switchOrganization(id: $id) { token } }";
    let a = app
        .gql(Some(&stranger.token), switch, json!({ "id": org }))
        .await;
    let b = app
        .gql(
            Some(&stranger.token),
            switch,
            json!({ "id": "01890000-0000-7000-8000-000000000000" }),
        )
        .await;
    assert_eq!(code(&a), "NOT_FOUND");
    assert_eq!(a["errors"][0]["message"], b["errors"][0]["message"]);

    let bad = app
        .gql(Some(&stranger.token), BY_ID, json!({ "id": "not-a-uuid" }))
        .await;
    assert_eq!(code(&bad), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_removed_member_loses_access_on_the_next_request() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let member = app.sign_in("member@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    app.add_member(&org, &member, Role::Admin).await;
    let body = app
        .gql(Some(&member.token), BY_ID, json!({ "id": org }))
        .await;
    assert_eq!(body["data"]["organization"]["viewerRole"], "ADMIN");

    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared("DELETE FROM memberships WHERE role = 'ADMIN'")
        .await
        .unwrap();
    let body = app
        .gql(Some(&member.token), BY_ID, json!({ "id": org }))
        .await;
    assert_eq!(body["data"]["organization"], Value::Null);
}

#[tokio::test]
async fn switching_renews_the_session_and_is_remembered_on_the_user() {
    let app = TestApp::spawn().await;
    let user = app.sign_in("switch@example.com").await;
    let org = app.create_org(&user, "Elsewhere").await;
    let body = app
        .gql(Some(&user.token), "mutation($id: ID!) { switchOrganization(id: $id) { token activeOrganization { id name } } }", json!({ "id": org }))
        .await;
    let session = &body["data"]["switchOrganization"];
    assert_eq!(session["activeOrganization"]["id"], org.as_str(), "{body}");
    let new_token = session["token"].as_str().unwrap();
    assert_ne!(new_token, user.token);

    let old = app
        .gql(Some(&user.token), "{ viewer { user { id } } }", json!({}))
        .await;
    assert_eq!(code(&old), "UNAUTHENTICATED", "the old token is dead");
    let viewer = app
        .gql(
            Some(new_token),
            "{ viewer { activeOrganization { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        viewer["data"]["viewer"]["activeOrganization"]["id"],
        org.as_str()
    );

    // A new sign-in elsewhere lands in the remembered organization.
    let again = app.sign_in("switch@example.com").await;
    assert_eq!(
        again.personal_org_id, org,
        "activeOrganization of the new session"
    );
}

#[tokio::test]
async fn deleting_needs_the_owner_the_exact_name_and_a_team_org() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let admin = app.sign_in("admin@example.com").await;
    let org = app.create_org(&owner, "Doomed Inc").await;
    app.add_member(&org, &admin, Role::Admin).await;
    let delete = "mutation($id: ID!, $c: String!) { deleteOrganization(id: $id, confirmName: $c) }";

    let body = app
        .gql(
            Some(&admin.token),
            delete,
            json!({ "id": org, "c": "Doomed Inc" }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    assert_eq!(body["errors"][0]["extensions"]["requiredRole"], "OWNER");
    let body = app
        .gql(
            Some(&owner.token),
            delete,
            json!({ "id": org, "c": "doomed inc" }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "confirmName");
    let body = app
        .gql(
            Some(&owner.token),
            delete,
            json!({ "id": owner.personal_org_id, "c": "owner's personal" }),
        )
        .await;
    assert_eq!(code(&body), "PERSONAL_ORGANIZATION");

    // Make it the owner's active org, then delete it.
    app.gql(
        Some(&owner.token),
        "mutation($id: ID!) { switchOrganization(id: $id) { token } }",
        json!({ "id": org }),
    )
    .await;
    let owner = app.sign_in("owner@example.com").await;
    let body = app
        .gql(
            Some(&owner.token),
            delete,
            json!({ "id": org, "c": "Doomed Inc" }),
        )
        .await;
    assert_eq!(body["data"]["deleteOrganization"], org.as_str(), "{body}");

    let gone = app
        .gql(Some(&admin.token), BY_ID, json!({ "id": org }))
        .await;
    assert_eq!(gone["data"]["organization"], Value::Null);
    assert!(
        app.audit_actions(&org).await.is_empty(),
        "its audit events went with it"
    );
    let viewer = app
        .gql(
            Some(&owner.token),
            "{ viewer { activeOrganization { id kind } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        viewer["data"]["viewer"]["activeOrganization"]["kind"], "PERSONAL",
        "falls back to personal"
    );
}

#[tokio::test]
async fn the_viewer_lists_their_organizations_with_their_role() {
    let app = TestApp::spawn().await;
    let user = app.sign_in("many@example.com").await;
    let other = app.sign_in("other@example.com").await;
    for index in 0..4 {
        app.create_org(&user, &format!("Mine {index}")).await;
    }
    let theirs = app.create_org(&other, "Theirs").await;
    app.add_member(&theirs, &user, Role::Viewer).await;
    let query = "query($after: String) { viewer { organizations(first: 4, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { name viewerRole } } } } }";
    let page = app.gql(Some(&user.token), query, json!({})).await;
    let connection = &page["data"]["viewer"]["organizations"];
    assert_eq!(connection["totalCount"], 6, "{page}");
    assert_eq!(connection["pageInfo"]["hasNextPage"], true);
    let next = app
        .gql(
            Some(&user.token),
            query,
            json!({ "after": connection["pageInfo"]["endCursor"] }),
        )
        .await;
    let rest = &next["data"]["viewer"]["organizations"];
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    let last = rest["edges"].as_array().unwrap();
    assert_eq!(last.len(), 2);
    assert_eq!(
        last[1]["node"],
        json!({ "name": "Theirs", "viewerRole": "VIEWER" })
    );
}
