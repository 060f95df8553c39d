//! API keys: stored as hashes with their last four characters; looked up by hash on every
//! request that presents one; `last_used_at` written at most once a minute per key.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use roster_domain::{ApiKey, Role, TokenHash};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::entity::api_keys;
use crate::error::{RepoError, RepoResult};

/// A key about to be created.
#[derive(Debug, Clone)]
pub struct NewApiKey<'a> {
    pub project_id: Uuid,
    pub organization_id: Uuid,
    pub label: &'a str,
    pub role: Role,
    pub secret_hash: &'a TokenHash,
    pub last4: &'a str,
    pub created_by: Option<Uuid>,
    pub now: DateTime<Utc>,
}

pub(crate) fn to_domain(model: api_keys::Model) -> RepoResult<ApiKey> {
    let role = Role::parse(&model.role).map_err(|err| {
        RepoError::Db(sea_orm::DbErr::Custom(format!(
            "api key {}: {err}",
            model.id
        )))
    })?;
    Ok(ApiKey {
        id: model.id,
        project_id: model.project_id,
        organization_id: model.organization_id,
        label: model.label,
        role,
        last4: model.last4,
        created_by: model.created_by_user_id,
        created_at: model.created_at,
        last_used_at: model.last_used_at,
    })
}

/// Stores a new key.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn insert<C: ConnectionTrait>(db: &C, new: NewApiKey<'_>) -> RepoResult<ApiKey> {
    let model = api_keys::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(new.project_id),
        organization_id: Set(new.organization_id),
        label: Set(new.label.to_owned()),
        role: Set(new.role.as_str().to_owned()),
        secret_hash: Set(new.secret_hash.as_str().to_owned()),
        last4: Set(new.last4.to_owned()),
        created_by_user_id: Set(new.created_by),
        created_at: Set(new.now),
        updated_at: Set(new.now),
        last_used_at: Set(None),
    }
    .insert(db)
    .await?;
    to_domain(model)
}

/// The key whose secret hashes to `hash`: one lookup on a unique index.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find_by_secret<C: ConnectionTrait>(
    db: &C,
    hash: &TokenHash,
) -> RepoResult<Option<ApiKey>> {
    api_keys::Entity::find()
        .filter(api_keys::Column::SecretHash.eq(hash.as_str()))
        .one(db)
        .await?
        .map(to_domain)
        .transpose()
}

/// Finds a key by id.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> RepoResult<Option<ApiKey>> {
    api_keys::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(to_domain)
        .transpose()
}

/// The keys of each of `project_ids` (one statement), oldest first.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn for_projects<C: ConnectionTrait>(
    db: &C,
    project_ids: &[Uuid],
) -> RepoResult<HashMap<Uuid, Vec<ApiKey>>> {
    let mut grouped: HashMap<Uuid, Vec<ApiKey>> = HashMap::new();
    if project_ids.is_empty() {
        return Ok(grouped);
    }
    let rows = api_keys::Entity::find()
        .filter(api_keys::Column::ProjectId.is_in(project_ids.iter().copied()))
        .order_by_asc(api_keys::Column::Id)
        .all(db)
        .await?;
    for row in rows {
        let key = to_domain(row)?;
        grouped.entry(key.project_id).or_default().push(key);
    }
    Ok(grouped)
}

/// Changes a key's label.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn rename<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    label: &str,
    now: DateTime<Utc>,
) -> RepoResult<ApiKey> {
    let model = api_keys::ActiveModel {
        id: Set(id),
        label: Set(label.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    to_domain(model)
}

/// Replaces a key's secret: the old one stops working with this commit.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn replace_secret<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    secret_hash: &TokenHash,
    last4: &str,
    now: DateTime<Utc>,
) -> RepoResult<ApiKey> {
    let model = api_keys::ActiveModel {
        id: Set(id),
        secret_hash: Set(secret_hash.as_str().to_owned()),
        last4: Set(last4.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    to_domain(model)
}

/// Deletes a key.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn delete<C: ConnectionTrait>(db: &C, id: Uuid) -> RepoResult<()> {
    api_keys::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Records that the key was used, unless that was recorded less than `every` ago: at most
/// one write per key per interval however busy the key is.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn touch<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    now: DateTime<Utc>,
    every: chrono::Duration,
) -> RepoResult<()> {
    api_keys::Entity::update_many()
        .col_expr(api_keys::Column::LastUsedAt, Expr::value(Some(now)))
        .filter(api_keys::Column::Id.eq(id))
        .filter(
            Condition::any()
                .add(api_keys::Column::LastUsedAt.is_null())
                .add(api_keys::Column::LastUsedAt.lt(now - every)),
        )
        .exec(db)
        .await?;
    Ok(())
}
