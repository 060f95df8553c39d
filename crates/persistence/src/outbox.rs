//! The outbox: messages written in the same transaction as the change that caused them,
//! claimed by delivery workers with a lease so that several processes never send one
//! message twice (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite the claiming
//! transaction holds the write lock).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::outbox;
use crate::error::RepoResult;

/// Delivery states as stored.
pub const QUEUED: &str = "QUEUED";
pub const SENT: &str = "SENT";
pub const FAILED: &str = "FAILED";

/// A message about to be queued.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub kind: &'static str,
    pub organization_id: Option<Uuid>,
    /// The row the message is about (an invitation), for delivery status lookups.
    pub subject_id: Option<Uuid>,
    pub recipient: String,
    pub payload: serde_json::Value,
}

/// A queued message claimed for delivery.
#[derive(Debug, Clone)]
pub struct ClaimedMessage {
    pub id: Uuid,
    pub kind: String,
    pub recipient: String,
    pub payload: serde_json::Value,
    /// Attempts before this one.
    pub attempts: i32,
}

/// Queues a message, due now.
///
/// # Errors
/// `RepoError` on database failure (the caller's transaction then rolls back).
pub async fn enqueue<C: ConnectionTrait>(
    db: &C,
    message: NewMessage,
    now: DateTime<Utc>,
) -> RepoResult<Uuid> {
    let id = Uuid::now_v7();
    outbox::ActiveModel {
        id: Set(id),
        kind: Set(message.kind.to_owned()),
        organization_id: Set(message.organization_id),
        subject_id: Set(message.subject_id),
        recipient: Set(message.recipient),
        payload: Set(message.payload),
        status: Set(QUEUED.to_owned()),
        attempts: Set(0),
        last_error: Set(None),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Claims up to `limit` due messages until `lease_until`. Run it in a write transaction
/// and commit before sending: rows stay invisible to other workers until the lease ends.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn claim_due<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> RepoResult<Vec<ClaimedMessage>> {
    let due = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(QUEUED))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .filter(
            Condition::any()
                .add(outbox::Column::LockedUntil.is_null())
                .add(outbox::Column::LockedUntil.lt(now)),
        )
        .order_by_asc(outbox::Column::NextAttemptAt)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(db)
        .await?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::LockedUntil, Expr::value(Some(lease_until)))
        .filter(outbox::Column::Id.is_in(due.iter().map(|row| row.id)))
        .exec(db)
        .await?;
    Ok(due
        .into_iter()
        .map(|row| ClaimedMessage {
            id: row.id,
            kind: row.kind,
            recipient: row.recipient,
            payload: row.payload,
            attempts: row.attempts,
        })
        .collect())
}

/// The result of one delivery attempt.
#[derive(Debug, Clone)]
pub enum Attempt {
    /// Delivered.
    Sent,
    /// Failed for now; try again at `next_attempt_at`.
    Retry {
        error: String,
        next_attempt_at: DateTime<Utc>,
    },
    /// Failed for good (a permanent SMTP error, or too many attempts).
    Failed { error: String },
}

/// Records an attempt on a claimed message and releases its lease.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn record_attempt<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    attempt: Attempt,
    now: DateTime<Utc>,
) -> RepoResult<()> {
    let none_time = Option::<DateTime<Utc>>::None;
    let update = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .col_expr(outbox::Column::LockedUntil, Expr::value(none_time))
        .filter(outbox::Column::Id.eq(id));
    // Payloads can hold secrets (sign-in links); once a message is settled they are
    // dropped, so secrets live in the database only while a message is on its way.
    let redacted = serde_json::json!({ "redacted": true });
    let update = match attempt {
        Attempt::Sent => update
            .col_expr(outbox::Column::Payload, Expr::value(redacted))
            .col_expr(outbox::Column::Status, Expr::value(SENT))
            .col_expr(outbox::Column::SentAt, Expr::value(Some(now)))
            .col_expr(
                outbox::Column::LastError,
                Expr::value(Option::<String>::None),
            ),
        Attempt::Retry {
            error,
            next_attempt_at,
        } => update
            .col_expr(outbox::Column::LastError, Expr::value(Some(error)))
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(next_attempt_at)),
        Attempt::Failed { error } => update
            .col_expr(outbox::Column::Payload, Expr::value(redacted))
            .col_expr(outbox::Column::Status, Expr::value(FAILED))
            .col_expr(outbox::Column::LastError, Expr::value(Some(error))),
    };
    update.exec(db).await?;
    Ok(())
}

/// How many messages wait for delivery (the `/metrics` outbox depth).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn queued_depth<C: ConnectionTrait>(db: &C) -> RepoResult<u64> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Status.eq(QUEUED))
        .count(db)
        .await?)
}

/// Counts of messages by status, for tests and operators: (queued, sent, failed).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn status_counts<C: ConnectionTrait>(db: &C) -> RepoResult<(u64, u64, u64)> {
    let mut counts = [0_u64; 3];
    for (slot, status) in counts.iter_mut().zip([QUEUED, SENT, FAILED]) {
        *slot = outbox::Entity::find()
            .filter(outbox::Column::Status.eq(status))
            .count(db)
            .await?;
    }
    Ok((counts[0], counts[1], counts[2]))
}

/// Drops still-queued, unclaimed messages about `subject_id` (a refreshed or revoked
/// invitation's old mail, whose link no longer works).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn supersede_queued<C: ConnectionTrait>(
    db: &C,
    subject_id: Uuid,
    now: DateTime<Utc>,
) -> RepoResult<u64> {
    let result = outbox::Entity::delete_many()
        .filter(outbox::Column::SubjectId.eq(subject_id))
        .filter(outbox::Column::Status.eq(QUEUED))
        .filter(
            Condition::any()
                .add(outbox::Column::LockedUntil.is_null())
                .add(outbox::Column::LockedUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Messages of `kind` queued for `organization_id` since `since` (invitation rate limit).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn count_since<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    kind: &str,
    since: DateTime<Utc>,
) -> RepoResult<u64> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::OrganizationId.eq(organization_id))
        .filter(outbox::Column::Kind.eq(kind))
        .filter(outbox::Column::CreatedAt.gt(since))
        .count(db)
        .await?)
}

/// The delivery state of the newest message about a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// `QUEUED`, `SENT` or `FAILED`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// The newest message's delivery state for each of `subject_ids` (one statement).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn deliveries<C: ConnectionTrait>(
    db: &C,
    subject_ids: &[Uuid],
) -> RepoResult<std::collections::HashMap<Uuid, Delivery>> {
    let mut found = std::collections::HashMap::new();
    if subject_ids.is_empty() {
        return Ok(found);
    }
    let rows = outbox::Entity::find()
        .filter(outbox::Column::SubjectId.is_in(subject_ids.iter().copied()))
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await?;
    // Ascending ids: later (newer) messages overwrite older ones.
    for row in rows {
        if let Some(subject) = row.subject_id {
            found.insert(
                subject,
                Delivery {
                    status: row.status,
                    attempts: row.attempts,
                    last_error: row.last_error,
                },
            );
        }
    }
    Ok(found)
}
