//! The invitee's page over plain HTTP: GETs never spend the token, forms need the CSRF
//! token and our origin, a different signed-in address is offered a switch, and closed
//! invitations say why.

use chrono::Duration;
use serde_json::json;

use crate::support::TestApp;

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("csrf field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn post(app: &TestApp, path: &str, csrf: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut request = app
        .http
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", app.config.public_url().as_str())
        .body(format!("csrf={csrf}"));
    if let Some(cookie) = cookie {
        request = request.header("cookie", format!("roster_session={cookie}"));
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_page_shows_the_invitation_and_only_a_valid_post_accepts_it() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Page Co").await;
    let token = app
        .invite_and_get_token(&owner, &org, "guest@example.com", "ADMIN")
        .await;
    let url = format!("{}/invitations/{token}", app.base);
    for _ in 0..3 {
        let page = app.http.get(&url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    }
    let html = app
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "<h1>Join Page Co</h1>",
        "owner@example.com",
        "id=\"role\">Admin</strong>",
        "Admins can also invite and remove members",
        "Accept signs you in as guest@example.com",
        "PENDING",
        "id=\"accept\"",
        "id=\"decline\"",
    ] {
        assert!(html.contains(needle), "{needle} in {html}");
    }
    let csrf = csrf_of(&html);

    let forged = post(&app, &format!("/invitations/{token}/accept"), "00", None).await;
    assert_eq!(forged.status(), 403);
    let cross_site = app
        .http
        .post(format!("{url}/accept"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    let other_token_csrf = post(&app, "/invitations/rsv_other/accept", &csrf, None).await;
    assert_eq!(
        other_token_csrf.status(),
        403,
        "the CSRF token is bound to the invitation"
    );

    let accepted = post(&app, &format!("/invitations/{token}/accept"), &csrf, None).await;
    assert_eq!(accepted.status(), 200);
    let cookie = accepted.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let html = accepted.text().await.unwrap();
    assert!(
        html.contains("You joined") && html.contains("guest@example.com"),
        "{html}"
    );

    let again = app
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("was accepted on ") && !again.contains("id=\"accept\""));
    let unknown = app
        .http
        .get(format!("{}/invitations/rsv_unknown", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn a_different_signed_in_address_gets_a_way_to_switch() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    let token = app
        .invite_and_get_token(&owner, &org, "right@example.com", "MEMBER")
        .await;
    let wrong = app.sign_in("wrong@example.com").await;
    let url = format!("{}/invitations/{token}", app.base);
    let html = app
        .http
        .get(&url)
        .header("cookie", format!("roster_session={}", wrong.token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("signed in as <strong>wrong@example.com</strong>")
            && html.contains("id=\"switch\""),
        "{html}"
    );
    let csrf = csrf_of(&html);
    let refused = post(
        &app,
        &format!("/invitations/{token}/accept"),
        &csrf,
        Some(&wrong.token),
    )
    .await;
    assert_eq!(refused.status(), 403, "EMAIL_MISMATCH");

    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let switched = no_redirects
        .post(format!("{url}/switch"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", app.config.public_url().as_str())
        .header("cookie", format!("roster_session={}", wrong.token))
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 303);
    assert!(
        switched.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let viewer = app
        .gql(Some(&wrong.token), "{ viewer { user { id } } }", json!({}))
        .await;
    assert_eq!(
        viewer["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "that session ended"
    );
    let accepted = post(&app, &format!("/invitations/{token}/accept"), &csrf, None).await;
    assert_eq!(accepted.status(), 200);
}

#[tokio::test]
async fn declined_revoked_and_expired_invitations_say_so() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Team").await;
    let declined = app
        .invite_and_get_token(&owner, &org, "no@example.com", "MEMBER")
        .await;
    let url = format!("{}/invitations/{declined}", app.base);
    let csrf = csrf_of(
        &app.http
            .get(&url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let response = post(
        &app,
        &format!("/invitations/{declined}/decline"),
        &csrf,
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(
        app.http
            .get(&url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("was declined")
    );

    let body = app.invite(&owner, &org, "gone@example.com", "MEMBER").await;
    let id = body["data"]["inviteMember"]["id"].clone();
    let revoked = crate::support::invitation_token(
        &app.smtp
            .wait_for("gone@example.com", 1, crate::support::MAIL_TIMEOUT)
            .await
            .unwrap()[0],
    );
    app.gql(
        Some(&owner.token),
        "mutation($id: ID!) { revokeInvitation(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await;
    let html = app.page(&format!("/invitations/{revoked}")).await;
    assert!(
        html.contains("was revoked by Team on ")
            && html.contains("Ask owner@example.com for a new one."),
        "the page names who to ask: {html}"
    );

    let expired = app
        .invite_and_get_token(&owner, &org, "late@example.com", "MEMBER")
        .await;
    let html = app.page(&format!("/invitations/{expired}")).await;
    let csrf = csrf_of(&html);
    app.clock.advance(Duration::days(8));
    let html = app.page(&format!("/invitations/{expired}")).await;
    assert!(
        html.contains("This invitation expired on ")
            && html.contains("Ask owner@example.com for a new one.")
            && !html.contains("id=\"accept\""),
        "{html}"
    );
    let response = post(&app, &format!("/invitations/{expired}/accept"), &csrf, None).await;
    assert_eq!(response.status(), 409);
}
