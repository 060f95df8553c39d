//! Building audit events from a use case's actor and request context.

use chrono::{DateTime, Utc};
use roster_domain::User;
use roster_persistence::audit::NewAuditEvent;
use uuid::Uuid;

use crate::RequestContext;

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
        actor_email: Some(actor.email.clone()),
        target_id,
        ip: request.ip.clone(),
        user_agent: request.user_agent.clone(),
        context,
        occurred_at: now,
    }
}
