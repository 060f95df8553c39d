//! The one place a use case asks "may this organization spend one more X?". Use cases that
//! add a seat (an invitation; accepting one keeps its seat) or a project call
//! `ensure_may_spend` under the organization's lock, so concurrent requests cannot both
//! take the last unit. A `SpendPolicy` says how many units an organization may hold; the
//! default has no limits, and plans plug their limits in here.

use chrono::{DateTime, Utc};
use roster_domain::usage::crossed_threshold;
use roster_domain::{InvitationStatus, Organization, PlanLimit, UsagePeriod};
use roster_persistence::{invitations, projects};
use sea_orm::ConnectionTrait;

use crate::Roster;
use crate::error::{Error, Result};

/// Something an organization holds a limited number of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// Members plus pending invitations.
    Seat,
    Project,
}

impl Resource {
    /// The metric name clients see in `QUOTA_EXCEEDED` errors.
    #[must_use]
    pub fn metric(self) -> &'static str {
        match self {
            Resource::Seat => roster_domain::plan::SEATS,
            Resource::Project => roster_domain::plan::PROJECTS,
        }
    }
}

/// How much of each resource an organization may hold.
pub trait SpendPolicy: Send + Sync {
    /// The most `resource` units `organization` may hold; `None` means no limit.
    fn limit(&self, organization: &Organization, resource: Resource) -> Option<u64>;
}

/// No limits at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlimited;

impl SpendPolicy for Unlimited {
    fn limit(&self, _organization: &Organization, _resource: Resource) -> Option<u64> {
        None
    }
}

impl Roster {
    /// Refuses with `QuotaExceeded` when holding `additional` more units of `resource`
    /// would take `organization` past its limit (`additional` 0: when it already holds
    /// more than its limit). Counts nothing when there is no limit. Call it under the
    /// organization's lock.
    pub(crate) async fn ensure_may_spend<C: ConnectionTrait>(
        &self,
        txn: &C,
        organization: &Organization,
        resource: Resource,
        additional: u64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some(limit) = self.policy.limit(organization, resource) else {
            return Ok(());
        };
        let used = self.held(txn, organization, resource, now).await?;
        if used + additional > limit {
            return Err(Error::QuotaExceeded {
                metric: resource.metric().to_owned(),
                used,
                limit,
            });
        }
        // Held resources can fall back and rise again: each rise across 80 % or 100 % is a
        // crossing worth a warning, in the same transaction as the spending.
        let after = used + additional;
        if let Some(percent) = crossed_threshold(used, after, Some(limit)) {
            let held = PlanLimit {
                metric: resource.metric().to_owned(),
                limit: Some(limit),
                period: UsagePeriod::None,
                hard: true,
            };
            self.warn_of_usage(txn, organization, &held, after, percent, now)
                .await?;
        }
        Ok(())
    }

    /// How many units of `resource` `organization` holds now (seats: members plus pending
    /// invitations).
    pub(crate) async fn held<C: ConnectionTrait>(
        &self,
        db: &C,
        organization: &Organization,
        resource: Resource,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        Ok(match resource {
            Resource::Seat => {
                let members = u64::try_from(organization.member_count).unwrap_or(0);
                let pending = invitations::count_for_organization(
                    db,
                    organization.id,
                    Some(InvitationStatus::Pending),
                    now,
                )
                .await?;
                members + pending
            }
            Resource::Project => projects::count(db, organization.id).await?,
        })
    }
}
