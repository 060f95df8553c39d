//! GraphQL types of projects, API keys and the audit log.

use async_graphql::{Context, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use roster_domain::{AuditEvent, Project};
use roster_service::{ApiKeyView, AuditFilter, CreatedApiKey};

use super::error::ResultExt;
use super::types::{GqlRole, UserObject};
use super::{parse_id, principal, roster};

/// A project and (when selected) its keys, loaded for a whole page at once.
pub(super) struct ProjectObject {
    pub project: Project,
    pub api_keys: Option<Vec<ApiKeyView>>,
}

#[Object(name = "Project")]
impl ProjectObject {
    async fn id(&self) -> ID {
        ID(self.project.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.project.name
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.project.created_at
    }
    /// The project's keys, masked. They belong to the project, not to their creator.
    async fn api_keys(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApiKeyObject>> {
        let keys = match &self.api_keys {
            Some(keys) => keys.clone(),
            None => {
                let roster = roster(ctx)?;
                let key = roster_service::OrganizationKey::Id(self.project.organization_id);
                let seen = roster
                    .organization(principal(ctx).await?, key)
                    .await
                    .gql(ctx)?
                    .ok_or(roster_service::Error::NotFound("project"))
                    .gql(ctx)?;
                roster
                    .api_keys_of(&seen, &[self.project.id])
                    .await
                    .gql(ctx)?
                    .remove(&self.project.id)
                    .unwrap_or_default()
            }
        };
        Ok(keys.into_iter().map(ApiKeyObject).collect())
    }
    /// The project's own overrides of the organization's settings (a JSON object).
    async fn settings(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(roster_domain::Settings::from_text(&self.project.settings).to_value())
    }
    /// The organization's settings with this project's overrides applied key by key.
    async fn effective_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<async_graphql::Json<serde_json::Value>> {
        let settings = roster(ctx)?
            .effective_settings(principal(ctx).await?, &self.project)
            .await
            .gql(ctx)?;
        Ok(async_graphql::Json(settings.to_value()))
    }
}

/// An API key as shown after creation: never the secret.
pub(super) struct ApiKeyObject(pub ApiKeyView);

#[Object(name = "ApiKey", serial)]
impl ApiKeyObject {
    async fn id(&self) -> ID {
        ID(self.0.key.id.to_string())
    }
    async fn label(&self) -> &str {
        &self.0.key.label
    }
    /// `rk_…` and the key's last four characters.
    async fn masked_key(&self) -> String {
        roster_domain::project::masked(&self.0.key.last4)
    }
    async fn role(&self) -> GqlRole {
        self.0.key.role.into()
    }
    /// When the key last authenticated a request (recorded at most once a minute).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.key.last_used_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.key.created_at
    }
    /// Who created it (rotate keys when someone leaves).
    async fn created_by(&self) -> Option<UserObject> {
        self.0.creator.as_ref().map(|user| UserObject(user.into()))
    }
}

/// A new key and its secret, shown this once.
pub(super) struct CreatedApiKeyObject {
    pub created: CreatedApiKey,
    pub view: ApiKeyView,
}

#[Object(name = "CreatedApiKey", serial)]
impl CreatedApiKeyObject {
    async fn api_key(&self) -> ApiKeyObject {
        ApiKeyObject(self.view.clone())
    }
    /// The secret: store it now, it is never shown again.
    async fn secret(&self) -> &str {
        self.created.secret.expose()
    }
}

/// One audit log entry.
pub(super) struct AuditEventObject(pub AuditEvent);

#[Object(name = "AuditEvent", serial)]
impl AuditEventObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The acting user's email, kept even after they leave.
    async fn actor_email(&self) -> Option<&str> {
        self.0.actor_email.as_deref()
    }
    /// The acting user's or API key's id.
    async fn actor_id(&self) -> Option<ID> {
        self.0
            .actor_user_id
            .or(self.0.actor_api_key_id)
            .map(|id| ID(id.to_string()))
    }
    /// `USER` or `API_KEY`.
    async fn actor_type(&self) -> &'static str {
        if self.0.actor_api_key_id.is_some() {
            "API_KEY"
        } else {
            "USER"
        }
    }
    /// The API key's label when a key acted.
    async fn actor_label(&self) -> Option<&str> {
        self.0.actor_label.as_deref()
    }
    async fn target_id(&self) -> Option<ID> {
        self.0.target_id.map(|id| ID(id.to_string()))
    }
    async fn project_id(&self) -> Option<ID> {
        self.0.project_id.map(|id| ID(id.to_string()))
    }
    async fn ip(&self) -> Option<&str> {
        self.0.ip.as_deref()
    }
    async fn user_agent(&self) -> Option<&str> {
        self.0.user_agent.as_deref()
    }
    async fn context(&self) -> Option<Json<serde_json::Value>> {
        serde_json::from_str(&self.0.context).ok().map(Json)
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
}

/// Narrows the audit log; every field is optional and they combine.
#[derive(InputObject, Default)]
pub(super) struct AuditLogFilter {
    pub actor_id: Option<ID>,
    pub action: Option<String>,
    pub project_id: Option<ID>,
    /// Events at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Events before this time.
    pub until: Option<DateTime<Utc>>,
}

impl AuditLogFilter {
    pub(crate) fn parse(self, ctx: &Context<'_>) -> async_graphql::Result<AuditFilter> {
        Ok(AuditFilter {
            actor_id: self
                .actor_id
                .as_ref()
                .map(|id| parse_id(ctx, "actorId", id))
                .transpose()?,
            action: self.action,
            project_id: self
                .project_id
                .as_ref()
                .map(|id| parse_id(ctx, "projectId", id))
                .transpose()?,
            since: self.since,
            until: self.until,
        })
    }
}

/// `totalCount` of projects.
pub(super) struct ProjectTotal(pub roster_domain::OrganizationView);

#[Object]
impl ProjectTotal {
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        roster(ctx)?.project_count(&self.0).await.gql(ctx)
    }
}

/// `totalCount` of an audit log listing.
pub(super) struct AuditTotal {
    pub seen: roster_domain::OrganizationView,
    pub filter: AuditFilter,
}

#[Object]
impl AuditTotal {
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        roster(ctx)?
            .audit_count(&self.seen, &self.filter)
            .await
            .gql(ctx)
    }
}
