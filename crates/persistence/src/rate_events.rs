//! Uses of rate-limited actions, counted per key in a sliding window. The service takes a
//! lock on the key first (`lock_key`), so the count it reads cannot change before it
//! records the new use: every process shares one exact limit.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::rate_events;
use crate::error::RepoResult;

/// How many uses of `key` happened since `since`, and the oldest of them.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn window<C: ConnectionTrait>(
    db: &C,
    key: &str,
    since: DateTime<Utc>,
) -> RepoResult<(u64, Option<DateTime<Utc>>)> {
    let in_window = || {
        rate_events::Entity::find()
            .filter(rate_events::Column::Key.eq(key))
            .filter(rate_events::Column::OccurredAt.gt(since))
    };
    let count = in_window().count(db).await?;
    if count == 0 {
        return Ok((0, None));
    }
    let oldest = in_window()
        .order_by_asc(rate_events::Column::OccurredAt)
        .limit(1)
        .one(db)
        .await?
        .map(|row| row.occurred_at);
    Ok((count, oldest))
}

/// Records one use of `key` at `now`.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn record<C: ConnectionTrait>(db: &C, key: &str, now: DateTime<Utc>) -> RepoResult<()> {
    rate_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        key: Set(key.to_owned()),
        occurred_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Deletes uses older than `before` (no window reaches back that far); returns how many.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn prune<C: ConnectionTrait>(db: &C, before: DateTime<Utc>) -> RepoResult<u64> {
    Ok(rate_events::Entity::delete_many()
        .filter(rate_events::Column::OccurredAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
