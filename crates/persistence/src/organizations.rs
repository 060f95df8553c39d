//! Organizations: creation, lookup through a membership (so a non-member finds nothing),
//! renaming, deletion, and the per-organization write lock.

use chrono::{DateTime, Utc};
use roster_domain::{Organization, OrganizationKind, OrganizationView};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::{memberships, organizations};
use crate::error::{RepoError, RepoResult};
use crate::positional::all_with_related;

/// An organization about to be created.
#[derive(Debug, Clone)]
pub struct NewOrganization<'a> {
    pub id: Uuid,
    pub slug: &'a str,
    pub name: &'a str,
    pub kind: OrganizationKind,
    pub now: DateTime<Utc>,
}

/// How to find an organization.
#[derive(Debug, Clone, Copy)]
pub enum OrganizationKey<'a> {
    Id(Uuid),
    Slug(&'a str),
}

pub(crate) fn to_domain(model: organizations::Model) -> RepoResult<Organization> {
    let kind = OrganizationKind::parse(&model.kind).ok_or_else(|| {
        RepoError::Db(sea_orm::DbErr::Custom(format!(
            "organization {} has unknown kind",
            model.id
        )))
    })?;
    Ok(Organization {
        id: model.id,
        slug: model.slug,
        name: model.name,
        kind,
        plan: model.plan,
        member_count: i64::from(model.member_count),
        audit_retention_days: model.audit_retention_days,
        billing_email: model.billing_email,
        settings: model.settings,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

/// Inserts an organization with no members yet.
///
/// # Errors
/// `RepoError::Conflict` when the slug is taken.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    new: NewOrganization<'_>,
) -> RepoResult<Organization> {
    let model = organizations::ActiveModel {
        id: Set(new.id),
        slug: Set(new.slug.to_owned()),
        name: Set(new.name.to_owned()),
        kind: Set(new.kind.as_str().to_owned()),
        plan: Set(roster_domain::plan::DEFAULT_PLAN.to_owned()),
        audit_retention_days: Set(None),
        member_count: Set(0),
        billing_email: Set(None),
        settings: Set("{}".to_owned()),
        created_at: Set(new.now),
        updated_at: Set(new.now),
    }
    .insert(db)
    .await?;
    to_domain(model)
}

/// Whether some organization already uses `slug`.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn slug_taken<C: ConnectionTrait>(db: &C, slug: &str) -> RepoResult<bool> {
    Ok(organizations::Entity::find()
        .filter(organizations::Column::Slug.eq(slug))
        .one(db)
        .await?
        .is_some())
}

/// The organization `key` as seen by `user_id`, in one statement; `None` when it does not
/// exist or the user is not a member (the two must look the same to callers).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find_for_member<C: ConnectionTrait>(
    db: &C,
    key: OrganizationKey<'_>,
    user_id: Uuid,
) -> RepoResult<Option<OrganizationView>> {
    let query = memberships::Entity::find()
        .find_also_related(organizations::Entity)
        .filter(memberships::Column::UserId.eq(user_id));
    let query = match key {
        OrganizationKey::Id(id) => query.filter(memberships::Column::OrganizationId.eq(id)),
        OrganizationKey::Slug(slug) => query.filter(organizations::Column::Slug.eq(slug)),
    };
    match query.one(db).await? {
        Some((membership, Some(organization))) => Ok(Some(OrganizationView {
            membership: crate::memberships::to_domain(membership)?,
            organization: to_domain(organization)?,
        })),
        _ => Ok(None),
    }
}

/// The organization `key`, whoever asks (callers check access).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    key: OrganizationKey<'_>,
) -> RepoResult<Option<Organization>> {
    let query = match key {
        OrganizationKey::Id(id) => organizations::Entity::find_by_id(id),
        OrganizationKey::Slug(slug) => {
            organizations::Entity::find().filter(organizations::Column::Slug.eq(slug))
        }
    };
    query.one(db).await?.map(to_domain).transpose()
}

fn page_for_member_query(
    user_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> sea_orm::SelectTwo<memberships::Entity, organizations::Entity> {
    let mut query = memberships::Entity::find()
        .find_also_related(organizations::Entity)
        .filter(memberships::Column::UserId.eq(user_id));
    if let Some(after) = after {
        query = query.filter(memberships::Column::Id.gt(after));
    }
    query.order_by_asc(memberships::Column::Id).limit(limit)
}

/// The exact statement `page_for_member` runs, for `EXPLAIN` checks.
#[must_use]
pub fn page_for_member_statement(
    backend: sea_orm::DatabaseBackend,
    user_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> sea_orm::Statement {
    use sea_orm::QueryTrait;
    page_for_member_query(user_id, after, limit).build(backend)
}

/// One page of `user_id`'s organizations in membership order (keyset on membership id).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn page_for_member<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> RepoResult<Vec<OrganizationView>> {
    let query = page_for_member_query(user_id, after, limit);
    all_with_related::<memberships::Model, organizations::Model, _>(db, query)
        .await?
        .into_iter()
        .map(|(membership, organization)| {
            Ok(OrganizationView {
                membership: crate::memberships::to_domain(membership)?,
                organization: to_domain(organization)?,
            })
        })
        .collect()
}

/// How many organizations `user_id` belongs to.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn count_for_member<C: ConnectionTrait>(db: &C, user_id: Uuid) -> RepoResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .count(db)
        .await?)
}

/// Takes the organization's write lock for the rest of the transaction and returns it
/// (`SELECT ... FOR UPDATE` on PostgreSQL; on SQLite the `BEGIN IMMEDIATE` transaction
/// already holds the database write lock, so this is a plain read).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn lock<C: ConnectionTrait>(db: &C, id: Uuid) -> RepoResult<Option<Organization>> {
    organizations::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
        .map(to_domain)
        .transpose()
}

/// Changes the name and/or slug.
///
/// # Errors
/// `RepoError::Conflict` when the new slug is taken.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    change: OrganizationUpdate<'_>,
    now: DateTime<Utc>,
) -> RepoResult<Organization> {
    let mut model = organizations::ActiveModel {
        id: Set(id),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(name) = change.name {
        model.name = Set(name.to_owned());
    }
    if let Some(slug) = change.slug {
        model.slug = Set(slug.to_owned());
    }
    if let Some(billing_email) = change.billing_email {
        model.billing_email = Set(billing_email.map(str::to_owned));
    }
    if let Some(settings) = change.settings {
        model.settings = Set(settings.to_owned());
    }
    to_domain(model.update(db).await?)
}

/// What an update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrganizationUpdate<'a> {
    pub name: Option<&'a str>,
    pub slug: Option<&'a str>,
    /// `Some(None)` clears the billing email.
    pub billing_email: Option<Option<&'a str>>,
    /// Settings as JSON object text.
    pub settings: Option<&'a str>,
}

/// Puts the organization on plan `plan` (callers check it is a configured plan).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn set_plan<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    plan: &str,
    now: DateTime<Utc>,
) -> RepoResult<Organization> {
    let model = organizations::ActiveModel {
        id: Set(id),
        plan: Set(plan.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    };
    to_domain(model.update(db).await?)
}

/// Deletes the organization; the foreign keys cascade to everything it owns.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn delete<C: ConnectionTrait>(db: &C, id: Uuid) -> RepoResult<()> {
    organizations::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Organizations with a retention setting: (id, days).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn with_retention<C: ConnectionTrait>(db: &C) -> RepoResult<Vec<(Uuid, i32)>> {
    Ok(organizations::Entity::find()
        .select_only()
        .column(organizations::Column::Id)
        .column(organizations::Column::AuditRetentionDays)
        .filter(organizations::Column::AuditRetentionDays.is_not_null())
        .into_tuple::<(Uuid, Option<i32>)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(id, days)| days.map(|days| (id, days)))
        .collect())
}

/// Sets (or clears, with `None`) the audit retention in days.
///
/// # Errors
/// `RepoError::Db` on database failure (the `CHECK` refuses values other than 30/60/90).
pub async fn set_retention<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    days: Option<i32>,
    now: DateTime<Utc>,
) -> RepoResult<()> {
    organizations::ActiveModel {
        id: Set(id),
        audit_retention_days: Set(days),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}
