//! Organization use cases: create, rename / re-slug, delete, and the reads (one org as
//! the caller sees it, the caller's organizations, an organization's members). Reads
//! always go through the caller's membership, so a non-member finds nothing at all.

use roster_domain::organization::ensure_deletable;
use roster_domain::paging::page_size;
use roster_domain::{
    Action, AuditAction, EmailAddress, Member, OrgName, OrganizationKind, OrganizationView,
    RateLimit, Role, Settings, Slug, WebhookEvent,
};
use roster_persistence::organizations::{NewOrganization, OrganizationUpdate};
use roster_persistence::{begin_write, memberships, organizations};
use uuid::Uuid;

pub use roster_persistence::memberships::MemberFilter;
pub use roster_persistence::organizations::OrganizationKey;

use crate::audit::Audit;
use crate::error::{Error, Result, on_conflict};
use crate::paging::split_page;
use crate::principal::{Principal, require};
use crate::sessions::Actor;
use crate::{RequestContext, Roster};

/// What `update_organization` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OrganizationChanges<'a> {
    pub name: Option<&'a str>,
    pub slug: Option<&'a str>,
    /// An empty address clears it.
    pub billing_email: Option<&'a str>,
    /// A JSON object of defaults for new projects.
    pub settings: Option<serde_json::Value>,
}

/// A page of members; `has_next_page` comes from fetching one row more than asked.
#[derive(Debug, Clone)]
pub struct MemberPage {
    pub members: Vec<Member>,
    pub has_next_page: bool,
}

/// A page of the caller's organizations.
#[derive(Debug, Clone)]
pub struct OrganizationPage {
    pub organizations: Vec<OrganizationView>,
    pub has_next_page: bool,
}

impl Roster {
    /// Creates a team organization owned by the caller. The slug is derived from the name
    /// when not given (with a random suffix if the derived one is taken).
    ///
    /// # Errors
    /// `BadInput` for an invalid name or slug, `Conflict` when the given slug is taken,
    /// `RateLimited` past the caller's organizations per hour.
    pub async fn create_organization(
        &self,
        actor: &Actor,
        name: &str,
        slug: Option<&str>,
        request: &RequestContext,
    ) -> Result<OrganizationView> {
        let name = OrgName::parse(name)?;
        let requested_slug = slug.map(Slug::parse).transpose()?;
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let hourly = RateLimit::new(
            self.config.limits.organizations_per_user_hourly,
            chrono::Duration::hours(1),
        );
        self.spend_rate(&txn, &format!("org-create:{}", actor.user.id), hourly, now)
            .await?;
        let slug = match requested_slug {
            Some(slug) => {
                if organizations::slug_taken(&txn, slug.as_str()).await? {
                    return Err(slug_taken(&slug));
                }
                slug
            }
            None => self.free_slug(&txn, Slug::derive(name.as_str())).await?,
        };
        let organization = organizations::insert(
            &txn,
            NewOrganization {
                id: Uuid::now_v7(),
                slug: slug.as_str(),
                name: name.as_str(),
                kind: OrganizationKind::Team,
                now,
            },
        )
        .await
        .map_err(|err| conflict_as_slug_taken(err, &slug))?;
        let membership =
            memberships::insert(&txn, organization.id, actor.user.id, Role::Owner, now).await?;
        Audit::by_user(&actor.user, request, now)
            .action(AuditAction::OrganizationCreated, organization.id)
            .target(organization.id)
            .context(serde_json::json!({ "name": organization.name, "slug": organization.slug, "kind": "TEAM" }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        let organization = roster_domain::Organization {
            member_count: 1,
            ..organization
        };
        Ok(OrganizationView {
            organization,
            membership,
        })
    }

    /// Renames an organization, changes its slug or its settings (admin or owner), or its
    /// billing email (owner; an empty one clears it).
    ///
    /// # Errors
    /// `NotFound` for non-members, `Forbidden` below admin (below owner for the billing
    /// email), `BadInput` for invalid values, `Conflict` when the slug is taken.
    pub async fn update_organization(
        &self,
        principal: &Principal,
        id: Uuid,
        changes: OrganizationChanges<'_>,
        request: &RequestContext,
    ) -> Result<OrganizationView> {
        let name = changes.name.map(OrgName::parse).transpose()?;
        let slug = changes.slug.map(Slug::parse).transpose()?;
        let billing_email = changes
            .billing_email
            .map(|email| match email.trim() {
                "" => Ok(None),
                email => EmailAddress::parse(email)
                    .map(Some)
                    .map_err(|err| Error::bad_input("billingEmail", err)),
            })
            .transpose()?;
        let settings = changes
            .settings
            .map(|value| Settings::parse(value).map_err(|err| Error::bad_input("settings", err)))
            .transpose()?;
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let view = self.locked_view(&txn, principal, id).await?;
        require(view.membership.role, Action::UpdateOrganization)?;
        if billing_email.is_some() {
            // Billing belongs to owners, like the plan.
            require(view.membership.role, Action::ChangePlan)?;
        }
        let before = &view.organization;
        let new_slug = slug.filter(|slug| slug.as_str() != before.slug);
        if let Some(slug) = &new_slug
            && organizations::slug_taken(&txn, slug.as_str()).await?
        {
            return Err(slug_taken(slug));
        }
        let settings_text = settings.as_ref().map(Settings::to_text);
        let update = OrganizationUpdate {
            name: name.as_ref().map(OrgName::as_str),
            slug: new_slug.as_ref().map(Slug::as_str),
            billing_email: billing_email
                .as_ref()
                .map(|email| email.as_ref().map(EmailAddress::as_str)),
            settings: settings_text.as_deref(),
        };
        let updated = organizations::update(&txn, id, update, now)
            .await
            .map_err(|err| match &new_slug {
                Some(slug) => conflict_as_slug_taken(err, slug),
                None => Error::from(err),
            })?;
        // Which fields this update changed, named as clients name them (a logo upload
        // records `logo` the same way).
        let changed: Vec<&str> = [
            ("name", before.name != updated.name),
            ("slug", before.slug != updated.slug),
            (
                "billingEmail",
                before.billing_email != updated.billing_email,
            ),
            ("settings", before.settings != updated.settings),
        ]
        .into_iter()
        .filter_map(|(field, differs)| differs.then_some(field))
        .collect();
        let mut context = serde_json::json!({
            "changed": changed,
            "before": { "name": before.name, "slug": before.slug },
            "after": { "name": updated.name, "slug": updated.slug },
        });
        if billing_email.is_some() {
            context["before"]["billingEmail"] = serde_json::json!(before.billing_email);
            context["after"]["billingEmail"] = serde_json::json!(updated.billing_email);
        }
        if let Some(settings) = &settings {
            // Keys only: values may be large, or secrets of the product.
            context["settingsKeys"] = serde_json::json!(settings.keys());
        }
        Audit::by(principal, request, now)
            .action(AuditAction::OrganizationUpdated, id)
            .target(id)
            .context(context)
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(OrganizationView {
            organization: updated,
            membership: view.membership,
        })
    }

    /// Deletes a team organization (owner only; `confirm_name` must equal its name) with
    /// everything it owns, its audit events included. The deletion itself is logged.
    ///
    /// # Errors
    /// `NotFound` for non-members, `Forbidden` below owner, `PersonalOrganization`,
    /// `BadInput` (field `confirmName`) when the name does not match.
    pub async fn delete_organization(
        &self,
        principal: &Principal,
        id: Uuid,
        confirm_name: &str,
        request: &RequestContext,
    ) -> Result<Uuid> {
        let txn = begin_write(&self.db).await?;
        let view = self.locked_view(&txn, principal, id).await?;
        require(view.membership.role, Action::DeleteOrganization)?;
        let organization = &view.organization;
        ensure_deletable(organization.kind, &organization.name, confirm_name)?;
        let now = self.clock.now();
        // The audit log goes with the organization; webhook receivers still hear of it,
        // and of what was queued for them before.
        let deleted = Audit::by(principal, request, now)
            .action(AuditAction::OrganizationDeleted, id)
            .target(id)
            .context(serde_json::json!({ "name": organization.name, "slug": organization.slug }));
        let data = crate::webhooks::event_data(deleted.as_new());
        crate::webhooks::emit(&txn, id, &[WebhookEvent::OrganizationDeleted], &data, now).await?;
        roster_persistence::webhooks::detach_queued(&txn, id, now).await?;
        organizations::delete(&txn, id).await?;
        txn.commit().await?;
        tracing::info!(
            organization_id = %id,
            slug = %organization.slug,
            actor = ?principal.user_id(),
            actor_email = principal.email().unwrap_or("api key"),
            ip = request.ip.as_deref().unwrap_or("-"),
            "{}",
            AuditAction::OrganizationDeleted
        );
        Ok(id)
    }

    /// The organization as the caller sees it; `None` when it does not exist or the caller
    /// is not a member (indistinguishable on purpose).
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn organization(
        &self,
        principal: &Principal,
        key: OrganizationKey<'_>,
    ) -> Result<Option<OrganizationView>> {
        self.view_as(&self.db, principal, key).await
    }

    /// The caller's active organization (their personal one if they left the remembered one).
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn active_organization(&self, actor: &Actor) -> Result<Option<OrganizationView>> {
        self.active_organization_of(&self.db, &actor.user).await
    }

    /// A page of the caller's organizations in the order they joined them.
    ///
    /// # Errors
    /// `BadInput` for `first` outside 0..=100.
    pub async fn organizations_of(
        &self,
        actor: &Actor,
        first: Option<i32>,
        after: Option<Uuid>,
    ) -> Result<OrganizationPage> {
        let limit = page_size(first)?;
        let rows =
            organizations::page_for_member(&self.db, actor.user.id, after, limit + 1).await?;
        let (organizations, has_next_page) = split_page(rows, limit);
        Ok(OrganizationPage {
            organizations,
            has_next_page,
        })
    }

    /// How many organizations the caller belongs to.
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn organization_count(&self, actor: &Actor) -> Result<u64> {
        Ok(organizations::count_for_member(&self.db, actor.user.id).await?)
    }

    /// A page of the members of `seen`: the organization as the caller was shown it earlier
    /// in the same request, whose role is checked without reading it again (the next
    /// request reads it afresh, so a member removed a moment ago is refused then).
    ///
    /// # Errors
    /// `Forbidden` below the reading role, `BadInput` for `first` outside 0..=100.
    pub async fn members(
        &self,
        seen: &OrganizationView,
        filter: &MemberFilter,
        first: Option<i32>,
        after: Option<Uuid>,
    ) -> Result<MemberPage> {
        let limit = page_size(first)?;
        require(seen.membership.role, Action::ReadOrganization)?;
        let organization_id = seen.organization.id;
        let rows = memberships::page(&self.db, organization_id, filter, after, limit + 1).await?;
        let (members, has_next_page) = split_page(rows, limit);
        Ok(MemberPage {
            members,
            has_next_page,
        })
    }

    /// How many members of `seen` (as in `members`) match `filter`; unfiltered, the
    /// organization's counter as read with it.
    ///
    /// # Errors
    /// `Forbidden` below the reading role.
    pub async fn member_count(
        &self,
        seen: &OrganizationView,
        filter: &MemberFilter,
    ) -> Result<u64> {
        require(seen.membership.role, Action::ReadOrganization)?;
        if filter.is_empty() {
            return Ok(u64::try_from(seen.organization.member_count).unwrap_or(0));
        }
        Ok(memberships::count(&self.db, seen.organization.id, filter).await?)
    }
}

fn slug_taken(slug: &Slug) -> Error {
    Error::Conflict {
        field: Some("slug"),
        message: format!("the slug `{slug}` is already taken"),
    }
}

fn conflict_as_slug_taken(err: roster_persistence::RepoError, slug: &Slug) -> Error {
    on_conflict(err, || slug_taken(slug))
}
