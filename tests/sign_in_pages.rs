//! A sign-in link that no longer works says so in plain words (expired, used, unknown) and
//! offers a form for a new one; that form answers the same for every address (no account
//! enumeration), needs its CSRF token and our origin, and spends the sign-in rate limits.

use chrono::Duration;

use crate::support::TestApp;

const RULE: &str = "Links work for 15 minutes and only once.";

fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let response = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn post(app: &TestApp, path: &str, body: String, origin: &str) -> reqwest::Response {
    app.http
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", origin)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Asks for a new link through the form on `html`.
async fn request_link(app: &TestApp, html: &str, email: &str) -> reqwest::Response {
    let csrf = field(html, "csrf");
    let body = format!("email={}&csrf={csrf}", email.replace('@', "%40"));
    post(app, "/auth/request", body, &app.config.public_url()).await
}

fn assert_offers_a_new_link(html: &str) {
    assert!(
        html.contains("<form method=\"post\" action=\"/auth/request\""),
        "{html}"
    );
    assert!(html.contains("type=\"email\""), "{html}");
}

#[tokio::test]
async fn each_dead_link_says_what_happened_and_offers_a_new_one() {
    let app = TestApp::spawn().await;

    let (status, html) = get(&app, "/auth/verify?token=rsi_nothing_like_it").await;
    assert_eq!(status, 400);
    assert!(html.contains("This sign-in link is not valid"), "{html}");
    assert_offers_a_new_link(&html);

    let (status, html) = get(&app, "/auth/verify").await;
    assert_eq!(status, 400);
    assert!(html.contains("This link has no token"), "{html}");
    assert_offers_a_new_link(&html);

    // Expired: on the GET, and on a POST from a page opened before it expired.
    let token = app.mailed_sign_in_token("late@example.com").await;
    let (status, button) = get(&app, &format!("/auth/verify?token={token}")).await;
    assert_eq!(status, 200);
    app.clock.advance(Duration::minutes(16));
    let (status, html) = get(&app, &format!("/auth/verify?token={token}")).await;
    assert_eq!(status, 400);
    assert!(
        html.contains(&format!("This sign-in link has expired. {RULE}")),
        "{html}"
    );
    assert!(html.contains("<h1>Sign-in link expired</h1>"), "{html}");
    assert_offers_a_new_link(&html);
    let body = format!("token={token}&csrf={}", field(&button, "csrf"));
    let late = post(&app, "/auth/verify", body, &app.config.public_url()).await;
    assert_eq!(late.status(), 400);
    assert!(late.headers().get("set-cookie").is_none());
    let html = late.text().await.unwrap();
    assert!(html.contains("This sign-in link has expired."), "{html}");
    assert_offers_a_new_link(&html);

    // Used: the second press, and the link opened again afterwards.
    let token = app.mailed_sign_in_token("twice@example.com").await;
    let (_, button) = get(&app, &format!("/auth/verify?token={token}")).await;
    let body = format!("token={token}&csrf={}", field(&button, "csrf"));
    let first = post(&app, "/auth/verify", body.clone(), &app.config.public_url()).await;
    assert_eq!(first.status(), 200);
    let second = post(&app, "/auth/verify", body, &app.config.public_url()).await;
    assert_eq!(second.status(), 400);
    let html = second.text().await.unwrap();
    assert!(
        html.contains(&format!("This sign-in link was already used. {RULE}")),
        "{html}"
    );
    assert_offers_a_new_link(&html);
    let (status, html) = get(&app, &format!("/auth/verify?token={token}")).await;
    assert_eq!(status, 400);
    assert!(html.contains("was already used"), "{html}");
}

#[tokio::test]
async fn the_form_mails_a_new_link_and_answers_alike_for_every_address() {
    let app = TestApp::spawn().await;
    app.sign_in("known@example.com").await;
    let (_, html) = get(&app, "/auth/verify?token=rsi_gone").await;

    let mut answers = Vec::new();
    for email in ["known@example.com", "stranger@example.com"] {
        let response = request_link(&app, &html, email).await;
        assert_eq!(response.status(), 200, "{email}");
        answers.push(response.text().await.unwrap().replace(email, "EMAIL"));
        let mails = app
            .smtp
            .wait_for(
                email,
                if email.starts_with("known") { 2 } else { 1 },
                crate::support::MAIL_TIMEOUT,
            )
            .await
            .unwrap();
        let link = mails
            .last()
            .unwrap()
            .links()
            .into_iter()
            .find(|link| link.contains("/auth/verify?token="))
            .unwrap();
        // The new link works.
        let (status, button) = get(&app, link.trim_start_matches(&app.base)).await;
        assert_eq!(status, 200, "{link}");
        assert!(button.contains("id=\"sign-in\""));
    }
    assert_eq!(answers[0], answers[1], "no hint whether an account exists");
    assert!(
        answers[0].contains("If <strong id=\"sent-to\">EMAIL</strong> is an address that can receive mail, we sent a sign-in link to it."),
        "{}",
        answers[0]
    );

    // Not an address: the form again, nothing queued.
    let bad = request_link(&app, &html, "not-an-address").await;
    assert_eq!(bad.status(), 400);
    let page = bad.text().await.unwrap();
    assert!(
        page.contains("does not look like an email address"),
        "{page}"
    );
    assert_offers_a_new_link(&page);
}

#[tokio::test]
async fn the_form_needs_its_csrf_token_and_our_origin_and_spends_the_rate_limit() {
    let app = TestApp::spawn_with(&[("ROSTER_SIGN_IN_LIMIT", "1")]).await;
    let (_, html) = get(&app, "/auth/verify?token=rsi_gone").await;
    let csrf = field(&html, "csrf");
    let origin = app.config.public_url();

    let forged = post(
        &app,
        "/auth/request",
        "email=a%40example.com&csrf=1.00".into(),
        &origin,
    )
    .await;
    assert_eq!(forged.status(), 403);
    let stale = format!(
        "email=a%40example.com&csrf=1{}",
        &csrf[csrf.find('.').unwrap()..]
    );
    assert_eq!(
        post(&app, "/auth/request", stale, &origin).await.status(),
        403
    );
    let cross = format!("email=a%40example.com&csrf={csrf}");
    let cross = post(&app, "/auth/request", cross, "https://evil.example").await;
    assert_eq!(cross.status(), 403);
    assert!(
        app.outbox_to("a@example.com").await.is_empty(),
        "nothing spent"
    );

    assert_eq!(
        request_link(&app, &html, "a@example.com").await.status(),
        200
    );
    let limited = request_link(&app, &html, "a@example.com").await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    let page = limited.text().await.unwrap();
    assert!(page.contains("Too many sign-in links"), "{page}");
    assert_eq!(
        app.outbox_to("a@example.com").await.len(),
        1,
        "one link only"
    );
}
