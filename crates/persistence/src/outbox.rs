//! The outbox: a general queue of typed messages (mail now, webhook calls next) written in
//! the same transaction as the change that caused them. Delivery workers claim due rows
//! under a lease that names them (`lease_owner`, `locked_until`; `FOR UPDATE SKIP LOCKED`
//! on PostgreSQL, the write lock on SQLite), renew the lease right before each send and
//! send only while they still own it, so several processes never send one message twice.

use chrono::{DateTime, Utc};
use roster_domain::{DeliveryStatus, MailKind, MessageKind};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::outbox;
use crate::error::{RepoError, RepoResult};

/// A message about to be queued.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub kind: MessageKind,
    pub organization_id: Option<Uuid>,
    /// The row the message is about (an invitation), for delivery status lookups.
    pub subject_id: Option<Uuid>,
    /// Who receives it: the address of a mail (the endpoint of a webhook call).
    pub recipient: String,
    pub payload: serde_json::Value,
    /// When the message stops mattering (the link it carries expires); `None` never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A queued message claimed for delivery.
#[derive(Debug, Clone)]
pub struct ClaimedMessage {
    pub id: Uuid,
    pub kind: MessageKind,
    pub recipient: String,
    pub payload: serde_json::Value,
    /// Attempts before this one.
    pub attempts: i32,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A worker's claim on messages: who holds it and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub owner: Uuid,
    pub until: DateTime<Utc>,
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
        kind: Set(message.kind.as_str().to_owned()),
        organization_id: Set(message.organization_id),
        subject_id: Set(message.subject_id),
        recipient: Set(message.recipient),
        payload: Set(message.payload),
        status: Set(DeliveryStatus::Queued.as_str().to_owned()),
        attempts: Set(0),
        last_error: Set(None),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        lease_owner: Set(None),
        expires_at: Set(message.expires_at),
    }
    .insert(db)
    .await?;
    Ok(id)
}

fn unleased(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(outbox::Column::LockedUntil.is_null())
        .add(outbox::Column::LockedUntil.lt(now))
}

/// Claims up to `limit` due messages of `kinds` for `lease`. Run it in a write transaction
/// and commit before sending: the rows stay with `lease.owner` until `lease.until`. Kinds
/// this process does not know (written by a newer version) are left to processes that do.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn claim_due<C: ConnectionTrait>(
    db: &C,
    kinds: &[MessageKind],
    now: DateTime<Utc>,
    lease: Lease,
    limit: u64,
) -> RepoResult<Vec<ClaimedMessage>> {
    let due = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(DeliveryStatus::Queued.as_str()))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .filter(outbox::Column::Kind.is_in(kinds.iter().map(|kind| kind.as_str())))
        .filter(unleased(now))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(db)
        .await?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::LockedUntil, Expr::value(Some(lease.until)))
        .col_expr(outbox::Column::LeaseOwner, Expr::value(Some(lease.owner)))
        .filter(outbox::Column::Id.is_in(due.iter().map(|row| row.id)))
        .exec(db)
        .await?;
    Ok(due
        .into_iter()
        .filter_map(|row| {
            let kind = MessageKind::parse(&row.kind).ok()?;
            Some(ClaimedMessage {
                id: row.id,
                kind,
                recipient: row.recipient,
                payload: row.payload,
                attempts: row.attempts,
                expires_at: row.expires_at,
            })
        })
        .collect())
}

/// Extends `lease` on a claimed message if its owner still holds it and it is still queued;
/// returns whether it does. A worker calls this right before sending: `false` means the
/// lease ran out and another worker took the message over (or it was superseded), so it
/// must not be sent.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn renew<C: ConnectionTrait>(db: &C, id: Uuid, lease: Lease) -> RepoResult<bool> {
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::LockedUntil, Expr::value(Some(lease.until)))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::LeaseOwner.eq(lease.owner))
        .filter(outbox::Column::Status.eq(DeliveryStatus::Queued.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
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
    /// Failed for good (a permanent refusal, or the message stopped mattering).
    Failed { error: String },
}

/// Records an attempt on a message `owner` claimed and releases the lease; returns whether
/// the owner still held it (a worker that lost its lease records nothing).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn record_attempt<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    owner: Uuid,
    attempt: Attempt,
    now: DateTime<Utc>,
) -> RepoResult<bool> {
    let none_time = Option::<DateTime<Utc>>::None;
    let update = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .col_expr(outbox::Column::LockedUntil, Expr::value(none_time))
        .col_expr(
            outbox::Column::LeaseOwner,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::LeaseOwner.eq(owner));
    // Mail payloads can hold secrets (sign-in links); once a message is settled they are
    // dropped, so secrets live in the database only while a message is on its way.
    // Webhook payloads hold none and stay for the delivery log and replays.
    let kept_kinds: Vec<&str> = [MessageKind::Webhook]
        .into_iter()
        .filter(|kind| !kind.redact_when_settled())
        .map(MessageKind::as_str)
        .collect();
    let redacted = Expr::case(
        outbox::Column::Kind.is_in(kept_kinds),
        Expr::col(outbox::Column::Payload),
    )
    .finally(Expr::value(serde_json::json!({ "redacted": true })));
    let update = match attempt {
        Attempt::Sent => update
            .col_expr(outbox::Column::Payload, redacted.clone().into())
            .col_expr(
                outbox::Column::Status,
                Expr::value(DeliveryStatus::Sent.as_str()),
            )
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
            .col_expr(outbox::Column::Payload, redacted.clone().into())
            .col_expr(
                outbox::Column::Status,
                Expr::value(DeliveryStatus::Failed.as_str()),
            )
            .col_expr(outbox::Column::LastError, Expr::value(Some(error))),
    };
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// How many messages wait for delivery (the `/metrics` outbox depth).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn queued_depth<C: ConnectionTrait>(db: &C) -> RepoResult<u64> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Status.eq(DeliveryStatus::Queued.as_str()))
        .count(db)
        .await?)
}

/// Counts of messages by status, for operators and tests: (queued, sent, failed).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn status_counts<C: ConnectionTrait>(db: &C) -> RepoResult<(u64, u64, u64)> {
    let mut counts = [0_u64; 3];
    for (slot, status) in counts.iter_mut().zip(DeliveryStatus::ALL) {
        *slot = outbox::Entity::find()
            .filter(outbox::Column::Status.eq(status.as_str()))
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
        .filter(outbox::Column::Status.eq(DeliveryStatus::Queued.as_str()))
        .filter(unleased(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Mails of `kind` queued for `organization_id` since `since` (invitation rate limit).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn count_since<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    kind: MailKind,
    since: DateTime<Utc>,
) -> RepoResult<u64> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::OrganizationId.eq(organization_id))
        .filter(outbox::Column::Kind.eq(MessageKind::Mail(kind).as_str()))
        .filter(outbox::Column::CreatedAt.gt(since))
        .count(db)
        .await?)
}

/// The delivery state of the newest message about a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub status: DeliveryStatus,
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
            let status = DeliveryStatus::parse(&row.status).map_err(|err| {
                RepoError::Db(sea_orm::DbErr::Custom(format!(
                    "outbox row {}: {err}",
                    row.id
                )))
            })?;
            found.insert(
                subject,
                Delivery {
                    status,
                    attempts: row.attempts,
                    last_error: row.last_error,
                },
            );
        }
    }
    Ok(found)
}

/// A mail that did not arrive (yet): failed for good, or waiting to be retried after a
/// failed attempt. Shown on the dev mailbox, so a newcomer sees why a mail is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndeliveredMail {
    pub id: Uuid,
    /// The stored kind (`sign_in`, `invitation`, ...).
    pub kind: String,
    pub recipient: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When a retrying message is tried next.
    pub next_attempt_at: DateTime<Utc>,
}

/// The newest mails (never webhook calls) that failed or are retrying, at most `limit`.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn undelivered_mail<C: ConnectionTrait>(
    db: &C,
    limit: u64,
) -> RepoResult<Vec<UndeliveredMail>> {
    let failed = outbox::Column::Status.eq(DeliveryStatus::Failed.as_str());
    let retrying = Condition::all()
        .add(outbox::Column::Status.eq(DeliveryStatus::Queued.as_str()))
        .add(outbox::Column::Attempts.gt(0));
    let rows = outbox::Entity::find()
        .filter(outbox::Column::Kind.ne(MessageKind::Webhook.as_str()))
        .filter(Condition::any().add(failed).add(retrying))
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| {
            let status = DeliveryStatus::parse(&row.status).map_err(|err| {
                RepoError::Db(sea_orm::DbErr::Custom(format!(
                    "outbox row {}: {err}",
                    row.id
                )))
            })?;
            Ok(UndeliveredMail {
                id: row.id,
                kind: row.kind,
                recipient: row.recipient,
                status,
                attempts: row.attempts,
                last_error: row.last_error,
                created_at: row.created_at,
                next_attempt_at: row.next_attempt_at,
            })
        })
        .collect()
}
