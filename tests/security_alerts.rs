//! Security alerts: a sign-in from an address the user has not signed in from within 90
//! days mails them (when, from where, with which browser, what to do), unless it is their
//! first sign-in or they turned alerts off in every organization they belong to. The
//! server trusts the loopback proxy here, so `X-Forwarded-For` picks the client address.

use chrono::Duration;
use serde_json::{Value, json};
use test_support::ReceivedMail;

use crate::support::{SignedIn, TestApp, invitation_token};

const AGENT: &str = "AlertTest/1.0 (X11; Linux)";

async fn spawn() -> TestApp {
    TestApp::spawn_with(&[
        ("ROSTER_TRUSTED_PROXIES", "127.0.0.1"),
        ("ROSTER_SIGN_IN_LIMIT", "50"),
    ])
    .await
}

/// A GraphQL operation sent as if from `ip`.
async fn gql_from(app: &TestApp, ip: &str, token: Option<&str>, query: &str, vars: Value) -> Value {
    let mut request = app
        .http
        .post(format!("{}/graphql", app.base))
        .header("x-forwarded-for", ip)
        .header("user-agent", AGENT)
        .json(&json!({ "query": query, "variables": vars }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// Signs `email` in through the mailed link, completing it from `ip`; waits until every
/// mail to them has settled, so the next sign-in link is the next mail.
async fn sign_in_from(app: &TestApp, email: &str, ip: &str) -> SignedIn {
    let token = app.mailed_sign_in_token(email).await;
    let body = gql_from(
        app,
        ip,
        None,
        "mutation($t: String!) { completeSignIn(token: $t) { token user { id email } activeOrganization { id } } }",
        json!({ "t": token }),
    )
    .await;
    let session = &body["data"]["completeSignIn"];
    assert!(session.is_object(), "{body}");
    app.settled_outbox_to(email).await;
    SignedIn {
        token: session["token"].as_str().unwrap().to_owned(),
        user_id: session["user"]["id"].as_str().unwrap().to_owned(),
        email: email.to_owned(),
        personal_org_id: session["activeOrganization"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    }
}

/// The security alerts delivered to `to` so far.
async fn alerts_to(app: &TestApp, to: &str) -> Vec<ReceivedMail> {
    app.settled_outbox_to(to).await;
    app.smtp
        .received_by(to)
        .into_iter()
        .filter(|mail| {
            mail.header("Subject")
                .is_some_and(|subject| subject.starts_with("New sign-in to Roster"))
        })
        .collect()
}

async fn set_alerts(app: &TestApp, user: &SignedIn, org: &str, on: bool) {
    let body = app
        .gql(
            Some(&user.token),
            "mutation($o: ID!, $on: Boolean) { updateNotificationPreferences(organizationId: $o, securityAlerts: $on) { securityAlerts } }",
            json!({ "o": org, "on": on }),
        )
        .await;
    assert_eq!(
        body["data"]["updateNotificationPreferences"]["securityAlerts"], on,
        "{body}"
    );
}

#[tokio::test]
async fn a_new_address_mails_an_alert_and_known_ones_do_not() {
    let app = spawn().await;
    let email = "roaming@example.com";
    sign_in_from(&app, email, "198.51.100.1").await;
    assert!(alerts_to(&app, email).await.is_empty(), "first sign-in");
    sign_in_from(&app, email, "198.51.100.1").await;
    assert!(alerts_to(&app, email).await.is_empty(), "same address");

    sign_in_from(&app, email, "203.0.113.9").await;
    let alerts = alerts_to(&app, email).await;
    assert_eq!(alerts.len(), 1);
    let mail = alerts[0].decoded();
    assert!(
        mail.contains("from 203.0.113.9, using AlertTest/1.0 (X11; Linux)"),
        "{mail}"
    );
    assert!(mail.contains("If this wasn't you"), "{mail}");
    assert!(mail.contains(" UTC"), "{mail}");

    sign_in_from(&app, email, "203.0.113.9").await;
    sign_in_from(&app, email, "198.51.100.1").await;
    assert_eq!(
        alerts_to(&app, email).await.len(),
        1,
        "both addresses known"
    );
}

#[tokio::test]
async fn the_verify_page_alerts_too() {
    let app = spawn().await;
    let email = "page-alert@example.com";
    sign_in_from(&app, email, "198.51.100.2").await;
    let token = app.mailed_sign_in_token(email).await;
    let link = format!("{}/auth/verify?token={token}", app.base);
    let html = app
        .http
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let csrf = html[start..].split('"').next().unwrap();
    let response = app
        .http
        .post(format!("{}/auth/verify", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", app.config.public_url())
        .header("x-forwarded-for", "192.0.2.77")
        .header("user-agent", AGENT)
        .body(format!("token={token}&csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let alerts = alerts_to(&app, email).await;
    assert_eq!(alerts.len(), 1);
    assert!(alerts[0].decoded().contains("from 192.0.2.77"));
}

#[tokio::test]
async fn turning_alerts_off_in_every_organization_stops_them() {
    let app = spawn().await;
    let email = "quiet-alerts@example.com";
    let user = sign_in_from(&app, email, "198.51.100.3").await;
    let team = app.create_org(&user, "Alert Team").await;
    // Off in the personal organization only: the team one still wants them.
    set_alerts(&app, &user, &user.personal_org_id, false).await;
    sign_in_from(&app, email, "203.0.113.30").await;
    assert_eq!(alerts_to(&app, email).await.len(), 1);
    // Off everywhere: no more alerts.
    set_alerts(&app, &user, &team, false).await;
    sign_in_from(&app, email, "203.0.113.31").await;
    assert_eq!(alerts_to(&app, email).await.len(), 1);
    assert_eq!(
        app.outbox_to(email)
            .await
            .iter()
            .filter(|row| row.kind == "security_alert")
            .count(),
        1
    );
}

#[tokio::test]
async fn an_address_unseen_for_90_days_alerts_again_and_is_forgotten() {
    let app = spawn().await;
    let email = "seasonal@example.com";
    sign_in_from(&app, email, "198.51.100.4").await;
    sign_in_from(&app, email, "203.0.113.40").await;
    assert_eq!(alerts_to(&app, email).await.len(), 1);

    // 89 days on, the first address is still known (and seen again now).
    app.clock.advance(Duration::days(89));
    sign_in_from(&app, email, "198.51.100.4").await;
    assert_eq!(alerts_to(&app, email).await.len(), 1);

    // 91 more days: the second address was last seen 180 days ago.
    app.clock.advance(Duration::days(91));
    sign_in_from(&app, email, "203.0.113.40").await;
    assert_eq!(alerts_to(&app, email).await.len(), 2);

    // Housekeeping forgets the first address (last seen 91 days ago), so it alerts again.
    assert_eq!(app.roster().prune_sign_in_addresses().await.unwrap(), 1);
    sign_in_from(&app, email, "198.51.100.4").await;
    assert_eq!(alerts_to(&app, email).await.len(), 3);
}

#[tokio::test]
async fn joining_by_invitation_link_is_a_first_sign_in() {
    let app = spawn().await;
    let owner = app.sign_in("inviting@example.com").await;
    let org = app.create_org(&owner, "Link Join").await;
    let email = "linked@example.com";
    let before = app.smtp.received_by(email).len();
    app.invite(&owner, &org, email, "MEMBER").await;
    let mails = app
        .smtp
        .wait_for(email, before + 1, crate::support::MAIL_TIMEOUT)
        .await
        .unwrap();
    let token = invitation_token(&mails[before]);
    let body = gql_from(
        &app,
        "198.51.100.5",
        None,
        "mutation($t: String) { acceptInvitation(token: $t) { session { token } } }",
        json!({ "t": token }),
    )
    .await;
    assert!(
        body["data"]["acceptInvitation"]["session"]["token"].is_string(),
        "{body}"
    );
    assert!(
        alerts_to(&app, email).await.is_empty(),
        "the account is new"
    );
    sign_in_from(&app, email, "198.51.100.5").await;
    assert!(
        alerts_to(&app, email).await.is_empty(),
        "the address is known"
    );
    sign_in_from(&app, email, "203.0.113.50").await;
    assert_eq!(alerts_to(&app, email).await.len(), 1);
}
