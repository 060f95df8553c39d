//! Audit events: appended in the transaction of the change they record. There is no
//! update or delete here on purpose (only org deletion and retention remove rows).

use chrono::{DateTime, Utc};
use roster_domain::AuditAction;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

use crate::entity::audit_events;
use crate::error::RepoResult;

/// An event about to be recorded.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub organization_id: Option<Uuid>,
    pub action: AuditAction,
    pub actor_user_id: Option<Uuid>,
    pub actor_api_key_id: Option<Uuid>,
    pub actor_email: Option<String>,
    /// The API key's label when a key acted.
    pub actor_label: Option<String>,
    pub target_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub context: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

/// Appends one event.
///
/// # Errors
/// `RepoError` on database failure (the caller's transaction then rolls back).
pub async fn append<C: ConnectionTrait>(db: &C, event: NewAuditEvent) -> RepoResult<Uuid> {
    let id = Uuid::now_v7();
    audit_events::ActiveModel {
        id: Set(id),
        organization_id: Set(event.organization_id),
        action: Set(event.action.as_str().to_owned()),
        actor_user_id: Set(event.actor_user_id),
        actor_api_key_id: Set(event.actor_api_key_id),
        actor_email: Set(event.actor_email),
        actor_label: Set(event.actor_label),
        target_id: Set(event.target_id),
        project_id: Set(event.project_id),
        ip: Set(event.ip),
        user_agent: Set(event.user_agent),
        context: Set(event.context),
        occurred_at: Set(event.occurred_at),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Narrows an organization's audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// A user's or an API key's id.
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub project_id: Option<Uuid>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

fn filtered(organization_id: Uuid, filter: &AuditFilter) -> sea_orm::Select<audit_events::Entity> {
    use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
    let mut query = audit_events::Entity::find()
        .filter(audit_events::Column::OrganizationId.eq(organization_id));
    if let Some(actor) = filter.actor_id {
        query = query.filter(
            Condition::any()
                .add(audit_events::Column::ActorUserId.eq(actor))
                .add(audit_events::Column::ActorApiKeyId.eq(actor)),
        );
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::Column::Action.eq(action.as_str()));
    }
    if let Some(project) = filter.project_id {
        query = query.filter(audit_events::Column::ProjectId.eq(project));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_events::Column::OccurredAt.gte(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_events::Column::OccurredAt.lt(until));
    }
    query
}

fn to_domain(model: audit_events::Model) -> roster_domain::AuditEvent {
    roster_domain::AuditEvent {
        id: model.id,
        organization_id: model.organization_id,
        action: model.action,
        actor_user_id: model.actor_user_id,
        actor_api_key_id: model.actor_api_key_id,
        actor_email: model.actor_email,
        actor_label: model.actor_label,
        target_id: model.target_id,
        project_id: model.project_id,
        ip: model.ip,
        user_agent: model.user_agent,
        context: model.context.to_string(),
        occurred_at: model.occurred_at,
    }
}

fn page_query(
    organization_id: Uuid,
    filter: &AuditFilter,
    before: Option<Uuid>,
    limit: u64,
) -> sea_orm::Select<audit_events::Entity> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut query = filtered(organization_id, filter);
    if let Some(before) = before {
        query = query.filter(audit_events::Column::Id.lt(before));
    }
    query.order_by_desc(audit_events::Column::Id).limit(limit)
}

/// The exact statement `page` runs, for `EXPLAIN` checks that the indexes serve it.
#[must_use]
pub fn page_statement(
    backend: sea_orm::DatabaseBackend,
    organization_id: Uuid,
    filter: &AuditFilter,
    before: Option<Uuid>,
    limit: u64,
) -> sea_orm::Statement {
    use sea_orm::QueryTrait;
    page_query(organization_id, filter, before, limit).build(backend)
}

/// One page of an organization's audit log, newest first: keyset on the (time-ordered)
/// id, so a page costs the same at any depth and concurrent inserts never shift it.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    filter: &AuditFilter,
    before: Option<Uuid>,
    limit: u64,
) -> RepoResult<Vec<roster_domain::AuditEvent>> {
    Ok(page_query(organization_id, filter, before, limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_domain)
        .collect())
}

/// How many events match (computed only when a client selects `totalCount`).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn count<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    filter: &AuditFilter,
) -> RepoResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(filtered(organization_id, filter).count(db).await?)
}

/// Deletes up to `batch` of the organization's events older than `cutoff`; returns how
/// many went (retention pruning, in bounded batches so no statement runs long).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn prune_batch<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    cutoff: DateTime<Utc>,
    batch: u64,
) -> RepoResult<u64> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let ids: Vec<Uuid> = audit_events::Entity::find()
        .select_only()
        .column(audit_events::Column::Id)
        .filter(audit_events::Column::OrganizationId.eq(organization_id))
        .filter(audit_events::Column::OccurredAt.lt(cutoff))
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let result = audit_events::Entity::delete_many()
        .filter(audit_events::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
