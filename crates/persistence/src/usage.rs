//! Metered usage counters and the idempotency keys of `recordUsage`. The service calls
//! these under the organization's lock, so reading a counter, checking the limit and adding
//! to it cannot interleave with another record for the same organization; the addition is
//! still a single `used = used + q` statement so no write ever loses another's.

use chrono::{DateTime, Utc};
use sea_orm::ExprTrait;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::entity::{usage_counters, usage_idempotency};
use crate::error::{RepoError, RepoResult};

/// A stored answer to an idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyUse {
    pub metric: String,
    pub quantity: u64,
    /// The answer the first call got, as the service encoded it.
    pub answer: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// One counter: what was used of `metric` in the period starting at `period_start`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub metric: String,
    pub period_start: DateTime<Utc>,
    pub used: u64,
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn to_i64(value: u64) -> RepoResult<i64> {
    i64::try_from(value).map_err(|_| {
        RepoError::Db(sea_orm::DbErr::Custom(format!(
            "{value} does not fit a counter"
        )))
    })
}

/// What `organization_id` used of `metric` in the period starting at `period_start` (0
/// when nothing was recorded).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn used<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    metric: &str,
    period_start: DateTime<Utc>,
) -> RepoResult<u64> {
    Ok(
        usage_counters::Entity::find_by_id((organization_id, metric.to_owned(), period_start))
            .one(db)
            .await?
            .map_or(0, |row| to_u64(row.used)),
    )
}

/// Every counter of `organization_id` for periods starting at one of `period_starts`.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn counters<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    period_starts: &[DateTime<Utc>],
) -> RepoResult<Vec<Counter>> {
    let rows = usage_counters::Entity::find()
        .filter(usage_counters::Column::OrganizationId.eq(organization_id))
        .filter(usage_counters::Column::PeriodStart.is_in(period_starts.iter().copied()))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| Counter {
            metric: row.metric,
            period_start: row.period_start,
            used: to_u64(row.used),
        })
        .collect())
}

/// Adds `quantity` to the counter, creating it at `quantity` when the period has none yet.
///
/// # Errors
/// `RepoError::Db` on database failure; `RepoError::Conflict` if a counter appeared
/// between the update and the insert (impossible under the organization's lock).
pub async fn add<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    metric: &str,
    period_start: DateTime<Utc>,
    quantity: u64,
    now: DateTime<Utc>,
) -> RepoResult<()> {
    let quantity = to_i64(quantity)?;
    let updated = usage_counters::Entity::update_many()
        .col_expr(
            usage_counters::Column::Used,
            Expr::col(usage_counters::Column::Used).add(quantity),
        )
        .col_expr(usage_counters::Column::UpdatedAt, Expr::value(now))
        .filter(usage_counters::Column::OrganizationId.eq(organization_id))
        .filter(usage_counters::Column::Metric.eq(metric))
        .filter(usage_counters::Column::PeriodStart.eq(period_start))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        usage_counters::ActiveModel {
            organization_id: Set(organization_id),
            metric: Set(metric.to_owned()),
            period_start: Set(period_start),
            used: Set(quantity),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The stored use of idempotency key `key` by `organization_id`, however old.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn key_use<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    key: &str,
) -> RepoResult<Option<KeyUse>> {
    Ok(
        usage_idempotency::Entity::find_by_id((organization_id, key.to_owned()))
            .one(db)
            .await?
            .map(|row| KeyUse {
                metric: row.metric,
                quantity: to_u64(row.quantity),
                answer: row.answer,
                created_at: row.created_at,
            }),
    )
}

/// Stores the use of `key`, replacing an expired one of the same key.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn remember_key<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    key: &str,
    entry: KeyUse,
) -> RepoResult<()> {
    usage_idempotency::Entity::delete_by_id((organization_id, key.to_owned()))
        .exec(db)
        .await?;
    usage_idempotency::ActiveModel {
        organization_id: Set(organization_id),
        key: Set(key.to_owned()),
        metric: Set(entry.metric),
        quantity: Set(to_i64(entry.quantity)?),
        answer: Set(entry.answer),
        created_at: Set(entry.created_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Deletes idempotency keys first used before `before`; returns how many.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn prune_keys<C: ConnectionTrait>(db: &C, before: DateTime<Utc>) -> RepoResult<u64> {
    Ok(usage_idempotency::Entity::delete_many()
        .filter(usage_idempotency::Column::CreatedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
