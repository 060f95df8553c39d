//! Mutations for projects, API keys and audit retention.

use async_graphql::{Context, ID, Object};
use roster_domain::Project;
use roster_domain::Role;

use super::error::ResultExt;
use super::project_types::{ApiKeyObject, CreatedApiKeyObject, ProjectObject};
use super::types::{GqlRole, OrganizationObject};
use super::{origin, parse_id, principal, roster};

/// Project, key and retention mutations.
#[derive(Default)]
pub(super) struct ProjectMutation;

fn project(project: Project) -> ProjectObject {
    ProjectObject {
        project,
        api_keys: None,
    }
}

#[Object]
impl ProjectMutation {
    /// Creates a project (member). Names are unique within the organization, any case.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        name: String,
    ) -> async_graphql::Result<ProjectObject> {
        let organization_id = parse_id(ctx, "organizationId", &organization_id)?;
        let created = roster(ctx)?
            .create_project(principal(ctx).await?, organization_id, &name, origin(ctx)?)
            .await
            .gql(ctx)?;
        Ok(project(created))
    }

    /// Renames a project (member).
    async fn rename_project(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: String,
    ) -> async_graphql::Result<ProjectObject> {
        let id = parse_id(ctx, "id", &id)?;
        let renamed = roster(ctx)?
            .rename_project(principal(ctx).await?, id, &name, origin(ctx)?)
            .await
            .gql(ctx)?;
        Ok(project(renamed))
    }

    /// Replaces a project's settings overrides (member): a JSON object of at most 16 KiB
    /// whose keys replace the organization's defaults of the same name.
    async fn update_project_settings(
        &self,
        ctx: &Context<'_>,
        id: ID,
        settings: async_graphql::Json<serde_json::Value>,
    ) -> async_graphql::Result<ProjectObject> {
        let id = parse_id(ctx, "id", &id)?;
        let updated = roster(ctx)?
            .update_project_settings(principal(ctx).await?, id, settings.0, origin(ctx)?)
            .await
            .gql(ctx)?;
        Ok(project(updated))
    }

    /// Deletes a project and its keys (admin). Returns its id.
    async fn delete_project(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let id = parse_id(ctx, "id", &id)?;
        let deleted = roster(ctx)?
            .delete_project(principal(ctx).await?, id, origin(ctx)?)
            .await
            .gql(ctx)?;
        Ok(ID(deleted.to_string()))
    }

    /// Creates a key (member) with `role` (default MEMBER, at most yours). The secret is in
    /// this answer only.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        label: String,
        role: Option<GqlRole>,
    ) -> async_graphql::Result<CreatedApiKeyObject> {
        let project_id = parse_id(ctx, "projectId", &project_id)?;
        let roster = roster(ctx)?;
        let created = roster
            .create_api_key(
                principal(ctx).await?,
                project_id,
                &label,
                role.map(Role::from),
                origin(ctx)?,
            )
            .await
            .gql(ctx)?;
        let view = roster
            .api_key_view(created.api_key.clone())
            .await
            .gql(ctx)?;
        Ok(CreatedApiKeyObject { created, view })
    }

    /// Renames a key (member).
    async fn rename_api_key(
        &self,
        ctx: &Context<'_>,
        id: ID,
        label: String,
    ) -> async_graphql::Result<ApiKeyObject> {
        let id = parse_id(ctx, "id", &id)?;
        let roster = roster(ctx)?;
        let key = roster
            .rename_api_key(principal(ctx).await?, id, &label, origin(ctx)?)
            .await
            .gql(ctx)?;
        Ok(ApiKeyObject(roster.api_key_view(key).await.gql(ctx)?))
    }

    /// Replaces a key's secret (member); the old secret stops working at once.
    async fn regenerate_api_key(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<CreatedApiKeyObject> {
        let id = parse_id(ctx, "id", &id)?;
        let roster = roster(ctx)?;
        let created = roster
            .regenerate_api_key(principal(ctx).await?, id, origin(ctx)?)
            .await
            .gql(ctx)?;
        let view = roster
            .api_key_view(created.api_key.clone())
            .await
            .gql(ctx)?;
        Ok(CreatedApiKeyObject { created, view })
    }

    /// Deletes a key (admin); it stops working at once. Returns its id.
    async fn delete_api_key(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let id = parse_id(ctx, "id", &id)?;
        let deleted = roster(ctx)?
            .delete_api_key(principal(ctx).await?, id, origin(ctx)?)
            .await
            .gql(ctx)?;
        Ok(ID(deleted.to_string()))
    }

    /// Sets how long audit events are kept: null (forever), 30, 60 or 90 days (admin).
    async fn set_audit_retention(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        days: Option<i32>,
    ) -> async_graphql::Result<OrganizationObject> {
        let organization_id = parse_id(ctx, "organizationId", &organization_id)?;
        Ok(OrganizationObject(
            roster(ctx)?
                .set_audit_retention(principal(ctx).await?, organization_id, days, origin(ctx)?)
                .await
                .gql(ctx)?,
        ))
    }
}
