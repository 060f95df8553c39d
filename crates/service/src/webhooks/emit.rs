//! Queuing webhook events: one outbox message per subscribed endpoint, written in the
//! transaction of the change that raised the event, so there is no event without its
//! change and no change without its event. Audited changes raise theirs from
//! `AuditEvent::append` (`WebhookEvent::raised_by`); usage crossings and test sends call
//! `emit` directly. An organization's deletion emits, then detaches what is queued
//! (`webhooks::detach_queued`) so it outlives the organization.
//!
//! A message's payload holds the endpoint, the `webhook-id` (fixed here, so every retry
//! and replay carries the same one), the event type and the exact body to sign:
//! `{"type", "timestamp", "data"}`.

use chrono::{DateTime, SecondsFormat, Utc};
use roster_domain::{AuditAction, MessageKind, WebhookEndpoint, WebhookEvent};
use roster_persistence::audit::NewAuditEvent;
use roster_persistence::outbox::{self, NewMessage};
use roster_persistence::webhooks as store;
use sea_orm::ConnectionTrait;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::error::{Error, Result};

fn body(event: WebhookEvent, data: &Value, now: DateTime<Utc>) -> Result<String> {
    serde_json::to_string(&json!({
        "type": event.as_str(),
        "timestamp": now.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": data,
    }))
    .map_err(Error::internal)
}

fn message_id() -> String {
    format!("msg_{}", Uuid::now_v7().simple())
}

/// Queues `event` with `data` for each of `endpoints`; returns the outbox ids.
pub(crate) async fn emit_to<C: ConnectionTrait>(
    txn: &C,
    endpoints: &[&WebhookEndpoint],
    event: WebhookEvent,
    data: &Value,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    let body = body(event, data, now)?;
    let mut ids = Vec::with_capacity(endpoints.len());
    for endpoint in endpoints {
        let payload = json!({
            "endpointId": endpoint.id,
            "messageId": message_id(),
            "type": event.as_str(),
            "body": body,
        });
        let message = NewMessage {
            kind: MessageKind::Webhook,
            organization_id: Some(endpoint.organization_id),
            subject_id: Some(endpoint.id),
            recipient: endpoint.url.clone(),
            payload,
            expires_at: None,
        };
        ids.push(outbox::enqueue(txn, message, now).await?);
    }
    Ok(ids)
}

/// Queues each of `events` for the organization's enabled endpoints subscribed to it.
pub(crate) async fn emit<C: ConnectionTrait>(
    txn: &C,
    organization_id: Uuid,
    events: &[WebhookEvent],
    data: &Value,
    now: DateTime<Utc>,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let endpoints = store::enabled(txn, organization_id).await?;
    for event in events {
        let receiving: Vec<&WebhookEndpoint> = endpoints
            .iter()
            .map(|(endpoint, _)| endpoint)
            .filter(|endpoint| endpoint.receives(*event))
            .collect();
        emit_to(txn, &receiving, *event, data, now).await?;
    }
    Ok(())
}

/// What receivers get in `data` for an audited change: the organization, who acted, the
/// object acted on under a name that says what it is, and the event's details (emails,
/// roles, names; never secrets).
pub(crate) fn event_data(event: &NewAuditEvent) -> Value {
    let mut data = Map::new();
    if let Some(organization_id) = event.organization_id {
        data.insert("organizationId".into(), json!(organization_id));
    }
    let actor = match event.actor_api_key_id {
        Some(key_id) => json!({ "type": "api_key", "id": key_id, "label": event.actor_label }),
        None => json!({ "type": "user", "id": event.actor_user_id, "email": event.actor_email }),
    };
    data.insert("actor".into(), actor);
    let target_key = match event.action {
        AuditAction::MemberInvited
        | AuditAction::InvitationRevoked
        | AuditAction::InvitationDeclined => Some("invitationId"),
        AuditAction::InvitationAccepted
        | AuditAction::MemberRoleChanged
        | AuditAction::MemberRemoved
        | AuditAction::MemberLeft
        | AuditAction::OwnershipTransferred => Some("userId"),
        AuditAction::ProjectCreated | AuditAction::ProjectDeleted => Some("projectId"),
        AuditAction::ApiKeyCreated | AuditAction::ApiKeyDeleted => Some("apiKeyId"),
        _ => None,
    };
    if let (Some(key), Some(target)) = (target_key, event.target_id) {
        data.insert(key.into(), json!(target));
    }
    if let Some(project_id) = event.project_id {
        data.entry("projectId").or_insert(json!(project_id));
    }
    match event.action {
        AuditAction::MemberRemoved => {
            data.insert("reason".into(), json!("removed"));
        }
        AuditAction::MemberLeft => {
            data.insert("reason".into(), json!("left"));
        }
        _ => {}
    }
    if let Value::Object(context) = &event.context {
        for (key, value) in context {
            data.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    // Someone who joined or left by themselves is the actor: name them as the member.
    if matches!(
        event.action,
        AuditAction::InvitationAccepted | AuditAction::MemberLeft
    ) && let Some(email) = &event.actor_email
    {
        data.entry("email").or_insert(json!(email));
    }
    Value::Object(data)
}
