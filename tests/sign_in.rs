//! Email sign-in: the mailed link, first sign-in creating the user and personal org,
//! single use, expiry, the per-address rate limit, sign-out, and the browser page.

use chrono::Duration;
use roster_domain::AuditAction;
use serde_json::json;

use crate::support::{MAIL_TIMEOUT, TestApp, code};

const VIEWER: &str = "{ viewer { user { id email } activeOrganization { id kind viewerRole memberCount name slug } } }";

#[tokio::test]
async fn first_sign_in_creates_the_user_and_a_personal_organization() {
    let app = TestApp::spawn().await;
    let user = app.sign_in("Ada.Lovelace@Example.com").await;
    assert_eq!(user.email, "ada.lovelace@example.com");

    let body = app.gql(Some(&user.token), VIEWER, json!({})).await;
    let active = &body["data"]["viewer"]["activeOrganization"];
    assert_eq!(active["kind"], "PERSONAL", "{body}");
    assert_eq!(active["viewerRole"], "OWNER");
    assert_eq!(active["memberCount"], 1);
    assert_eq!(active["slug"], "ada-lovelace");

    let mail = &app.smtp.received_by("ada.lovelace@example.com")[0];
    assert!(mail.header("Subject").unwrap().contains("sign-in"));
    assert_eq!(mail.links().len(), 1, "the link stands alone on one line");

    let actions = app.audit_actions(&user.personal_org_id).await;
    assert_eq!(
        actions,
        [AuditAction::OrganizationCreated, AuditAction::UserSignedIn]
    );
}

#[tokio::test]
async fn addresses_match_case_insensitively_and_a_second_sign_in_finds_the_same_user() {
    let app = TestApp::spawn().await;
    let first = app.sign_in("grace@example.com").await;
    let second = app.sign_in("GRACE@example.COM").await;
    assert_eq!(first.user_id, second.user_id);
    assert_eq!(first.personal_org_id, second.personal_org_id);
    assert_ne!(first.token, second.token);
    let actions = app.audit_actions(&first.personal_org_id).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == AuditAction::UserSignedIn)
            .count(),
        2
    );
}

#[tokio::test]
async fn invalid_addresses_are_refused_and_send_nothing() {
    let app = TestApp::spawn().await;
    for bad in [
        "",
        "not-an-address",
        "a@b",
        "x@example.com\r\nBcc: y@example.com",
    ] {
        let body = app
            .gql(
                None,
                "mutation($e: String!) { requestSignIn(email: $e) }",
                json!({ "e": bad }),
            )
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{bad:?}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "email");
    }
    // Unknown but valid addresses answer exactly like known ones (no enumeration).
    let body = app
        .gql(
            None,
            "mutation { requestSignIn(email: \"nobody@example.com\") }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["requestSignIn"], true);
    app.smtp
        .wait_for("nobody@example.com", 1, MAIL_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        app.smtp.received().len(),
        1,
        "only the valid address got mail"
    );
}

#[tokio::test]
async fn a_sign_in_link_works_once() {
    let app = TestApp::spawn().await;
    let token = app.mailed_sign_in_token("once@example.com").await;
    let complete = "mutation($t: String!) { completeSignIn(token: $t) { token } }";
    let first = app.gql(None, complete, json!({ "t": token })).await;
    assert!(
        first["data"]["completeSignIn"]["token"].is_string(),
        "{first} {token:?}"
    );
    let second = app.gql(None, complete, json!({ "t": token })).await;
    assert_eq!(code(&second), "BAD_USER_INPUT");
    assert_eq!(second["errors"][0]["extensions"]["field"], "token");
    let unknown = app.gql(None, complete, json!({ "t": "rsi_nope" })).await;
    assert_eq!(code(&unknown), "BAD_USER_INPUT");
}

#[tokio::test]
async fn concurrent_uses_of_one_link_open_exactly_one_session() {
    let app = TestApp::spawn().await;
    let token = app.mailed_sign_in_token("race@example.com").await;
    let complete = "mutation($t: String!) { completeSignIn(token: $t) { token } }";
    let attempts = (0..10).map(|_| app.gql(None, complete, json!({ "t": token })));
    let results = futures::future::join_all(attempts).await;
    let winners = results
        .iter()
        .filter(|body| body["data"]["completeSignIn"]["token"].is_string())
        .count();
    assert_eq!(winners, 1, "{results:?}");
    for body in results.iter().filter(|body| body["errors"].is_array()) {
        assert_eq!(code(body), "BAD_USER_INPUT", "{body}");
    }
}

#[tokio::test]
async fn a_sign_in_link_expires_after_15_minutes() {
    let app = TestApp::spawn().await;
    let token = app.mailed_sign_in_token("late@example.com").await;
    app.clock
        .advance(Duration::minutes(15) + Duration::seconds(1));
    let body = app
        .gql(
            None,
            "mutation($t: String!) { completeSignIn(token: $t) { token } }",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn sign_in_links_are_rate_limited_per_address() {
    let app = TestApp::spawn().await;
    let request = "mutation($e: String!) { requestSignIn(email: $e) }";
    for _ in 0..5 {
        let body = app
            .gql(None, request, json!({ "e": "busy@example.com" }))
            .await;
        assert_eq!(body["data"]["requestSignIn"], true, "{body}");
    }
    let limited = app
        .gql(None, request, json!({ "e": "Busy@Example.com" }))
        .await;
    assert_eq!(code(&limited), "RATE_LIMITED", "{limited}");
    // Other addresses are unaffected.
    let other = app
        .gql(None, request, json!({ "e": "calm@example.com" }))
        .await;
    assert_eq!(other["data"]["requestSignIn"], true);
    app.smtp
        .wait_for("busy@example.com", 5, MAIL_TIMEOUT)
        .await
        .unwrap();
    app.smtp
        .wait_for("calm@example.com", 1, MAIL_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        app.smtp.received_by("busy@example.com").len(),
        5,
        "no mail for the refused request"
    );
    // The window slides.
    app.clock.advance(Duration::minutes(16));
    let again = app
        .gql(None, request, json!({ "e": "busy@example.com" }))
        .await;
    assert_eq!(again["data"]["requestSignIn"], true, "{again}");
}

#[tokio::test]
async fn the_rate_limit_is_configurable() {
    let app = TestApp::spawn_with(&[("ROSTER_SIGN_IN_LIMIT", "2")]).await;
    let request = "mutation($e: String!) { requestSignIn(email: $e) }";
    for _ in 0..2 {
        app.gql(None, request, json!({ "e": "two@example.com" }))
            .await;
    }
    let limited = app
        .gql(None, request, json!({ "e": "two@example.com" }))
        .await;
    assert_eq!(code(&limited), "RATE_LIMITED");
}

#[tokio::test]
async fn requests_without_valid_credentials_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let body = app.gql(None, VIEWER, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    let body = app.gql(Some("rss_forged"), VIEWER, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    let body = app
        .gql(
            Some("garbage"),
            "mutation { createOrganization(name: \"X\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn signing_out_kills_the_token_at_once() {
    let app = TestApp::spawn().await;
    let user = app.sign_in("bye@example.com").await;
    let other_session = app.sign_in("bye@example.com").await;
    let body = app
        .gql(Some(&user.token), "mutation { signOut }", json!({}))
        .await;
    assert_eq!(body["data"]["signOut"], true);
    let body = app.gql(Some(&user.token), VIEWER, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    // Only that session ends.
    let body = app.gql(Some(&other_session.token), VIEWER, json!({})).await;
    assert_eq!(body["data"]["viewer"]["user"]["email"], "bye@example.com");
}

#[tokio::test]
async fn sessions_expire() {
    let app = TestApp::spawn_with(&[("ROSTER_SESSION_TTL_DAYS", "1")]).await;
    let user = app.sign_in("short@example.com").await;
    app.clock.advance(Duration::days(1) + Duration::seconds(1));
    let body = app.gql(Some(&user.token), VIEWER, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
}

mod browser_page {
    use super::*;

    fn form_field(html: &str, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = html.find(&marker).unwrap() + marker.len();
        html[start..].split('"').next().unwrap().to_owned()
    }

    async fn post_form(app: &TestApp, body: String, origin: Option<&str>) -> reqwest::Response {
        let mut request = app
            .http
            .post(format!("{}/auth/verify", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send().await.unwrap()
    }

    #[tokio::test]
    async fn the_verify_page_signs_in_on_post_only_with_csrf_and_origin_checks() {
        let app = TestApp::spawn().await;
        let token = app.mailed_sign_in_token("page@example.com").await;
        let link = format!("{}/auth/verify?token={token}", app.base);

        // GETs (mail scanners) never spend the token.
        for _ in 0..2 {
            let page = app.http.get(&link).send().await.unwrap();
            assert_eq!(page.status(), 200);
            assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        }
        let html = app
            .http
            .get(&link)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("<form method=\"post\""));
        let csrf = form_field(&html, "csrf");

        // The real token with its first character changed (a fixed "00" prefix matched the
        // real one whenever it began with "00", one run in 256).
        let first = if csrf.starts_with('0') { '1' } else { '0' };
        let forged = post_form(
            &app,
            format!("token={token}&csrf={first}{}", &csrf[1..]),
            None,
        )
        .await;
        assert_eq!(forged.status(), 403);
        let cross_site = post_form(
            &app,
            format!("token={token}&csrf={csrf}"),
            Some("https://evil.example"),
        )
        .await;
        assert_eq!(cross_site.status(), 403);

        let origin = app.config.public_url();
        let response = post_form(&app, format!("token={token}&csrf={csrf}"), Some(&origin)).await;
        assert_eq!(response.status(), 200);
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(cookie.starts_with("roster_session=rss_"), "{cookie}");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("page@example.com"));

        // The cookie's token is a working session; the link is now spent.
        let session = cookie
            .trim_start_matches("roster_session=")
            .split(';')
            .next()
            .unwrap();
        let body = app.gql(Some(session), VIEWER, json!({})).await;
        assert_eq!(body["data"]["viewer"]["user"]["email"], "page@example.com");
        let again = post_form(&app, format!("token={token}&csrf={csrf}"), None).await;
        assert_eq!(again.status(), 400);
    }
}
