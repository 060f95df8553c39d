//! Audit events: appended in the transaction of the change they record. There is no
//! update or delete here on purpose (only org deletion and retention remove rows).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

use crate::entity::audit_events;
use crate::error::RepoResult;

/// An event about to be recorded.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub organization_id: Option<Uuid>,
    pub action: &'static str,
    pub actor_user_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub target_id: Option<Uuid>,
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
        action: Set(event.action.to_owned()),
        actor_user_id: Set(event.actor_user_id),
        actor_api_key_id: Set(None),
        actor_email: Set(event.actor_email),
        target_id: Set(event.target_id),
        project_id: Set(None),
        ip: Set(event.ip),
        user_agent: Set(event.user_agent),
        context: Set(event.context),
        occurred_at: Set(event.occurred_at),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// The actions recorded for an organization, oldest first (used by tests and tooling).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn actions_for_organization<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
) -> RepoResult<Vec<String>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    Ok(audit_events::Entity::find()
        .filter(audit_events::Column::OrganizationId.eq(organization_id))
        .order_by_asc(audit_events::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|event| event.action)
        .collect())
}
