//! Notification preferences: per member and organization, defaults until changed, a
//! change touches only the fields it names and only the caller's own, strangers see
//! nothing, and API keys (no person behind them) are refused.

use roster_domain::Role;
use serde_json::{Value, json};

use crate::support::{SignedIn, TestApp, code};

const MINE: &str = "query($o: ID) { organization(id: $o) { viewerNotificationPreferences { usageWarnings weeklySummary securityAlerts } } }";
const UPDATE: &str = "mutation($o: ID!, $u: Boolean, $w: Boolean, $s: Boolean) { updateNotificationPreferences(organizationId: $o, usageWarnings: $u, weeklySummary: $w, securityAlerts: $s) { usageWarnings weeklySummary securityAlerts } }";

async fn mine(app: &TestApp, user: &SignedIn, org: &str) -> Value {
    let body = app.gql(Some(&user.token), MINE, json!({ "o": org })).await;
    body["data"]["organization"]["viewerNotificationPreferences"].clone()
}

fn prefs(usage: bool, weekly: bool, security: bool) -> Value {
    json!({ "usageWarnings": usage, "weeklySummary": weekly, "securityAlerts": security })
}

#[tokio::test]
async fn each_member_has_defaults_until_changing_their_own() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("prefs-owner@example.com").await;
    let member = app.sign_in("prefs-member@example.com").await;
    let org = app.create_org(&owner, "Preferences").await;
    app.add_member(&org, &member, Role::Member).await;
    assert_eq!(mine(&app, &owner, &org).await, prefs(true, false, true));

    let body = app
        .gql(
            Some(&member.token),
            UPDATE,
            json!({ "o": org, "w": true, "s": false }),
        )
        .await;
    assert_eq!(
        body["data"]["updateNotificationPreferences"],
        prefs(true, true, false),
        "{body}"
    );
    // Only the named fields change; a second change keeps the first.
    let body = app
        .gql(Some(&member.token), UPDATE, json!({ "o": org, "u": false }))
        .await;
    assert_eq!(
        body["data"]["updateNotificationPreferences"],
        prefs(false, true, false),
        "{body}"
    );
    assert_eq!(mine(&app, &member, &org).await, prefs(false, true, false));
    // The owner's own are untouched, and so are the member's elsewhere.
    assert_eq!(mine(&app, &owner, &org).await, prefs(true, false, true));
    assert_eq!(
        mine(&app, &member, &member.personal_org_id).await,
        prefs(true, false, true)
    );
}

#[tokio::test]
async fn strangers_and_api_keys_cannot_read_or_change_preferences() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("prefs-boss@example.com").await;
    let stranger = app.sign_in("prefs-stranger@example.com").await;
    let org = app.create_org(&owner, "Private Prefs").await;
    let body = app
        .gql(
            Some(&stranger.token),
            UPDATE,
            json!({ "o": org, "w": true }),
        )
        .await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let body = app
        .gql(Some(&stranger.token), MINE, json!({ "o": org }))
        .await;
    assert!(body["data"]["organization"].is_null(), "{body}");

    let project = app.create_project(&owner, &org, "Backend").await;
    let (_, secret) = app.create_key(&owner, &project, Some("ADMIN")).await;
    let body = app
        .gql(Some(&secret), UPDATE, json!({ "o": org, "w": true }))
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app.gql(Some(&secret), MINE, json!({ "o": org })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    assert_eq!(mine(&app, &owner, &org).await, prefs(true, false, true));
}
