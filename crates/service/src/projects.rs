//! Projects and their API keys. Keys belong to a project, not a person: they survive their
//! creator's removal, carry a role chosen at creation (at most the creator's), and their
//! secret is shown once and stored only as a hash.

use std::collections::HashMap;

use roster_domain::membership::{DEFAULT_KEY_ROLE, check_key_role};
use roster_domain::paging::page_size;
use roster_domain::project::{API_KEY_PREFIX, last4};
use roster_domain::{
    Action, ApiKey, ApiKeyLabel, AuditAction, OrganizationView, Project, ProjectName, Role,
    SecretToken, Settings, User,
};
use roster_persistence::api_keys::NewApiKey;
use roster_persistence::organizations::OrganizationKey;
use roster_persistence::{api_keys, begin_write, projects, users};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::audit::{Audit, AuditEvent};
use crate::error::{Error, Result, on_conflict};
use crate::paging::split_page;
use crate::policy::Resource;
use crate::principal::{Principal, require};
use crate::{RequestContext, Roster, random};

/// A page of an organization's projects.
#[derive(Debug, Clone)]
pub struct ProjectPage {
    pub projects: Vec<Project>,
    pub has_next_page: bool,
}

/// A key with the user who created it (`None` once that user is gone, or for keys made by
/// keys).
#[derive(Debug, Clone)]
pub struct ApiKeyView {
    pub key: ApiKey,
    pub creator: Option<User>,
}

/// A key with its secret, returned once by create and regenerate.
#[derive(Debug, Clone)]
pub struct CreatedApiKey {
    pub api_key: ApiKey,
    pub secret: SecretToken,
}

fn name_taken() -> Error {
    Error::Conflict {
        field: Some("name"),
        message: "this organization already has a project with that name".into(),
    }
}

impl Roster {
    /// Creates a project (member+).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `BadInput` (name), `Conflict` (name taken in the org),
    /// `QuotaExceeded`.
    pub async fn create_project(
        &self,
        principal: &Principal,
        organization_id: Uuid,
        name: &str,
        request: &RequestContext,
    ) -> Result<Project> {
        let name = ProjectName::parse(name).map_err(|err| Error::bad_input("name", err))?;
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let view = self.locked_view(&txn, principal, organization_id).await?;
        require(view.membership.role, Action::CreateProject)?;
        self.ensure_may_spend(&txn, &view.organization, Resource::Project, 1, now)
            .await?;
        let project = projects::insert(&txn, organization_id, &name, principal.user_id(), now)
            .await
            .map_err(|err| on_conflict(err, name_taken))?;
        Audit::by(principal, request, now)
            .action(AuditAction::ProjectCreated, organization_id)
            .target(project.id)
            .project(project.id)
            .context(serde_json::json!({ "name": project.name }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        self.outbox_signal.notify_one();
        Ok(project)
    }

    /// Renames a project (member+).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `BadInput`, `Conflict`.
    pub async fn rename_project(
        &self,
        principal: &Principal,
        project_id: Uuid,
        name: &str,
        request: &RequestContext,
    ) -> Result<Project> {
        let name = ProjectName::parse(name).map_err(|err| Error::bad_input("name", err))?;
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let (project, view) = self.project_for(&txn, principal, project_id).await?;
        require(view.membership.role, Action::RenameProject)?;
        let renamed = projects::rename(&txn, project.id, &name, now)
            .await
            .map_err(|err| on_conflict(err, name_taken))?;
        Audit::by(principal, request, now)
            .action(AuditAction::ProjectRenamed, project.organization_id)
            .target(project.id)
            .project(project.id)
            .context(serde_json::json!({ "from": project.name, "to": renamed.name }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(renamed)
    }

    /// Replaces a project's settings overrides (member+); each key replaces the
    /// organization's default of the same name in `effective_settings`.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `BadInput` (field `settings`) for anything but a JSON object
    /// of at most 16 KiB.
    pub async fn update_project_settings(
        &self,
        principal: &Principal,
        project_id: Uuid,
        settings: serde_json::Value,
        request: &RequestContext,
    ) -> Result<Project> {
        let settings =
            Settings::parse(settings).map_err(|err| Error::bad_input("settings", err))?;
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let (project, view) = self.project_for(&txn, principal, project_id).await?;
        require(view.membership.role, Action::UpdateProjectSettings)?;
        let updated = projects::set_settings(&txn, project.id, &settings.to_text(), now).await?;
        Audit::by(principal, request, now)
            .action(AuditAction::ProjectSettingsChanged, project.organization_id)
            .target(project.id)
            .project(project.id)
            .context(serde_json::json!({ "keys": settings.keys() }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(updated)
    }

    /// The project's settings: the organization's defaults with the project's overrides
    /// applied key by key (viewer+).
    ///
    /// # Errors
    /// `NotFound` when the caller cannot see the project's organization.
    pub async fn effective_settings(
        &self,
        principal: &Principal,
        project: &Project,
    ) -> Result<Settings> {
        let view = self
            .view_as(
                &self.db,
                principal,
                OrganizationKey::Id(project.organization_id),
            )
            .await?
            .ok_or(Error::NotFound("project"))?;
        let defaults = Settings::from_text(&view.organization.settings);
        Ok(defaults.merged(&Settings::from_text(&project.settings)))
    }

    /// Deletes a project and its keys (admin+).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete_project(
        &self,
        principal: &Principal,
        project_id: Uuid,
        request: &RequestContext,
    ) -> Result<Uuid> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let (project, view) = self.project_for(&txn, principal, project_id).await?;
        require(view.membership.role, Action::DeleteProject)?;
        projects::delete(&txn, project.id).await?;
        Audit::by(principal, request, now)
            .action(AuditAction::ProjectDeleted, project.organization_id)
            .target(project.id)
            .project(project.id)
            .context(serde_json::json!({ "name": project.name }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(project.id)
    }

    /// A page of the organization's projects (viewer+).
    ///
    /// # Errors
    /// `NotFound`, `BadInput` for `first` out of range.
    pub async fn projects(
        &self,
        seen: &OrganizationView,
        first: Option<i32>,
        after: Option<Uuid>,
    ) -> Result<ProjectPage> {
        let limit = page_size(first)?;
        require(seen.membership.role, Action::ReadOrganization)?;
        let rows = projects::page(&self.db, seen.organization.id, after, limit + 1).await?;
        let (projects, has_next_page) = split_page(rows, limit);
        Ok(ProjectPage {
            projects,
            has_next_page,
        })
    }

    /// How many projects the organization has (viewer+).
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn project_count(&self, seen: &OrganizationView) -> Result<u64> {
        require(seen.membership.role, Action::ReadOrganization)?;
        Ok(projects::count(&self.db, seen.organization.id).await?)
    }

    /// The keys of `project_ids` (all in `organization_id`) with their creators, for one
    /// page of projects: two statements however many projects and keys.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn api_keys_of(
        &self,
        seen: &OrganizationView,
        project_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<ApiKeyView>>> {
        require(seen.membership.role, Action::ReadOrganization)?;
        let keys = api_keys::for_projects(&self.db, project_ids).await?;
        let mut creator_ids: Vec<Uuid> = keys
            .values()
            .flatten()
            .filter_map(|key| key.created_by)
            .collect();
        creator_ids.sort_unstable();
        creator_ids.dedup();
        let creators: HashMap<Uuid, User> = users::find_many(&self.db, &creator_ids)
            .await?
            .into_iter()
            .map(|user| (user.id, user))
            .collect();
        Ok(keys
            .into_iter()
            .map(|(project, keys)| {
                let views = keys
                    .into_iter()
                    .map(|key| ApiKeyView {
                        creator: key.created_by.and_then(|id| creators.get(&id).cloned()),
                        key,
                    })
                    .collect();
                (project, views)
            })
            .collect())
    }

    /// A key with its creator, for answers to key mutations.
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn api_key_view(&self, key: ApiKey) -> Result<ApiKeyView> {
        let creator = match key.created_by {
            Some(id) => users::find(&self.db, id).await?,
            None => None,
        };
        Ok(ApiKeyView { key, creator })
    }

    /// Creates a key for a project (member+), with `role` (default `MEMBER`) at most the
    /// creator's. The secret is returned here and never again.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` (role above the creator's), `BadInput` (label).
    pub async fn create_api_key(
        &self,
        principal: &Principal,
        project_id: Uuid,
        label: &str,
        role: Option<Role>,
        request: &RequestContext,
    ) -> Result<CreatedApiKey> {
        let label = ApiKeyLabel::parse(label).map_err(|err| Error::bad_input("label", err))?;
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let (project, view) = self.project_for(&txn, principal, project_id).await?;
        require(view.membership.role, Action::CreateApiKey)?;
        let role = role.unwrap_or(DEFAULT_KEY_ROLE);
        check_key_role(view.membership.role, role)?;
        let secret = random::token(API_KEY_PREFIX)?;
        let api_key = api_keys::insert(
            &txn,
            NewApiKey {
                project_id: project.id,
                organization_id: project.organization_id,
                label: label.as_str(),
                role,
                secret_hash: &secret.hash(),
                last4: &last4(secret.expose()),
                created_by: principal.user_id(),
                now,
            },
        )
        .await?;
        key_event(
            Audit::by(principal, request, now),
            AuditAction::ApiKeyCreated,
            &api_key,
        )
        .context(serde_json::json!({ "label": api_key.label, "role": role.as_str() }))
        .append(&txn)
        .await?;
        txn.commit().await?;
        Ok(CreatedApiKey { api_key, secret })
    }

    /// Renames a key (member+).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `BadInput`.
    pub async fn rename_api_key(
        &self,
        principal: &Principal,
        key_id: Uuid,
        label: &str,
        request: &RequestContext,
    ) -> Result<ApiKey> {
        let label = ApiKeyLabel::parse(label).map_err(|err| Error::bad_input("label", err))?;
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let (key, view) = self.key_for(&txn, principal, key_id).await?;
        require(view.membership.role, Action::RenameApiKey)?;
        let renamed = api_keys::rename(&txn, key.id, label.as_str(), now).await?;
        key_event(
            Audit::by(principal, request, now),
            AuditAction::ApiKeyRenamed,
            &renamed,
        )
        .context(serde_json::json!({ "from": key.label, "to": renamed.label }))
        .append(&txn)
        .await?;
        txn.commit().await?;
        Ok(renamed)
    }

    /// Gives a key a new secret (member+); the old one stops working at commit.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` (also when the key's role is above the caller's).
    pub async fn regenerate_api_key(
        &self,
        principal: &Principal,
        key_id: Uuid,
        request: &RequestContext,
    ) -> Result<CreatedApiKey> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let (key, view) = self.key_for(&txn, principal, key_id).await?;
        require(view.membership.role, Action::RegenerateApiKey)?;
        check_key_role(view.membership.role, key.role)?;
        let secret = random::token(API_KEY_PREFIX)?;
        let api_key =
            api_keys::replace_secret(&txn, key.id, &secret.hash(), &last4(secret.expose()), now)
                .await?;
        key_event(
            Audit::by(principal, request, now),
            AuditAction::ApiKeyRegenerated,
            &api_key,
        )
        .context(serde_json::json!({ "label": api_key.label }))
        .append(&txn)
        .await?;
        txn.commit().await?;
        Ok(CreatedApiKey { api_key, secret })
    }

    /// Deletes a key (admin+); it stops working at commit.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete_api_key(
        &self,
        principal: &Principal,
        key_id: Uuid,
        request: &RequestContext,
    ) -> Result<Uuid> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let (key, view) = self.key_for(&txn, principal, key_id).await?;
        require(view.membership.role, Action::DeleteApiKey)?;
        api_keys::delete(&txn, key.id).await?;
        key_event(
            Audit::by(principal, request, now),
            AuditAction::ApiKeyDeleted,
            &key,
        )
        .context(serde_json::json!({ "label": key.label }))
        .append(&txn)
        .await?;
        txn.commit().await?;
        Ok(key.id)
    }

    /// The project `id` with its organization as `principal` sees it (under the org lock).
    async fn project_for<C: ConnectionTrait>(
        &self,
        db: &C,
        principal: &Principal,
        id: Uuid,
    ) -> Result<(Project, OrganizationView)> {
        let Some(project) = projects::find(db, id).await? else {
            return Err(self.missing(db, principal, "project").await);
        };
        let view = self
            .locked_view_of(db, principal, project.organization_id, "project")
            .await?;
        Ok((project, view))
    }

    async fn key_for<C: ConnectionTrait>(
        &self,
        db: &C,
        principal: &Principal,
        id: Uuid,
    ) -> Result<(ApiKey, OrganizationView)> {
        let Some(key) = api_keys::find(db, id).await? else {
            return Err(self.missing(db, principal, "API key").await);
        };
        let view = self
            .locked_view_of(db, principal, key.organization_id, "API key")
            .await?;
        Ok((key, view))
    }
}

/// `action` on `key`: an event about the key, in its organization and project.
fn key_event(audit: Audit, action: AuditAction, key: &ApiKey) -> AuditEvent {
    audit
        .action(action, key.organization_id)
        .target(key.id)
        .project(key.project_id)
}
