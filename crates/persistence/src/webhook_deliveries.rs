//! The webhook delivery log: an endpoint's messages are outbox rows of kind `webhook`
//! whose subject is the endpoint, and each request sent for one is a `webhook_attempts`
//! row. Pages newest first, replays, pruning.

use chrono::{DateTime, Utc};
use roster_domain::{DeliveryStatus, MessageKind};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::{outbox, webhook_attempts as attempts};
use crate::error::RepoResult;
use crate::webhooks::corrupt;

/// One message to one endpoint, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub organization_id: Option<Uuid>,
    pub event_type: String,
    /// The `webhook-id` header: the same for every attempt and replay.
    pub message_id: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The newest attempt's response status.
    pub response_status: Option<i32>,
}

/// One request sent for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptLog {
    pub attempted_at: DateTime<Utc>,
    pub response_status: Option<i32>,
    /// The first 1 KiB of the response body.
    pub response_body: Option<String>,
    pub error: Option<String>,
}

/// Appends one attempt to a message's delivery log.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn log_attempt<C: ConnectionTrait>(
    db: &C,
    message_id: Uuid,
    log: AttemptLog,
) -> RepoResult<()> {
    attempts::ActiveModel {
        id: Set(Uuid::now_v7()),
        message_id: Set(message_id),
        attempted_at: Set(log.attempted_at),
        response_status: Set(log.response_status),
        response_body: Set(log.response_body),
        error: Set(log.error),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A message's attempts, oldest first.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn attempts<C: ConnectionTrait>(db: &C, message_id: Uuid) -> RepoResult<Vec<AttemptLog>> {
    Ok(attempts::Entity::find()
        .filter(attempts::Column::MessageId.eq(message_id))
        .order_by_asc(attempts::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| AttemptLog {
            attempted_at: row.attempted_at,
            response_status: row.response_status,
            response_body: row.response_body,
            error: row.error,
        })
        .collect())
}

pub(crate) fn webhook_messages() -> Condition {
    Condition::all().add(outbox::Column::Kind.eq(MessageKind::Webhook.as_str()))
}

async fn deliveries_of<C: ConnectionTrait>(
    db: &C,
    rows: Vec<outbox::Model>,
) -> RepoResult<Vec<Delivery>> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut latest = std::collections::HashMap::new();
    if !ids.is_empty() {
        // Ascending ids: a newer attempt overwrites an older one.
        for (message_id, status) in attempts::Entity::find()
            .select_only()
            .column(attempts::Column::MessageId)
            .column(attempts::Column::ResponseStatus)
            .filter(attempts::Column::MessageId.is_in(ids))
            .order_by_asc(attempts::Column::Id)
            .into_tuple::<(Uuid, Option<i32>)>()
            .all(db)
            .await?
        {
            latest.insert(message_id, status);
        }
    }
    rows.into_iter()
        .map(|row| {
            let status = DeliveryStatus::parse(&row.status)
                .map_err(|err| corrupt("outbox row", row.id, err))?;
            let text = |key: &str| {
                row.payload
                    .get(key)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            Ok(Delivery {
                id: row.id,
                endpoint_id: row.subject_id.unwrap_or_default(),
                organization_id: row.organization_id,
                event_type: text("type"),
                message_id: text("messageId"),
                status,
                attempts: row.attempts,
                last_error: row.last_error,
                created_at: row.created_at,
                next_attempt_at: (status == DeliveryStatus::Queued).then_some(row.next_attempt_at),
                response_status: latest.get(&row.id).copied().flatten(),
            })
        })
        .collect()
}

/// One page of an endpoint's deliveries, newest first, keyset on the message id: up to
/// `limit` rows older than `before`, optionally of one status.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn deliveries<C: ConnectionTrait>(
    db: &C,
    endpoint_id: Uuid,
    status: Option<DeliveryStatus>,
    before: Option<Uuid>,
    limit: u64,
) -> RepoResult<Vec<Delivery>> {
    let mut query = outbox::Entity::find()
        .filter(webhook_messages())
        .filter(outbox::Column::SubjectId.eq(endpoint_id));
    if let Some(status) = status {
        query = query.filter(outbox::Column::Status.eq(status.as_str()));
    }
    if let Some(before) = before {
        query = query.filter(outbox::Column::Id.lt(before));
    }
    let rows = query
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    deliveries_of(db, rows).await
}

/// One delivery by its id.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn delivery<C: ConnectionTrait>(db: &C, id: Uuid) -> RepoResult<Option<Delivery>> {
    let rows = outbox::Entity::find_by_id(id)
        .filter(webhook_messages())
        .all(db)
        .await?;
    Ok(deliveries_of(db, rows).await?.into_iter().next())
}

/// Queues a delivery again, due now, keeping its id and `webhook-id`; a delivery a worker
/// holds right now is left alone. Returns whether it was queued.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn replay<C: ConnectionTrait>(db: &C, id: Uuid, now: DateTime<Utc>) -> RepoResult<bool> {
    let result = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(DeliveryStatus::Queued.as_str()),
        )
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(
            outbox::Column::SentAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(outbox::Column::Id.eq(id))
        .filter(webhook_messages())
        .filter(
            Condition::any()
                .add(outbox::Column::LockedUntil.is_null())
                .add(outbox::Column::LockedUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes up to `batch` settled webhook messages created before `cutoff`, and those of
/// deleted organizations (which no log shows) as soon as they are settled; their attempts
/// go with them. Returns how many.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn prune_batch<C: ConnectionTrait>(
    db: &C,
    cutoff: DateTime<Utc>,
    batch: u64,
) -> RepoResult<u64> {
    let ids: Vec<Uuid> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(webhook_messages())
        .filter(outbox::Column::Status.ne(DeliveryStatus::Queued.as_str()))
        .filter(
            Condition::any()
                .add(outbox::Column::CreatedAt.lt(cutoff))
                .add(outbox::Column::OrganizationId.is_null()),
        )
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let result = outbox::Entity::delete_many()
        .filter(outbox::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// How many deliveries an endpoint has, optionally of one status.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn count_deliveries<C: ConnectionTrait>(
    db: &C,
    endpoint_id: Uuid,
    status: Option<DeliveryStatus>,
) -> RepoResult<u64> {
    use sea_orm::PaginatorTrait;
    let mut query = outbox::Entity::find()
        .filter(webhook_messages())
        .filter(outbox::Column::SubjectId.eq(endpoint_id));
    if let Some(status) = status {
        query = query.filter(outbox::Column::Status.eq(status.as_str()));
    }
    Ok(query.count(db).await?)
}

/// A webhook message's payload as stored now.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn delivery_payload<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> RepoResult<Option<serde_json::Value>> {
    Ok(outbox::Entity::find_by_id(id)
        .filter(webhook_messages())
        .one(db)
        .await?
        .map(|row| row.payload))
}
