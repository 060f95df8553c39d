//! The keys that sign organization tokens, shared by every process on the same database.
//! The highest generation is the current key; older ones are retired, and stay published
//! until the tokens they signed have expired.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::signing_keys;
use crate::error::RepoResult;

/// One stored key. `private_key` is the encoded secret seed: never log it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    pub generation: i32,
    pub kid: String,
    pub private_key: String,
    pub public_key: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("generation", &self.generation)
            .field("kid", &self.kid)
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

fn from_row(row: signing_keys::Model) -> SigningKey {
    SigningKey {
        generation: row.generation,
        kid: row.kid,
        private_key: row.private_key,
        public_key: row.public_key,
        created_at: row.created_at,
        retired_at: row.retired_at,
    }
}

/// The current key (the highest generation), if any was ever created.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn current<C: ConnectionTrait>(db: &C) -> RepoResult<Option<SigningKey>> {
    Ok(signing_keys::Entity::find()
        .order_by_desc(signing_keys::Column::Generation)
        .one(db)
        .await?
        .map(from_row))
}

/// Stores `key` unless its generation exists already (another process created or rotated
/// first); either way the caller reads `current` back.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn insert_if_absent<C: ConnectionTrait>(db: &C, key: &SigningKey) -> RepoResult<()> {
    signing_keys::Entity::insert(signing_keys::ActiveModel {
        generation: Set(key.generation),
        kid: Set(key.kid.clone()),
        private_key: Set(key.private_key.clone()),
        public_key: Set(key.public_key.clone()),
        created_at: Set(key.created_at),
        retired_at: Set(key.retired_at),
    })
    .on_conflict_do_nothing_on([signing_keys::Column::Generation])
    .exec(db)
    .await?;
    Ok(())
}

/// Marks every key older than `generation` retired at `now` (those not retired already).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn retire_before<C: ConnectionTrait>(
    db: &C,
    generation: i32,
    now: DateTime<Utc>,
) -> RepoResult<u64> {
    let result = signing_keys::Entity::update_many()
        .col_expr(signing_keys::Column::RetiredAt, Expr::value(now))
        .filter(signing_keys::Column::Generation.lt(generation))
        .filter(signing_keys::Column::RetiredAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The keys to publish: the live ones and those retired after `retired_after`, newest first.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn published<C: ConnectionTrait>(
    db: &C,
    retired_after: DateTime<Utc>,
) -> RepoResult<Vec<SigningKey>> {
    Ok(signing_keys::Entity::find()
        .filter(
            Condition::any()
                .add(signing_keys::Column::RetiredAt.is_null())
                .add(signing_keys::Column::RetiredAt.gt(retired_after)),
        )
        .order_by_desc(signing_keys::Column::Generation)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect())
}

/// The key with id `kid`, retired or not.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find_by_kid<C: ConnectionTrait>(db: &C, kid: &str) -> RepoResult<Option<SigningKey>> {
    Ok(signing_keys::Entity::find()
        .filter(signing_keys::Column::Kid.eq(kid))
        .one(db)
        .await?
        .map(from_row))
}
