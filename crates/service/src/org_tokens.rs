//! Organization tokens: minting a short-lived JWT for a member (or an API key) of one
//! organization, publishing the public keys as a JWKS, rotating the signing key, and
//! accepting such a token back as a read-only credential for that organization.
//!
//! Keys are Ed25519 (signed and checked with `ring`, already built for TLS), stored in
//! `signing_keys` and shared by every process: the first one to need a key creates
//! generation 1, and every process signs with the highest generation.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};
use roster_domain::org_token::{self, LEEWAY_SECONDS, OrgTokenClaims, Unverified};
use roster_domain::{Action, Role};
use roster_persistence::begin_write;
use roster_persistence::organizations::OrganizationKey;
use roster_persistence::signing_keys::{self, SigningKey};
use uuid::Uuid;

use crate::Roster;
use crate::error::{Error, Result};
use crate::principal::{Principal, require};
use crate::random;

/// A minted token and when it stops working.
#[derive(Debug, Clone)]
pub struct OrganizationToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// What a verified organization token lets its bearer do: read one organization.
#[derive(Debug, Clone)]
pub struct OrgTokenGrant {
    /// The user id or API key id the token was minted for.
    pub subject: String,
    pub organization_id: Uuid,
    /// The role the token states; Roster itself only lets the bearer read.
    pub role: Role,
    pub token_id: String,
}

impl Roster {
    /// Mints a token for `principal` in `organization_id`, signed with the current key.
    ///
    /// # Errors
    /// `NotFound` when the caller cannot see the organization; `UserOnly` when the caller
    /// is itself an organization token (a token never extends itself).
    pub async fn mint_organization_token(
        &self,
        principal: &Principal,
        organization_id: Uuid,
    ) -> Result<OrganizationToken> {
        let subject = match principal {
            Principal::User(actor) => actor.user.id.to_string(),
            Principal::ApiKey(key) => key.id.to_string(),
            Principal::OrgToken(_) => return Err(Error::UserOnly),
        };
        let view = self
            .view_as(&self.db, principal, OrganizationKey::Id(organization_id))
            .await?
            .ok_or(Error::NotFound("organization"))?;
        require(view.membership.role, Action::ReadOrganization)?;
        let key = self.current_signing_key().await?;
        let now = self.clock.now();
        let claims = OrgTokenClaims::new(
            &self.public_url,
            subject,
            &view.organization,
            view.membership.role,
            now,
            self.config.auth.jwt_ttl,
            org_token::random_id(&random::bytes()?[..16]),
        );
        let input = org_token::signing_input(&key.kid, &claims);
        let signature = key_pair(&key)?.sign(input.as_bytes());
        Ok(OrganizationToken {
            token: org_token::compact(&input, signature.as_ref()),
            expires_at: now + self.config.auth.jwt_ttl,
        })
    }

    /// The public keys as a JWK Set: the current key and every key retired so recently
    /// that tokens it signed may still be valid.
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn jwks(&self) -> Result<serde_json::Value> {
        self.current_signing_key().await?;
        let keys = signing_keys::published(&self.db, self.still_valid_since()).await?;
        let keys = keys
            .iter()
            .map(|key| org_token::jwk(&key.kid, &key.public_key))
            .collect::<Vec<_>>();
        Ok(serde_json::json!({ "keys": keys }))
    }

    /// Makes a new current signing key; the old ones stay published until the tokens they
    /// signed have expired. Returns the new key's id.
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn rotate_signing_key(&self) -> Result<String> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let generation = signing_keys::current(&txn)
            .await?
            .map_or(1, |key| key.generation + 1);
        signing_keys::insert_if_absent(&txn, &new_key(generation, now)?).await?;
        signing_keys::retire_before(&txn, generation, now).await?;
        let current = signing_keys::current(&txn)
            .await?
            .ok_or_else(|| Error::internal("no signing key after rotation"))?;
        txn.commit().await?;
        Ok(current.kid)
    }

    /// The caller behind an organization token, or `None` when it is malformed, signed by
    /// an unknown key (or by a key after its retirement), forged, expired or not ours.
    pub(crate) async fn authenticate_org_token(&self, bearer: &str) -> Result<Option<Principal>> {
        let Ok(token) = Unverified::parse(bearer) else {
            return Ok(None);
        };
        let now = self.clock.now();
        let key = match self.verifying_keys.get(&token.kid, now) {
            Some(key) => key,
            None => {
                let Some(stored) = signing_keys::find_by_kid(&self.db, &token.kid).await? else {
                    return Ok(None);
                };
                let key = VerifyingKey {
                    public: org_token::decode(&stored.public_key)
                        .ok_or_else(|| Error::internal("stored public key is not base64url"))?,
                    retired_at: stored.retired_at,
                    read_at: now,
                };
                self.verifying_keys.put(stored.kid, key.clone());
                key
            }
        };
        let verified = UnparsedPublicKey::new(&ED25519, &key.public)
            .verify(token.signing_input.as_bytes(), &token.signature)
            .is_ok();
        let claims = token.claims;
        let signed_after_retirement = key
            .retired_at
            .is_some_and(|retired| claims.iat > retired.timestamp() + LEEWAY_SECONDS);
        if !verified
            || signed_after_retirement
            || claims.iss != *self.public_url
            || claims.check_time(now).is_err()
        {
            return Ok(None);
        }
        Ok(Some(Principal::OrgToken(OrgTokenGrant {
            subject: claims.sub,
            organization_id: claims.org_id,
            role: claims.org_role,
            token_id: claims.jti,
        })))
    }

    /// The current key, created once (the first process to get here wins a race).
    async fn current_signing_key(&self) -> Result<SigningKey> {
        if let Some(key) = signing_keys::current(&self.db).await? {
            return Ok(key);
        }
        signing_keys::insert_if_absent(&self.db, &new_key(1, self.clock.now())?).await?;
        signing_keys::current(&self.db)
            .await?
            .ok_or_else(|| Error::internal("no signing key after creating one"))
    }

    /// Keys retired after this instant may have signed a token that is still accepted.
    fn still_valid_since(&self) -> DateTime<Utc> {
        self.clock.now() - self.config.auth.jwt_ttl - chrono::Duration::seconds(LEEWAY_SECONDS)
    }
}

/// How long a process trusts what it read of a public key (its retirement reaches every
/// process within this time).
const KEY_CACHE_SECONDS: i64 = 10;

/// A public key as read from `signing_keys`, and when.
#[derive(Clone)]
struct VerifyingKey {
    public: Vec<u8>,
    retired_at: Option<DateTime<Utc>>,
    read_at: DateTime<Utc>,
}

/// Public keys by `kid`, kept for `KEY_CACHE_SECONDS`, so checking an organization token
/// reads no row on the hot path. Only keys found in the table enter it, so unknown `kid`s
/// cannot grow it.
#[derive(Default)]
pub(crate) struct VerifyingKeys(Mutex<HashMap<String, VerifyingKey>>);

impl VerifyingKeys {
    fn get(&self, kid: &str, now: DateTime<Utc>) -> Option<VerifyingKey> {
        let keys = self.0.lock().ok()?;
        keys.get(kid)
            .filter(|key| (now - key.read_at).num_seconds().abs() < KEY_CACHE_SECONDS)
            .cloned()
    }

    fn put(&self, kid: String, key: VerifyingKey) {
        if let Ok(mut keys) = self.0.lock() {
            keys.insert(kid, key);
        }
    }
}

/// A fresh key of `generation`: a random 32-byte seed, stored base64url like other secrets.
fn new_key(generation: i32, now: DateTime<Utc>) -> Result<SigningKey> {
    let seed = random::bytes()?;
    let pair = Ed25519KeyPair::from_seed_unchecked(&seed)
        .map_err(|err| Error::internal(format!("Ed25519 key: {err}")))?;
    Ok(SigningKey {
        generation,
        kid: org_token::random_id(&random::bytes()?[..12]),
        private_key: org_token::random_id(&seed),
        public_key: org_token::random_id(pair.public_key().as_ref()),
        created_at: now,
        retired_at: None,
    })
}

fn key_pair(key: &SigningKey) -> Result<Ed25519KeyPair> {
    let seed = org_token::decode(&key.private_key)
        .ok_or_else(|| Error::internal("stored signing key is not base64url"))?;
    Ed25519KeyPair::from_seed_unchecked(&seed)
        .map_err(|err| Error::internal(format!("stored signing key: {err}")))
}
