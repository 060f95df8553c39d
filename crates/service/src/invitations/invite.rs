//! An admin's side of invitations: invite (or refresh a pending invitation), resend and
//! revoke. Nobody acts on an invitation whose role is above their own, and every mail
//! counts toward the organization's invitation rate limit.

use chrono::{DateTime, Utc};
use roster_domain::membership::check_invite;
use roster_domain::organization::ensure_team;
use roster_domain::{
    Action, AuditAction, EmailAddress, Invitation, InvitationStatus, MailKind, OrganizationView,
    RateLimit, Reinvite, Role,
};
use roster_mailer::Mail;
use roster_persistence::invitations::NewInvitation;
use roster_persistence::{
    DatabaseTransaction, begin_write, invitations, memberships, outbox, users,
};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::InvitationView;
use crate::audit::{Audit, AuditEvent};
use crate::error::{Error, Result, on_conflict};
use crate::policy::Resource;
use crate::principal::{Principal, require};
use crate::{RequestContext, Roster, random};

const INVITATION_PREFIX: &str = "rsv_";

impl Roster {
    /// Invites `email` to the organization as `role`; re-inviting a pending address
    /// refreshes that invitation (new token and expiry, mail resent) instead of adding one.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` (below admin, or `role` above the inviter's),
    /// `PersonalOrganization`, `Conflict` for current members, `RateLimited`,
    /// `QuotaExceeded`, `BadInput`.
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
        ensure_team(view.organization.kind, "invited into")?;
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
        let spend = match &existing {
            Some(existing) => {
                // Refreshing may change the role: the caller must outrank the old one too.
                check_invite(view.membership.role, existing.role)?;
                if existing.reinvite(role, now, self.config.limits.reinvite_cooldown)
                    == Reinvite::Unchanged
                {
                    // Sent a moment ago: answer with it rather than mailing again.
                    txn.commit().await?;
                    return self.invitation_view(existing.clone()).await;
                }
                0
            }
            None => 1,
        };
        self.ensure_may_spend(&txn, &view.organization, Resource::Seat, spend, now)
            .await?;
        self.check_invitation_rate(&txn, organization_id, now)
            .await?;
        let invitation = self
            .issue(&txn, principal, &view, existing, &email, role, now)
            .await?;
        let event = Audit::by(principal, request, now)
            .action(AuditAction::MemberInvited, organization_id)
            .target(invitation.id)
            .context(serde_json::json!({ "email": invitation.email, "role": role.as_str() }));
        self.commit_mailed(txn, event, invitation).await
    }

    /// Sends a pending invitation again with a new token and a new expiry.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` below admin or for an invitation above the caller's role,
    /// `InvitationNotPending` once answered or revoked, `InvitationExpired` once expired
    /// (invite the address again instead), `RateLimited`, `QuotaExceeded`.
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
        // An expired invitation is not revived by a resend: inviting again is explicit.
        invitation.ensure_pending(now)?;
        invitation
            .ensure_resendable(now, self.config.limits.resend_cooldown)
            .map_err(|retry| Error::RateLimited {
                retry_after_seconds: retry.0,
            })?;
        self.ensure_may_spend(&txn, &view.organization, Resource::Seat, 0, now)
            .await?;
        self.check_invitation_rate(&txn, invitation.organization_id, now)
            .await?;
        let email = EmailAddress::parse(&invitation.email)?;
        let role = invitation.role;
        let invitation = self
            .issue(&txn, principal, &view, Some(invitation), &email, role, now)
            .await?;
        let event = Audit::by(principal, request, now)
            .action(AuditAction::InvitationResent, invitation.organization_id)
            .target(invitation.id)
            .context(serde_json::json!({ "email": invitation.email }));
        self.commit_mailed(txn, event, invitation).await
    }

    /// Appends `event`, commits the invitation with its queued mail, wakes the local
    /// delivery worker, and answers with the invitation as admins see it.
    async fn commit_mailed(
        &self,
        txn: DatabaseTransaction,
        event: AuditEvent,
        invitation: Invitation,
    ) -> Result<InvitationView> {
        event.append(&txn).await?;
        txn.commit().await?;
        self.outbox_signal.notify_one();
        self.invitation_view(invitation).await
    }

    /// Revokes a pending invitation; its link stops working and unsent mail is dropped.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` below admin or for an invitation above the caller's role,
    /// `InvitationNotPending` once answered or revoked (expired ones may be revoked).
    pub async fn revoke_invitation(
        &self,
        principal: &Principal,
        invitation_id: Uuid,
        request: &RequestContext,
    ) -> Result<InvitationView> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let (invitation, _view) = self
            .managed_invitation(&txn, principal, invitation_id)
            .await?;
        outbox::supersede_queued(&txn, invitation.id, now).await?;
        let invitation =
            invitations::set_status(&txn, invitation.id, InvitationStatus::Revoked, now).await?;
        Audit::by(principal, request, now)
            .action(AuditAction::InvitationRevoked, invitation.organization_id)
            .target(invitation.id)
            .context(serde_json::json!({ "email": invitation.email }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        self.invitation_view(invitation).await
    }

    /// The unanswered invitation `id` (pending, or expired), under its organization's
    /// lock, for an admin whose role is at least the invitation's: the rule of inviting.
    async fn managed_invitation<C: ConnectionTrait>(
        &self,
        db: &C,
        principal: &Principal,
        id: Uuid,
    ) -> Result<(Invitation, OrganizationView)> {
        let Some(invitation) = invitations::find(db, id).await? else {
            return Err(self.missing(db, principal, "invitation").await);
        };
        let view = self
            .locked_view_of(db, principal, invitation.organization_id, "invitation")
            .await?;
        require(view.membership.role, Action::ManageInvitations)?;
        check_invite(view.membership.role, invitation.role)?;
        // Re-read under the lock: a concurrent accept may have answered it meanwhile.
        let invitation = invitations::find(db, id)
            .await?
            .ok_or(Error::NotFound("invitation"))?;
        if invitation.stored_status != InvitationStatus::Pending {
            return Err(Error::InvitationNotPending);
        }
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
        let expires_at = now + self.config.auth.invitation_ttl;
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
        self.spend_invitation_mail(txn, &invitation, now).await?;
        let mail = Mail::Invitation {
            to: invitation.email.clone(),
            link: format!("{}/invitations/{}", self.public_url, token.expose()),
            organization: view.organization.name.clone(),
            inviter: principal.email().map(str::to_owned),
            role: invitation.role.as_str().to_owned(),
            expires: crate::format_time(invitation.expires_at),
        };
        self.enqueue(
            txn,
            &mail,
            Some(invitation.organization_id),
            Some(invitation.id),
            Some(invitation.expires_at),
            now,
        )
        .await?;
        Ok(invitation)
    }

    /// Counts one invitation mail to the invitee: at most a few per organization per hour
    /// and some more per day across organizations, so nobody can flood an address by
    /// re-inviting with other roles, resending, or inviting from many organizations.
    async fn spend_invitation_mail<C: ConnectionTrait>(
        &self,
        txn: &C,
        invitation: &Invitation,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let limits = &self.config.limits;
        let hourly = RateLimit::new(
            limits.invitation_mails_per_recipient_hourly,
            chrono::Duration::hours(1),
        );
        let key = format!(
            "invite-mail:{}:{}",
            invitation.organization_id, invitation.email
        );
        self.spend_rate(txn, &key, hourly, now).await?;
        let daily = RateLimit::new(
            limits.invitation_mails_per_recipient_daily,
            chrono::Duration::days(1),
        );
        let key = format!("invite-mail:{}", invitation.email);
        self.spend_rate(txn, &key, daily, now).await
    }

    async fn check_invitation_rate<C: ConnectionTrait>(
        &self,
        db: &C,
        organization_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let limits = &self.config.limits;
        let since = now - limits.invitation_window;
        if outbox::count_since(db, organization_id, MailKind::Invitation, since).await?
            >= limits.invitations_per_window
        {
            return Err(Error::RateLimited {
                retry_after_seconds: limits.invitation_window.num_seconds(),
            });
        }
        Ok(())
    }
}
