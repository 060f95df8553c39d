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
    assert!(browser.text("#joined").await.unwrap().contains("as Member"));
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

/// The console messages in which the page's Content-Security-Policy refused something.
async fn csp_refusals(browser: &Browser) -> Vec<serde_json::Value> {
    browser
        .console()
        .await
        .unwrap()
        .into_iter()
        .filter(|entry| {
            let message = entry["message"].as_str().unwrap_or_default();
            message.contains("Content Security Policy") || message.contains("Refused to")
        })
        .collect()
}

#[tokio::test]
async fn answering_an_invitation_continues_to_the_app_or_declines_in_words() {
    let app = TestApp::spawn_with(&[("ROSTER_APP_URL", "http://app.example.com/start")]).await;
    let Some(browser) = Browser::start().await.expect("browser starts") else {
        return;
    };
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Acme").await;
    // Declining signs nobody in; accepting does, so it comes last.
    for (email, button) in [
        ("no@example.com", "#decline"),
        ("yes@example.com", "#accept"),
    ] {
        let token = app.invite_and_get_token(&owner, &org, email, "ADMIN").await;
        browser
            .goto(&format!("{}/invitations/{token}", app.base))
            .await
            .unwrap();
        browser.click(button).await.unwrap();
        assert_eq!(
            browser.text("#continue").await.unwrap(),
            "Continue to app.example.com"
        );
        let name = if button == "#accept" {
            "joined"
        } else {
            "declined"
        };
        browser
            .screenshot(&crate::first_hour::output_dir().join(format!("{name}.png")))
            .await
            .unwrap();
        if button == "#accept" {
            assert!(browser.text("#joined").await.unwrap().contains("as Admin"));
        } else {
            assert!(browser.text("#declined").await.unwrap().contains("Acme"));
        }
    }
    assert_eq!(
        csp_refusals(&browser).await,
        Vec::<serde_json::Value>::new()
    );
}

#[tokio::test]
async fn a_used_sign_in_link_explains_itself_and_the_form_mails_a_new_one() {
    let mailbox = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with(&[
        ("ROSTER_SMTP_URL", ""),
        ("ROSTER_DEV_MAILBOX_DIR", mailbox.path().to_str().unwrap()),
    ])
    .await;
    let Some(browser) = Browser::start().await.expect("browser starts") else {
        return;
    };
    app.gql(
        None,
        "mutation { requestSignIn(email: \"again@example.com\") }",
        json!({}),
    )
    .await;
    browser
        .goto(&format!("{}/dev/mailbox", app.base))
        .await
        .unwrap();
    let link = crate::support::eventually(
        "the sign-in mail in the dev mailbox",
        crate::support::MAIL_TIMEOUT,
        || async {
            browser
                .goto(&format!("{}/dev/mailbox", app.base))
                .await
                .ok()?;
            let found = browser
                .execute("const a = document.querySelector('a.open'); return a && a.href")
                .await
                .ok()?;
            found.as_str().map(str::to_owned)
        },
    )
    .await;
    browser.goto(&link).await.unwrap();
    browser.click("#sign-in").await.unwrap();
    browser.text("#signed-in-as").await.unwrap();

    // The link again: it says what happened, and offers a new one.
    browser.goto(&link).await.unwrap();
    assert_eq!(
        browser.text("#problem").await.unwrap(),
        "This sign-in link was already used. Links work for 15 minutes and only once."
    );
    browser
        .screenshot(&crate::first_hour::output_dir().join("sign-in-used.png"))
        .await
        .unwrap();
    browser
        .type_into("#email", "again@example.com")
        .await
        .unwrap();
    browser.click("#request-link").await.unwrap();
    assert!(
        browser
            .text("#sent")
            .await
            .unwrap()
            .contains("we sent a sign-in link to it")
    );
    browser
        .screenshot(&crate::first_hour::output_dir().join("sign-in-link-sent.png"))
        .await
        .unwrap();

    // The dev mailbox: two sign-in mails, each with its page and sandboxed HTML body.
    browser.click("#mailbox-hint a").await.unwrap();
    crate::support::eventually("the second mail", crate::support::MAIL_TIMEOUT, || async {
        browser
            .goto(&format!("{}/dev/mailbox", app.base))
            .await
            .ok()?;
        let rows = browser
            .execute("return document.querySelectorAll('tr.message').length")
            .await
            .ok()?;
        (rows.as_u64()? == 2).then_some(())
    })
    .await;
    assert_eq!(
        browser.text("tr.message .kind").await.unwrap(),
        "Sign-in link"
    );
    browser
        .screenshot(&crate::first_hour::output_dir().join("mailbox.png"))
        .await
        .unwrap();
    browser.click("a.view").await.unwrap();
    assert!(
        browser
            .text("#text-body")
            .await
            .unwrap()
            .starts_with("Sign in to Roster")
    );
    browser.enter_frame(Some("#html-body")).await.unwrap();
    assert_eq!(browser.text("h1").await.unwrap(), "Sign in to Roster");
    // Sandboxed: a unique origin, where scripts do not run.
    let origin = browser.execute("return window.origin").await;
    assert!(
        origin.is_err() || origin.as_ref().unwrap() == "null",
        "{origin:?}"
    );
    browser.enter_frame(None).await.unwrap();
    browser
        .screenshot(&crate::first_hour::output_dir().join("mailbox-message.png"))
        .await
        .unwrap();
    assert_eq!(
        csp_refusals(&browser).await,
        Vec::<serde_json::Value>::new()
    );
}

#[tokio::test]
async fn graphiql_dialogs_open_without_a_content_security_policy_refusal() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::start().await.expect("browser starts") else {
        return;
    };
    browser
        .goto(&format!("{}/graphql", app.base))
        .await
        .unwrap();
    browser
        .text(".graphiql-query-editor .CodeMirror")
        .await
        .unwrap();
    for (button, name) in [
        (
            "[aria-label='Open settings dialog']",
            "graphiql-settings.png",
        ),
        (
            "[aria-label='Open short keys dialog']",
            "graphiql-shortcuts.png",
        ),
    ] {
        browser.click(button).await.unwrap();
        browser.text(".graphiql-dialog").await.unwrap();
        browser
            .screenshot(&crate::first_hour::output_dir().join(name))
            .await
            .unwrap();
        browser.click(".graphiql-dialog-close").await.unwrap();
    }
    assert_eq!(
        csp_refusals(&browser).await,
        Vec::<serde_json::Value>::new()
    );
}
