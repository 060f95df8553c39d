//! Default avatars are served by Roster itself, drawn from the organization's id: the same
//! image every time, never a third-party host, and an SVG that cannot run scripts.

use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn the_avatar_url_points_at_roster_and_serves_a_safe_deterministic_svg() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("avatar-owner@example.com").await;
    let org = app.create_org(&owner, "Pictured").await;
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID) { organization(id: $id) { avatarUrl } }",
            json!({ "id": org }),
        )
        .await;
    let url = body["data"]["organization"]["avatarUrl"].as_str().unwrap();
    assert_eq!(
        url,
        format!("{}/avatars/{org}.svg", app.config.public_url())
    );
    let response = app.http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    let svg = response.text().await.unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    assert_eq!(app.page(&format!("/avatars/{org}.svg")).await, svg);
    let missing = app
        .http
        .get(format!("{}/avatars/not-an-id.svg", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
