//! The dev mailbox shows each message's date, kind, text body and HTML body (served alone
//! under `Content-Security-Policy: sandbox`, framed by the message page), and lists the
//! mail that did not go out with its last error.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{ConnectionTrait as _, DatabaseBackend, Statement};

use crate::support::{MAIL_TIMEOUT, TestApp, eventually};

async fn dev_app() -> (TestApp, tempfile::TempDir) {
    let folder = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with(&[
        ("ROSTER_SMTP_URL", ""),
        ("ROSTER_DEV_MAILBOX_DIR", folder.path().to_str().unwrap()),
    ])
    .await;
    (app, folder)
}

/// The `/dev/mailbox/{id}` paths listed, newest first, once `count` messages are there.
async fn listed(app: &TestApp, count: usize) -> Vec<String> {
    eventually("messages in the dev mailbox", MAIL_TIMEOUT, || async {
        let page = app.page("/dev/mailbox").await;
        let views: Vec<String> = page
            .split("<a class=\"view\" href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_owned)
            .collect();
        (views.len() >= count).then_some(views)
    })
    .await
}

async fn request_sign_in(app: &TestApp, email: &str) {
    let body = app
        .gql(
            None,
            "mutation($e: String!) { requestSignIn(email: $e) }",
            serde_json::json!({ "e": email }),
        )
        .await;
    assert_eq!(body["data"]["requestSignIn"], true, "{body}");
}

#[tokio::test]
async fn each_message_shows_its_date_kind_text_and_sandboxed_html() {
    let (app, _folder) = dev_app().await;
    request_sign_in(&app, "newcomer@example.com").await;
    let views = listed(&app, 1).await;
    let page = app.page("/dev/mailbox").await;
    let today = Utc::now().format("%Y-%m-%d").to_string();
    assert!(
        page.contains(&format!("<tr class=\"message\"><td>{today} ")),
        "{page}"
    );
    assert!(
        page.contains("<td class=\"kind\">Sign-in link</td>"),
        "{page}"
    );
    assert!(page.contains("Your Roster sign-in link"), "{page}");

    let view = app
        .http
        .get(format!("{}{}", app.base, views[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(view.status(), 200);
    let csp = view.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("script-src"), "{csp}");
    let html = view.text().await.unwrap();
    assert!(html.contains("<dd id=\"kind\">Sign-in link</dd>"), "{html}");
    assert!(
        html.contains(&format!("<dd id=\"date\">{today} ")),
        "{html}"
    );
    assert!(
        html.contains("<pre id=\"text-body\">Sign in to Roster\n\nSomeone (hopefully you) asked"),
        "{html}"
    );
    let body_path = format!("{}/html", views[0]);
    assert!(
        html.contains(&format!(
            "<iframe id=\"html-body\" class=\"mail\" sandbox src=\"{body_path}\""
        )),
        "{html}"
    );

    let body = app
        .http
        .get(format!("{}{body_path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(body.status(), 200);
    let headers = body.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("sandbox;"), "{csp}");
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert_eq!(headers["x-frame-options"], "SAMEORIGIN");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let body = body.text().await.unwrap();
    assert!(body.starts_with("<!doctype html>"), "{body}");
    assert!(body.contains("If the button does not work"), "{body}");

    for missing in [
        "/dev/mailbox/0190b3e4-0000-7000-8000-000000000000",
        "/dev/mailbox/..%2F..%2Fetc%2Fpasswd",
        "/dev/mailbox/not-an-id/html",
    ] {
        let response = app
            .http
            .get(format!("{}{missing}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{missing}");
    }

    // With SMTP there is no mailbox to read from.
    let smtp = TestApp::spawn().await;
    let response = smtp
        .http
        .get(format!("{}{}", smtp.base, views[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn mail_that_did_not_go_out_is_listed_with_its_last_error() {
    let (app, _folder) = dev_app().await;
    let page = app.page("/dev/mailbox").await;
    assert!(!page.contains("Not delivered"), "{page}");
    request_sign_in(&app, "failed@example.com").await;
    request_sign_in(&app, "retrying@example.com").await;
    listed(&app, 2).await;
    app.settled_outbox_to("retrying@example.com").await;
    // Their fates, as a refusing or flaky mail server would have left them.
    let backend = app.db.get_database_backend();
    let p = |n: usize| {
        if backend == DatabaseBackend::Postgres {
            format!("${n}")
        } else {
            "?".to_owned()
        }
    };
    let fail = format!(
        "UPDATE outbox SET status = 'FAILED', attempts = 1, last_error = {} WHERE recipient = {}",
        p(1),
        p(2)
    );
    app.db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            fail,
            [
                "permanent: 550 5.1.1 no such mailbox <b>here</b>".into(),
                "failed@example.com".into(),
            ],
        ))
        .await
        .unwrap();
    let retry = format!(
        "UPDATE outbox SET status = 'QUEUED', attempts = 2, last_error = {}, next_attempt_at = {} WHERE recipient = {}",
        p(1),
        p(2),
        p(3)
    );
    let later = Utc::now() + chrono::Duration::hours(1);
    app.db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            retry,
            [
                "transient: 421 4.3.0 try again later".into(),
                later.into(),
                "retrying@example.com".into(),
            ],
        ))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;

    let page = app.page("/dev/mailbox").await;
    assert!(
        page.contains("<h2 id=\"undelivered-heading\">Not delivered</h2>"),
        "{page}"
    );
    assert!(
        page.contains(
            "failed@example.com</td><td class=\"failed\">Failed after 1 attempt: not sent</td>"
        ),
        "{page}"
    );
    assert!(
        page.contains(
            "<code>permanent: 550 5.1.1 no such mailbox &#60;b&#62;here&#60;/b&#62;</code>"
        ) || page
            .contains("<code>permanent: 550 5.1.1 no such mailbox &lt;b&gt;here&lt;/b&gt;</code>"),
        "{page}"
    );
    assert!(
        page.contains(
            "retrying@example.com</td><td class=\"failed\">Retrying: 2 attempts so far, next at "
        ),
        "{page}"
    );
    assert!(
        page.contains("<code>transient: 421 4.3.0 try again later</code>"),
        "{page}"
    );
    assert_eq!(
        page.matches("<tr class=\"undelivered\">").count(),
        2,
        "{page}"
    );
}
