//! The `Query` root.

use async_graphql::{Context, ID, Object};
use roster_service::OrganizationKey;

use super::error::ResultExt;
use super::invitation_types::InvitationPreview;
use super::plans::PlanObject;
use super::types::{OrganizationObject, Viewer};
use super::{actor, organization_of_caller, parse_id, roster};

/// Reads.
pub struct Query;

#[Object]
impl Query {
    /// The signed-in caller; `UNAUTHENTICATED` without credentials.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Viewer> {
        actor(ctx).await?;
        Ok(Viewer)
    }

    /// An organization by id or slug (exactly one); null when the caller may not see it.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> async_graphql::Result<Option<OrganizationObject>> {
        let parsed;
        let key = match (&id, &slug) {
            (Some(id), None) => {
                parsed = parse_id(ctx, "id", id)?;
                OrganizationKey::Id(parsed)
            }
            (None, Some(slug)) => OrganizationKey::Slug(slug.as_str()),
            _ => {
                return Err(roster_service::Error::BadInput {
                    field: "id",
                    message: "give exactly one of id and slug".into(),
                })
                .gql(ctx);
            }
        };
        Ok(organization_of_caller(ctx, key)
            .await?
            .map(OrganizationObject))
    }

    /// What an invitation link leads to (public: the token is the credential). Never
    /// spends the token; null for unknown tokens.
    async fn invitation_preview(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> async_graphql::Result<Option<InvitationPreview>> {
        Ok(roster(ctx)?
            .invitation_preview(&token)
            .await
            .gql(ctx)?
            .map(InvitationPreview))
    }

    /// The plans organizations may be on (public, for a pricing page).
    async fn plans(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlanObject>> {
        super::plans::plans(ctx)
    }
}
