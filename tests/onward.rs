//! After answering an invitation the page says where to go next: the product's app when
//! `ROSTER_APP_URL` is set ("Continue to <app>"), else this server's landing page and
//! GraphiQL. The setting is refused at start-up unless it is an absolute http(s) URL.

use crate::support::TestApp;

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("csrf field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Invites `email`, opens the page and POSTs `answer` (`accept` or `decline`); returns
/// the answer page's HTML.
async fn answer(app: &TestApp, email: &str, answer: &str) -> String {
    let owner = app.sign_in(&format!("owner-{answer}@example.com")).await;
    let org = app.create_org(&owner, "Onward Co").await;
    let token = app.invite_and_get_token(&owner, &org, email, "ADMIN").await;
    let html = app.page(&format!("/invitations/{token}")).await;
    let response = app
        .http
        .post(format!("{}/invitations/{token}/{answer}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", app.config.public_url().as_str())
        .body(format!("csrf={}", csrf_of(&html)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

#[tokio::test]
async fn with_an_app_url_the_answer_pages_continue_to_the_app() {
    let app = TestApp::spawn_with(&[("ROSTER_APP_URL", "https://app.example.com/welcome/")]).await;
    for verb in ["accept", "decline"] {
        let html = answer(&app, &format!("{verb}@example.com"), verb).await;
        assert!(
            html.contains(
                "<a id=\"continue\" class=\"button\" href=\"https://app.example.com/welcome\">Continue to app.example.com</a>"
            ),
            "{verb}: {html}"
        );
        assert!(!html.contains("href=\"/graphql\""), "{verb}: {html}");
    }
    let joined = answer(&app, "joined@example.com", "accept").await;
    assert!(
        joined.contains("as <strong id=\"role\">Admin</strong>"),
        "{joined}"
    );
}

#[tokio::test]
async fn without_an_app_url_the_answer_pages_link_graphiql_and_the_landing_page() {
    let app = TestApp::spawn().await;
    let joined = answer(&app, "joined@example.com", "accept").await;
    assert!(!joined.contains("id=\"continue\""), "{joined}");
    assert!(
        joined.contains("href=\"/graphql\">Open GraphiQL, signed in</a>"),
        "{joined}"
    );
    assert!(joined.contains("id=\"home-link\" href=\"/\""), "{joined}");
    let declined = answer(&app, "declined@example.com", "decline").await;
    assert!(
        declined.contains("You declined the invitation to"),
        "{declined}"
    );
    assert!(declined.contains("href=\"/\""), "{declined}");

    let off = TestApp::spawn_with(&[("ROSTER_GRAPHIQL", "false")]).await;
    let joined = answer(&off, "off@example.com", "accept").await;
    assert!(!joined.contains("/graphql"), "{joined}");
    assert!(joined.contains("href=\"/\""), "{joined}");
}

#[test]
fn the_app_url_must_be_an_absolute_http_url() {
    for bad in [
        "app.example.com",
        "https://",
        "javascript:alert(1)",
        "https://a b",
    ] {
        let err = roster_gateway::Config::from_lookup(|name| {
            (name == "ROSTER_APP_URL").then(|| bad.to_owned())
        })
        .unwrap_err();
        assert_eq!(err.name, "ROSTER_APP_URL", "{bad}");
    }
}
