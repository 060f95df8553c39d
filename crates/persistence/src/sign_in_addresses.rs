//! The addresses each user signed in from: when one was last seen (for the security
//! alert's decision), recording a sign-in (insert, or move `last_seen_at` forward), and
//! forgetting addresses unseen for long (housekeeping).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

use crate::entity::sign_in_addresses as addresses;
use crate::error::RepoResult;

/// When `user_id` last signed in from `ip`; `None` when never (or forgotten).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn last_seen<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    ip: &str,
) -> RepoResult<Option<DateTime<Utc>>> {
    Ok(addresses::Entity::find()
        .select_only()
        .column(addresses::Column::LastSeenAt)
        .filter(addresses::Column::UserId.eq(user_id))
        .filter(addresses::Column::Ip.eq(ip))
        .into_tuple()
        .one(db)
        .await?)
}

/// Records a sign-in of `user_id` from `ip` at `now`: a new address is inserted, a known
/// one gets `last_seen_at = now` (one upsert, so concurrent sign-ins never conflict).
///
/// # Errors
/// `RepoError` on database failure; `MissingReference` when the user is gone.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    ip: &str,
    now: DateTime<Utc>,
) -> RepoResult<()> {
    let row = addresses::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        ip: Set(ip.to_owned()),
        first_seen_at: Set(now),
        last_seen_at: Set(now),
    };
    addresses::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([addresses::Column::UserId, addresses::Column::Ip])
                .update_column(addresses::Column::LastSeenAt)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Deletes addresses last seen before `before`; returns how many.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn prune<C: ConnectionTrait>(db: &C, before: DateTime<Utc>) -> RepoResult<u64> {
    Ok(addresses::Entity::delete_many()
        .filter(addresses::Column::LastSeenAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
