//! Organization tokens: short-lived JWTs (compact JWS, `EdDSA` over Ed25519) that let a
//! product backend authorize a request with a local signature check. This module builds
//! the claims, encodes and parses the compact form, checks the times and describes public
//! keys as JWKs. Signing and verifying the bytes is the caller's (it owns the keys).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{Organization, Role};

/// The only signature algorithm Roster issues or accepts.
pub const ALGORITHM: &str = "EdDSA";

/// How far past `exp` (and before `iat`) a token is still accepted, for clock skew.
pub const LEEWAY_SECONDS: i64 = 5;

/// What an organization token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgTokenClaims {
    /// The issuer: Roster's public URL.
    pub iss: String,
    /// The user id, or the API key id, the token was minted for.
    pub sub: String,
    pub org_id: Uuid,
    pub org_slug: String,
    pub org_role: Role,
    /// The permission names of `org_role` (the action table's names).
    pub org_permissions: Vec<String>,
    /// Issued at, in seconds since the epoch.
    pub iat: i64,
    /// Expires at, in seconds since the epoch.
    pub exp: i64,
    /// A random id for this token.
    pub jti: String,
}

/// Why a token is not accepted. Every variant reads the same to a caller (not signed in).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgTokenError {
    #[error("the token is not a compact JWS")]
    Malformed,
    #[error("the token is not signed with EdDSA")]
    Algorithm,
    #[error("the token's signature does not verify")]
    Signature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
}

impl OrgTokenClaims {
    /// The claims for `subject` acting as `role` in `organization`, valid for `ttl` from `now`.
    #[must_use]
    pub fn new(
        issuer: &str,
        subject: String,
        organization: &Organization,
        role: Role,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
        jti: String,
    ) -> OrgTokenClaims {
        OrgTokenClaims {
            iss: issuer.to_owned(),
            sub: subject,
            org_id: organization.id,
            org_slug: organization.slug.clone(),
            org_role: role,
            org_permissions: role.permissions().into_iter().map(str::to_owned).collect(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            jti,
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "iss": self.iss,
            "sub": self.sub,
            "org_id": self.org_id,
            "org_slug": self.org_slug,
            "org_role": self.org_role.as_str(),
            "org_permissions": self.org_permissions,
            "iat": self.iat,
            "exp": self.exp,
            "jti": self.jti,
        })
    }

    fn from_json(value: &Value) -> Option<OrgTokenClaims> {
        let text = |name: &str| value.get(name)?.as_str().map(str::to_owned);
        let number = |name: &str| value.get(name)?.as_i64();
        Some(OrgTokenClaims {
            iss: text("iss")?,
            sub: text("sub")?,
            org_id: Uuid::parse_str(&text("org_id")?).ok()?,
            org_slug: text("org_slug")?,
            org_role: Role::parse(&text("org_role")?).ok()?,
            org_permissions: value
                .get("org_permissions")?
                .as_array()?
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()?,
            iat: number("iat")?,
            exp: number("exp")?,
            jti: text("jti")?,
        })
    }

    /// Whether the token is within its lifetime at `now` (with `LEEWAY_SECONDS`).
    ///
    /// # Errors
    /// `Expired` past `exp`, `NotYetValid` before `iat`.
    pub fn check_time(&self, now: DateTime<Utc>) -> Result<(), OrgTokenError> {
        let now = now.timestamp();
        if now > self.exp.saturating_add(LEEWAY_SECONDS) {
            return Err(OrgTokenError::Expired);
        }
        if now < self.iat.saturating_sub(LEEWAY_SECONDS) {
            return Err(OrgTokenError::NotYetValid);
        }
        Ok(())
    }
}

/// The part of a JWS that is signed: `base64url(header) "." base64url(claims)`.
#[must_use]
pub fn signing_input(kid: &str, claims: &OrgTokenClaims) -> String {
    let header = json!({ "alg": ALGORITHM, "typ": "JWT", "kid": kid });
    format!(
        "{}.{}",
        B64URL.encode(header.to_string()),
        B64URL.encode(claims.to_json().to_string())
    )
}

/// The compact token: the signing input, a dot, the base64url signature.
#[must_use]
pub fn compact(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", B64URL.encode(signature))
}

/// A token split into its parts, before its signature is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unverified {
    pub kid: String,
    pub claims: OrgTokenClaims,
    /// The bytes the signature covers.
    pub signing_input: String,
    pub signature: Vec<u8>,
}

impl Unverified {
    /// Splits and decodes a compact token; nothing is trusted yet.
    ///
    /// # Errors
    /// `Malformed` for anything but three base64url parts with a JSON header and claims,
    /// `Algorithm` when the header names another algorithm.
    pub fn parse(token: &str) -> Result<Unverified, OrgTokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(OrgTokenError::Malformed);
        };
        let json_part = |part: &str| {
            let bytes = B64URL.decode(part).ok()?;
            serde_json::from_slice::<Value>(&bytes).ok()
        };
        let header_json = json_part(header).ok_or(OrgTokenError::Malformed)?;
        if header_json.get("alg").and_then(Value::as_str) != Some(ALGORITHM) {
            return Err(OrgTokenError::Algorithm);
        }
        let kid = header_json
            .get("kid")
            .and_then(Value::as_str)
            .ok_or(OrgTokenError::Malformed)?
            .to_owned();
        let claims = json_part(payload)
            .as_ref()
            .and_then(OrgTokenClaims::from_json)
            .ok_or(OrgTokenError::Malformed)?;
        let signature = B64URL
            .decode(signature)
            .map_err(|_| OrgTokenError::Malformed)?;
        Ok(Unverified {
            kid,
            claims,
            signing_input: format!("{header}.{payload}"),
            signature,
        })
    }
}

/// A public key (`x`: its 32 bytes, base64url) as a JSON Web Key (RFC 8037), for
/// `/.well-known/jwks.json`.
#[must_use]
pub fn jwk(kid: &str, x: &str) -> Value {
    json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "x": x,
        "kid": kid,
        "alg": ALGORITHM,
        "use": "sig",
    })
}

/// Decodes base64url without padding (a stored key, a JWK's `x`).
#[must_use]
pub fn decode(text: &str) -> Option<Vec<u8>> {
    B64URL.decode(text).ok()
}

/// An id (a key's `kid`, a token's `jti`) from random bytes: base64url, no padding.
#[must_use]
pub fn random_id(random: &[u8]) -> String {
    B64URL.encode(random)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OrganizationKind;

    fn organization() -> Organization {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        Organization {
            id: Uuid::from_u128(7),
            slug: "acme".to_owned(),
            name: "Acme".to_owned(),
            kind: OrganizationKind::Team,
            plan: "free".to_owned(),
            member_count: 1,
            audit_retention_days: None,
            billing_email: None,
            settings: "{}".to_owned(),
            created_at: now,
            updated_at: now,
        }
    }

    fn claims(role: Role) -> OrgTokenClaims {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        OrgTokenClaims::new(
            "https://roster.example",
            "user-1".to_owned(),
            &organization(),
            role,
            now,
            chrono::Duration::seconds(60),
            "jti-1".to_owned(),
        )
    }

    #[test]
    fn claims_carry_the_role_its_permissions_and_the_lifetime() {
        let claims = claims(Role::Admin);
        assert_eq!(claims.exp - claims.iat, 60);
        assert_eq!(claims.org_slug, "acme");
        assert_eq!(claims.org_role, Role::Admin);
        assert!(claims.org_permissions.iter().any(|p| p == "member:invite"));
        assert!(
            !claims
                .org_permissions
                .iter()
                .any(|p| p == "organization:delete")
        );
        assert_eq!(
            claims.org_permissions.len(),
            Role::Admin.permissions().len()
        );
    }

    #[test]
    fn a_token_parses_back_into_its_parts() {
        let claims = claims(Role::Viewer);
        let input = signing_input("k1", &claims);
        let token = compact(&input, &[1, 2, 3]);
        assert!(!token.contains('='), "base64url without padding");
        let parsed = Unverified::parse(&token).unwrap();
        assert_eq!(parsed.kid, "k1");
        assert_eq!(parsed.claims, claims);
        assert_eq!(parsed.signing_input, input);
        assert_eq!(parsed.signature, vec![1, 2, 3]);
    }

    #[test]
    fn the_header_names_eddsa_and_the_key() {
        let input = signing_input("k1", &claims(Role::Viewer));
        let header = input.split('.').next().unwrap();
        let header: Value = serde_json::from_slice(&B64URL.decode(header).unwrap()).unwrap();
        assert_eq!(header, json!({ "alg": "EdDSA", "typ": "JWT", "kid": "k1" }));
    }

    #[test]
    fn other_algorithms_and_shapes_are_refused() {
        let claims = claims(Role::Viewer);
        let body = B64URL.encode(claims.to_json().to_string());
        let none = B64URL.encode(r#"{"alg":"none","kid":"k1"}"#);
        assert_eq!(
            Unverified::parse(&format!("{none}.{body}.")),
            Err(OrgTokenError::Algorithm)
        );
        for bad in ["", "a.b", "a.b.c.d", "!!.!!.!!", "rsk_abc"] {
            assert_eq!(
                Unverified::parse(bad),
                Err(OrgTokenError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn time_is_checked_with_a_small_leeway() {
        let claims = claims(Role::Viewer);
        let at = |seconds| DateTime::from_timestamp(seconds, 0).unwrap_or_default();
        assert_eq!(claims.check_time(at(claims.iat)), Ok(()));
        assert_eq!(claims.check_time(at(claims.exp + LEEWAY_SECONDS)), Ok(()));
        assert_eq!(
            claims.check_time(at(claims.exp + LEEWAY_SECONDS + 1)),
            Err(OrgTokenError::Expired)
        );
        assert_eq!(
            claims.check_time(at(claims.iat - LEEWAY_SECONDS - 1)),
            Err(OrgTokenError::NotYetValid)
        );
    }

    #[test]
    fn a_jwk_is_an_okp_ed25519_key() {
        let jwk = jwk("k1", &random_id(&[0u8; 32]));
        assert_eq!(jwk["kty"], "OKP");
        assert_eq!(jwk["crv"], "Ed25519");
        assert_eq!(jwk["alg"], "EdDSA");
        assert_eq!(jwk["x"], B64URL.encode([0u8; 32]));
    }
}
