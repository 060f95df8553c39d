//! Plans seen from the use cases: `PlanPolicy` holds every organization to its plan's seat
//! and project limits (installed through `Roster::with_policy`), `usage` reports what an
//! organization holds against those limits, and `change_plan` moves it to another plan.
//! A downgrade below current usage is allowed and deletes nothing: the policy then refuses
//! new seats and projects until usage fits again.

use chrono::{DateTime, Utc};
use roster_domain::{Action, AuditAction, Organization, OrganizationView, Plans, UsageLevel};
use roster_persistence::{begin_write, organizations};
use uuid::Uuid;

use crate::audit::Audit;
use crate::error::{Error, Result};
use crate::policy::{Resource, SpendPolicy};
use crate::principal::{Principal, require};
use crate::{RequestContext, Roster};

/// Limits from the configured plans: each organization may hold what its plan allows (a
/// personal organization one seat, whatever its plan).
#[derive(Debug, Clone)]
pub struct PlanPolicy {
    plans: Plans,
}

impl PlanPolicy {
    #[must_use]
    pub fn new(plans: Plans) -> PlanPolicy {
        PlanPolicy { plans }
    }
}

impl SpendPolicy for PlanPolicy {
    fn limit(&self, organization: &Organization, resource: Resource) -> Option<u64> {
        self.plans
            .held_limit(organization.kind, &organization.plan, resource.metric())
    }
}

/// How much of one metric an organization uses against its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageMetric {
    pub metric: String,
    pub used: u64,
    /// `None`: unlimited.
    pub limit: Option<u64>,
    pub level: UsageLevel,
    /// When the period's count resets; `None` for what is held rather than spent.
    pub period_end: Option<DateTime<Utc>>,
}

/// An organization's usage: what it holds, and its metered metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub seats: UsageMetric,
    pub projects: UsageMetric,
    pub metrics: Vec<UsageMetric>,
}

impl Roster {
    /// The plans organizations may be on, in the configured order.
    #[must_use]
    pub fn plans(&self) -> &Plans {
        &self.config.plans
    }

    /// What `organization` holds against the limits the spending policy sets. The caller
    /// has already read the organization through the principal's membership.
    ///
    /// # Errors
    /// `Error::Internal` on database failure.
    pub async fn usage(&self, organization: &Organization) -> Result<Usage> {
        let now = self.clock.now();
        let mut held = Vec::with_capacity(2);
        for resource in [Resource::Seat, Resource::Project] {
            let used = self.held(&self.db, organization, resource, now).await?;
            let limit = self.policy.limit(organization, resource);
            held.push(UsageMetric {
                metric: resource.metric().to_owned(),
                used,
                limit,
                level: UsageLevel::of(used, limit),
                period_end: None,
            });
        }
        let projects = held
            .pop()
            .ok_or_else(|| Error::internal("no project usage"))?;
        let seats = held.pop().ok_or_else(|| Error::internal("no seat usage"))?;
        Ok(Usage {
            seats,
            projects,
            metrics: self.metered(&self.db, organization, now).await?,
        })
    }

    /// Moves an organization to the plan `plan` (owner only), audited as `plan.changed`
    /// with `from` and `to`. Choosing the current plan changes and records nothing.
    ///
    /// # Errors
    /// `BadInput` for a plan that is not configured, `NotFound` for non-members,
    /// `Forbidden` below owner.
    pub async fn change_plan(
        &self,
        principal: &Principal,
        organization_id: Uuid,
        plan: &str,
        request: &RequestContext,
    ) -> Result<OrganizationView> {
        let plan = self.plans().find(plan).ok_or_else(|| {
            let offered: Vec<&str> = self.plans().all().iter().map(|p| p.id.as_str()).collect();
            Error::bad_input(
                "plan",
                format!(
                    "there is no plan `{plan}`; the plans are {}",
                    offered.join(", ")
                ),
            )
        })?;
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let view = self.locked_view(&txn, principal, organization_id).await?;
        require(view.membership.role, Action::ChangePlan)?;
        let from = view.organization.plan.clone();
        if from == plan.id {
            return Ok(view);
        }
        let updated = organizations::set_plan(&txn, organization_id, &plan.id, now).await?;
        Audit::by(principal, request, now)
            .action(AuditAction::PlanChanged, organization_id)
            .target(organization_id)
            .context(serde_json::json!({ "from": from, "to": plan.id }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(OrganizationView {
            organization: updated,
            membership: view.membership,
        })
    }
}
