//! Hardening from the outside review: NUL in any argument is refused up front, HTML pages
//! cannot be framed (and framed form POSTs spend nothing), the dev mailbox lists only each
//! mail's own link, request ids are plain, suggestions stay off without introspection,
//! names refuse invisible format characters and project names fold case fully.

use serde_json::{Value, json};

use crate::support::{MAIL_TIMEOUT, SignedIn, TestApp, code};

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or("")
}

mod nul_characters {
    use super::*;

    #[tokio::test]
    async fn any_argument_or_variable_holding_nul_is_bad_user_input() {
        let app = TestApp::spawn().await;
        let owner = app.sign_in("nul@example.com").await;
        let org = app.create_org(&owner, "Nul Co").await;
        // GraphQL string escapes: the parsed argument holds a real NUL character.
        let cases: [(&str, Value, &str); 5] = [
            (
                r#"{ organization(slug: "ab\u0000c") { id } }"#,
                json!({}),
                "slug",
            ),
            (
                r#"query($o: ID) { organization(id: $o) { members(search: "a\u0000") { totalCount } } }"#,
                json!({ "o": org }),
                "search",
            ),
            (
                r#"query($o: ID) { organization(id: $o) { auditLog(filter: { action: "member.invited\u0000" }) { totalCount } } }"#,
                json!({ "o": org }),
                "filter.action",
            ),
            (
                r#"mutation { createOrganization(name: "Evil\u0000Co") { id } }"#,
                json!({}),
                "name",
            ),
            (
                "query($s: String) { organization(slug: $s) { id } }",
                json!({ "s": "ab\u{0}c" }),
                "s",
            ),
        ];
        for (query, variables, expected_field) in cases {
            let body = app.gql(Some(&owner.token), query, variables).await;
            assert_eq!(code(&body), "BAD_USER_INPUT", "{query}: {body}");
            assert_eq!(field(&body), expected_field, "{query}: {body}");
            assert!(body["data"].is_null(), "nothing ran: {body}");
        }
        // The refused mutation created nothing.
        let body = app
            .gql(
                Some(&owner.token),
                "{ viewer { organizations(first: 50) { edges { node { name } } } } }",
                json!({}),
            )
            .await;
        assert!(!body.to_string().contains("Evil"), "{body}");
    }
}

mod framing {
    use super::*;

    const CSP_PARTS: [&str; 5] = [
        "default-src 'none'",
        "style-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ];

    fn assert_unframeable(response: &reqwest::Response, page: &str) {
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY", "{page}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        for part in CSP_PARTS {
            assert!(csp.contains(part), "{page}: {csp} lacks {part}");
        }
    }

    fn form_field(html: &str, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = html.find(&marker).expect("form field") + marker.len();
        html[start..].split('"').next().unwrap().to_owned()
    }

    async fn post_form(
        app: &TestApp,
        path: &str,
        body: String,
        destination: &str,
    ) -> reqwest::Response {
        // What a browser sends for a form submitted from a page we served (our pages
        // send no referrer, so Origin is null).
        app.http
            .post(format!("{}{path}", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "null")
            .header("sec-fetch-site", "same-origin")
            .header("sec-fetch-dest", destination)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn every_html_page_refuses_frames_and_graphiql_too() {
        let app = TestApp::spawn().await;
        let owner = app.sign_in("frames@example.com").await;
        let org = app.create_org(&owner, "Frame Co").await;
        let token = app
            .invite_and_get_token(&owner, &org, "framed-guest@example.com", "MEMBER")
            .await;
        for path in [
            "/auth/verify?token=rsi_whatever".to_owned(),
            "/auth/verify".to_owned(),
            format!("/invitations/{token}"),
            "/invitations/rin_unknown".to_owned(),
            "/dev/mailbox".to_owned(),
        ] {
            let response = app
                .http
                .get(format!("{}{path}", app.base))
                .send()
                .await
                .unwrap();
            assert!(
                response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html"),
                "{path}"
            );
            assert_unframeable(&response, &path);
            let html = response.text().await.unwrap();
            assert!(
                !html.contains("<style") && !html.contains("style=\""),
                "{path}: inline styles would need 'unsafe-inline'"
            );
        }
        let css = app
            .http
            .get(format!("{}/assets/page.css", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(css.status(), 200);
        assert!(
            css.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/css")
        );

        let graphiql = app
            .http
            .get(format!("{}/graphql", app.base))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(graphiql.status(), 200);
        assert_eq!(graphiql.headers()["x-frame-options"], "DENY");
        let csp = graphiql.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        // It loads nothing from elsewhere (tests/first_hour.rs checks what it loads).
        assert!(csp.contains("script-src 'self';"), "{csp}");
    }

    #[tokio::test]
    async fn a_framed_sign_in_post_spends_nothing_and_a_normal_one_still_works() {
        let app = TestApp::spawn().await;
        let token = app.mailed_sign_in_token("clickjacked@example.com").await;
        let html = app.page(&format!("/auth/verify?token={token}")).await;
        let csrf = form_field(&html, "csrf");
        let form = format!("token={token}&csrf={csrf}");
        for destination in ["iframe", "frame", "embed", "object"] {
            let framed = post_form(&app, "/auth/verify", form.clone(), destination).await;
            assert_eq!(framed.status(), 403, "{destination}");
            assert!(framed.headers().get("set-cookie").is_none());
            assert_unframeable(&framed, destination);
        }
        let normal = post_form(&app, "/auth/verify", form, "document").await;
        assert_eq!(
            normal.status(),
            200,
            "the token was not spent by the framed POSTs"
        );
        assert!(
            normal.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .starts_with("roster_session=rss_")
        );
    }

    #[tokio::test]
    async fn a_framed_invitation_accept_spends_nothing() {
        let app = TestApp::spawn().await;
        let owner = app.sign_in("frame-owner@example.com").await;
        let org = app.create_org(&owner, "Framed Invites").await;
        let token = app
            .invite_and_get_token(&owner, &org, "frame-guest@example.com", "MEMBER")
            .await;
        let url = format!("{}/invitations/{token}", app.base);
        let html = app
            .http
            .get(&url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = form_field(&html, "csrf");
        let path = format!("/invitations/{token}/accept");
        let framed = post_form(&app, &path, format!("csrf={csrf}"), "iframe").await;
        assert_eq!(framed.status(), 403);
        let html = app
            .http
            .get(&url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("PENDING"), "{html}");
        let normal = post_form(&app, &path, format!("csrf={csrf}"), "document").await;
        assert_eq!(normal.status(), 200);
    }
}

mod dev_mailbox {
    use super::*;

    #[tokio::test]
    async fn an_organization_name_cannot_plant_a_link() {
        let folder = std::env::temp_dir()
            .join(format!("roster-mailbox-{}", uuid::Uuid::now_v7().simple()))
            .display()
            .to_string();
        let app = TestApp::spawn_with(&[
            ("ROSTER_SMTP_URL", ""),
            ("ROSTER_DEV_MAILBOX_DIR", folder.as_str()),
        ])
        .await;
        let session = app
            .roster()
            .issue_dev_token("planter@example.com")
            .await
            .unwrap();
        let owner = SignedIn {
            token: session.token.expose().to_owned(),
            user_id: session.user.id.to_string(),
            email: session.user.email.clone(),
            personal_org_id: String::new(),
        };
        // Quoted-printable newlines around a URL: a reader that decodes the raw message
        // (subject header included) sees the URL alone on a line.
        let org = app
            .create_org(&owner, "Acme =0Ahttp://evil.example/phish=0A")
            .await;
        let body = app
            .invite(&owner, &org, "victim@example.com", "MEMBER")
            .await;
        assert!(body["data"]["inviteMember"]["id"].is_string(), "{body}");

        let started = std::time::Instant::now();
        let page = loop {
            let response = app
                .http
                .get(format!("{}/dev/mailbox", app.base))
                .send()
                .await
                .unwrap();
            let page = response.text().await.unwrap();
            if page.contains("/invitations/") {
                break page;
            }
            assert!(
                started.elapsed() < MAIL_TIMEOUT,
                "no invitation in:\n{page}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        let links: Vec<&str> = page
            .split("<a class=\"open\" href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert_eq!(links.len(), 1, "one message, one link: {links:?}");
        let all = page.matches("<a ").count();
        assert_eq!(all, 2, "the link and the message's own page: {page}");
        assert!(
            links[0].starts_with(&format!("{}/invitations/", app.config.public_url())),
            "{links:?}"
        );
        assert!(!page.contains("href=\"http://evil.example"), "{page}");
        let response = app
            .http
            .get(format!("{}/dev/mailbox", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["x-frame-options"], "DENY");
        let _ = std::fs::remove_dir_all(&folder);
    }
}

mod request_ids {
    use super::*;

    async fn echoed(app: &TestApp, id: &str) -> String {
        app.http
            .get(format!("{}/healthz", app.base))
            .header("x-request-id", id)
            .send()
            .await
            .unwrap()
            .headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[tokio::test]
    async fn a_hostile_request_id_is_replaced_and_a_plain_one_kept() {
        let app = TestApp::spawn().await;
        assert_eq!(echoed(&app, "trace-42.a_B").await, "trace-42.a_B");
        for hostile in [
            "<script>alert(1)</script>".to_owned(),
            "abc level=error msg=forged".to_owned(),
            "x".repeat(65),
        ] {
            let id = echoed(&app, &hostile).await;
            assert_ne!(id, hostile);
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "a fresh id, not {id}");
        }
    }
}

mod suggestions {
    use super::*;

    const TYPO: &str = "{ viewr { user { id } } }";

    #[tokio::test]
    async fn without_introspection_errors_suggest_no_field_names() {
        let open = TestApp::spawn().await;
        let body = open.gql(None, TYPO, json!({})).await;
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("Did you mean"),
            "with introspection on, hints stay: {body}"
        );
        open.stop().await;

        let closed = TestApp::spawn_with(&[("ROSTER_INTROSPECTION", "false")]).await;
        let body = closed.gql(None, TYPO, json!({})).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(!message.contains("Did you mean"), "{message}");
        assert!(!message.contains("viewer"), "{message}");
    }
}

mod names {
    use super::*;

    #[tokio::test]
    async fn names_with_invisible_format_characters_are_refused() {
        let app = TestApp::spawn().await;
        let owner = app.sign_in("bidi@example.com").await;
        for name in ["Acme\u{202E}gnp", "Ac\u{200B}me", "\u{FEFF}Acme"] {
            let body = app
                .gql(
                    Some(&owner.token),
                    "mutation($n: String!) { createOrganization(name: $n) { id } }",
                    json!({ "n": name }),
                )
                .await;
            assert_eq!(code(&body), "BAD_USER_INPUT", "{name:?}: {body}");
            assert_eq!(field(&body), "name", "{body}");
        }
        let org = app.create_org(&owner, "Bidi Co").await;
        let body = app
            .gql(
                Some(&owner.token),
                "mutation($o: ID!, $n: String!) { createProject(organizationId: $o, name: $n) { id } }",
                json!({ "o": org, "n": "Web\u{2066}site" }),
            )
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        let project = app.create_project(&owner, &org, "Website").await;
        let body = app
            .gql(
                Some(&owner.token),
                "mutation($p: ID!, $l: String!) { createApiKey(projectId: $p, label: $l) { secret } }",
                json!({ "p": project, "l": "ci\u{200D}bot" }),
            )
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    }

    #[tokio::test]
    async fn project_names_are_unique_under_full_case_folding() {
        let app = TestApp::spawn().await;
        let owner = app.sign_in("fold@example.com").await;
        let org = app.create_org(&owner, "Fold Co").await;
        app.create_project(&owner, &org, "Straße").await;
        for twin in ["STRASSE", "strasse"] {
            let body = app
                .gql(
                    Some(&owner.token),
                    "mutation($o: ID!, $n: String!) { createProject(organizationId: $o, name: $n) { id } }",
                    json!({ "o": org, "n": twin }),
                )
                .await;
            assert_eq!(code(&body), "CONFLICT", "{twin}: {body}");
        }
        app.create_project(&owner, &org, "Strase").await;
    }
}
