//! Projects: created, renamed, deleted (their keys cascade), paged per organization.

use chrono::{DateTime, Utc};
use roster_domain::{Project, ProjectName};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::projects;
use crate::error::RepoResult;

fn to_domain(model: projects::Model) -> Project {
    Project {
        id: model.id,
        organization_id: model.organization_id,
        name: model.name,
        created_by: model.created_by_user_id,
        created_at: model.created_at,
        settings: model.settings,
    }
}

/// Creates a project.
///
/// # Errors
/// `RepoError::Conflict` when the organization has a project of that name (any case).
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    name: &ProjectName,
    created_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> RepoResult<Project> {
    let model = projects::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        name: Set(name.as_str().to_owned()),
        name_normalized: Set(name.normalized()),
        created_by_user_id: Set(created_by),
        created_at: Set(now),
        updated_at: Set(now),
        settings: Set("{}".to_owned()),
    }
    .insert(db)
    .await?;
    Ok(to_domain(model))
}

/// Finds a project by id.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> RepoResult<Option<Project>> {
    Ok(projects::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(to_domain))
}

/// Renames a project.
///
/// # Errors
/// `RepoError::Conflict` when the name is taken in the organization.
pub async fn rename<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    name: &ProjectName,
    now: DateTime<Utc>,
) -> RepoResult<Project> {
    let model = projects::ActiveModel {
        id: Set(id),
        name: Set(name.as_str().to_owned()),
        name_normalized: Set(name.normalized()),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(to_domain(model))
}

/// Replaces a project's settings overrides (JSON object text).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn set_settings<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    settings: &str,
    now: DateTime<Utc>,
) -> RepoResult<Project> {
    let model = projects::ActiveModel {
        id: Set(id),
        settings: Set(settings.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(to_domain(model))
}

/// Deletes a project; its API keys go with it.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn delete<C: ConnectionTrait>(db: &C, id: Uuid) -> RepoResult<()> {
    projects::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// One page of an organization's projects, oldest first (keyset on the id).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> RepoResult<Vec<Project>> {
    let mut query =
        projects::Entity::find().filter(projects::Column::OrganizationId.eq(organization_id));
    if let Some(after) = after {
        query = query.filter(projects::Column::Id.gt(after));
    }
    Ok(query
        .order_by_asc(projects::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_domain)
        .collect())
}

/// How many projects the organization has.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn count<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> RepoResult<u64> {
    Ok(projects::Entity::find()
        .filter(projects::Column::OrganizationId.eq(organization_id))
        .count(db)
        .await?)
}
