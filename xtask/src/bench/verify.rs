//! How fast a product backend checks organization tokens: README's `jsonwebtoken` example
//! (keys built once per JWKS fetch; per token `decode_header`, the key by `kid`, and
//! `decode`, which checks signature, issuer and expiry, then the claims kept by token until
//! they expire) on one thread, against tokens the running server minted and the keys it
//! publishes. Two numbers: every check a signature check (each token seen once), and a
//! stream in which each of the tokens comes back again and again within its minute, as a
//! client's requests do.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde::Deserialize;
use serde_json::{Value, json};

/// How many distinct tokens the stream cycles through (as many clients, each presenting
/// its token on every request).
pub(crate) const TOKENS: usize = 64;

/// The claims README's example reads.
#[derive(Debug, Clone, Deserialize)]
#[allow(dead_code)] // read as a backend would; only `org_id` and `exp` are used here
struct OrgClaims {
    sub: String,
    org_id: String,
    org_slug: String,
    org_role: String,
    org_permissions: Vec<String>,
    exp: i64,
}

/// Checks per second on one thread.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Verifications {
    /// Each check verifies the signature (no cache, or every token new).
    pub(crate) signature_each: f64,
    /// README's example with its cache of verified tokens, over a stream of `TOKENS`
    /// tokens each presented repeatedly.
    pub(crate) cached: f64,
}

/// README's backend: the published keys, the validation settings and the verified tokens.
struct Backend {
    keys: HashMap<String, jsonwebtoken::DecodingKey>,
    validation: jsonwebtoken::Validation,
    verified: HashMap<String, OrgClaims>,
    /// When expired entries were last dropped (at most once a second).
    pruned_at: i64,
    signature_checks: u64,
}

impl Backend {
    fn new(jwks: &jsonwebtoken::jwk::JwkSet, issuer: &str) -> Self {
        let keys = jwks
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                Some((kid, jsonwebtoken::DecodingKey::from_jwk(jwk).ok()?))
            })
            .collect();
        Self::with_keys(keys, issuer)
    }

    fn with_keys(keys: HashMap<String, jsonwebtoken::DecodingKey>, issuer: &str) -> Self {
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.leeway = 5;
        Self {
            keys,
            validation,
            verified: HashMap::new(),
            pruned_at: 0,
            signature_checks: 0,
        }
    }

    /// The signature check README shows.
    fn verify(&mut self, token: &str) -> anyhow::Result<OrgClaims> {
        self.signature_checks += 1;
        let kid = jsonwebtoken::decode_header(token)?.kid.context("no kid")?;
        let key = self.keys.get(&kid).context("unknown kid")?;
        Ok(jsonwebtoken::decode::<OrgClaims>(token, key, &self.validation)?.claims)
    }

    /// README's per-request check: a token verified before is taken from the cache (keyed
    /// by the whole token, signature included) while it has not expired.
    fn check(&mut self, token: &str, now: i64) -> anyhow::Result<&OrgClaims> {
        let leeway = i64::try_from(self.validation.leeway).unwrap_or(0);
        let fresh = self
            .verified
            .get(token)
            .is_some_and(|claims| claims.exp + leeway > now);
        if !fresh {
            let claims = self.verify(token)?;
            if now != self.pruned_at {
                self.verified.retain(|_, claims| claims.exp + leeway > now);
                self.pruned_at = now;
            }
            self.verified.insert(token.to_owned(), claims);
        }
        self.verified.get(token).context("just verified")
    }
}

/// Mints `TOKENS` tokens for `organization` and measures both ways of checking them for
/// `seconds` each.
pub(crate) async fn measure(
    http: &reqwest::Client,
    base: &str,
    session_token: &str,
    organization: uuid::Uuid,
    seconds: f64,
) -> anyhow::Result<Verifications> {
    let mut tokens = Vec::with_capacity(TOKENS);
    for _ in 0..TOKENS {
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
        tokens.push(
            minted["data"]["mintOrganizationToken"]["token"]
                .as_str()
                .with_context(|| format!("mintOrganizationToken answered {minted}"))?
                .to_owned(),
        );
    }
    let jwks: jsonwebtoken::jwk::JwkSet = http
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await?
        .json()
        .await?;
    let issuer = jsonwebtoken::dangerous::insecure_decode::<Value>(&tokens[0])?.claims["iss"]
        .as_str()
        .context("the token has no iss")?
        .to_owned();
    let expected_org = organization.to_string();
    let duration = Duration::from_secs_f64(seconds);
    tokio::task::spawn_blocking(move || {
        let mut backend = Backend::new(&jwks, &issuer);
        let signature_each = per_second(duration, &tokens, |token| {
            let claims = backend.verify(token)?;
            same_org(&claims, &expected_org)
        })?;
        let cached = per_second(duration, &tokens, |token| {
            let now = jsonwebtoken::get_current_timestamp().cast_signed();
            let claims = backend.check(token, now)?;
            same_org(claims, &expected_org)
        })?;
        Ok(Verifications {
            signature_each,
            cached,
        })
    })
    .await?
}

fn same_org(claims: &OrgClaims, expected: &str) -> anyhow::Result<()> {
    if claims.org_id != expected {
        bail!("the token names organization {}", claims.org_id);
    }
    Ok(())
}

/// Runs `check` over `tokens` round robin for `duration`; checks per second.
fn per_second(
    duration: Duration,
    tokens: &[String],
    mut check: impl FnMut(&str) -> anyhow::Result<()>,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut checked = 0u64;
    while started.elapsed() < duration {
        for token in tokens {
            check(token)?;
            checked += 1;
        }
    }
    Ok(checked as f64 / started.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Ed25519 key pair of RFC 8410's examples: the private key as PKCS#8 DER, the public
    // key as a JWK's `x`.
    const PRIVATE_PKCS8: [u8; 48] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20, 0xd4, 0xee, 0x72, 0xdb, 0xf9, 0x13, 0x58, 0x4a, 0xd5, 0xb6, 0xd8, 0xf1, 0xf7, 0x69,
        0xf8, 0xad, 0x3a, 0xfe, 0x7c, 0x28, 0xcb, 0xf1, 0xd4, 0xfb, 0xe0, 0x97, 0xa8, 0x8f, 0x44,
        0x75, 0x58, 0x42,
    ];
    const PUBLIC_X: &str = "Gb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE";

    fn token(exp: i64) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some("k1".to_owned());
        let claims = json!({
            "iss": "https://roster.test", "sub": "u", "org_id": "o", "org_slug": "acme",
            "org_role": "VIEWER", "org_permissions": [], "exp": exp, "iat": exp - 60,
        });
        let key = jsonwebtoken::EncodingKey::from_ed_der(&PRIVATE_PKCS8);
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    }

    fn backend() -> Backend {
        let key = jsonwebtoken::DecodingKey::from_ed_components(PUBLIC_X).unwrap();
        Backend::with_keys(
            HashMap::from([("k1".to_owned(), key)]),
            "https://roster.test",
        )
    }

    #[test]
    fn the_cache_serves_only_the_very_token_verified_and_only_until_it_expires() {
        let now = jsonwebtoken::get_current_timestamp().cast_signed();
        let mut backend = backend();
        let good = token(now + 60);
        assert_eq!(backend.check(&good, now).unwrap().org_slug, "acme");
        assert_eq!(backend.check(&good, now).unwrap().org_slug, "acme");
        assert_eq!(
            backend.signature_checks, 1,
            "the second check hit the cache"
        );

        // The same header and claims under another signature are checked, and refused.
        let (signed, signature) = good.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
        let forged = format!("{signed}.{flipped}{}", &signature[1..]);
        assert!(backend.check(&forged, now).is_err());
        assert_eq!(backend.signature_checks, 2);

        // Past its expiry (and the leeway) the cache no longer answers for the token: its
        // signature and expiry are checked again (`decode` reads the real clock, so here,
        // where only the cache's clock moved on, it passes).
        assert!(backend.check(&good, now + 66).is_ok());
        assert_eq!(backend.signature_checks, 3);
    }
}
