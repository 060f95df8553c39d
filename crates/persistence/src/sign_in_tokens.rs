//! Sign-in link tokens: stored as hashes, counted for the rate limit, spent exactly once.

use chrono::{DateTime, Utc};
use roster_domain::TokenHash;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::entity::sign_in_tokens;
use crate::error::RepoResult;

/// A sign-in token as stored.
#[derive(Debug, Clone)]
pub struct SignInToken {
    pub id: Uuid,
    pub email: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Stores the hash of a freshly mailed token.
///
/// # Errors
/// `RepoError::Conflict` on a (practically impossible) hash collision.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    email: &str,
    hash: &TokenHash,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> RepoResult<Uuid> {
    let id = Uuid::now_v7();
    sign_in_tokens::ActiveModel {
        id: Set(id),
        email: Set(email.to_owned()),
        token_hash: Set(hash.as_str().to_owned()),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// How many tokens were issued to `email` since `since` (the rate limit's window).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn count_since<C: ConnectionTrait>(
    db: &C,
    email: &str,
    since: DateTime<Utc>,
) -> RepoResult<u64> {
    Ok(sign_in_tokens::Entity::find()
        .filter(sign_in_tokens::Column::Email.eq(email))
        .filter(sign_in_tokens::Column::CreatedAt.gt(since))
        .count(db)
        .await?)
}

/// Finds a token by the hash of what the caller presented.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find<C: ConnectionTrait>(db: &C, hash: &TokenHash) -> RepoResult<Option<SignInToken>> {
    Ok(sign_in_tokens::Entity::find()
        .filter(sign_in_tokens::Column::TokenHash.eq(hash.as_str()))
        .one(db)
        .await?
        .map(|model| SignInToken {
            id: model.id,
            email: model.email,
            expires_at: model.expires_at,
            used_at: model.used_at,
        }))
}

/// Marks the token used if it still is unused; `false` when another request got there
/// first (the conditional update is what makes a token single use under races).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn spend<C: ConnectionTrait>(db: &C, id: Uuid, now: DateTime<Utc>) -> RepoResult<bool> {
    let result = sign_in_tokens::Entity::update_many()
        .col_expr(
            sign_in_tokens::Column::UsedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(sign_in_tokens::Column::Id.eq(id))
        .filter(sign_in_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
