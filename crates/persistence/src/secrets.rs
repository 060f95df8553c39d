//! Server secrets generated once and shared by every process on the same database.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use crate::entity::server_secrets;
use crate::error::{RepoError, RepoResult};

/// Returns the stored secret `name`, storing `candidate` first if there is none. Safe when
/// several processes start at once: the first insert wins and everyone reads it back.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn get_or_create<C: ConnectionTrait>(
    db: &C,
    name: &str,
    candidate: &str,
    now: DateTime<Utc>,
) -> RepoResult<String> {
    server_secrets::Entity::insert(server_secrets::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(candidate.to_owned()),
        created_at: Set(now),
    })
    .on_conflict_do_nothing_on([server_secrets::Column::Name])
    .exec(db)
    .await?;
    server_secrets::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .map(|row| row.value)
        .ok_or_else(|| RepoError::Db(sea_orm::DbErr::RecordNotFound(name.to_owned())))
}
