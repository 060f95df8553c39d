//! A newcomer's first hour, with no internet: the landing page at `/` says where to go,
//! GraphiQL loads only files the binary serves, and the browser's session from the email
//! sign-in page works in GraphiQL (same-origin JSON POSTs only), in a real browser too.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use test_support::Browser;

use crate::support::{TestApp, code, eventually};

const VIEWER: &str = "{ viewer { user { email } } }";

/// Where the browser tests leave their screenshots: `target/tmp/browser/`.
pub fn output_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser")
}

/// The values of every `href="..."` and `src="..."` in `html`.
fn urls(html: &str) -> Vec<String> {
    ["href=\"", "src=\""]
        .iter()
        .flat_map(|attribute| html.split(attribute).skip(1))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_landing_page_links_graphiql_the_mailbox_when_on_health_and_the_docs() {
    let app = TestApp::spawn().await;
    let home = get(&app, "/").await;
    assert_eq!(home.status(), 200);
    assert!(
        home.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = home.text().await.unwrap();
    assert!(
        html.contains("/assets/page.css"),
        "styled like the other pages"
    );
    let links = urls(&html);
    for wanted in [
        "/graphql",
        "/healthz",
        "/docs/README.md",
        "/docs/ARCHITECTURE.md",
    ] {
        assert!(
            links.iter().any(|link| link == wanted),
            "{wanted} in {links:?}"
        );
    }
    assert!(
        !links.iter().any(|link| link == "/dev/mailbox"),
        "mail goes over SMTP here"
    );
    for link in &links {
        let response = get(&app, link).await;
        assert_eq!(response.status(), 200, "{link}");
    }
    let readme = get(&app, "/docs/README.md").await.text().await.unwrap();
    assert!(readme.starts_with("# Roster"));
    assert_eq!(get(&app, "/docs/Cargo.toml").await.status(), 404);

    let mailbox = tempfile::tempdir().unwrap();
    let dev = TestApp::spawn_with(&[
        ("ROSTER_SMTP_URL", ""),
        ("ROSTER_DEV_MAILBOX_DIR", mailbox.path().to_str().unwrap()),
        ("ROSTER_GRAPHIQL", "false"),
    ])
    .await;
    let links = urls(&dev.page("/").await);
    assert!(links.iter().any(|link| link == "/dev/mailbox"), "{links:?}");
    assert!(!links.iter().any(|link| link == "/graphql"), "switched off");
    assert_eq!(get(&dev, "/dev/mailbox").await.status(), 200);
}

#[tokio::test]
async fn graphiql_loads_only_pinned_files_this_server_serves() {
    let app = TestApp::spawn().await;
    let page = app
        .http
        .get(format!("{}/graphql", app.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    for directive in [
        "script-src 'self';",
        // Plus the hash of the one inline style GraphiQL's dialogs insert (edge.rs).
        "style-src 'self' 'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc=';",
        "connect-src 'self';",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe") && !csp.contains("https:"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("http:") && !html.contains("https:"),
        "{html}"
    );
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "{html}"
    );
    let assets = urls(&html);
    assert_eq!(assets.len(), 6, "{assets:?}");
    for asset in &assets {
        assert!(asset.starts_with("/assets/graphiql/"), "{asset}");
        let response = get(&app, asset).await;
        assert_eq!(response.status(), 200, "{asset}");
        let headers = response.headers();
        let content_type = headers["content-type"].to_str().unwrap();
        let expected = if asset.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(
            content_type.starts_with(expected),
            "{asset}: {content_type}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let cache = headers["cache-control"].to_str().unwrap();
        if asset.contains("-3.9.0") || asset.contains("-18.3.1") {
            assert!(cache.contains("immutable"), "{asset}: {cache}");
        }
    }
    for license in ["LICENSE-graphiql", "LICENSE-react", "LICENSE-react-dom"] {
        let response = get(&app, &format!("/assets/graphiql/{license}")).await;
        assert_eq!(response.status(), 200);
        assert!(response.text().await.unwrap().contains("MIT License"));
    }
    assert_eq!(
        get(&app, "/assets/graphiql/../Cargo.toml").await.status(),
        404
    );

    let off = TestApp::spawn_with(&[("ROSTER_GRAPHIQL", "false")]).await;
    assert_eq!(get(&off, &assets[0]).await.status(), 404);
}

/// Signs `email` in through the pages a browser sees (the mailed link, the button) and
/// returns the session cookie's value and the page it landed on.
async fn sign_in_by_page(app: &TestApp, email: &str) -> (String, String) {
    let token = app.mailed_sign_in_token(email).await;
    let form = app.page(&format!("/auth/verify?token={token}")).await;
    let csrf = form
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let response = app
        .http
        .post(format!("{}/auth/verify", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &app.base)
        .body(format!("token={token}&csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    let session = cookie
        .strip_prefix("roster_session=")
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_owned();
    (session, response.text().await.unwrap())
}

/// `POST /graphql` with the session cookie, `content_type` and extra headers.
async fn post_with_cookie(
    app: &TestApp,
    session: &str,
    content_type: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app
        .http
        .post(format!("{}/graphql", app.base))
        .header("cookie", format!("roster_session={session}"))
        .header("content-type", content_type)
        .body(json!({ "query": VIEWER }).to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

async fn viewer_email(response: reqwest::Response) -> Result<String, String> {
    let body: Value = response.json().await.unwrap();
    body["data"]["viewer"]["user"]["email"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| code(&body).to_owned())
}

#[tokio::test]
async fn the_sign_in_cookie_works_on_same_origin_json_posts_to_graphql_only() {
    let app = TestApp::spawn().await;
    let (session, landed) = sign_in_by_page(&app, "cookie@example.com").await;
    assert!(landed.contains("href=\"/graphql\""), "{landed}");
    assert!(landed.contains("Open GraphiQL, signed in"), "{landed}");
    let me = Ok("cookie@example.com".to_owned());
    let json = "application/json";

    // What GraphiQL sends from our own page, and what a script without those headers sends.
    let origin = app.base.as_str();
    let same_site = [("origin", origin), ("sec-fetch-site", "same-origin")];
    let post = post_with_cookie(&app, &session, json, &same_site).await;
    assert_eq!(viewer_email(post).await, me);
    let post = post_with_cookie(&app, &session, "application/json; charset=utf-8", &[]).await;
    assert_eq!(viewer_email(post).await, me);

    // Another site's page: the cookie does not count.
    for headers in [
        [
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ],
        [("origin", "https://evil.example"), ("x-unused", "-")],
        [("origin", origin), ("sec-fetch-site", "same-site")],
        [("origin", "null"), ("sec-fetch-site", "cross-site")],
    ] {
        let post = post_with_cookie(&app, &session, json, &headers).await;
        assert_eq!(
            viewer_email(post).await,
            Err("UNAUTHENTICATED".to_owned()),
            "{headers:?}"
        );
    }
    // A form cannot carry JSON: refused before anything runs.
    for form_type in [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data",
    ] {
        let post = post_with_cookie(&app, &session, form_type, &same_site).await;
        assert_eq!(post.status(), 415, "{form_type}");
    }
    // GET never takes the cookie.
    let get = app
        .http
        .get(format!("{}/graphql", app.base))
        .query(&[("query", VIEWER)])
        .header("cookie", format!("roster_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(viewer_email(get).await, Err("UNAUTHENTICATED".to_owned()));

    // A bearer token wins over the cookie, also a bad one.
    let other = app.sign_in("bearer@example.com").await;
    let bearer = format!("Bearer {}", other.token);
    let post = post_with_cookie(&app, &session, json, &[("authorization", &bearer)]).await;
    assert_eq!(
        viewer_email(post).await,
        Ok("bearer@example.com".to_owned())
    );
    let post = post_with_cookie(
        &app,
        &session,
        json,
        &[("authorization", "Bearer rs_wrong")],
    )
    .await;
    assert_eq!(viewer_email(post).await, Err("UNAUTHENTICATED".to_owned()));
}

#[tokio::test]
async fn graphiql_opens_offline_signed_in_from_the_sign_in_page_and_runs_a_query() {
    // The server first: starting it installs the TLS crypto provider the driver client needs.
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::start().await.expect("browser starts") else {
        return;
    };
    let token = app.mailed_sign_in_token("graphiql@example.com").await;
    browser
        .goto(&format!("{}/auth/verify?token={token}", app.base))
        .await
        .unwrap();
    browser.click("#sign-in").await.unwrap();
    browser.text("#signed-in-as").await.unwrap();
    browser
        .screenshot(&output_dir().join("signed-in.png"))
        .await
        .unwrap();
    browser.click("#open-graphiql").await.unwrap();

    // Rendered: the editors replaced "Loading...", the default query is in place.
    browser
        .text(".graphiql-query-editor .CodeMirror")
        .await
        .unwrap();
    assert!(
        !browser
            .text("#graphiql")
            .await
            .unwrap()
            .contains("Loading...")
    );
    browser.click(".graphiql-execute-button").await.unwrap();
    let result = eventually("the query's answer", Duration::from_secs(20), || async {
        let text = browser.text(".result-window").await.ok()?;
        text.contains("graphiql@example.com").then_some(text)
    })
    .await;
    assert!(result.contains("\"email\""), "{result}");
    browser
        .screenshot(&output_dir().join("graphiql-signed-in.png"))
        .await
        .unwrap();

    // Everything came from this server, and the page's policy refused nothing.
    let loaded = browser
        .execute("return performance.getEntriesByType('resource').map(e => e.name)")
        .await
        .unwrap();
    let loaded: Vec<&str> = loaded
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(loaded.len() >= 6, "{loaded:?}");
    for url in &loaded {
        assert!(url.starts_with(&app.base), "{url}");
    }
    let refused: Vec<Value> = browser
        .console()
        .await
        .unwrap()
        .into_iter()
        .filter(|entry| {
            let message = entry["message"].as_str().unwrap_or_default();
            let failed = message.contains("Failed to load") && !message.contains("/favicon.ico");
            message.contains("Content Security Policy") || failed
        })
        .collect();
    assert_eq!(refused, Vec::<Value>::new());

    browser.goto(&format!("{}/", app.base)).await.unwrap();
    browser.click("#graphiql-link").await.unwrap();
    browser
        .text(".graphiql-query-editor .CodeMirror")
        .await
        .unwrap();
    browser.goto(&format!("{}/", app.base)).await.unwrap();
    browser.text("#links").await.unwrap();
    browser
        .screenshot(&output_dir().join("landing.png"))
        .await
        .unwrap();
}
