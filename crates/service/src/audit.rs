//! Building audit events: who acted (a user, or an API key recorded as the key with its
//! project), from where and when, then what they did in which organization, to what.
//! Appending one also queues the webhook events the change raises.
//!
//! ```text
//! Audit::by(principal, request, now)
//!     .action(AuditAction::MemberInvited, organization_id)
//!     .target(invitation.id)
//!     .context(json!({ ... }))
//!     .append(&txn)
//! ```

use chrono::{DateTime, Utc};
use roster_domain::{AuditAction, User, WebhookEvent};
use roster_persistence::audit::{self, NewAuditEvent};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::RequestContext;
use crate::error::Result;
use crate::principal::Principal;
use crate::webhooks;

/// Who acted, from where and when: the first half of an audit event.
#[derive(Debug, Clone)]
pub(crate) struct Audit {
    actor_user_id: Option<Uuid>,
    actor_api_key_id: Option<Uuid>,
    actor_email: Option<String>,
    actor_label: Option<String>,
    project_id: Option<Uuid>,
    ip: Option<String>,
    user_agent: Option<String>,
    occurred_at: DateTime<Utc>,
}

/// A complete event, ready to append.
#[derive(Debug, Clone)]
pub(crate) struct AuditEvent(NewAuditEvent);

impl Audit {
    /// An event by `principal`: a user, or an API key (whose project the event is about).
    pub(crate) fn by(principal: &Principal, request: &RequestContext, now: DateTime<Utc>) -> Audit {
        match principal {
            Principal::User(actor) => Audit::by_user(&actor.user, request, now),
            Principal::ApiKey(key) => Audit {
                actor_user_id: None,
                actor_api_key_id: Some(key.id),
                actor_email: None,
                actor_label: Some(key.label.clone()),
                project_id: Some(key.project_id),
                ip: request.ip.clone(),
                user_agent: request.user_agent.clone(),
                occurred_at: now,
            },
            // Unreached while organization tokens are read-only; kept honest regardless.
            Principal::OrgToken(grant) => Audit {
                actor_user_id: None,
                actor_api_key_id: None,
                actor_email: None,
                actor_label: Some(format!("organization token {}", grant.token_id)),
                project_id: None,
                ip: request.ip.clone(),
                user_agent: request.user_agent.clone(),
                occurred_at: now,
            },
        }
    }

    /// An event by a signed-in (or just created) user.
    pub(crate) fn by_user(user: &User, request: &RequestContext, now: DateTime<Utc>) -> Audit {
        Audit::by_person(Some(user.id), &user.email, request, now)
    }

    /// An event by whoever holds `email`, known as a user or not (an invitee answering by
    /// the mailed link).
    pub(crate) fn by_person(
        user_id: Option<Uuid>,
        email: &str,
        request: &RequestContext,
        now: DateTime<Utc>,
    ) -> Audit {
        Audit {
            actor_user_id: user_id,
            actor_api_key_id: None,
            actor_email: Some(email.to_owned()),
            actor_label: None,
            project_id: None,
            ip: request.ip.clone(),
            user_agent: request.user_agent.clone(),
            occurred_at: now,
        }
    }

    /// What happened, and in which organization.
    pub(crate) fn action(self, action: AuditAction, organization_id: Uuid) -> AuditEvent {
        AuditEvent(NewAuditEvent {
            organization_id: Some(organization_id),
            action,
            actor_user_id: self.actor_user_id,
            actor_api_key_id: self.actor_api_key_id,
            actor_email: self.actor_email,
            actor_label: self.actor_label,
            target_id: None,
            project_id: self.project_id,
            ip: self.ip,
            user_agent: self.user_agent,
            context: serde_json::Value::Object(serde_json::Map::new()),
            occurred_at: self.occurred_at,
        })
    }
}

impl AuditEvent {
    /// The object acted on (a user, an invitation, a project, a key, the organization).
    pub(crate) fn target(mut self, target_id: Uuid) -> AuditEvent {
        self.0.target_id = Some(target_id);
        self
    }

    /// The project the event is about.
    pub(crate) fn project(mut self, project_id: Uuid) -> AuditEvent {
        self.0.project_id = Some(project_id);
        self
    }

    /// Details worth keeping (names before and after, roles, emails).
    pub(crate) fn context(mut self, context: serde_json::Value) -> AuditEvent {
        self.0.context = context;
        self
    }

    /// The event as it would be stored.
    pub(crate) fn as_new(&self) -> &NewAuditEvent {
        &self.0
    }

    /// Appends the event in the caller's transaction, with the webhook events it raises
    /// (queued for the organization's subscribed endpoints in the same transaction).
    pub(crate) async fn append<C: ConnectionTrait>(self, txn: &C) -> Result<()> {
        let raised = WebhookEvent::raised_by(self.0.action);
        let webhook = match self.0.organization_id {
            Some(organization_id) if !raised.is_empty() => Some((
                organization_id,
                webhooks::event_data(&self.0),
                self.0.occurred_at,
            )),
            _ => None,
        };
        audit::append(txn, self.0).await?;
        if let Some((organization_id, data, at)) = webhook {
            webhooks::emit(txn, organization_id, raised, &data, at).await?;
        }
        Ok(())
    }
}
