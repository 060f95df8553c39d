//! Mutations for invitations and membership management.

use async_graphql::{Context, ID, Object};
use roster_domain::Role;
use roster_service::InvitationRef;

use super::error::ResultExt;
use super::invitation_types::{AcceptInvitationPayload, InvitationObject};
use super::types::{GqlRole, MemberObject, OrganizationObject};
use super::{actor, optional_actor, origin, parse_id, principal, roster};

/// Invitation and membership mutations.
#[derive(Default)]
pub(super) struct MembershipMutation;

/// Exactly one of `id` and `token`.
fn reference<'a>(
    ctx: &Context<'_>,
    id: Option<&ID>,
    token: Option<&'a str>,
) -> async_graphql::Result<InvitationRef<'a>> {
    match (id, token) {
        (Some(id), None) => Ok(InvitationRef::Id(parse_id(ctx, "id", id)?)),
        (None, Some(token)) => Ok(InvitationRef::Token(token)),
        _ => Err(roster_service::Error::BadInput {
            field: "id",
            message: "give exactly one of id and token".into(),
        })
        .gql(ctx),
    }
}

#[Object]
impl MembershipMutation {
    /// Invites an address (admin; never above your own role). Re-inviting a pending
    /// address refreshes its invitation.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        email: String,
        role: GqlRole,
    ) -> async_graphql::Result<InvitationObject> {
        let organization_id = parse_id(ctx, "organizationId", &organization_id)?;
        Ok(InvitationObject(
            roster(ctx)?
                .invite_member(
                    principal(ctx).await?,
                    organization_id,
                    &email,
                    role.into(),
                    origin(ctx)?,
                )
                .await
                .gql(ctx)?,
        ))
    }

    /// Sends the invitation again with a new link and expiry (admin).
    async fn resend_invitation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<InvitationObject> {
        let id = parse_id(ctx, "id", &id)?;
        Ok(InvitationObject(
            roster(ctx)?
                .resend_invitation(principal(ctx).await?, id, origin(ctx)?)
                .await
                .gql(ctx)?,
        ))
    }

    /// Revokes a pending invitation (admin).
    async fn revoke_invitation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<InvitationObject> {
        let id = parse_id(ctx, "id", &id)?;
        Ok(InvitationObject(
            roster(ctx)?
                .revoke_invitation(principal(ctx).await?, id, origin(ctx)?)
                .await
                .gql(ctx)?,
        ))
    }

    /// Accepts by id (signed in as the invitee) or by token (signs the invitee in).
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        token: Option<String>,
    ) -> async_graphql::Result<AcceptInvitationPayload> {
        let reference = reference(ctx, id.as_ref(), token.as_deref())?;
        let actor = optional_actor(ctx).await?;
        Ok(AcceptInvitationPayload(
            roster(ctx)?
                .accept_invitation(actor, reference, origin(ctx)?)
                .await
                .gql(ctx)?,
        ))
    }

    /// Declines by id (signed in as the invitee) or by token.
    async fn decline_invitation(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        token: Option<String>,
    ) -> async_graphql::Result<InvitationObject> {
        let reference = reference(ctx, id.as_ref(), token.as_deref())?;
        let actor = optional_actor(ctx).await?;
        Ok(InvitationObject(
            roster(ctx)?
                .decline_invitation(actor, reference, origin(ctx)?)
                .await
                .gql(ctx)?,
        ))
    }

    /// Changes a member's role (admin; only owners grant or take OWNER).
    async fn change_member_role(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        user_id: ID,
        role: GqlRole,
    ) -> async_graphql::Result<MemberObject> {
        let organization_id = parse_id(ctx, "organizationId", &organization_id)?;
        let user_id = parse_id(ctx, "userId", &user_id)?;
        Ok(MemberObject(
            roster(ctx)?
                .change_member_role(
                    principal(ctx).await?,
                    organization_id,
                    user_id,
                    Role::from(role),
                    origin(ctx)?,
                )
                .await
                .gql(ctx)?,
        ))
    }

    /// Removes a member (admin; only owners remove owners). Returns the user's id.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        user_id: ID,
    ) -> async_graphql::Result<ID> {
        let organization_id = parse_id(ctx, "organizationId", &organization_id)?;
        let user_id = parse_id(ctx, "userId", &user_id)?;
        let removed = roster(ctx)?
            .remove_member(
                principal(ctx).await?,
                organization_id,
                user_id,
                origin(ctx)?,
            )
            .await
            .gql(ctx)?;
        Ok(ID(removed.to_string()))
    }

    /// Leaves an organization. Returns its id.
    async fn leave_organization(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
    ) -> async_graphql::Result<ID> {
        let organization_id = parse_id(ctx, "organizationId", &organization_id)?;
        let left = roster(ctx)?
            .leave_organization(actor(ctx).await?, organization_id, origin(ctx)?)
            .await
            .gql(ctx)?;
        Ok(ID(left.to_string()))
    }

    /// Makes a member the owner and the caller an admin, atomically (owner).
    async fn transfer_ownership(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        user_id: ID,
    ) -> async_graphql::Result<OrganizationObject> {
        let organization_id = parse_id(ctx, "organizationId", &organization_id)?;
        let user_id = parse_id(ctx, "userId", &user_id)?;
        Ok(OrganizationObject(
            roster(ctx)?
                .transfer_ownership(actor(ctx).await?, organization_id, user_id, origin(ctx)?)
                .await
                .gql(ctx)?,
        ))
    }
}
