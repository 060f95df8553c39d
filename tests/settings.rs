//! Organization settings: the billing email is the owners' (admins get FORBIDDEN), the
//! settings object is the admins' (a JSON object of at most 16 KiB), both read back on the
//! organization and are audited (settings by key only).

use roster_domain::Role;
use serde_json::json;

use crate::support::{TestApp, code};

const UPDATE: &str = "mutation($id: ID!, $b: String, $s: JSON) { updateOrganization(id: $id, billingEmail: $b, settings: $s) { billingEmail settings } }";
const READ: &str = "query($id: ID) { organization(id: $id) { billingEmail settings } }";

#[tokio::test]
async fn owners_set_the_billing_email_and_admins_the_settings() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("settings-owner@example.com").await;
    let admin = app.sign_in("settings-admin@example.com").await;
    let org = app.create_org(&owner, "Configured").await;
    app.add_member(&org, &admin, Role::Admin).await;
    let body = app
        .gql(Some(&owner.token), READ, json!({ "id": org }))
        .await;
    assert_eq!(
        body["data"]["organization"],
        json!({ "billingEmail": null, "settings": {} })
    );

    let body = app
        .gql(
            Some(&admin.token),
            UPDATE,
            json!({ "id": org, "b": "ap@example.com" }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["requiredRole"], "OWNER");
    let body = app
        .gql(
            Some(&owner.token),
            UPDATE,
            json!({ "id": org, "b": "AP@Example.com" }),
        )
        .await;
    assert_eq!(
        body["data"]["updateOrganization"]["billingEmail"], "ap@example.com",
        "{body}"
    );
    let body = app
        .gql(
            Some(&owner.token),
            UPDATE,
            json!({ "id": org, "b": "not an address" }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "billingEmail");

    let defaults = json!({ "region": "eu-west", "retries": 3, "features": { "beta": true } });
    let body = app
        .gql(
            Some(&admin.token),
            UPDATE,
            json!({ "id": org, "s": defaults }),
        )
        .await;
    assert_eq!(
        body["data"]["updateOrganization"]["settings"], defaults,
        "{body}"
    );
    let body = app
        .gql(Some(&owner.token), READ, json!({ "id": org }))
        .await;
    assert_eq!(
        body["data"]["organization"],
        json!({ "billingEmail": "ap@example.com", "settings": defaults })
    );

    // An owner clears the billing email with an empty one.
    let body = app
        .gql(Some(&owner.token), UPDATE, json!({ "id": org, "b": "" }))
        .await;
    assert!(
        body["data"]["updateOrganization"]["billingEmail"].is_null(),
        "{body}"
    );

    let log = app
        .gql(
            Some(&owner.token),
            "query($id: ID) { organization(id: $id) { auditLog(filter: { action: \"organization.updated\" }) { nodes { context } } } }",
            json!({ "id": org }),
        )
        .await;
    let contexts = log["data"]["organization"]["auditLog"]["nodes"].to_string();
    assert!(contexts.contains("settingsKeys"), "{contexts}");
    assert!(
        !contexts.contains("eu-west"),
        "setting values stay out of the log: {contexts}"
    );
}

#[tokio::test]
async fn settings_must_be_an_object_of_at_most_16_kib() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("settings-bounds@example.com").await;
    let org = app.create_org(&owner, "Bounded").await;
    for bad in [
        json!([1, 2, 3]),
        json!("text"),
        json!({ "blob": "x".repeat(16 * 1024) }),
    ] {
        let body = app
            .gql(Some(&owner.token), UPDATE, json!({ "id": org, "s": bad }))
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "settings");
    }
    let body = app
        .gql(Some(&owner.token), READ, json!({ "id": org }))
        .await;
    assert_eq!(
        body["data"]["organization"]["settings"],
        json!({}),
        "nothing half-written"
    );
}

#[tokio::test]
async fn projects_override_the_organizations_defaults_key_by_key() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("merge-owner@example.com").await;
    let viewer = app.sign_in("merge-viewer@example.com").await;
    let org = app.create_org(&owner, "Merged").await;
    app.add_member(&org, &viewer, Role::Viewer).await;
    let defaults = json!({ "region": "eu-west", "retries": 3 });
    app.gql(
        Some(&owner.token),
        UPDATE,
        json!({ "id": org, "s": defaults }),
    )
    .await;
    let project = app.create_project(&owner, &org, "Worker").await;
    let set = "mutation($id: ID!, $s: JSON!) { updateProjectSettings(id: $id, settings: $s) { settings effectiveSettings } }";
    let body = app
        .gql(
            Some(&owner.token),
            set,
            json!({ "id": project, "s": { "retries": 5, "debug": true } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateProjectSettings"],
        json!({
            "settings": { "retries": 5, "debug": true },
            "effectiveSettings": { "region": "eu-west", "retries": 5, "debug": true },
        }),
        "{body}"
    );
    // A later change of the defaults shows through where the project does not override.
    app.gql(
        Some(&owner.token),
        UPDATE,
        json!({ "id": org, "s": { "region": "us-east", "retries": 1 } }),
    )
    .await;
    let read = "query($id: ID) { organization(id: $id) { projects { nodes { settings effectiveSettings } } } }";
    let body = app
        .gql(Some(&viewer.token), read, json!({ "id": org }))
        .await;
    assert_eq!(
        body["data"]["organization"]["projects"]["nodes"][0]["effectiveSettings"],
        json!({ "region": "us-east", "retries": 5, "debug": true }),
        "{body}"
    );
    // Viewers read; changing needs a member. Non-objects are refused.
    let body = app
        .gql(Some(&viewer.token), set, json!({ "id": project, "s": {} }))
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app
        .gql(Some(&owner.token), set, json!({ "id": project, "s": [1] }))
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        app.audit_actions(&org)
            .await
            .contains(&roster_domain::AuditAction::ProjectSettingsChanged)
    );
}
