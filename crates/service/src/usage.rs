//! Metered usage: `record_usage` adds to the current period's counter of a metric the
//! organization's plan declares (refusing past a hard limit, warning past a soft one), and
//! `metered` reports every such metric for `Organization.usage`.
//!
//! Records are not audited: a product backend may record usage on every request, and an
//! audit event each time would drown the log that people read. The counters themselves
//! are the record.

use chrono::{DateTime, Utc};
use roster_domain::plan::{PROJECTS, SEATS};
use roster_domain::usage as rules;
use roster_domain::{Action, Organization, PlanLimit, UsageLevel, UsagePeriod, WebhookEvent};
use roster_mailer::Mail;
use roster_persistence::begin_write;
use roster_persistence::usage::{self as store, KeyUse};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::Roster;
use crate::error::{Error, Result};
use crate::plans::UsageMetric;
use crate::principal::{Principal, require};

/// A usage metric's answer as stored with its idempotency key: the level is derived again
/// on the way out, so only the numbers are kept.
fn encode(answer: &UsageMetric) -> serde_json::Value {
    serde_json::json!({
        "used": answer.used,
        "limit": answer.limit,
        "periodEnd": answer.period_end,
    })
}

fn decode(metric: String, stored: &serde_json::Value) -> Result<UsageMetric> {
    let used = stored["used"]
        .as_u64()
        .ok_or_else(|| Error::internal("stored usage answer without `used`"))?;
    let limit = stored["limit"].as_u64();
    let period_end = match stored["periodEnd"].as_str() {
        Some(text) => Some(
            DateTime::parse_from_rfc3339(text)
                .map_err(Error::internal)?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    Ok(UsageMetric {
        metric,
        used,
        limit,
        level: UsageLevel::of(used, limit),
        period_end,
    })
}

/// Whether `limit` is a metered metric (seats and projects are counted from what is held).
fn is_metered(limit: &PlanLimit) -> bool {
    limit.metric != SEATS && limit.metric != PROJECTS
}

impl Roster {
    /// Adds `quantity` of `metric` to the current period of an organization: the one
    /// `organization_id` names, or for an API key its own when `None`. The same
    /// `idempotency_key` within 24 hours returns the first answer and counts once, also
    /// under concurrent retries (they queue on the organization's lock).
    ///
    /// # Errors
    /// `BadInput` for a metric the plan does not declare, a quantity below 1, a bad key,
    /// or a user who names no organization; `Conflict` when a fresh key is reused for a
    /// different metric or quantity; `QuotaExceeded` (nothing recorded) when a hard limit
    /// would be passed; `NotFound` outside the caller's organizations; `Forbidden` below
    /// member.
    pub async fn record_usage(
        &self,
        principal: &Principal,
        organization_id: Option<Uuid>,
        metric: &str,
        quantity: i64,
        idempotency_key: &str,
    ) -> Result<UsageMetric> {
        rules::check_key(idempotency_key)?;
        let quantity = rules::quantity(quantity)?;
        let organization_id = match (organization_id, principal) {
            (Some(id), _) => id,
            (None, Principal::ApiKey(key)) => key.organization_id,
            (None, Principal::OrgToken(grant)) => grant.organization_id,
            (None, Principal::User(_)) => {
                return Err(Error::bad_input(
                    "organizationId",
                    "name the organization to record usage for",
                ));
            }
        };
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let view = self.locked_view(&txn, principal, organization_id).await?;
        require(view.membership.role, Action::RecordUsage)?;
        let earlier = store::key_use(&txn, organization_id, idempotency_key).await?;
        if let Some(earlier) = earlier.filter(|used| rules::key_is_fresh(used.created_at, now)) {
            if earlier.metric != metric || earlier.quantity != quantity {
                return Err(Error::Conflict {
                    field: Some("idempotencyKey"),
                    message: format!(
                        "this idempotency key already recorded {} {}; use a new key for a different record",
                        earlier.quantity, earlier.metric
                    ),
                });
            }
            return decode(earlier.metric, &earlier.answer);
        }
        let limit = self
            .metered_limits(&view.organization)
            .into_iter()
            .find(|limit| limit.metric == metric)
            .ok_or_else(|| {
                Error::bad_input(
                    "metric",
                    format!("the organization's plan does not meter `{metric}`"),
                )
            })?;
        let period_start = rules::period_start(limit.period, now);
        let used = store::used(&txn, organization_id, metric, period_start).await?;
        let total = used.saturating_add(quantity);
        if let Some(max) = limit.limit.filter(|max| limit.hard && total > *max) {
            return Err(Error::QuotaExceeded {
                metric: metric.to_owned(),
                used,
                limit: max,
            });
        }
        store::add(&txn, organization_id, metric, period_start, quantity, now).await?;
        if let Some(percent) = rules::crossed_threshold(used, total, limit.limit) {
            self.warn_of_usage(&txn, &view.organization, &limit, total, percent, now)
                .await?;
        }
        let answer = UsageMetric {
            metric: metric.to_owned(),
            used: total,
            limit: limit.limit,
            level: UsageLevel::of(total, limit.limit),
            period_end: rules::period_end(limit.period, now),
        };
        store::remember_key(
            &txn,
            organization_id,
            idempotency_key,
            KeyUse {
                metric: metric.to_owned(),
                quantity,
                answer: encode(&answer),
                created_at: now,
            },
        )
        .await?;
        txn.commit().await?;
        self.outbox_signal.notify_one();
        Ok(answer)
    }

    /// Queues the usage warning for `percent` of `limit` to the organization's billing
    /// email and its owners and admins who keep usage warnings on, each address once (it
    /// stops mattering when the period ends), and the `usage.threshold_crossed` webhook.
    pub(crate) async fn warn_of_usage<C: ConnectionTrait>(
        &self,
        txn: &C,
        organization: &Organization,
        limit: &PlanLimit,
        used: u64,
        percent: u8,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some(max) = limit.limit else {
            return Ok(());
        };
        let mut recipients: Vec<String> = organization.billing_email.iter().cloned().collect();
        for email in roster_persistence::notification_preferences::usage_warning_recipients(
            txn,
            organization.id,
        )
        .await?
        {
            if !recipients.contains(&email) {
                recipients.push(email);
            }
        }
        let period_end = rules::period_end(limit.period, now);
        let data = serde_json::json!({
            "organizationId": organization.id,
            "metric": limit.metric,
            "used": used,
            "limit": max,
            "percent": percent,
            "hard": limit.hard,
            "periodEnd": period_end,
        });
        crate::webhooks::emit(
            txn,
            organization.id,
            &[WebhookEvent::UsageThresholdCrossed],
            &data,
            now,
        )
        .await?;
        for to in recipients {
            let mail = Mail::UsageWarning {
                to,
                link: format!("{}/graphql", self.public_url),
                organization: organization.name.clone(),
                metric: limit.metric.clone(),
                used,
                limit: max,
                percent,
                hard: limit.hard,
                period_end: period_end.map(crate::format_time),
            };
            self.enqueue(txn, &mail, Some(organization.id), None, period_end, now)
                .await?;
        }
        Ok(())
    }

    /// Every metered metric of the organization's plan with what the current period used
    /// (0 when nothing was recorded), in the plan's order.
    pub(crate) async fn metered<C: ConnectionTrait>(
        &self,
        db: &C,
        organization: &Organization,
        now: DateTime<Utc>,
    ) -> Result<Vec<UsageMetric>> {
        let limits = self.metered_limits(organization);
        if limits.is_empty() {
            return Ok(Vec::new());
        }
        let starts = [
            rules::period_start(UsagePeriod::Month, now),
            rules::period_start(UsagePeriod::None, now),
        ];
        let counters = store::counters(db, organization.id, &starts).await?;
        Ok(limits
            .into_iter()
            .map(|limit| {
                let start = rules::period_start(limit.period, now);
                let used = counters
                    .iter()
                    .find(|c| c.metric == limit.metric && c.period_start == start)
                    .map_or(0, |c| c.used);
                UsageMetric {
                    level: UsageLevel::of(used, limit.limit),
                    period_end: rules::period_end(limit.period, now),
                    metric: limit.metric,
                    used,
                    limit: limit.limit,
                }
            })
            .collect())
    }

    /// Deletes idempotency keys past their window (the housekeeping job).
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn prune_usage_keys(&self) -> Result<u64> {
        let cutoff = self.clock.now() - rules::IDEMPOTENCY_WINDOW;
        Ok(store::prune_keys(&self.db, cutoff).await?)
    }

    /// The metered limits of the plan `organization` is held to.
    fn metered_limits(&self, organization: &Organization) -> Vec<PlanLimit> {
        self.plans()
            .effective(&organization.plan)
            .map(|plan| {
                plan.limits
                    .iter()
                    .filter(|l| is_metered(l))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}
