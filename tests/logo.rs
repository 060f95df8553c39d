//! Organization logos over HTTP: admins upload PNG, JPEG or WebP (decided from the bytes,
//! at most 512 KiB) with a bearer token, the image is served to anyone with its type, a
//! strong `ETag`, `nosniff` and conditional requests, `logoUrl` and `avatarUrl` point at
//! it, removing it brings the drawn avatar back, and every change is audited. SVG (whatever
//! the `Content-Type`), oversized and empty bodies are refused and store nothing; members
//! are refused, strangers and missing organizations look alike, and no token is `401`.

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use roster_domain::Role;
use serde_json::{Value, json};

use crate::support::{SignedIn, TestApp, code};

const URLS: &str = "query($id: ID) { organization(id: $id) { logoUrl avatarUrl } }";
const LOGO_EVENTS: &str = "query($id: ID) { organization(id: $id) { auditLog(filter: { action: \"organization.updated\" }, first: 50) { nodes { action context } } } }";

/// The smallest images the signature check takes: the signature and a little padding.
fn png() -> Vec<u8> {
    image(b"\x89PNG\r\n\x1a\n", 64)
}
fn jpeg() -> Vec<u8> {
    image(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", 64)
}
fn webp() -> Vec<u8> {
    image(b"RIFF\x38\x00\x00\x00WEBPVP8 ", 64)
}
fn image(signature: &[u8], len: usize) -> Vec<u8> {
    let mut bytes = signature.to_vec();
    bytes.resize(len, 0x5a);
    bytes
}

struct Response {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Response {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
}

impl TestApp {
    fn logo_path(&self, org: &str) -> String {
        format!("{}/organizations/{org}/logo", self.base)
    }

    async fn put_logo(
        &self,
        token: Option<&str>,
        org: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Response {
        let mut request = self
            .http
            .put(self.logo_path(org))
            .header(CONTENT_TYPE, content_type)
            .body(bytes);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request).await
    }

    async fn delete_logo(&self, token: Option<&str>, org: &str) -> Response {
        let mut request = self.http.delete(self.logo_path(org));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request).await
    }

    async fn urls(&self, user: &SignedIn, org: &str) -> Value {
        let body = self
            .gql(Some(&user.token), URLS, json!({ "id": org }))
            .await;
        assert!(body["data"]["organization"].is_object(), "{body}");
        body["data"]["organization"].clone()
    }

    /// The contexts of `organization.updated` events, newest first.
    async fn update_events(&self, user: &SignedIn, org: &str) -> Vec<Value> {
        let body = self
            .gql(Some(&user.token), LOGO_EVENTS, json!({ "id": org }))
            .await;
        body["data"]["organization"]["auditLog"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|node| node["context"].clone())
            .collect()
    }
}

async fn read(request: reqwest::RequestBuilder) -> Response {
    let response = request.send().await.expect("request");
    Response {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.bytes().await.expect("body").to_vec(),
    }
}

fn avatar_svg(app: &TestApp, org: &str) -> String {
    format!("{}/avatars/{org}.svg", app.config.public_url())
}

#[tokio::test]
async fn an_admin_uploads_a_logo_that_is_served_cached_and_removed() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("logo-owner@example.com").await;
    let admin = app.sign_in("logo-admin@example.com").await;
    let org = app.create_org(&owner, "Branded").await;
    app.add_member(&org, &admin, Role::Admin).await;
    assert_eq!(
        app.urls(&owner, &org).await,
        json!({ "logoUrl": null, "avatarUrl": avatar_svg(&app, &org) })
    );

    // The Content-Type sent is not what decides.
    let uploaded = app
        .put_logo(Some(&admin.token), &org, "application/octet-stream", png())
        .await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.json());
    let urls = app.urls(&owner, &org).await;
    let url = urls["logoUrl"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!(
            "{}/organizations/{org}/logo?v=",
            app.config.public_url()
        )),
        "{url}"
    );
    assert_eq!(urls["avatarUrl"], url.as_str());
    assert_eq!(uploaded.json()["logoUrl"], url.as_str());

    // Served to anyone (no token), as an inert image.
    let served = read(app.http.get(&url)).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.body, png());
    assert_eq!(served.headers["content-type"], "image/png");
    assert_eq!(served.headers["x-content-type-options"], "nosniff");
    assert!(
        served.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    assert!(
        served.headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let etag = served.headers["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() == 66,
        "{etag}"
    );
    assert!(
        url.ends_with(&format!("?v={}", &etag[1..13])),
        "{url} {etag}"
    );
    let revalidated = read(app.http.get(&url).header("if-none-match", &etag)).await;
    assert_eq!(revalidated.status, 304);
    assert!(revalidated.body.is_empty());
    assert_eq!(revalidated.headers["etag"], etag.as_str());
    let stale = read(app.http.get(&url).header("if-none-match", "\"other\"")).await;
    assert_eq!(stale.status, 200);

    // JPEG and WebP too; each replaces the last and gets a new URL.
    for (bytes, content_type) in [(jpeg(), "image/jpeg"), (webp(), "image/webp")] {
        let uploaded = app
            .put_logo(Some(&admin.token), &org, "image/png", bytes.clone())
            .await;
        assert_eq!(uploaded.status, 200, "{}", uploaded.json());
        let new_url = app.urls(&owner, &org).await["logoUrl"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(new_url, url);
        let served = read(app.http.get(&new_url)).await;
        assert_eq!(served.status, 200);
        assert_eq!(served.headers["content-type"], content_type);
        assert_eq!(served.body, bytes);
    }

    let removed = app.delete_logo(Some(&admin.token), &org).await;
    assert_eq!(removed.status, 204);
    assert_eq!(
        app.urls(&owner, &org).await,
        json!({ "logoUrl": null, "avatarUrl": avatar_svg(&app, &org) })
    );
    assert_eq!(read(app.http.get(app.logo_path(&org))).await.status, 404);
    // Removing no logo is fine, and records nothing.
    assert_eq!(app.delete_logo(Some(&admin.token), &org).await.status, 204);

    let events = app.update_events(&owner, &org).await;
    assert_eq!(events.len(), 4, "{events:#?}");
    for event in &events {
        assert_eq!(event["changed"], json!(["logo"]), "{event}");
    }
    assert_eq!(events[0]["after"]["logo"], Value::Null);
    assert_eq!(events[1]["after"]["contentType"], "image/webp");
    assert_eq!(events[3]["after"]["contentType"], "image/png");
    assert_eq!(events[3]["before"]["logo"], Value::Null);
}

#[tokio::test]
async fn svg_oversized_and_empty_uploads_are_refused_and_store_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("logo-refused@example.com").await;
    let org = app.create_org(&owner, "Careful").await;
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    for content_type in ["image/png", "image/svg+xml"] {
        let refused = app
            .put_logo(Some(&owner.token), &org, content_type, svg.clone())
            .await;
        assert_eq!(refused.status, 415);
        assert_eq!(code(&refused.json()), "BAD_USER_INPUT");
    }
    let gif = image(b"GIF89a", 64);
    assert_eq!(
        app.put_logo(Some(&owner.token), &org, "image/gif", gif)
            .await
            .status,
        415
    );
    let too_large = image(b"\x89PNG\r\n\x1a\n", 512 * 1024 + 1);
    let refused = app
        .put_logo(Some(&owner.token), &org, "image/png", too_large)
        .await;
    assert_eq!(refused.status, 413);
    assert_eq!(code(&refused.json()), "BAD_USER_INPUT");
    let empty = app
        .put_logo(Some(&owner.token), &org, "image/png", Vec::new())
        .await;
    assert_eq!(empty.status, 400);

    assert_eq!(app.urls(&owner, &org).await["logoUrl"], Value::Null);
    assert_eq!(read(app.http.get(app.logo_path(&org))).await.status, 404);
    assert!(app.update_events(&owner, &org).await.is_empty());

    // Exactly 512 KiB is allowed.
    let at_limit = image(b"\x89PNG\r\n\x1a\n", 512 * 1024);
    let uploaded = app
        .put_logo(Some(&owner.token), &org, "image/png", at_limit.clone())
        .await;
    assert_eq!(uploaded.status, 200);
    let url = app.urls(&owner, &org).await["logoUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(read(app.http.get(&url)).await.body, at_limit);
}

#[tokio::test]
async fn members_are_refused_and_strangers_and_anonymous_callers_see_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("logo-boss@example.com").await;
    let member = app.sign_in("logo-member@example.com").await;
    let stranger = app.sign_in("logo-stranger@example.com").await;
    let org = app.create_org(&owner, "Guarded").await;
    app.add_member(&org, &member, Role::Member).await;

    let refused = app
        .put_logo(Some(&member.token), &org, "image/png", png())
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(code(&refused.json()), "FORBIDDEN");
    assert_eq!(
        refused.json()["errors"][0]["extensions"]["requiredRole"],
        "ADMIN"
    );
    assert_eq!(app.delete_logo(Some(&member.token), &org).await.status, 403);

    // A stranger gets exactly what a missing organization gives.
    for missing in [
        org.clone(),
        uuid::Uuid::now_v7().to_string(),
        "not-an-id".into(),
    ] {
        for response in [
            app.put_logo(Some(&stranger.token), &missing, "image/png", png())
                .await,
            app.delete_logo(Some(&stranger.token), &missing).await,
        ] {
            assert_eq!(response.status, 404, "{missing}");
            assert_eq!(code(&response.json()), "NOT_FOUND");
        }
    }

    for token in [None, Some("rss_not-a-session")] {
        let response = app.put_logo(token, &org, "image/png", png()).await;
        assert_eq!(response.status, 401);
        assert_eq!(response.headers["www-authenticate"], "Bearer");
        assert_eq!(code(&response.json()), "UNAUTHENTICATED");
        assert_eq!(app.delete_logo(token, &org).await.status, 401);
    }
    assert_eq!(app.urls(&owner, &org).await["logoUrl"], Value::Null);

    // An admin API key of the organization may; one of another organization sees nothing.
    let project = app.create_project(&owner, &org, "site").await;
    let (_, key) = app.create_key(&owner, &project, Some("ADMIN")).await;
    assert_eq!(
        app.put_logo(Some(&key), &org, "image/png", png())
            .await
            .status,
        200
    );
    let elsewhere = app.create_org(&stranger, "Elsewhere").await;
    let elsewhere_project = app.create_project(&stranger, &elsewhere, "other").await;
    let (_, foreign_key) = app
        .create_key(&stranger, &elsewhere_project, Some("ADMIN"))
        .await;
    assert_eq!(
        app.put_logo(Some(&foreign_key), &org, "image/png", jpeg())
            .await
            .status,
        404
    );
    let served = read(app.http.get(app.logo_path(&org))).await;
    assert_eq!(served.body, png());
}
