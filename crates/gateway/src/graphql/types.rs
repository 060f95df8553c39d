//! GraphQL object types over domain values. They hold what the use case returned and
//! resolve nested fields through further use cases (which re-check membership).

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use roster_domain::paging::member_search;
use roster_domain::{Member, OrganizationKind, OrganizationView, Role, UserSummary};
use roster_service::{MemberFilter, SignedIn};

use super::error::ResultExt;
use super::paging::{self, parse_cursor};
use super::{actor, roster};

/// `Role` in the schema.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Role")]
pub enum GqlRole {
    Viewer,
    Member,
    Admin,
    Owner,
}

impl From<Role> for GqlRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Viewer => GqlRole::Viewer,
            Role::Member => GqlRole::Member,
            Role::Admin => GqlRole::Admin,
            Role::Owner => GqlRole::Owner,
        }
    }
}

impl From<GqlRole> for Role {
    fn from(role: GqlRole) -> Self {
        match role {
            GqlRole::Viewer => Role::Viewer,
            GqlRole::Member => Role::Member,
            GqlRole::Admin => Role::Admin,
            GqlRole::Owner => Role::Owner,
        }
    }
}

/// `OrganizationKind` in the schema.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "OrganizationKind")]
pub enum GqlOrganizationKind {
    Personal,
    Team,
}

impl From<OrganizationKind> for GqlOrganizationKind {
    fn from(kind: OrganizationKind) -> Self {
        match kind {
            OrganizationKind::Personal => GqlOrganizationKind::Personal,
            OrganizationKind::Team => GqlOrganizationKind::Team,
        }
    }
}

/// A person, as anyone who may see them sees them.
pub(super) struct UserObject(pub UserSummary);

#[Object(name = "User", serial)]
impl UserObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn display_name(&self) -> Option<&str> {
        self.0.display_name.as_deref()
    }
}

/// A new session; `token` goes in `Authorization: Bearer`.
pub(super) struct SessionObject(pub SignedIn);

#[Object(name = "Session", serial)]
impl SessionObject {
    async fn token(&self) -> &str {
        self.0.token.expose()
    }
    async fn user(&self) -> UserObject {
        UserObject((&self.0.user).into())
    }
    async fn active_organization(&self) -> Option<OrganizationObject> {
        self.0.active_organization.clone().map(OrganizationObject)
    }
}

/// A member of an organization.
pub(super) struct MemberObject(pub Member);

#[Object(name = "Member", serial)]
impl MemberObject {
    async fn user(&self) -> UserObject {
        UserObject(self.0.user.clone())
    }
    async fn role(&self) -> GqlRole {
        self.0.membership.role.into()
    }
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.membership.joined_at
    }
}

/// `totalCount` of a member listing: computed only when selected (and read from the
/// organization's counter when the listing is unfiltered).
pub(super) struct MemberTotal {
    seen: OrganizationView,
    filter: MemberFilter,
}

#[Object]
impl MemberTotal {
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        roster(ctx)?
            .member_count(&self.seen, &self.filter)
            .await
            .gql(ctx)
    }
}

/// An organization as the caller sees it.
pub(super) struct OrganizationObject(pub OrganizationView);

#[Object(name = "Organization")]
impl OrganizationObject {
    async fn id(&self) -> ID {
        ID(self.0.organization.id.to_string())
    }
    async fn slug(&self) -> &str {
        &self.0.organization.slug
    }
    async fn name(&self) -> &str {
        &self.0.organization.name
    }
    async fn kind(&self) -> GqlOrganizationKind {
        self.0.organization.kind.into()
    }
    /// The uploaded logo, else an image drawn from the organization's id (both served by
    /// Roster).
    async fn avatar_url(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        super::logo::avatar(ctx, self.0.organization.id).await
    }
    /// The uploaded logo (`PUT` to this URL's path without the version, with a bearer
    /// token); null without one. The URL changes with the image.
    async fn logo_url(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        super::logo::logo(ctx, self.0.organization.id).await
    }
    async fn viewer_role(&self) -> GqlRole {
        self.0.membership.role.into()
    }
    /// What the caller may do here, so a UI can pre-gate its controls.
    async fn viewer_permissions(&self) -> Vec<&'static str> {
        self.0.membership.role.permissions()
    }
    async fn member_count(&self) -> i64 {
        self.0.organization.member_count
    }
    async fn plan(&self) -> &str {
        &self.0.organization.plan
    }
    /// Where billing mail goes (owners set it).
    async fn billing_email(&self) -> Option<&str> {
        self.0.organization.billing_email.as_deref()
    }
    /// Defaults for new projects (a JSON object; admins set it).
    async fn settings(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(
            roster_domain::Settings::from_text(&self.0.organization.settings).to_value(),
        )
    }
    /// Seats and projects held against the plan's limits.
    async fn usage(&self, ctx: &Context<'_>) -> async_graphql::Result<super::plans::UsageObject> {
        super::plans::usage(ctx, &self.0.organization).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.organization.created_at
    }
    /// The organization's invitations, newest first (admins).
    #[graphql(complexity = "paging::complexity(first, child_complexity)")]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        status: Option<super::invitation_types::GqlInvitationStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<
        paging::Page<
            super::invitation_types::InvitationObject,
            super::invitation_types::InvitationTotal,
        >,
    > {
        let after = parse_cursor(ctx, after.as_deref())?;
        let status = status.map(roster_domain::InvitationStatus::from);
        let total = || super::invitation_types::InvitationTotal {
            seen: self.0.clone(),
            status,
        };
        if let Some(counted) = paging::total_only(ctx, first, after, total)? {
            return Ok(counted);
        }
        let page = roster(ctx)?
            .organization_invitations(&self.0, status, first, after)
            .await
            .gql(ctx)?;
        Ok(paging::connection(
            after,
            page.has_next_page,
            total(),
            page.invitations,
            |view| {
                (
                    view.invitation.id,
                    super::invitation_types::InvitationObject(view),
                )
            },
        ))
    }
    /// The organization's projects, oldest first. Keys of the whole page load in one
    /// statement when `apiKeys` is selected.
    #[graphql(complexity = "paging::complexity(first, child_complexity)")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<
        paging::Page<super::project_types::ProjectObject, super::project_types::ProjectTotal>,
    > {
        let after = parse_cursor(ctx, after.as_deref())?;
        let total = || super::project_types::ProjectTotal(self.0.clone());
        if let Some(counted) = paging::total_only(ctx, first, after, total)? {
            return Ok(counted);
        }
        let roster = roster(ctx)?;
        let page = roster.projects(&self.0, first, after).await.gql(ctx)?;
        let look_ahead = ctx.look_ahead();
        let wants_keys = look_ahead.field("nodes").field("apiKeys").exists()
            || look_ahead
                .field("edges")
                .field("node")
                .field("apiKeys")
                .exists();
        let mut keys = if wants_keys {
            let ids: Vec<uuid::Uuid> = page.projects.iter().map(|project| project.id).collect();
            Some(roster.api_keys_of(&self.0, &ids).await.gql(ctx)?)
        } else {
            None
        };
        Ok(paging::connection(
            after,
            page.has_next_page,
            total(),
            page.projects,
            |project| {
                let api_keys = keys
                    .as_mut()
                    .map(|keys| keys.remove(&project.id).unwrap_or_default());
                (
                    project.id,
                    super::project_types::ProjectObject { project, api_keys },
                )
            },
        ))
    }
    /// The audit log, newest first (every member). Filters combine.
    #[graphql(complexity = "paging::complexity(first, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<super::project_types::AuditLogFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<
        paging::Page<super::project_types::AuditEventObject, super::project_types::AuditTotal>,
    > {
        let after = parse_cursor(ctx, after.as_deref())?;
        let filter = filter.unwrap_or_default().parse(ctx)?;
        let total = || super::project_types::AuditTotal {
            seen: self.0.clone(),
            filter: filter.clone(),
        };
        if let Some(counted) = paging::total_only(ctx, first, after, total)? {
            return Ok(counted);
        }
        let page = roster(ctx)?
            .audit_log(&self.0, &filter, first, after)
            .await
            .gql(ctx)?;
        Ok(paging::connection(
            after,
            page.has_next_page,
            total(),
            page.events,
            |event| (event.id, super::project_types::AuditEventObject(event)),
        ))
    }
    /// The caller's own notification preferences here (people only).
    async fn viewer_notification_preferences(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<super::notifications::NotificationPreferencesObject> {
        super::notifications::viewer_preferences(ctx, self.0.organization.id).await
    }
    /// The organization's webhook endpoints (admin).
    async fn webhooks(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::webhooks::WebhookEndpointObject>> {
        super::webhooks::endpoints(ctx, self.0.organization.id).await
    }
    /// Days audit events are kept; null means forever.
    async fn audit_retention_days(&self) -> Option<i32> {
        self.0.organization.audit_retention_days
    }
    /// Members in the order they joined. `search` matches email or display name.
    #[graphql(complexity = "paging::complexity(first, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        role: Option<GqlRole>,
        search: Option<String>,
    ) -> async_graphql::Result<paging::Page<MemberObject, MemberTotal>> {
        let after = parse_cursor(ctx, after.as_deref())?;
        let search = member_search(search.as_deref())
            .map_err(roster_service::Error::from)
            .gql(ctx)?;
        let filter = MemberFilter {
            role: role.map(Role::from),
            search,
        };
        let total = || MemberTotal {
            seen: self.0.clone(),
            filter: filter.clone(),
        };
        if let Some(counted) = paging::total_only(ctx, first, after, total)? {
            return Ok(counted);
        }
        let page = roster(ctx)?
            .members(&self.0, &filter, first, after)
            .await
            .gql(ctx)?;
        Ok(paging::connection(
            after,
            page.has_next_page,
            total(),
            page.members,
            |member| (member.membership.id, MemberObject(member)),
        ))
    }
}

/// `totalCount` of the caller's organizations.
pub(super) struct OrganizationTotal;

#[Object]
impl OrganizationTotal {
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        roster(ctx)?
            .organization_count(actor(ctx).await?)
            .await
            .gql(ctx)
    }
}

/// The signed-in caller.
pub(super) struct Viewer;

#[Object]
impl Viewer {
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        Ok(UserObject((&actor(ctx).await?.user).into()))
    }
    /// The organization the caller last switched to (remembered across sessions).
    async fn active_organization(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<OrganizationObject>> {
        Ok(roster(ctx)?
            .active_organization(actor(ctx).await?)
            .await
            .gql(ctx)?
            .map(OrganizationObject))
    }
    /// Invitations addressed to the caller that they can still accept.
    async fn pending_invitations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::invitation_types::InvitationObject>> {
        Ok(roster(ctx)?
            .pending_invitations(actor(ctx).await?)
            .await
            .gql(ctx)?
            .into_iter()
            .map(super::invitation_types::InvitationObject)
            .collect())
    }
    /// How many invitations wait for the caller (the badge).
    async fn pending_invitation_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        roster(ctx)?
            .pending_invitation_count(actor(ctx).await?)
            .await
            .gql(ctx)
    }
    /// The caller's organizations with their role, in the order they joined.
    #[graphql(complexity = "paging::complexity(first, child_complexity)")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<paging::Page<OrganizationObject, OrganizationTotal>> {
        let after = parse_cursor(ctx, after.as_deref())?;
        let page = roster(ctx)?
            .organizations_of(actor(ctx).await?, first, after)
            .await
            .gql(ctx)?;
        Ok(paging::connection(
            after,
            page.has_next_page,
            OrganizationTotal,
            page.organizations,
            |view| (view.membership.id, OrganizationObject(view)),
        ))
    }
}
