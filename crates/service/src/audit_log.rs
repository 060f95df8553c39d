//! Reading the audit log (every member), its retention setting (admins), and pruning in
//! bounded batches (the background job and `cargo xtask audit prune`).

use roster_domain::paging::page_size;
use roster_domain::{Action, AuditAction, AuditEvent, OrganizationView, RetentionDays};
use roster_persistence::audit::AuditFilter;
use roster_persistence::{audit, begin_write, organizations};

use crate::audit::Audit;
use uuid::Uuid;

use crate::error::Result;
use crate::paging::split_page;
use crate::principal::{Principal, require};
use crate::{RequestContext, Roster};

/// How many events one prune statement deletes at most.
pub(crate) const PRUNE_BATCH: u64 = 1000;

/// A page of audit events, newest first.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    pub has_next_page: bool,
}

impl Roster {
    /// A page of the organization's audit log, newest first (viewer+).
    ///
    /// # Errors
    /// `NotFound`, `BadInput` for `first` out of range.
    pub async fn audit_log(
        &self,
        seen: &OrganizationView,
        filter: &AuditFilter,
        first: Option<i32>,
        after: Option<Uuid>,
    ) -> Result<AuditPage> {
        let limit = page_size(first)?;
        require(seen.membership.role, Action::ReadOrganization)?;
        let organization_id = seen.organization.id;
        let rows = audit::page(&self.db, organization_id, filter, after, limit + 1).await?;
        let (events, has_next_page) = split_page(rows, limit);
        Ok(AuditPage {
            events,
            has_next_page,
        })
    }

    /// How many events match `filter` (only when a client selects `totalCount`).
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn audit_count(&self, seen: &OrganizationView, filter: &AuditFilter) -> Result<u64> {
        require(seen.membership.role, Action::ReadOrganization)?;
        Ok(audit::count(&self.db, seen.organization.id, filter).await?)
    }

    /// Sets the retention: `None` (never prune), 30, 60 or 90 days (admin+).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `BadInput` for other values.
    pub async fn set_audit_retention(
        &self,
        principal: &Principal,
        organization_id: Uuid,
        days: Option<i32>,
        request: &RequestContext,
    ) -> Result<roster_domain::OrganizationView> {
        let days = RetentionDays::parse(days)?.days();
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let mut view = self.locked_view(&txn, principal, organization_id).await?;
        require(view.membership.role, Action::UpdateOrganization)?;
        organizations::set_retention(&txn, organization_id, days, now).await?;
        Audit::by(principal, request, now)
            .action(
                AuditAction::OrganizationAuditRetentionChanged,
                organization_id,
            )
            .target(organization_id)
            .context(serde_json::json!({ "days": days }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        view.organization.audit_retention_days = days;
        view.organization.updated_at = now;
        Ok(view)
    }

    /// Deletes events older than each organization's retention, in batches of
    /// `PRUNE_BATCH` (each its own short statement); returns how many went.
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn prune_audit_log(&self) -> Result<u64> {
        let now = self.clock.now();
        let mut total = 0;
        for (organization_id, days) in organizations::with_retention(&self.db).await? {
            let cutoff = now - chrono::Duration::days(i64::from(days));
            loop {
                let deleted =
                    audit::prune_batch(&self.db, organization_id, cutoff, PRUNE_BATCH).await?;
                total += deleted;
                if deleted < PRUNE_BATCH {
                    break;
                }
            }
        }
        if total > 0 {
            tracing::info!(deleted = total, "audit retention: pruned events");
        }
        Ok(total)
    }
}
