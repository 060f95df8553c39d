//! The invitee's page in a real browser (headless Chromium): follow the mailed link, see
//! the organization's name rendered as text, click Accept, land signed in.

use serde_json::json;
use test_support::Browser;

use crate::support::{TestApp, invitation_token};

#[tokio::test]
async fn an_invitee_follows_the_mailed_link_accepts_in_the_browser_and_lands_signed_in() {
    let Some(browser) = Browser::start().await.expect("browser starts") else {
        return;
    };
    let app = TestApp::spawn().await;
    let owner = app.sign_in("owner@example.com").await;
    let hostile = "<script>alert(1)</script>";
    let org = app.create_org(&owner, hostile).await;
    let token = app
        .invite_and_get_token(&owner, &org, "newcomer@example.com", "MEMBER")
        .await;
    let link = app
        .smtp
        .received_by("newcomer@example.com")
        .last()
        .unwrap()
        .links()
        .into_iter()
        .find(|link| link.ends_with(&token))
        .unwrap();
    assert_eq!(
        invitation_token(&app.smtp.received_by("newcomer@example.com")[0]),
        token
    );

    browser.goto(&link).await.unwrap();
    assert_eq!(
        browser.text("#org-name").await.unwrap(),
        hostile,
        "rendered as text"
    );
    assert_eq!(browser.text("#role").await.unwrap(), "Member");
    browser
        .screenshot(&crate::first_hour::output_dir().join("invitation.png"))
        .await
        .unwrap();
    assert!(!browser.alert_open().await, "no script ran");
    assert_eq!(browser.text("#status").await.unwrap(), "PENDING");

    browser.click("#accept").await.unwrap();
    assert!(browser.text("#joined").await.unwrap().contains("as MEMBER"));
    assert_eq!(browser.text("#org-name").await.unwrap(), hostile);
    assert_eq!(
        browser.text("#signed-in-as").await.unwrap(),
        "newcomer@example.com"
    );
    let cookie = browser.cookie("roster_session").await.unwrap();
    assert_eq!(cookie["httpOnly"], true);
    assert_eq!(cookie["sameSite"], "Lax");
    let session = cookie["value"].as_str().unwrap();
    let body = app
        .gql(
            Some(session),
            "query($id: ID) { organization(id: $id) { name viewerRole } }",
            json!({ "id": org }),
        )
        .await;
    assert_eq!(
        body["data"]["organization"],
        json!({ "name": hostile, "viewerRole": "MEMBER" })
    );

    // Back on the link: the page now says it was used, with no buttons.
    browser.goto(&link).await.unwrap();
    assert_eq!(browser.text("#status").await.unwrap(), "ACCEPTED");
    assert!(
        browser
            .text("#closed")
            .await
            .unwrap()
            .contains("was accepted on ")
    );
}
