//! Sessions: hashed bearer tokens. Authenticating a request is one indexed lookup that
//! returns the session with its user.

use chrono::{DateTime, Utc};
use roster_domain::{TokenHash, User};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::entity::{sessions, users};
use crate::error::RepoResult;

/// Stores a new session for `user_id`.
///
/// # Errors
/// `RepoError::Conflict` on a hash collision; `MissingReference` if the user is gone.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    hash: &TokenHash,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> RepoResult<Uuid> {
    let id = Uuid::now_v7();
    sessions::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        token_hash: Set(hash.as_str().to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// The unexpired session whose token hashes to `hash`, with its user.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find_active<C: ConnectionTrait>(
    db: &C,
    hash: &TokenHash,
    now: DateTime<Utc>,
) -> RepoResult<Option<(Uuid, User)>> {
    let found = sessions::Entity::find()
        .find_also_related(users::Entity)
        .filter(sessions::Column::TokenHash.eq(hash.as_str()))
        .filter(sessions::Column::ExpiresAt.gt(now))
        .one(db)
        .await?;
    Ok(found
        .and_then(|(session, user)| user.map(|user| (session.id, crate::users::to_domain(user)))))
}

/// Deletes a session, so its token stops working at once.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn delete<C: ConnectionTrait>(db: &C, id: Uuid) -> RepoResult<bool> {
    let result = sessions::Entity::delete_by_id(id).exec(db).await?;
    Ok(result.rows_affected == 1)
}
