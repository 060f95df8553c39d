//! Reading invitations: the landing page's preview by token (never spends it), the
//! invitee's pending list and badge, and an organization's invitations for its admins.
//! Every `InvitationView` is built in one place (`views`).

use roster_domain::paging::page_size;
use roster_domain::{Action, Invitation, InvitationStatus, OrganizationView, TokenHash};
use roster_persistence::invitations::InvitationDetails;
use roster_persistence::{invitations, outbox};
use uuid::Uuid;

use super::{InvitationPage, InvitationView};
use crate::Roster;
use crate::error::{Error, Result};
use crate::paging::split_page;
use crate::principal::require;
use crate::sessions::Actor;

impl Roster {
    /// What the landing page shows for `token`; `None` for unknown tokens. Never spends it.
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn invitation_preview(&self, token: &str) -> Result<Option<InvitationView>> {
        let Some(invitation) = invitations::find_by_token(&self.db, &TokenHash::of(token)).await?
        else {
            return Ok(None);
        };
        Ok(self.views(vec![invitation]).await?.pop())
    }

    /// The caller's pending, unexpired invitations.
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn pending_invitations(&self, actor: &Actor) -> Result<Vec<InvitationView>> {
        let pending =
            invitations::pending_for_email(&self.db, &actor.user.email, self.clock.now()).await?;
        Ok(self
            .views(pending)
            .await?
            .into_iter()
            .map(InvitationView::for_invitee)
            .collect())
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
        seen: &OrganizationView,
        status: Option<InvitationStatus>,
        first: Option<i32>,
        after: Option<Uuid>,
    ) -> Result<InvitationPage> {
        let limit = page_size(first)?;
        require(seen.membership.role, Action::ManageInvitations)?;
        let now = self.clock.now();
        let rows = invitations::page_for_organization(
            &self.db,
            seen.organization.id,
            status,
            after,
            limit + 1,
            now,
        )
        .await?;
        let (page, has_next_page) = split_page(rows, limit);
        Ok(InvitationPage {
            invitations: self.views(page).await?,
            has_next_page,
        })
    }

    /// How many of an organization's invitations have `status` (admins).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` below admin.
    pub async fn organization_invitation_count(
        &self,
        seen: &OrganizationView,
        status: Option<InvitationStatus>,
    ) -> Result<u64> {
        require(seen.membership.role, Action::ManageInvitations)?;
        Ok(invitations::count_for_organization(
            &self.db,
            seen.organization.id,
            status,
            self.clock.now(),
        )
        .await?)
    }

    /// One invitation as its readers see it (after a change).
    pub(crate) async fn invitation_view(&self, invitation: Invitation) -> Result<InvitationView> {
        self.views(vec![invitation])
            .await?
            .pop()
            .ok_or(Error::NotFound("invitation"))
    }

    /// Invitations with their organization's name, inviter and newest mail's delivery
    /// state: two statements however many invitations.
    async fn views(&self, invitations: Vec<Invitation>) -> Result<Vec<InvitationView>> {
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
