//! Invitation use cases: invite (or refresh a pending invitation), resend, revoke, preview
//! by token, the invitee's pending list, accept and decline (by id when signed in, by token
//! from the link, which also signs the invitee in). Every change runs under the
//! organization's lock, so concurrent invites and accepts serialize.

use chrono::{DateTime, Utc};
use roster_domain::membership::check_invite;
use roster_domain::{
    Action, EmailAddress, Invitation, InvitationStatus, Member, OrganizationKind, OrganizationView,
    Role, TokenHash, User,
};
use roster_mailer::Mail;
use roster_persistence::invitations::{InvitationDetails, NewInvitation};
use roster_persistence::organizations::OrganizationKey;
use roster_persistence::outbox::Delivery;
use roster_persistence::{
    audit, begin_write, invitations, memberships, organizations, outbox, users,
};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::error::{Error, Result, on_conflict};
use crate::organizations::{page_size, split_page};
use crate::principal::{Principal, require};
use crate::sessions::{Actor, SignedIn};
use crate::{RequestContext, Roster, audit as audit_event, random};

const INVITATION_PREFIX: &str = "rsv_";

/// How an invitee points at an invitation.
#[derive(Debug, Clone, Copy)]
pub enum InvitationRef<'a> {
    Id(Uuid),
    Token(&'a str),
}

/// An invitation with the details its readers see.
#[derive(Debug, Clone)]
pub struct InvitationView {
    pub invitation: Invitation,
    pub status: InvitationStatus,
    pub organization_name: String,
    pub inviter: Option<User>,
    /// The newest mail's delivery state (admins' view); `None` when none was queued.
    pub delivery: Option<Delivery>,
}

/// A page of an organization's invitations (newest first).
#[derive(Debug, Clone)]
pub struct InvitationPage {
    pub invitations: Vec<InvitationView>,
    pub has_next_page: bool,
}

/// What accepting gives back.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub member: Member,
    pub organization: OrganizationView,
    /// Set when the invitee was signed out: following the link signed them in.
    pub session: Option<SignedIn>,
}

impl Roster {
    /// Invites `email` to the organization as `role`; re-inviting a pending address
    /// refreshes that invitation (new token and expiry, mail resent) instead of adding one.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` (below admin, or `role` above the inviter's),
    /// `PersonalOrganization`, `Conflict` for current members, `RateLimited`, `BadInput`.
    pub async fn invite_member(
        &self,
        principal: &Principal,
        organization_id: Uuid,
        email: &str,
        role: Role,
        request: &RequestContext,
    ) -> Result<InvitationView> {
        let email = EmailAddress::parse(email)?;
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let view = self.locked_view(&txn, principal, organization_id).await?;
        check_invite(view.membership.role, role)?;
        if view.organization.kind == OrganizationKind::Personal {
            return Err(Error::PersonalOrganization(
                "nobody can be invited into a personal organization".into(),
            ));
        }
        if let Some(user) = users::find_by_email(&txn, email.as_str()).await?
            && memberships::find(&txn, organization_id, user.id)
                .await?
                .is_some()
        {
            return Err(Error::Conflict {
                field: Some("email"),
                message: format!("{email} is already a member of this organization"),
            });
        }
        let existing = invitations::find_pending(&txn, organization_id, email.as_str()).await?;
        if let Some(existing) = &existing
            && now - existing.updated_at < self.config.reinvite_cooldown
            && existing.role == role
            && existing.status_at(now) == InvitationStatus::Pending
        {
            // Sent a moment ago: answer with it rather than mailing again.
            txn.commit().await?;
            return self.view_of(existing.clone(), &view).await;
        }
        self.check_invitation_rate(&txn, organization_id, now)
            .await?;
        let invitation = self
            .issue(&txn, principal, &view, existing, &email, role, now)
            .await?;
        audit::append(
            &txn,
            audit_event::by(
                principal,
                "member.invited",
                organization_id,
                Some(invitation.id),
                serde_json::json!({ "email": invitation.email, "role": role.as_str() }),
                request,
                now,
            ),
        )
        .await?;
        txn.commit().await?;
        self.outbox_signal.notify_one();
        self.view_of(invitation, &view).await
    }

    /// Sends a pending (or expired) invitation again with a new token and a new expiry.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` below admin, `InvitationNotPending` once answered or
    /// revoked, `RateLimited`.
    pub async fn resend_invitation(
        &self,
        principal: &Principal,
        invitation_id: Uuid,
        request: &RequestContext,
    ) -> Result<InvitationView> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let (invitation, view) = self
            .managed_invitation(&txn, principal, invitation_id)
            .await?;
        if invitation.stored_status != InvitationStatus::Pending {
            return Err(Error::InvitationNotPending);
        }
        self.check_invitation_rate(&txn, invitation.organization_id, now)
            .await?;
        let email = EmailAddress::parse(&invitation.email)?;
        let role = invitation.role;
        let invitation = self
            .issue(&txn, principal, &view, Some(invitation), &email, role, now)
            .await?;
        audit::append(
            &txn,
            audit_event::by(
                principal,
                "invitation.resent",
                invitation.organization_id,
                Some(invitation.id),
                serde_json::json!({ "email": invitation.email }),
                request,
                now,
            ),
        )
        .await?;
        txn.commit().await?;
        self.outbox_signal.notify_one();
        self.view_of(invitation, &view).await
    }

    /// Revokes a pending invitation; its link stops working and unsent mail is dropped.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` below admin, `InvitationNotPending`.
    pub async fn revoke_invitation(
        &self,
        principal: &Principal,
        invitation_id: Uuid,
        request: &RequestContext,
    ) -> Result<InvitationView> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let (invitation, view) = self
            .managed_invitation(&txn, principal, invitation_id)
            .await?;
        if invitation.stored_status != InvitationStatus::Pending {
            return Err(Error::InvitationNotPending);
        }
        outbox::supersede_queued(&txn, invitation.id, now).await?;
        let invitation =
            invitations::set_status(&txn, invitation.id, InvitationStatus::Revoked, now).await?;
        audit::append(
            &txn,
            audit_event::by(
                principal,
                "invitation.revoked",
                invitation.organization_id,
                Some(invitation.id),
                serde_json::json!({ "email": invitation.email }),
                request,
                now,
            ),
        )
        .await?;
        txn.commit().await?;
        self.view_of(invitation, &view).await
    }

    /// What the landing page shows for `token`; `None` for unknown tokens. Never spends it.
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn invitation_preview(&self, token: &str) -> Result<Option<InvitationView>> {
        let Some(invitation) = invitations::find_by_token(&self.db, &TokenHash::of(token)).await?
        else {
            return Ok(None);
        };
        Ok(self.details(vec![invitation]).await?.pop())
    }

    /// The caller's pending, unexpired invitations.
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn pending_invitations(&self, actor: &Actor) -> Result<Vec<InvitationView>> {
        let pending =
            invitations::pending_for_email(&self.db, &actor.user.email, self.clock.now()).await?;
        self.details(pending).await
    }

    /// How many invitations wait for the caller (the badge).
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn pending_invitation_count(&self, actor: &Actor) -> Result<u64> {
        Ok(
            invitations::count_pending_for_email(&self.db, &actor.user.email, self.clock.now())
                .await?,
        )
    }

    /// An organization's invitations, newest first, for admins.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` below admin, `BadInput` for `first` out of range.
    pub async fn organization_invitations(
        &self,
        principal: &Principal,
        organization_id: Uuid,
        status: Option<InvitationStatus>,
        first: Option<i32>,
        after: Option<Uuid>,
    ) -> Result<InvitationPage> {
        let limit = page_size(first)?;
        self.require_role(principal, organization_id, Action::ManageInvitations)
            .await?;
        let now = self.clock.now();
        let rows = invitations::page_for_organization(
            &self.db,
            organization_id,
            status,
            after,
            limit + 1,
            now,
        )
        .await?;
        let (page, has_next_page) = split_page(rows, limit);
        Ok(InvitationPage {
            invitations: self.details(page).await?,
            has_next_page,
        })
    }

    /// How many of an organization's invitations have `status` (admins).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` below admin.
    pub async fn organization_invitation_count(
        &self,
        principal: &Principal,
        organization_id: Uuid,
        status: Option<InvitationStatus>,
    ) -> Result<u64> {
        self.require_role(principal, organization_id, Action::ManageInvitations)
            .await?;
        Ok(
            invitations::count_for_organization(
                &self.db,
                organization_id,
                status,
                self.clock.now(),
            )
            .await?,
        )
    }

    /// Accepts an invitation. By id the caller must be signed in as the invited address;
    /// by token a signed-out caller is signed in (and created, with a personal org, if new).
    ///
    /// # Errors
    /// `Unauthenticated` (by id, signed out), `NotFound`, `EmailMismatch`,
    /// `InvitationNotPending`, `InvitationExpired`.
    pub async fn accept_invitation(
        &self,
        actor: Option<&Actor>,
        reference: InvitationRef<'_>,
        request: &RequestContext,
    ) -> Result<Accepted> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let invitation = self.locate(&txn, actor, reference).await?;
        organizations::lock(&txn, invitation.organization_id).await?;
        // Re-read under the lock: a concurrent accept may have answered it meanwhile.
        let invitation = invitations::find(&txn, invitation.id)
            .await?
            .ok_or(Error::NotFound("invitation"))?;
        let invited = EmailAddress::parse(&invitation.email)?;
        match actor {
            Some(actor) => {
                invitation.ensure_acceptable_by(&EmailAddress::parse(&actor.user.email)?, now)?;
            }
            None => invitation.ensure_acceptable_by(&invited, now)?,
        }
        let user = self
            .user_for_email(&txn, invited.as_str(), request, now)
            .await?;
        let membership = match memberships::find(&txn, invitation.organization_id, user.id).await? {
            Some(existing) => existing,
            None => {
                memberships::insert(
                    &txn,
                    invitation.organization_id,
                    user.id,
                    invitation.role,
                    now,
                )
                .await?
            }
        };
        invitations::set_status(&txn, invitation.id, InvitationStatus::Accepted, now).await?;
        audit::append(
            &txn,
            audit_event::event(
                "invitation.accepted",
                invitation.organization_id,
                &user,
                Some(user.id),
                serde_json::json!({ "invitationId": invitation.id, "role": membership.role.as_str() }),
                request,
                now,
            ),
        )
        .await?;
        let session = match actor {
            Some(_) => None,
            None => Some(self.open_session(&txn, user.clone(), now).await?),
        };
        let organization = organizations::find_for_member(
            &txn,
            OrganizationKey::Id(invitation.organization_id),
            user.id,
        )
        .await?
        .ok_or(Error::NotFound("organization"))?;
        txn.commit().await?;
        Ok(Accepted {
            member: Member { membership, user },
            organization,
            session,
        })
    }

    /// Declines an invitation (by id when signed in as the invitee, or by token).
    ///
    /// # Errors
    /// As `accept_invitation`.
    pub async fn decline_invitation(
        &self,
        actor: Option<&Actor>,
        reference: InvitationRef<'_>,
        request: &RequestContext,
    ) -> Result<InvitationView> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let invitation = self.locate(&txn, actor, reference).await?;
        organizations::lock(&txn, invitation.organization_id).await?;
        let invitation = invitations::find(&txn, invitation.id)
            .await?
            .ok_or(Error::NotFound("invitation"))?;
        match actor {
            Some(actor) => {
                invitation.ensure_acceptable_by(&EmailAddress::parse(&actor.user.email)?, now)?;
            }
            None => invitation.ensure_pending(now)?,
        }
        let invitation =
            invitations::set_status(&txn, invitation.id, InvitationStatus::Declined, now).await?;
        outbox::supersede_queued(&txn, invitation.id, now).await?;
        let actor_user = match actor {
            Some(actor) => Some(actor.user.clone()),
            None => users::find_by_email(&txn, &invitation.email).await?,
        };
        let mut event = audit::NewAuditEvent {
            organization_id: Some(invitation.organization_id),
            action: "invitation.declined",
            actor_user_id: actor_user.as_ref().map(|user| user.id),
            actor_api_key_id: None,
            actor_email: Some(invitation.email.clone()),
            actor_label: None,
            target_id: Some(invitation.id),
            project_id: None,
            ip: request.ip.clone(),
            user_agent: request.user_agent.clone(),
            context: serde_json::json!({ "email": invitation.email }),
            occurred_at: now,
        };
        if let Some(user) = &actor_user {
            event.actor_email = Some(user.email.clone());
        }
        audit::append(&txn, event).await?;
        txn.commit().await?;
        self.details(vec![invitation])
            .await?
            .pop()
            .ok_or(Error::NotFound("invitation"))
    }

    /// Finds the invitation `reference` points at. By id, only the invitee (signed in) may
    /// see it; anyone else gets `NotFound`, as for an id that does not exist.
    async fn locate<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: Option<&Actor>,
        reference: InvitationRef<'_>,
    ) -> Result<Invitation> {
        match reference {
            InvitationRef::Token(token) => invitations::find_by_token(db, &TokenHash::of(token))
                .await?
                .ok_or(Error::NotFound("invitation")),
            InvitationRef::Id(id) => {
                let actor = actor.ok_or(Error::Unauthenticated)?;
                let invitation = invitations::find(db, id)
                    .await?
                    .ok_or(Error::NotFound("invitation"))?;
                if invitation.email != actor.user.email {
                    return Err(Error::NotFound("invitation"));
                }
                Ok(invitation)
            }
        }
    }

    /// The invitation `id` with the organization it belongs to, for an admin of it.
    async fn managed_invitation<C: ConnectionTrait>(
        &self,
        db: &C,
        principal: &Principal,
        id: Uuid,
    ) -> Result<(Invitation, OrganizationView)> {
        let invitation = invitations::find(db, id)
            .await?
            .ok_or(Error::NotFound("invitation"))?;
        let view = self
            .locked_view_of(db, principal, invitation.organization_id, "invitation")
            .await?;
        require(view.membership.role, Action::ManageInvitations)?;
        Ok((invitation, view))
    }

    /// Gives `existing` (or a new invitation for `email`) a fresh token and expiry, drops
    /// its unsent mail, and queues the invitation mail with the new link.
    #[expect(
        clippy::too_many_arguments,
        reason = "the inputs of one invitation mail"
    )]
    async fn issue<C: ConnectionTrait>(
        &self,
        txn: &C,
        principal: &Principal,
        view: &OrganizationView,
        existing: Option<Invitation>,
        email: &EmailAddress,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Invitation> {
        let token = random::token(INVITATION_PREFIX)?;
        let expires_at = now + self.config.invitation_ttl;
        let invitation = match existing {
            Some(existing) => {
                outbox::supersede_queued(txn, existing.id, now).await?;
                invitations::refresh(
                    txn,
                    existing.id,
                    &token.hash(),
                    role,
                    principal.user_id(),
                    expires_at,
                    now,
                )
                .await?
            }
            None => invitations::insert(
                txn,
                NewInvitation {
                    organization_id: view.organization.id,
                    email: email.as_str(),
                    role,
                    token_hash: &token.hash(),
                    invited_by: principal.user_id(),
                    expires_at,
                    now,
                },
            )
            .await
            .map_err(|err| {
                on_conflict(err, || Error::Conflict {
                    field: Some("email"),
                    message: "an invitation for this address was just created; try again".into(),
                })
            })?,
        };
        self.enqueue_invitation(
            txn,
            &invitation,
            view,
            principal.email(),
            token.expose(),
            now,
        )
        .await?;
        Ok(invitation)
    }

    async fn check_invitation_rate<C: ConnectionTrait>(
        &self,
        db: &C,
        organization_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let since = now - self.config.invitation_window;
        if outbox::count_since(db, organization_id, "invitation", since).await?
            >= self.config.invitation_limit
        {
            return Err(Error::RateLimited {
                retry_after_seconds: self.config.invitation_window.num_seconds(),
            });
        }
        Ok(())
    }

    async fn enqueue_invitation<C: ConnectionTrait>(
        &self,
        txn: &C,
        invitation: &Invitation,
        view: &OrganizationView,
        inviter_email: Option<&str>,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mail = Mail::Invitation {
            to: invitation.email.clone(),
            link: format!(
                "{}/invitations/{token}",
                self.config.public_url.trim_end_matches('/')
            ),
            organization: view.organization.name.clone(),
            inviter: inviter_email.map(str::to_owned),
            role: invitation.role.as_str().to_owned(),
            expires: invitation
                .expires_at
                .format("%Y-%m-%d %H:%M UTC")
                .to_string(),
        };
        self.enqueue(
            txn,
            mail,
            Some(invitation.organization_id),
            Some(invitation.id),
            now,
        )
        .await?;
        Ok(())
    }

    async fn view_of(
        &self,
        invitation: Invitation,
        view: &OrganizationView,
    ) -> Result<InvitationView> {
        let delivery = outbox::deliveries(&self.db, &[invitation.id])
            .await?
            .remove(&invitation.id);
        let inviter = match invitation.invited_by {
            Some(id) => users::find(&self.db, id).await?,
            None => None,
        };
        Ok(InvitationView {
            status: invitation.status_at(self.clock.now()),
            organization_name: view.organization.name.clone(),
            inviter,
            delivery,
            invitation,
        })
    }

    async fn details(&self, invitations: Vec<Invitation>) -> Result<Vec<InvitationView>> {
        let ids: Vec<Uuid> = invitations.iter().map(|invitation| invitation.id).collect();
        let mut deliveries = outbox::deliveries(&self.db, &ids).await?;
        let now = self.clock.now();
        Ok(invitations::with_details(&self.db, invitations)
            .await?
            .into_iter()
            .map(
                |InvitationDetails {
                     invitation,
                     organization_name,
                     inviter,
                 }| InvitationView {
                    status: invitation.status_at(now),
                    delivery: deliveries.remove(&invitation.id),
                    organization_name,
                    inviter,
                    invitation,
                },
            )
            .collect())
    }
}
