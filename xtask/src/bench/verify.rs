//! How fast a product backend checks an organization token: README's `jsonwebtoken`
//! example (keys built once per JWKS fetch; per token `decode_header`, the key by `kid`,
//! and `decode`, which checks signature, issuer and expiry) on one thread, against a token
//! the running server minted and the keys it publishes.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde::Deserialize;
use serde_json::{Value, json};

/// The claims README's example reads.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read as a backend would; only `org_id` is compared here
struct OrgClaims {
    sub: String,
    org_id: String,
    org_slug: String,
    org_role: String,
    org_permissions: Vec<String>,
    exp: i64,
}

/// Verifications per second on one thread over `seconds`.
pub(crate) async fn measure(
    http: &reqwest::Client,
    base: &str,
    session_token: &str,
    organization: uuid::Uuid,
    seconds: f64,
) -> anyhow::Result<f64> {
    let minted: Value = http
        .post(format!("{base}/graphql"))
        .bearer_auth(session_token)
        .json(&json!({
            "query": "mutation($id: ID!) { mintOrganizationToken(organizationId: $id) { token } }",
            "variables": { "id": organization.to_string() },
        }))
        .send()
        .await?
        .json()
        .await?;
    let token = minted["data"]["mintOrganizationToken"]["token"]
        .as_str()
        .with_context(|| format!("mintOrganizationToken answered {minted}"))?
        .to_owned();
    let jwks: jsonwebtoken::jwk::JwkSet = http
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await?
        .json()
        .await?;
    let issuer = jsonwebtoken::dangerous::insecure_decode::<Value>(&token)?.claims["iss"]
        .as_str()
        .context("the token has no iss")?
        .to_owned();
    let expected_org = organization.to_string();
    let duration = Duration::from_secs_f64(seconds);
    tokio::task::spawn_blocking(move || {
        let keys: Vec<(String, jsonwebtoken::DecodingKey)> = jwks
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                Some((kid, jsonwebtoken::DecodingKey::from_jwk(jwk).ok()?))
            })
            .collect();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
        validation.set_issuer(&[&issuer]);
        validation.leeway = 5;
        let verify = || -> anyhow::Result<OrgClaims> {
            let kid = jsonwebtoken::decode_header(&token)?.kid.context("no kid")?;
            let (_, key) = keys
                .iter()
                .find(|(known, _)| *known == kid)
                .context("unknown kid")?;
            Ok(jsonwebtoken::decode::<OrgClaims>(&token, key, &validation)?.claims)
        };
        let started = Instant::now();
        let mut verified = 0u64;
        while started.elapsed() < duration {
            for _ in 0..100 {
                let claims = verify()?;
                if claims.org_id != expected_org {
                    bail!("the token names organization {}", claims.org_id);
                }
                verified += 1;
            }
        }
        Ok(verified as f64 / started.elapsed().as_secs_f64())
    })
    .await?
}
