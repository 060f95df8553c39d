//! `mintOrganizationToken`: a short-lived JWT a product backend checks locally against
//! `/.well-known/jwks.json`, with no call back to Roster.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};

use super::error::ResultExt;
use super::{parse_id, principal, roster};

/// A signed organization token and when it expires.
pub(super) struct OrganizationTokenObject(roster_service::OrganizationToken);

#[Object(name = "OrganizationToken", serial)]
impl OrganizationTokenObject {
    /// The JWT (EdDSA): `sub`, `org_id`, `org_slug`, `org_role`, `org_permissions`,
    /// `iat`, `exp`, `jti`, `iss`; the header's `kid` names the key in the JWKS.
    async fn token(&self) -> &str {
        &self.0.token
    }

    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
}

/// The token mutation.
#[derive(Default)]
pub(super) struct OrgTokenMutation;

#[Object]
impl OrgTokenMutation {
    /// A token for the caller (a member, or an API key for its own organization) in that
    /// organization, valid for `ROSTER_ORG_TOKEN_TTL_SECONDS`. Roster itself accepts it as
    /// a read-only credential for that organization.
    async fn mint_organization_token(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
    ) -> async_graphql::Result<OrganizationTokenObject> {
        let organization_id = parse_id(ctx, "organizationId", &organization_id)?;
        let minted = roster(ctx)?
            .mint_organization_token(principal(ctx).await?, organization_id)
            .await
            .gql(ctx)?;
        Ok(OrganizationTokenObject(minted))
    }
}
