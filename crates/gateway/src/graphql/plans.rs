//! Plans and usage in the schema: `Query.plans` (public, for a pricing page),
//! `Organization.usage`, and the `changePlan` mutation.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use roster_domain::{Plan, PlanLimit, UsageLevel, UsagePeriod};
use roster_service::{Usage, UsageMetric};

use super::error::ResultExt;
use super::types::OrganizationObject;
use super::{origin, parse_id, principal, roster};

/// Over which period a limit counts: `NONE` for what is held (seats, a gauge), `MONTH`
/// for what is spent per calendar month (UTC).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "UsagePeriod")]
pub enum GqlUsagePeriod {
    None,
    Month,
}

impl From<UsagePeriod> for GqlUsagePeriod {
    fn from(period: UsagePeriod) -> Self {
        match period {
            UsagePeriod::None => GqlUsagePeriod::None,
            UsagePeriod::Month => GqlUsagePeriod::Month,
        }
    }
}

/// How full a limit is: `WARNING` from 80 %, `CRITICAL` from 90 %, `EXCEEDED` from 100 %.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "UsageLevel")]
pub enum GqlUsageLevel {
    Ok,
    Warning,
    Critical,
    Exceeded,
}

impl From<UsageLevel> for GqlUsageLevel {
    fn from(level: UsageLevel) -> Self {
        match level {
            UsageLevel::Ok => GqlUsageLevel::Ok,
            UsageLevel::Warning => GqlUsageLevel::Warning,
            UsageLevel::Critical => GqlUsageLevel::Critical,
            UsageLevel::Exceeded => GqlUsageLevel::Exceeded,
        }
    }
}

/// A plan an organization may be on.
pub(super) struct PlanObject(pub Plan);

#[Object(name = "Plan", serial)]
impl PlanObject {
    async fn id(&self) -> &str {
        &self.0.id
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Its limits; a metric not listed is unlimited.
    async fn limits(&self) -> Vec<PlanLimitObject> {
        self.0.limits.iter().cloned().map(PlanLimitObject).collect()
    }
}

/// One limit of a plan.
pub(super) struct PlanLimitObject(PlanLimit);

#[Object(name = "PlanLimit", serial)]
impl PlanLimitObject {
    async fn metric(&self) -> &str {
        &self.0.metric
    }
    /// Null: unlimited.
    async fn limit(&self) -> Option<u64> {
        self.0.limit
    }
    async fn period(&self) -> GqlUsagePeriod {
        self.0.period.into()
    }
    /// A hard limit refuses what would pass it; a soft one only warns.
    async fn hard(&self) -> bool {
        self.0.hard
    }
}

/// What an organization uses against its plan.
#[derive(SimpleObject)]
#[graphql(name = "Usage")]
pub(super) struct UsageObject {
    seats: UsageMetricObject,
    projects: UsageMetricObject,
    /// The product's metered metrics: every one the plan declares, this period.
    metrics: Vec<UsageMetricObject>,
}

impl From<Usage> for UsageObject {
    fn from(usage: Usage) -> Self {
        UsageObject {
            seats: usage.seats.into(),
            projects: usage.projects.into(),
            metrics: usage.metrics.into_iter().map(Into::into).collect(),
        }
    }
}

/// One metric's usage: `level` is `WARNING` from 80 %, `CRITICAL` from 90 %, `EXCEEDED`
/// from 100 % of `limit` (null: unlimited).
#[derive(SimpleObject)]
#[graphql(name = "UsageMetric")]
pub(super) struct UsageMetricObject {
    metric: String,
    used: u64,
    limit: Option<u64>,
    level: GqlUsageLevel,
    /// When the count resets; null for what is held rather than spent.
    period_end: Option<DateTime<Utc>>,
}

impl From<UsageMetric> for UsageMetricObject {
    fn from(metric: UsageMetric) -> Self {
        UsageMetricObject {
            metric: metric.metric,
            used: metric.used,
            limit: metric.limit,
            level: metric.level.into(),
            period_end: metric.period_end,
        }
    }
}

/// The plan mutation.
#[derive(Default)]
pub(super) struct PlanMutation;

#[Object]
impl PlanMutation {
    /// Moves an organization to another plan (owner). A downgrade below current usage is
    /// allowed and deletes nothing; new seats and projects are refused until usage fits.
    async fn change_plan(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        plan: String,
    ) -> async_graphql::Result<OrganizationObject> {
        let organization_id = parse_id(ctx, "organizationId", &organization_id)?;
        let changed = roster(ctx)?
            .change_plan(principal(ctx).await?, organization_id, &plan, origin(ctx)?)
            .await
            .gql(ctx)?;
        Ok(OrganizationObject(changed))
    }
}

/// `Query.plans`: every plan, in the configured order.
pub(super) fn plans(ctx: &Context<'_>) -> async_graphql::Result<Vec<PlanObject>> {
    Ok(roster(ctx)?
        .plans()
        .all()
        .iter()
        .cloned()
        .map(PlanObject)
        .collect())
}

/// `Organization.usage`.
pub(super) async fn usage(
    ctx: &Context<'_>,
    organization: &roster_domain::Organization,
) -> async_graphql::Result<UsageObject> {
    Ok(roster(ctx)?.usage(organization).await.gql(ctx)?.into())
}
