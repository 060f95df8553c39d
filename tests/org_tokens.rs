//! Organization tokens over HTTP: a member (or an API key) mints a JWT, a product backend
//! verifies it with nothing but `/.well-known/jwks.json` (here with `ed25519-dalek`, not the
//! `ring` code that signs), Roster accepts it back as read-only for that organization only,
//! and it dies at `exp`, when tampered with, and survives a key rotation until it expires.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use chrono::Duration;
use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};
use roster_domain::Role;
use serde_json::{Value, json};

use crate::support::{SignedIn, TestApp, code};

const MINT: &str =
    "mutation($o: ID!) { mintOrganizationToken(organizationId: $o) { token expiresAt } }";
const READ: &str = "query($id: ID!) { organization(id: $id) { id name viewerRole members(first: 10) { totalCount nodes { role } } } }";

async fn mint(app: &TestApp, credential: &str, org: &str) -> Value {
    app.gql(Some(credential), MINT, json!({ "o": org })).await
}

async fn minted(app: &TestApp, credential: &str, org: &str) -> String {
    let body = mint(app, credential, org).await;
    body["data"]["mintOrganizationToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("mint: {body}"))
        .to_owned()
}

async fn jwks_at(app: &TestApp, base: &str) -> Value {
    let response = app
        .http
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cache = response.headers()["cache-control"].to_str().unwrap();
    assert!(
        cache.contains("public") && cache.contains("max-age="),
        "{cache}"
    );
    response.json().await.unwrap()
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// What a product backend does: find the key by `kid`, check the EdDSA signature, decode
/// the claims. Returns (header, claims), or `None` when the signature does not verify.
fn verify(jwks: &Value, token: &str) -> Option<(Value, Value)> {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let decode =
        |part: &str| -> Value { serde_json::from_slice(&B64URL.decode(part).unwrap()).unwrap() };
    let header = decode(parts[0]);
    assert_eq!(header["alg"], "EdDSA");
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["kid"] == header["kid"])?;
    assert_eq!(
        (&jwk["kty"], &jwk["crv"], &jwk["alg"], &jwk["use"]),
        (
            &json!("OKP"),
            &json!("Ed25519"),
            &json!("EdDSA"),
            &json!("sig")
        )
    );
    let x: [u8; 32] = B64URL
        .decode(jwk["x"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let key = VerifyingKey::from_bytes(&x).unwrap();
    let signature = Signature::from_slice(&B64URL.decode(parts[2]).unwrap()).unwrap();
    let signed = format!("{}.{}", parts[0], parts[1]);
    key.verify(signed.as_bytes(), &signature).ok()?;
    Some((header, decode(parts[1])))
}

async fn team(app: &TestApp) -> (SignedIn, String, SignedIn) {
    let owner = app.sign_in("token-owner@example.com").await;
    let org = app.create_org(&owner, "Token Co").await;
    let admin = app.sign_in("token-admin@example.com").await;
    app.add_member(&org, &admin, Role::Admin).await;
    (owner, org, admin)
}

#[tokio::test]
async fn a_member_mints_a_token_that_verifies_against_the_jwks_alone() {
    let app = TestApp::spawn().await;
    let (_owner, org, admin) = team(&app).await;
    let body = mint(&app, &admin.token, &org).await;
    let token = body["data"]["mintOrganizationToken"]["token"]
        .as_str()
        .unwrap();
    let jwks = jwks_at(&app, &app.base).await;
    let (header, claims) = verify(&jwks, token).expect("signature verifies");
    assert_eq!(
        kids(&jwks),
        vec![header["kid"].as_str().unwrap().to_owned()]
    );

    assert_eq!(claims["sub"], admin.user_id.as_str());
    assert_eq!(claims["org_id"], org.as_str());
    assert_eq!(claims["org_slug"], "token-co");
    assert_eq!(claims["org_role"], "ADMIN");
    assert_eq!(claims["org_permissions"], json!(Role::Admin.permissions()));
    assert_eq!(claims["iss"], app.config.public_url().as_str());
    assert!(!claims["jti"].as_str().unwrap().is_empty());
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 60, "ROSTER_ORG_TOKEN_TTL_SECONDS defaults to 60");
    let expires_at = body["data"]["mintOrganizationToken"]["expiresAt"]
        .as_str()
        .unwrap();
    let expires_at = chrono::DateTime::parse_from_rfc3339(expires_at).unwrap();
    assert_eq!(expires_at.timestamp(), exp);

    let again = minted(&app, &admin.token, &org).await;
    let (_, second) = verify(&jwks, &again).unwrap();
    assert_ne!(second["jti"], claims["jti"], "every token has its own id");
}

#[tokio::test]
async fn an_api_key_mints_for_its_own_organization_and_strangers_get_not_found() {
    let app = TestApp::spawn_with(&[("ROSTER_ORG_TOKEN_TTL_SECONDS", "30")]).await;
    let (owner, org, _admin) = team(&app).await;
    let project = app.create_project(&owner, &org, "Backend").await;
    let (key_id, secret) = app.create_key(&owner, &project, Some("MEMBER")).await;
    let token = minted(&app, &secret, &org).await;
    let (_, claims) = verify(&jwks_at(&app, &app.base).await, &token).unwrap();
    assert_eq!(claims["sub"], key_id.as_str());
    assert_eq!(claims["org_role"], "MEMBER");
    assert_eq!(claims["org_permissions"], json!(Role::Member.permissions()));
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        30
    );

    let stranger = app.sign_in("token-stranger@example.com").await;
    let body = mint(&app, &stranger.token, &org).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let body = mint(&app, &secret, &owner.personal_org_id).await;
    assert_eq!(
        code(&body),
        "NOT_FOUND",
        "a key mints for its own organization only: {body}"
    );
    let body = mint(&app, &token, &org).await;
    assert_eq!(
        code(&body),
        "FORBIDDEN",
        "a token never mints another: {body}"
    );
    let body = app.gql(None, MINT, json!({ "o": org })).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
}

#[tokio::test]
async fn a_token_reads_its_organization_only_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (owner, org, admin) = team(&app).await;
    let token = minted(&app, &admin.token, &org).await;

    let body = app.gql(Some(&token), READ, json!({ "id": org })).await;
    let read = &body["data"]["organization"];
    assert_eq!(read["name"], "Token Co", "{body}");
    assert_eq!(
        read["viewerRole"], "VIEWER",
        "read-only whatever the role it states"
    );
    assert_eq!(read["members"]["totalCount"], 2, "{body}");
    let other = app
        .gql(Some(&token), READ, json!({ "id": owner.personal_org_id }))
        .await;
    assert!(other["data"]["organization"].is_null(), "{other}");
    assert!(
        other["errors"].is_null(),
        "another org looks missing: {other}"
    );

    let project = app.create_project(&owner, &org, "Kept").await;
    let refused = [
        (
            "mutation($o: ID!) { createProject(organizationId: $o, name: \"x\") { id } }",
            json!({ "o": org }),
        ),
        (
            "mutation($o: ID!) { inviteMember(organizationId: $o, email: \"x@example.com\", role: VIEWER) { id } }",
            json!({ "o": org }),
        ),
        (
            "mutation($o: ID!) { updateOrganization(id: $o, name: \"Renamed\") { id } }",
            json!({ "o": org }),
        ),
        (
            "mutation($o: ID!) { deleteOrganization(id: $o, confirmName: \"Token Co\") }",
            json!({ "o": org }),
        ),
        (
            "mutation($o: ID!) { leaveOrganization(organizationId: $o) }",
            json!({ "o": org }),
        ),
        (
            "mutation($p: ID!) { renameProject(id: $p, name: \"y\") { id } }",
            json!({ "p": project }),
        ),
        (
            "mutation($p: ID!) { createApiKey(projectId: $p, label: \"z\") { secret } }",
            json!({ "p": project }),
        ),
        (
            "mutation { createOrganization(name: \"Mine\") { id } }",
            json!({}),
        ),
        (
            "mutation($o: ID!) { recordUsage(organizationId: $o, metric: \"api_calls\", quantity: 1, idempotencyKey: \"k\") { metric } }",
            json!({ "o": org }),
        ),
    ];
    for (mutation, variables) in refused {
        let body = app.gql(Some(&token), mutation, variables).await;
        assert!(
            body["data"].is_null()
                || body["data"]
                    .as_object()
                    .unwrap()
                    .values()
                    .all(Value::is_null),
            "{mutation}: {body}"
        );
        assert!(
            matches!(code(&body), "FORBIDDEN" | "UNAUTHENTICATED"),
            "{mutation}: {body}"
        );
    }
    let body = app
        .gql(Some(&owner.token), READ, json!({ "id": org }))
        .await;
    assert_eq!(
        body["data"]["organization"]["name"], "Token Co",
        "nothing changed"
    );
}

#[tokio::test]
async fn an_expired_or_tampered_token_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let (_owner, org, admin) = team(&app).await;
    let token = minted(&app, &admin.token, &org).await;

    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&B64URL.decode(parts[1]).unwrap()).unwrap();
    claims["org_id"] = json!(admin.personal_org_id);
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        B64URL.encode(claims.to_string()),
        parts[2]
    );
    let body = app
        .gql(Some(&forged), READ, json!({ "id": admin.personal_org_id }))
        .await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    let mut signature = B64URL.decode(parts[2]).unwrap();
    signature[0] ^= 1;
    let flipped = format!("{}.{}.{}", parts[0], parts[1], B64URL.encode(signature));
    let body = app.gql(Some(&flipped), READ, json!({ "id": org })).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");

    app.clock.advance(Duration::seconds(60));
    let body = app.gql(Some(&token), READ, json!({ "id": org })).await;
    assert_eq!(
        body["data"]["organization"]["id"],
        org.as_str(),
        "valid up to exp: {body}"
    );
    app.clock.advance(Duration::seconds(10));
    let body = app.gql(Some(&token), READ, json!({ "id": org })).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "expired: {body}");
}

#[tokio::test]
async fn rotation_keeps_old_tokens_valid_and_published_until_they_expire() {
    let app = TestApp::spawn().await;
    let (_owner, org, admin) = team(&app).await;
    let old = minted(&app, &admin.token, &org).await;
    let before = jwks_at(&app, &app.base).await;
    let old_kid = kids(&before)[0].clone();

    let new_kid = app.roster().rotate_signing_key().await.unwrap();
    assert_ne!(new_kid, old_kid);
    let during = jwks_at(&app, &app.base).await;
    assert_eq!(kids(&during), vec![new_kid.clone(), old_kid.clone()]);
    assert!(verify(&during, &old).is_some(), "old tokens still verify");
    let body = app.gql(Some(&old), READ, json!({ "id": org })).await;
    assert_eq!(body["data"]["organization"]["id"], org.as_str(), "{body}");
    let new = minted(&app, &admin.token, &org).await;
    let (header, _) = verify(&during, &new).unwrap();
    assert_eq!(header["kid"], new_kid.as_str());

    app.clock.advance(Duration::seconds(70));
    let after = jwks_at(&app, &app.base).await;
    assert_eq!(
        kids(&after),
        vec![new_kid.clone()],
        "the old key goes once its tokens expired"
    );
    let fresh = minted(&app, &admin.token, &org).await;
    assert!(verify(&after, &fresh).is_some());
    let body = app.gql(Some(&fresh), READ, json!({ "id": org })).await;
    assert_eq!(body["data"]["organization"]["id"], org.as_str(), "{body}");
}

#[tokio::test]
async fn two_servers_on_one_database_publish_the_same_keys() {
    let app = TestApp::spawn().await;
    let second = app.second_server().await;
    let other = format!("http://{}", second.addr);
    // The first requests race to create the key; both must end up with the same one.
    let (one, two) = tokio::join!(jwks_at(&app, &app.base), jwks_at(&app, &other));
    assert_eq!(one, two);
    assert_eq!(kids(&one).len(), 1);

    let (_owner, org, admin) = team(&app).await;
    let token = minted(&app, &admin.token, &org).await;
    assert!(verify(&two, &token).is_some());
    let body: Value = app
        .http
        .post(format!("{other}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": READ, "variables": { "id": org } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["organization"]["id"], org.as_str(), "{body}");
    second.stop().await.unwrap();
}
