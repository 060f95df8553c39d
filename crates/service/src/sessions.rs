//! Identity use cases: mailing a sign-in link, completing it (creating the user and their
//! personal organization on first sign-in, and noting the address it came from for
//! security alerts), authenticating a bearer token, switching the active organization
//! (which renews the session) and signing out.

use chrono::{DateTime, Duration, Utc};
use roster_domain::{
    AuditAction, EmailAddress, MessageKind, OrgName, OrganizationKind, OrganizationView, RateLimit,
    Role, SecretToken, Slug, TokenHash, User,
};
use roster_mailer::Mail;
use roster_persistence::organizations::{NewOrganization, OrganizationKey};
use roster_persistence::outbox::NewMessage;
use roster_persistence::users::NewUser;
use roster_persistence::{
    api_keys, begin_write, lock_key, memberships, organizations, outbox, sessions, sign_in_tokens,
    users,
};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::audit::Audit;
use crate::error::{Error, Result};
use crate::principal::Principal;
use crate::{RequestContext, Roster, random};
use roster_domain::project::API_KEY_PREFIX;

/// Who is calling: a signed-in user with the session they used.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub session_id: Uuid,
}

/// A new session: the token is shown once.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: SecretToken,
    pub user: User,
    pub active_organization: Option<OrganizationView>,
}

const SIGN_IN_PREFIX: &str = "rsi_";
pub(crate) const SESSION_PREFIX: &str = "rss_";

impl Roster {
    /// Mails a single-use sign-in link to `email`. Answers the same for known and unknown
    /// addresses, so it cannot be used to find out who has an account.
    ///
    /// # Errors
    /// `BadInput` for an invalid address, `RateLimited` past the per-address limit or the
    /// per-client-address limit.
    pub async fn request_sign_in(&self, email: &str, request: &RequestContext) -> Result<()> {
        let email = EmailAddress::parse(email)?;
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let limits = &self.config.limits;
        if let Some(ip) = &request.ip {
            let hourly = RateLimit::new(limits.sign_ins_per_client_hourly, Duration::hours(1));
            self.spend_rate(&txn, &format!("sign-in-ip:{ip}"), hourly, now)
                .await?;
        }
        lock_key(&txn, &format!("sign-in:{email}")).await?;
        let window_start = now - limits.sign_in_window;
        if sign_in_tokens::count_since(&txn, email.as_str(), window_start).await?
            >= limits.sign_in_per_address
        {
            return Err(Error::RateLimited {
                retry_after_seconds: limits.sign_in_window.num_seconds(),
            });
        }
        let token = random::token(SIGN_IN_PREFIX)?;
        let ttl = self.config.auth.sign_in_ttl;
        let expires_at = now + ttl;
        sign_in_tokens::insert(&txn, email.as_str(), &token.hash(), expires_at, now).await?;
        let mail = Mail::SignIn {
            to: email.to_string(),
            link: format!("{}/auth/verify?token={}", self.public_url, token.expose()),
            expires_in_minutes: ttl.num_minutes(),
        };
        self.enqueue(&txn, &mail, None, None, Some(expires_at), now)
            .await?;
        txn.commit().await?;
        self.outbox_signal.notify_one();
        Ok(())
    }

    /// Spends a sign-in token and opens a session. The first sign-in of an address creates
    /// the user and their personal organization.
    ///
    /// # Errors
    /// `BadInput` (field `token`) when the link is unknown, used or expired.
    pub async fn complete_sign_in(
        &self,
        token: &str,
        request: &RequestContext,
    ) -> Result<SignedIn> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let stored = sign_in_tokens::find(&txn, &TokenHash::of(token))
            .await?
            .ok_or_else(|| Error::bad_input("token", "this sign-in link is not valid"))?;
        if stored.expires_at <= now {
            return Err(Error::bad_input(
                "token",
                "this sign-in link has expired: request a new one",
            ));
        }
        // The conditional update is what makes the link single use under races.
        if stored.used_at.is_some() || !sign_in_tokens::spend(&txn, stored.id, now).await? {
            return Err(Error::bad_input(
                "token",
                "this sign-in link was already used: request a new one",
            ));
        }
        let (user, created) = self
            .user_for_email(&txn, &stored.email, request, now)
            .await?;
        Audit::by_user(&user, request, now)
            .action(AuditAction::UserSignedIn, user.personal_organization_id)
            .target(user.id)
            .context(serde_json::json!({ "method": "email_link" }))
            .append(&txn)
            .await?;
        let alerted = self
            .note_sign_in(&txn, &user, created, request, now)
            .await?;
        let signed_in = self.open_session(&txn, user, now).await?;
        txn.commit().await?;
        if alerted {
            self.outbox_signal.notify_one();
        }
        Ok(signed_in)
    }

    /// The caller behind a bearer token: one indexed lookup of the session with its user,
    /// or of the API key by its hash. A key's `last_used_at` is written at most once a
    /// minute, and only when the lookup shows it is due, so busy keys cost no writes.
    /// Anything else may be an organization token (a JWT checked against its signing key).
    ///
    /// # Errors
    /// `Internal` on database failure; an unknown or expired token is `Ok(None)`.
    pub async fn authenticate(&self, bearer: &str) -> Result<Option<Principal>> {
        let now = self.clock.now();
        if bearer.starts_with(SESSION_PREFIX) {
            let found = sessions::find_active(&self.db, &TokenHash::of(bearer), now).await?;
            return Ok(found.map(|(session_id, user)| Principal::User(Actor { user, session_id })));
        }
        if bearer.starts_with(API_KEY_PREFIX) {
            let Some(key) = api_keys::find_by_secret(&self.db, &TokenHash::of(bearer)).await?
            else {
                return Ok(None);
            };
            self.note_key_used(&key).await?;
            return Ok(Some(Principal::ApiKey(key)));
        }
        self.authenticate_org_token(bearer).await
    }

    /// Writes the key's `last_used_at`, at most once a minute (so most requests write
    /// nothing).
    pub(crate) async fn note_key_used(&self, key: &roster_domain::ApiKey) -> Result<()> {
        let now = self.clock.now();
        let every = chrono::Duration::minutes(1);
        if key.last_used_at.is_none_or(|used| now - used >= every) {
            api_keys::touch(&self.db, key.id, now, every).await?;
        }
        Ok(())
    }

    /// Ends the caller's session; its token stops working at once.
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn sign_out(&self, actor: &Actor) -> Result<()> {
        sessions::delete(&self.db, actor.session_id).await?;
        Ok(())
    }

    /// Makes `organization_id` the caller's active organization (remembered on the user)
    /// and renews the session: the old token stops working, the new one is returned.
    ///
    /// # Errors
    /// `NotFound` when the caller is not a member of that organization.
    pub async fn switch_organization(
        &self,
        actor: &Actor,
        organization_id: Uuid,
    ) -> Result<SignedIn> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let view = organizations::find_for_member(
            &txn,
            OrganizationKey::Id(organization_id),
            actor.user.id,
        )
        .await?
        .ok_or(Error::NotFound("organization"))?;
        users::set_active_organization(&txn, actor.user.id, view.organization.id).await?;
        if !sessions::delete(&txn, actor.session_id).await? {
            // The session was signed out (or switched) concurrently.
            return Err(Error::Unauthenticated);
        }
        let user = users::find(&txn, actor.user.id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        let signed_in = self.open_session(&txn, user, now).await?;
        txn.commit().await?;
        Ok(signed_in)
    }

    /// A session token for `email`, creating the user if needed: the developer convenience
    /// behind `cargo xtask token` (database access required; there is no HTTP route to it).
    ///
    /// # Errors
    /// `BadInput` for an invalid address.
    pub async fn issue_dev_token(&self, email: &str) -> Result<SignedIn> {
        let email = EmailAddress::parse(email)?;
        let now = self.clock.now();
        let request = RequestContext {
            ip: None,
            user_agent: Some("cargo xtask token".to_owned()),
        };
        let txn = begin_write(&self.db).await?;
        let (user, _) = self
            .user_for_email(&txn, email.as_str(), &request, now)
            .await?;
        let signed_in = self.open_session(&txn, user, now).await?;
        txn.commit().await?;
        Ok(signed_in)
    }

    /// The user with `email` (normalized), created with a personal organization if new,
    /// and whether this call created them. Serialized per address, so two first sign-ins
    /// of one address create one user.
    pub(crate) async fn user_for_email<C: ConnectionTrait>(
        &self,
        txn: &C,
        email: &str,
        request: &RequestContext,
        now: DateTime<Utc>,
    ) -> Result<(User, bool)> {
        lock_key(txn, &format!("user:{email}")).await?;
        match users::find_by_email(txn, email).await? {
            Some(user) => Ok((user, false)),
            None => Ok((self.create_user(txn, email, request, now).await?, true)),
        }
    }

    async fn create_user<C: ConnectionTrait>(
        &self,
        txn: &C,
        email: &str,
        request: &RequestContext,
        now: DateTime<Utc>,
    ) -> Result<User> {
        let local_part = email.split_once('@').map_or(email, |(local, _)| local);
        let name = OrgName::personal_for(local_part);
        let slug = self.free_slug(txn, Slug::derive(local_part)).await?;
        let organization = organizations::insert(
            txn,
            NewOrganization {
                id: Uuid::now_v7(),
                slug: slug.as_str(),
                name: name.as_str(),
                kind: OrganizationKind::Personal,
                now,
            },
        )
        .await?;
        let user = users::insert(
            txn,
            NewUser {
                id: Uuid::now_v7(),
                email,
                personal_organization_id: organization.id,
                now,
            },
        )
        .await?;
        memberships::insert(txn, organization.id, user.id, Role::Owner, now).await?;
        Audit::by_user(&user, request, now)
            .action(AuditAction::OrganizationCreated, organization.id)
            .target(organization.id)
            .context(serde_json::json!({ "name": organization.name, "slug": organization.slug, "kind": "PERSONAL" }))
            .append(txn)
            .await?;
        Ok(user)
    }

    pub(crate) async fn open_session<C: ConnectionTrait>(
        &self,
        txn: &C,
        user: User,
        now: DateTime<Utc>,
    ) -> Result<SignedIn> {
        let token = random::token(SESSION_PREFIX)?;
        sessions::insert(
            txn,
            user.id,
            &token.hash(),
            now,
            now + self.config.auth.session_ttl,
        )
        .await?;
        let active_organization = self.active_organization_of(txn, &user).await?;
        Ok(SignedIn {
            token,
            user,
            active_organization,
        })
    }

    /// The user's remembered organization, or their personal one when they have left it.
    pub(crate) async fn active_organization_of<C: ConnectionTrait>(
        &self,
        db: &C,
        user: &User,
    ) -> Result<Option<OrganizationView>> {
        if let Some(active) = user.active_organization_id
            && let Some(view) =
                organizations::find_for_member(db, OrganizationKey::Id(active), user.id).await?
        {
            return Ok(Some(view));
        }
        Ok(organizations::find_for_member(
            db,
            OrganizationKey::Id(user.personal_organization_id),
            user.id,
        )
        .await?)
    }

    /// Queues `mail` in the caller's transaction; `subject_id` names the row it is about
    /// (an invitation), so its delivery can be reported and superseded; `expires_at` is
    /// when its link stops working, after which it is not worth sending.
    pub(crate) async fn enqueue<C: ConnectionTrait>(
        &self,
        txn: &C,
        mail: &Mail,
        organization_id: Option<Uuid>,
        subject_id: Option<Uuid>,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let payload = serde_json::to_value(mail).map_err(Error::internal)?;
        Ok(outbox::enqueue(
            txn,
            NewMessage {
                kind: MessageKind::Mail(mail.kind()),
                organization_id,
                subject_id,
                recipient: mail.recipient().to_owned(),
                payload,
                expires_at,
            },
            now,
        )
        .await?)
    }

    /// `base`, or `base` with a random suffix when taken. Short suffixes first (friendly
    /// slugs); when someone has squatted those, a 48-bit suffix nobody can exhaust, so a
    /// derived slug (a new user's personal organization) never makes a request fail.
    pub(crate) async fn free_slug<C: ConnectionTrait>(&self, txn: &C, base: Slug) -> Result<Slug> {
        if !organizations::slug_taken(txn, base.as_str()).await? {
            return Ok(base);
        }
        for bytes in [2, 2, 2, 2, 6, 6, 6, 6] {
            let candidate = base.with_suffix(&random::slug_suffix(bytes)?);
            if !organizations::slug_taken(txn, candidate.as_str()).await? {
                return Ok(candidate);
            }
        }
        Err(Error::internal("could not find a free slug"))
    }
}
