//! The `Mutation` root. Each field is one use case, hence one transaction.

use async_graphql::{Context, ID, Object};
use roster_service::OrganizationChanges;

use super::error::ResultExt;
use super::types::{OrganizationObject, SessionObject};
use super::{actor, origin, parse_id, principal, roster};

/// Every mutation: identity and organizations here, memberships in `membership.rs`.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(
    IdentityMutation,
    super::membership::MembershipMutation,
    super::project_mutation::ProjectMutation,
    super::plans::PlanMutation,
    super::notifications::NotificationMutation,
    super::usage::UsageMutation,
    super::webhooks::WebhookMutation,
    super::org_tokens::OrgTokenMutation,
);

/// Sign-in and organization mutations.
#[derive(Default)]
pub(super) struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Mails a sign-in link. `true` for any valid address, known or not.
    async fn request_sign_in(
        &self,
        ctx: &Context<'_>,
        email: String,
    ) -> async_graphql::Result<bool> {
        roster(ctx)?
            .request_sign_in(&email, origin(ctx)?)
            .await
            .gql(ctx)?;
        Ok(true)
    }

    /// Spends the token from the mailed link and returns a session.
    async fn complete_sign_in(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> async_graphql::Result<SessionObject> {
        let request = origin(ctx)?;
        Ok(SessionObject(
            roster(ctx)?
                .complete_sign_in(&token, request)
                .await
                .gql(ctx)?,
        ))
    }

    /// Ends the caller's session.
    async fn sign_out(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        roster(ctx)?.sign_out(actor(ctx).await?).await.gql(ctx)?;
        Ok(true)
    }

    /// Creates a team organization owned by the caller.
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        name: String,
        slug: Option<String>,
    ) -> async_graphql::Result<OrganizationObject> {
        let request = origin(ctx)?;
        Ok(OrganizationObject(
            roster(ctx)?
                .create_organization(actor(ctx).await?, &name, slug.as_deref(), request)
                .await
                .gql(ctx)?,
        ))
    }

    /// Renames an organization or changes its slug (admin).
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: Option<String>,
        slug: Option<String>,
        billing_email: Option<String>,
        settings: Option<async_graphql::Json<serde_json::Value>>,
    ) -> async_graphql::Result<OrganizationObject> {
        let id = parse_id(ctx, "id", &id)?;
        let request = origin(ctx)?;
        let changes = OrganizationChanges {
            name: name.as_deref(),
            slug: slug.as_deref(),
            billing_email: billing_email.as_deref(),
            settings: settings.map(|json| json.0),
        };
        Ok(OrganizationObject(
            roster(ctx)?
                .update_organization(principal(ctx).await?, id, changes, request)
                .await
                .gql(ctx)?,
        ))
    }

    /// Deletes a team organization (owner; `confirmName` must equal its name).
    async fn delete_organization(
        &self,
        ctx: &Context<'_>,
        id: ID,
        confirm_name: String,
    ) -> async_graphql::Result<ID> {
        let id = parse_id(ctx, "id", &id)?;
        let request = origin(ctx)?;
        let deleted = roster(ctx)?
            .delete_organization(principal(ctx).await?, id, &confirm_name, request)
            .await
            .gql(ctx)?;
        Ok(ID(deleted.to_string()))
    }

    /// Makes an organization active and renews the session (the old token stops working).
    async fn switch_organization(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<SessionObject> {
        let id = parse_id(ctx, "id", &id)?;
        Ok(SessionObject(
            roster(ctx)?
                .switch_organization(actor(ctx).await?, id)
                .await
                .gql(ctx)?,
        ))
    }
}
