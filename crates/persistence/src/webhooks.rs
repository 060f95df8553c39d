//! Webhook endpoints: stored, changed, rotated, switched off, deleted (with their
//! messages; the delivery log is `webhook_deliveries.rs`). Endpoint secrets are stored as their `whsec_` text: Roster has
//! to sign with them, so unlike tokens they cannot be kept as hashes.

use chrono::{DateTime, Utc};
use roster_domain::{
    DeliveryStatus, MessageKind, SigningSecrets, WebhookEndpoint, WebhookEvent, WebhookSecret,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::entity::{outbox, webhook_endpoints as endpoints};
use crate::error::{RepoError, RepoResult};

/// An endpoint about to be stored.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub organization_id: Uuid,
    pub url: String,
    pub description: Option<String>,
    pub events: Vec<WebhookEvent>,
    pub secret: WebhookSecret,
}

/// Changes to an endpoint; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub events: Option<Vec<WebhookEvent>>,
    pub enabled: Option<bool>,
}

pub(crate) fn corrupt(what: &str, id: Uuid, detail: impl std::fmt::Display) -> RepoError {
    RepoError::Db(sea_orm::DbErr::Custom(format!("{what} {id}: {detail}")))
}

fn events_json(events: &[WebhookEvent]) -> serde_json::Value {
    serde_json::Value::Array(
        events
            .iter()
            .map(|event| serde_json::Value::String(event.as_str().to_owned()))
            .collect(),
    )
}

fn endpoint(row: endpoints::Model) -> RepoResult<WebhookEndpoint> {
    let names: Vec<String> = serde_json::from_value(row.events.clone())
        .map_err(|err| corrupt("webhook endpoint", row.id, err))?;
    let events =
        WebhookEvent::parse_list(&names).map_err(|err| corrupt("webhook endpoint", row.id, err))?;
    Ok(WebhookEndpoint {
        id: row.id,
        organization_id: row.organization_id,
        url: row.url,
        description: row.description,
        events,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason,
        failing_since: row.failing_since,
        created_at: row.created_at,
    })
}

fn secrets(row: &endpoints::Model) -> RepoResult<SigningSecrets> {
    let current =
        WebhookSecret::parse(&row.secret).map_err(|err| corrupt("webhook secret", row.id, err))?;
    let previous = match (&row.previous_secret, row.previous_secret_expires_at) {
        (Some(text), Some(until)) => Some((
            WebhookSecret::parse(text).map_err(|err| corrupt("webhook secret", row.id, err))?,
            until,
        )),
        _ => None,
    };
    Ok(SigningSecrets { current, previous })
}

/// Stores a new endpoint, enabled.
///
/// # Errors
/// `RepoError` on database failure; `MissingReference` when the organization is gone.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    new: NewEndpoint,
    now: DateTime<Utc>,
) -> RepoResult<WebhookEndpoint> {
    let row = endpoints::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(new.organization_id),
        url: Set(new.url),
        description: Set(new.description),
        events: Set(events_json(&new.events)),
        enabled: Set(true),
        disabled_reason: Set(None),
        secret: Set(new.secret.expose()),
        previous_secret: Set(None),
        previous_secret_expires_at: Set(None),
        failing_since: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    endpoint(row)
}

/// One endpoint, with the secrets that sign its requests.
///
/// # Errors
/// `RepoError::Db` on database failure or an unreadable row.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> RepoResult<Option<(WebhookEndpoint, SigningSecrets)>> {
    match endpoints::Entity::find_by_id(id).one(db).await? {
        Some(row) => {
            let secrets = secrets(&row)?;
            Ok(Some((endpoint(row)?, secrets)))
        }
        None => Ok(None),
    }
}

/// An organization's endpoints, oldest first.
///
/// # Errors
/// `RepoError::Db` on database failure or an unreadable row.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
) -> RepoResult<Vec<WebhookEndpoint>> {
    endpoints::Entity::find()
        .filter(endpoints::Column::OrganizationId.eq(organization_id))
        .order_by_asc(endpoints::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(endpoint)
        .collect()
}

/// The organization's enabled endpoints with their secrets (events are filtered by the
/// caller: an organization has a handful of endpoints).
///
/// # Errors
/// `RepoError::Db` on database failure or an unreadable row.
pub async fn enabled<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
) -> RepoResult<Vec<(WebhookEndpoint, SigningSecrets)>> {
    endpoints::Entity::find()
        .filter(endpoints::Column::OrganizationId.eq(organization_id))
        .filter(endpoints::Column::Enabled.eq(true))
        .order_by_asc(endpoints::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let secrets = secrets(&row)?;
            Ok((endpoint(row)?, secrets))
        })
        .collect()
}

/// Applies `changes`; re-enabling clears the reason and the failure streak.
///
/// # Errors
/// `RepoError::Db` on database failure; `Ok(None)` when the endpoint is gone.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    changes: EndpointChanges,
    now: DateTime<Utc>,
) -> RepoResult<Option<WebhookEndpoint>> {
    let Some(row) = endpoints::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let mut active = row.into_active_model();
    if let Some(url) = changes.url {
        active.url = Set(url);
    }
    if let Some(description) = changes.description {
        active.description = Set(description);
    }
    if let Some(events) = changes.events {
        active.events = Set(events_json(&events));
    }
    if let Some(enabled) = changes.enabled {
        active.enabled = Set(enabled);
        if enabled {
            active.disabled_reason = Set(None);
            active.failing_since = Set(None);
        }
    }
    active.updated_at = Set(now);
    Ok(Some(endpoint(active.update(db).await?)?))
}

/// Makes `secret` the signing secret; the old one keeps signing until `overlap_until`.
///
/// # Errors
/// `RepoError::Db` on database failure; `Ok(None)` when the endpoint is gone.
pub async fn rotate<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    secret: &WebhookSecret,
    overlap_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> RepoResult<Option<WebhookEndpoint>> {
    let Some(row) = endpoints::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let previous = row.secret.clone();
    let mut active = row.into_active_model();
    active.previous_secret = Set(Some(previous));
    active.previous_secret_expires_at = Set(Some(overlap_until));
    active.secret = Set(secret.expose());
    active.updated_at = Set(now);
    Ok(Some(endpoint(active.update(db).await?)?))
}

/// Deletes an endpoint and its messages (their attempts go with them).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn delete<C: ConnectionTrait>(db: &C, id: Uuid) -> RepoResult<bool> {
    outbox::Entity::delete_many()
        .filter(outbox::Column::SubjectId.eq(id))
        .filter(outbox::Column::Kind.eq(MessageKind::Webhook.as_str()))
        .exec(db)
        .await?;
    let result = endpoints::Entity::delete_by_id(id).exec(db).await?;
    Ok(result.rows_affected == 1)
}

/// Switches an endpoint off for `reason` (if it is still on); returns whether it was.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn disable<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> RepoResult<bool> {
    let result = endpoints::Entity::update_many()
        .col_expr(endpoints::Column::Enabled, Expr::value(false))
        .col_expr(
            endpoints::Column::DisabledReason,
            Expr::value(Some(reason.to_owned())),
        )
        .col_expr(endpoints::Column::UpdatedAt, Expr::value(now))
        .filter(endpoints::Column::Id.eq(id))
        .filter(endpoints::Column::Enabled.eq(true))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Notes the outcome of an attempt: a success ends the failure streak, a failure starts
/// one if none is running. Returns the endpoint as it is now.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn record_outcome<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    succeeded: bool,
    now: DateTime<Utc>,
) -> RepoResult<Option<WebhookEndpoint>> {
    let update = endpoints::Entity::update_many().filter(endpoints::Column::Id.eq(id));
    let update = if succeeded {
        update
            .col_expr(
                endpoints::Column::FailingSince,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(endpoints::Column::FailingSince.is_not_null())
    } else {
        update
            .col_expr(endpoints::Column::FailingSince, Expr::value(Some(now)))
            .filter(endpoints::Column::FailingSince.is_null())
    };
    update.exec(db).await?;
    endpoints::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(endpoint)
        .transpose()
}

/// Before an organization is deleted: its queued webhook messages would go with it (and
/// with their endpoints), so each is detached from the organization and given its
/// endpoint's URL and `secrets` to travel with. Returns how many.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn detach_queued<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    now: DateTime<Utc>,
) -> RepoResult<u64> {
    let mut detached = 0;
    for row in endpoints::Entity::find()
        .filter(endpoints::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?
    {
        let secrets: Vec<String> = secrets(&row)?
            .in_use(now)
            .into_iter()
            .map(WebhookSecret::expose)
            .collect();
        let queued = outbox::Entity::find()
            .filter(crate::webhook_deliveries::webhook_messages())
            .filter(outbox::Column::SubjectId.eq(row.id))
            .filter(outbox::Column::Status.eq(DeliveryStatus::Queued.as_str()))
            .all(db)
            .await?;
        for message in queued {
            let mut payload = message.payload.clone();
            if let serde_json::Value::Object(fields) = &mut payload {
                fields.insert("url".into(), serde_json::json!(row.url));
                fields.insert("secrets".into(), serde_json::json!(secrets));
            }
            outbox::Entity::update_many()
                .col_expr(outbox::Column::Payload, Expr::value(payload))
                .col_expr(
                    outbox::Column::OrganizationId,
                    Expr::value(Option::<Uuid>::None),
                )
                .filter(outbox::Column::Id.eq(message.id))
                .exec(db)
                .await?;
            detached += 1;
        }
    }
    Ok(detached)
}
