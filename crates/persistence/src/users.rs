//! Users: found by normalized email or id, created on first sign-in.

use chrono::{DateTime, Utc};
use roster_domain::User;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::entity::users;
use crate::error::RepoResult;

/// A user about to be created.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub personal_organization_id: Uuid,
    pub now: DateTime<Utc>,
}

pub(crate) fn to_domain(model: users::Model) -> User {
    User {
        id: model.id,
        email: model.email,
        display_name: model.display_name,
        personal_organization_id: model.personal_organization_id,
        active_organization_id: model.active_organization_id,
        created_at: model.created_at,
    }
}

/// Finds a user by normalized email.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find_by_email<C: ConnectionTrait>(db: &C, email: &str) -> RepoResult<Option<User>> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(db)
        .await?
        .map(to_domain))
}

/// Finds a user by id.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> RepoResult<Option<User>> {
    Ok(users::Entity::find_by_id(id).one(db).await?.map(to_domain))
}

/// Inserts a user whose personal organization already exists; it starts active.
///
/// # Errors
/// `RepoError::Conflict` when the email is taken (a concurrent first sign-in).
pub async fn insert<C: ConnectionTrait>(db: &C, new: NewUser<'_>) -> RepoResult<User> {
    let model = users::ActiveModel {
        id: Set(new.id),
        email: Set(new.email.to_owned()),
        display_name: Set(None),
        personal_organization_id: Set(new.personal_organization_id),
        active_organization_id: Set(Some(new.personal_organization_id)),
        created_at: Set(new.now),
    }
    .insert(db)
    .await?;
    Ok(to_domain(model))
}

/// Remembers `organization_id` as the user's active organization.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn set_active_organization<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    organization_id: Uuid,
) -> RepoResult<()> {
    users::Entity::update_many()
        .col_expr(
            users::Column::ActiveOrganizationId,
            sea_orm::sea_query::Expr::value(Some(organization_id)),
        )
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The users with `ids` (one statement).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find_many<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> RepoResult<Vec<User>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(to_domain)
        .collect())
}
