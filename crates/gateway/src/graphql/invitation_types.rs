//! GraphQL types of invitations and membership changes.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use roster_domain::InvitationStatus;
use roster_service::{Accepted, InvitationView, OrganizationKey};

use super::error::ResultExt;
use super::types::{GqlRole, MemberObject, OrganizationObject, SessionObject, UserObject};
use super::{principal, roster};

/// `InvitationStatus` in the schema.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "InvitationStatus")]
pub enum GqlInvitationStatus {
    Pending,
    Accepted,
    Declined,
    Revoked,
    Expired,
}

impl From<InvitationStatus> for GqlInvitationStatus {
    fn from(status: InvitationStatus) -> Self {
        match status {
            InvitationStatus::Pending => GqlInvitationStatus::Pending,
            InvitationStatus::Accepted => GqlInvitationStatus::Accepted,
            InvitationStatus::Declined => GqlInvitationStatus::Declined,
            InvitationStatus::Revoked => GqlInvitationStatus::Revoked,
            InvitationStatus::Expired => GqlInvitationStatus::Expired,
        }
    }
}

impl From<GqlInvitationStatus> for InvitationStatus {
    fn from(status: GqlInvitationStatus) -> Self {
        match status {
            GqlInvitationStatus::Pending => InvitationStatus::Pending,
            GqlInvitationStatus::Accepted => InvitationStatus::Accepted,
            GqlInvitationStatus::Declined => InvitationStatus::Declined,
            GqlInvitationStatus::Revoked => InvitationStatus::Revoked,
            GqlInvitationStatus::Expired => InvitationStatus::Expired,
        }
    }
}

/// Mail delivery state of an invitation.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DeliveryStatus {
    Queued,
    Sent,
    Failed,
}

impl From<roster_domain::DeliveryStatus> for DeliveryStatus {
    fn from(status: roster_domain::DeliveryStatus) -> Self {
        match status {
            roster_domain::DeliveryStatus::Queued => DeliveryStatus::Queued,
            roster_domain::DeliveryStatus::Sent => DeliveryStatus::Sent,
            roster_domain::DeliveryStatus::Failed => DeliveryStatus::Failed,
        }
    }
}

/// The newest invitation mail's delivery.
pub(super) struct DeliveryObject {
    status: DeliveryStatus,
    attempts: i32,
    last_error: Option<String>,
}

#[Object(name = "Delivery", serial)]
impl DeliveryObject {
    async fn status(&self) -> DeliveryStatus {
        self.status
    }
    async fn attempts(&self) -> i32 {
        self.attempts
    }
    async fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }
}

/// An invitation to join an organization.
pub(super) struct InvitationObject(pub InvitationView);

#[Object(name = "Invitation", serial)]
impl InvitationObject {
    async fn id(&self) -> ID {
        ID(self.0.invitation.id.to_string())
    }
    async fn email(&self) -> &str {
        &self.0.invitation.email
    }
    async fn role(&self) -> GqlRole {
        self.0.invitation.role.into()
    }
    async fn status(&self) -> GqlInvitationStatus {
        self.0.status.into()
    }
    async fn organization_name(&self) -> &str {
        &self.0.organization_name
    }
    /// The organization, when the caller is a member of it (null for the invitee).
    async fn organization(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<OrganizationObject>> {
        Ok(roster(ctx)?
            .organization(
                principal(ctx).await?,
                OrganizationKey::Id(self.0.invitation.organization_id),
            )
            .await
            .gql(ctx)?
            .map(OrganizationObject))
    }
    async fn invited_by(&self) -> Option<UserObject> {
        self.0.inviter.as_ref().map(|user| UserObject(user.into()))
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.invitation.expires_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.invitation.created_at
    }
    /// Whether the invitation mail went out (`QUEUED` until the worker sends it).
    async fn delivery(&self) -> DeliveryObject {
        match &self.0.delivery {
            Some(delivery) => DeliveryObject {
                status: delivery.status.into(),
                attempts: delivery.attempts,
                last_error: delivery.last_error.clone(),
            },
            // Mail superseded by a later refresh, or never queued: nothing is in flight.
            None => DeliveryObject {
                status: DeliveryStatus::Queued,
                attempts: 0,
                last_error: None,
            },
        }
    }
}

/// What the public landing page shows for an invitation token.
pub(super) struct InvitationPreview(pub InvitationView);

#[Object(serial)]
impl InvitationPreview {
    async fn org_name(&self) -> &str {
        &self.0.organization_name
    }
    async fn inviter_email(&self) -> Option<&str> {
        self.0.inviter.as_ref().map(|user| user.email.as_str())
    }
    async fn role(&self) -> GqlRole {
        self.0.invitation.role.into()
    }
    async fn status(&self) -> GqlInvitationStatus {
        self.0.status.into()
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.invitation.expires_at
    }
}

/// The result of accepting an invitation.
pub(super) struct AcceptInvitationPayload(pub Accepted);

#[Object(serial)]
impl AcceptInvitationPayload {
    async fn member(&self) -> MemberObject {
        MemberObject(self.0.member.clone())
    }
    async fn organization(&self) -> OrganizationObject {
        OrganizationObject(self.0.organization.clone())
    }
    /// Set when the caller was signed out: the invitation link signed them in.
    async fn session(&self) -> Option<SessionObject> {
        self.0.session.clone().map(SessionObject)
    }
}

/// `totalCount` of an organization's invitations.
pub(super) struct InvitationTotal {
    pub seen: roster_domain::OrganizationView,
    pub status: Option<InvitationStatus>,
}

#[Object]
impl InvitationTotal {
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        roster(ctx)?
            .organization_invitation_count(&self.seen, self.status)
            .await
            .gql(ctx)
    }
}
