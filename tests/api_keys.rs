//! API keys: shown once, stored as a hash, bound to their organization with their role,
//! refused on person-only operations, killed at once by regenerate and delete.

use roster_domain::AuditAction;
use serde_json::{Value, json};

use crate::support::{TestApp, code};

const ORG: &str = "query($id: ID) { organization(id: $id) { id name viewerRole } }";

async fn key_request(app: &TestApp, secret: &str, query: &str, variables: Value) -> Value {
    app.gql(Some(secret), query, variables).await
}

#[tokio::test]
async fn the_secret_is_shown_once_and_only_its_hash_is_stored() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    let project = app.create_project(&owner, &org, "Web").await;
    let body = app
        .gql(Some(&owner.token), "mutation($p: ID!) { createApiKey(projectId: $p, label: \"deploy\") { secret apiKey { id label maskedKey role lastUsedAt createdBy { email } } } }", json!({ "p": project }))
        .await;
    let created = &body["data"]["createApiKey"];
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("rk_") && secret.len() == 3 + 64,
        "256 random bits: {secret}"
    );
    assert_eq!(created["apiKey"]["role"], "MEMBER", "default role");
    assert_eq!(
        created["apiKey"]["maskedKey"],
        format!("rk_…{}", &secret[secret.len() - 4..])
    );
    assert_eq!(created["apiKey"]["lastUsedAt"], Value::Null);
    assert_eq!(created["apiKey"]["createdBy"]["email"], "owner@example.com");

    let listing = app
        .gql(Some(&owner.token), "query($id: ID) { organization(id: $id) { projects { nodes { apiKeys { id label maskedKey role } } } } }", json!({ "id": org }))
        .await;
    assert!(
        !listing.to_string().contains(&secret[3..]),
        "never read back"
    );

    use sea_orm::{ConnectionTrait, Statement};
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT * FROM api_keys",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let stored = format!("{:?}", rows[0]);
    assert!(
        !stored.contains(&secret[3..]),
        "no secret in the row: {stored}"
    );
    let hash: String = rows[0].try_get("", "secret_hash").unwrap();
    assert_eq!(hash, roster_domain::TokenHash::of(&secret).as_str());
}

#[tokio::test]
async fn a_key_reaches_its_organization_with_its_role_and_nothing_else() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Bound").await;
    let elsewhere = app.create_org(&owner, "Elsewhere").await;
    let project = app.create_project(&owner, &org, "Web").await;
    let (_, secret) = app.create_key(&owner, &project, Some("ADMIN")).await;

    let body = key_request(&app, &secret, ORG, json!({ "id": org })).await;
    assert_eq!(
        body["data"]["organization"]["viewerRole"], "ADMIN",
        "{body}"
    );
    let body = key_request(
        &app,
        &secret,
        "{ organization(slug: \"bound\") { id } }",
        json!({}),
    )
    .await;
    assert_eq!(body["data"]["organization"]["id"], org.as_str());
    for other in [&elsewhere, &owner.personal_org_id] {
        let body = key_request(&app, &secret, ORG, json!({ "id": other })).await;
        assert_eq!(
            body,
            json!({ "data": { "organization": null } }),
            "the creator's other orgs are invisible"
        );
    }
    let body = key_request(
        &app,
        &secret,
        "mutation($o: ID!) { createProject(organizationId: $o, name: \"X\") { id } }",
        json!({ "o": elsewhere }),
    )
    .await;
    assert_eq!(code(&body), "NOT_FOUND");

    // Person-only operations refuse keys.
    for (query, variables) in [
        ("{ viewer { user { id } } }", json!({})),
        ("mutation { signOut }", json!({})),
        (
            "mutation($id: ID!) { switchOrganization(id: $id) { token } }",
            json!({ "id": org }),
        ),
        (
            "mutation { acceptInvitation(token: \"rsv_x\") { member { role } } }",
            json!({}),
        ),
        (
            "mutation($o: ID!) { leaveOrganization(organizationId: $o) }",
            json!({ "o": org }),
        ),
        (
            "mutation { createOrganization(name: \"By key\") { id } }",
            json!({}),
        ),
    ] {
        let body = key_request(&app, &secret, query, variables).await;
        assert_eq!(code(&body), "FORBIDDEN", "{query}: {body}");
    }
    // What the role allows works, recorded as the key.
    let body = key_request(
        &app,
        &secret,
        "mutation($o: ID!) { createProject(organizationId: $o, name: \"By key\") { id } }",
        json!({ "o": org }),
    )
    .await;
    assert!(body["data"]["createProject"]["id"].is_string(), "{body}");
}

#[tokio::test]
async fn a_viewer_key_reads_but_cannot_write_and_roles_cap_at_the_creator() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let member = app.sign_in("member@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    app.join(&owner, &org, &member, "MEMBER").await;
    let project = app.create_project(&owner, &org, "Web").await;

    let body = app
        .gql(Some(&member.token), "mutation($p: ID!) { createApiKey(projectId: $p, label: \"x\", role: ADMIN) { secret } }", json!({ "p": project }))
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "never above the creator: {body}");
    let (_, viewer_key) = app.create_key(&member, &project, Some("VIEWER")).await;
    let body = key_request(&app, &viewer_key, "query($id: ID) { organization(id: $id) { members { totalCount } projects { totalCount } } }", json!({ "id": org })).await;
    assert_eq!(
        body["data"]["organization"]["members"]["totalCount"], 2,
        "{body}"
    );
    let body = key_request(
        &app,
        &viewer_key,
        "mutation($o: ID!) { createProject(organizationId: $o, name: \"No\") { id } }",
        json!({ "o": org }),
    )
    .await;
    assert_eq!(code(&body), "FORBIDDEN");
    let body = key_request(
        &app,
        &viewer_key,
        "mutation($p: ID!) { createApiKey(projectId: $p, label: \"escalate\") { secret } }",
        json!({ "p": project }),
    )
    .await;
    assert_eq!(code(&body), "FORBIDDEN");
}

#[tokio::test]
async fn regenerating_and_deleting_kill_the_old_secret_at_once() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    let project = app.create_project(&owner, &org, "Web").await;
    let (key_id, old) = app.create_key(&owner, &project, None).await;
    assert_eq!(
        key_request(&app, &old, ORG, json!({ "id": org })).await["data"]["organization"]["id"],
        org.as_str()
    );

    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { regenerateApiKey(id: $id) { secret apiKey { id maskedKey } } }",
            json!({ "id": key_id }),
        )
        .await;
    let new = body["data"]["regenerateApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        body["data"]["regenerateApiKey"]["apiKey"]["id"],
        key_id.as_str()
    );
    assert_ne!(new, old);
    let body = key_request(&app, &old, ORG, json!({ "id": org })).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "old secret dead: {body}");
    assert_eq!(
        key_request(&app, &new, ORG, json!({ "id": org })).await["data"]["organization"]["id"],
        org.as_str()
    );

    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { renameApiKey(id: $id, label: \"renamed\") { label } }",
            json!({ "id": key_id }),
        )
        .await;
    assert_eq!(body["data"]["renameApiKey"]["label"], "renamed");
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { deleteApiKey(id: $id) }",
            json!({ "id": key_id }),
        )
        .await;
    assert_eq!(body["data"]["deleteApiKey"], key_id.as_str(), "{body}");
    let body = key_request(&app, &new, ORG, json!({ "id": org })).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    let actions = app.audit_actions(&org).await;
    assert!(
        actions.ends_with(&[
            AuditAction::ApiKeyCreated,
            AuditAction::ApiKeyRegenerated,
            AuditAction::ApiKeyRenamed,
            AuditAction::ApiKeyDeleted
        ]),
        "{actions:?}"
    );
}

#[tokio::test]
async fn last_used_is_recorded_and_keys_survive_their_creators_removal() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let admin = app.sign_in("admin@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    app.join(&owner, &org, &admin, "ADMIN").await;
    let project = app.create_project(&admin, &org, "Web").await;
    let (_, secret) = app.create_key(&admin, &project, None).await;
    key_request(&app, &secret, ORG, json!({ "id": org })).await;

    app.gql(
        Some(&owner.token),
        "mutation($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }",
        json!({ "o": org, "u": admin.user_id }),
    )
    .await;
    let body = key_request(&app, &secret, ORG, json!({ "id": org })).await;
    assert_eq!(
        body["data"]["organization"]["id"],
        org.as_str(),
        "the key belongs to the project"
    );
    let keys = app
        .gql(Some(&owner.token), "query($id: ID) { organization(id: $id) { projects { nodes { apiKeys { lastUsedAt createdBy { email } } } } } }", json!({ "id": org }))
        .await;
    let key = &keys["data"]["organization"]["projects"]["nodes"][0]["apiKeys"][0];
    assert!(key["lastUsedAt"].is_string(), "{keys}");
    assert_eq!(
        key["createdBy"]["email"], "admin@example.com",
        "listed with its creator to rotate"
    );
}
