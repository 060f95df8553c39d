//! The `recordUsage` mutation: a product backend (an API key) or a member adds to a
//! metered metric of the organization's plan.

use async_graphql::{Context, ID, Object};

use super::error::ResultExt;
use super::plans::UsageMetricObject;
use super::{parse_id, principal, roster};

/// The usage mutation.
#[derive(Default)]
pub(super) struct UsageMutation;

#[Object]
impl UsageMutation {
    /// Adds `quantity` (at least 1) of `metric` to the current period (member; an API key
    /// may leave out `organizationId`). Past a hard limit it is refused with
    /// `QUOTA_EXCEEDED` and records nothing; the same `idempotencyKey` within 24 hours
    /// returns the first answer and counts once.
    async fn record_usage(
        &self,
        ctx: &Context<'_>,
        metric: String,
        quantity: i64,
        idempotency_key: String,
        organization_id: Option<ID>,
    ) -> async_graphql::Result<UsageMetricObject> {
        let organization_id = organization_id
            .map(|id| parse_id(ctx, "organizationId", &id))
            .transpose()?;
        let recorded = roster(ctx)?
            .record_usage(
                principal(ctx).await?,
                organization_id,
                &metric,
                quantity,
                &idempotency_key,
            )
            .await
            .gql(ctx)?;
        Ok(recorded.into())
    }
}
