//! Building audit events from a use case's actor and request context.

use chrono::{DateTime, Utc};
use roster_domain::User;
use roster_persistence::audit::NewAuditEvent;
use uuid::Uuid;

use crate::RequestContext;
use crate::principal::Principal;

/// An event by `actor` in `organization_id`, about `target_id`.
pub(crate) fn event(
    action: &'static str,
    organization_id: Uuid,
    actor: &User,
    target_id: Option<Uuid>,
    context: serde_json::Value,
    request: &RequestContext,
    now: DateTime<Utc>,
) -> NewAuditEvent {
    NewAuditEvent {
        organization_id: Some(organization_id),
        action,
        actor_user_id: Some(actor.id),
        actor_api_key_id: None,
        actor_email: Some(actor.email.clone()),
        actor_label: None,
        target_id,
        project_id: None,
        ip: request.ip.clone(),
        user_agent: request.user_agent.clone(),
        context,
        occurred_at: now,
    }
}

/// An event by `principal` (a user, or an API key recorded as the key with its project).
pub(crate) fn by(
    principal: &Principal,
    action: &'static str,
    organization_id: Uuid,
    target_id: Option<Uuid>,
    context: serde_json::Value,
    request: &RequestContext,
    now: DateTime<Utc>,
) -> NewAuditEvent {
    match principal {
        Principal::User(actor) => event(
            action,
            organization_id,
            &actor.user,
            target_id,
            context,
            request,
            now,
        ),
        Principal::ApiKey(key) => NewAuditEvent {
            organization_id: Some(organization_id),
            action,
            actor_user_id: None,
            actor_api_key_id: Some(key.id),
            actor_email: None,
            actor_label: Some(key.label.clone()),
            target_id,
            project_id: Some(key.project_id),
            ip: request.ip.clone(),
            user_agent: request.user_agent.clone(),
            context,
            occurred_at: now,
        },
    }
}
