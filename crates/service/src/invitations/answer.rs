//! The invitee's side: accept or decline. By id the caller must be signed in as the
//! invited address; by token (the mailed link) a signed-out caller is trusted to hold the
//! address, and accepting signs them in (creating the user, with a personal organization,
//! if new). Both find the invitation, lock its organization and re-read it first, so a
//! second answer finds it answered.

use chrono::{DateTime, Utc};
use roster_domain::{AuditAction, EmailAddress, Invitation, InvitationStatus, Member, TokenHash};
use roster_persistence::organizations::OrganizationKey;
use roster_persistence::{begin_write, invitations, memberships, organizations, outbox, users};
use sea_orm::ConnectionTrait;

use super::{Accepted, InvitationRef, InvitationView};
use crate::audit::Audit;
use crate::error::{Error, Result};
use crate::policy::Resource;
use crate::sessions::Actor;
use crate::{RequestContext, Roster};

impl Roster {
    /// Accepts an invitation. By id the caller must be signed in as the invited address;
    /// by token a signed-out caller is signed in (and created, with a personal org, if new).
    ///
    /// # Errors
    /// `Unauthenticated` (by id, signed out), `NotFound`, `EmailMismatch`,
    /// `InvitationNotPending`, `InvitationExpired`, `QuotaExceeded`.
    pub async fn accept_invitation(
        &self,
        actor: Option<&Actor>,
        reference: InvitationRef<'_>,
        request: &RequestContext,
    ) -> Result<Accepted> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let invitation = self.answerable(&txn, actor, reference, now).await?;
        let organization_id = invitation.organization_id;
        if let Some(organization) =
            organizations::find(&txn, OrganizationKey::Id(organization_id)).await?
        {
            // The invitation already holds its seat: accepting needs the plan to still fit.
            self.ensure_may_spend(&txn, &organization, Resource::Seat, 0, now)
                .await?;
        }
        let (user, created) = self
            .user_for_email(&txn, &invitation.email, request, now)
            .await?;
        let membership = match memberships::find(&txn, organization_id, user.id).await? {
            Some(existing) => existing,
            None => {
                memberships::insert(&txn, organization_id, user.id, invitation.role, now).await?
            }
        };
        invitations::set_status(&txn, invitation.id, InvitationStatus::Accepted, now).await?;
        Audit::by_user(&user, request, now)
            .action(AuditAction::InvitationAccepted, organization_id)
            .target(user.id)
            .context(serde_json::json!({ "invitationId": invitation.id, "role": membership.role.as_str() }))
            .append(&txn)
            .await?;
        let session = match actor {
            Some(_) => None,
            // The link signs the invitee in: a sign-in like any other for security alerts.
            None => {
                self.note_sign_in(&txn, &user, created, request, now)
                    .await?;
                Some(self.open_session(&txn, user.clone(), now).await?)
            }
        };
        let organization =
            organizations::find_for_member(&txn, OrganizationKey::Id(organization_id), user.id)
                .await?
                .ok_or(Error::NotFound("organization"))?;
        txn.commit().await?;
        Ok(Accepted {
            member: Member {
                membership,
                user: (&user).into(),
            },
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
        let invitation = self.answerable(&txn, actor, reference, now).await?;
        let invitation =
            invitations::set_status(&txn, invitation.id, InvitationStatus::Declined, now).await?;
        outbox::supersede_queued(&txn, invitation.id, now).await?;
        let known = users::find_by_email(&txn, &invitation.email).await?;
        Audit::by_person(known.map(|user| user.id), &invitation.email, request, now)
            .action(AuditAction::InvitationDeclined, invitation.organization_id)
            .target(invitation.id)
            .context(serde_json::json!({ "email": invitation.email }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(self.invitation_view(invitation).await?.for_invitee())
    }

    /// Finds the invitation `reference` points at, takes its organization's lock, re-reads
    /// it (a concurrent answer may have won) and checks that the caller may answer it: a
    /// signed-in caller must be the invited address; a signed-out one holds the link.
    async fn answerable<C: ConnectionTrait>(
        &self,
        txn: &C,
        actor: Option<&Actor>,
        reference: InvitationRef<'_>,
        now: DateTime<Utc>,
    ) -> Result<Invitation> {
        let found = self.locate(txn, actor, reference).await?;
        organizations::lock(txn, found.organization_id).await?;
        let invitation = invitations::find(txn, found.id)
            .await?
            .ok_or(Error::NotFound("invitation"))?;
        match actor {
            Some(actor) => {
                invitation.ensure_acceptable_by(&EmailAddress::parse(&actor.user.email)?, now)?;
            }
            None => invitation.ensure_pending(now)?,
        }
        Ok(invitation)
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
}
