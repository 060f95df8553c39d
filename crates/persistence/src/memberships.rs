//! Memberships: adding a member (and keeping `member_count` in step), the per-request
//! role lookup, and keyset pages of members with their users in one statement.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use roster_domain::{Member, Membership, Role, UserSummary};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Set, Statement,
    Value,
};
use uuid::Uuid;

use crate::entity::{memberships, organizations, users};
use crate::error::{RepoError, RepoResult};
use crate::positional::read_rows;

pub(crate) fn to_domain(model: memberships::Model) -> RepoResult<Membership> {
    Ok(Membership {
        id: model.id,
        organization_id: model.organization_id,
        user_id: model.user_id,
        role: stored_role(model.id, &model.role)?,
        joined_at: model.created_at,
    })
}

/// The role stored on membership `id`.
fn stored_role(id: Uuid, role: &str) -> RepoResult<Role> {
    Role::parse(role)
        .map_err(|err| RepoError::Db(sea_orm::DbErr::Custom(format!("membership {id}: {err}"))))
}

/// Adds `user_id` to `organization_id` with `role` and bumps the organization's counter in
/// the same transaction.
///
/// # Errors
/// `RepoError::Conflict` when the user is already a member.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    user_id: Uuid,
    role: Role,
    now: DateTime<Utc>,
) -> RepoResult<Membership> {
    let model = memberships::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        user_id: Set(user_id),
        role: Set(role.as_str().to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    organizations::Entity::update_many()
        .col_expr(
            organizations::Column::MemberCount,
            Expr::col(organizations::Column::MemberCount).add(1),
        )
        .filter(organizations::Column::Id.eq(organization_id))
        .exec(db)
        .await?;
    to_domain(model)
}

/// The membership of `user_id` in `organization_id`: one lookup on the unique index.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    user_id: Uuid,
) -> RepoResult<Option<Membership>> {
    memberships::Entity::find()
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .filter(memberships::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .map(to_domain)
        .transpose()
}

/// Narrows a member listing.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub role: Option<Role>,
    /// Case-insensitive substring of the email or display name.
    pub search: Option<String>,
}

impl MemberFilter {
    /// Whether the filter narrows anything (if not, `member_count` is the total).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.role.is_none() && self.search.is_none()
    }
}

fn by_org_and_role(organization_id: Uuid, role: Option<Role>) -> Select<memberships::Entity> {
    let query =
        memberships::Entity::find().filter(memberships::Column::OrganizationId.eq(organization_id));
    match role {
        Some(role) => query.filter(memberships::Column::Role.eq(role.as_str())),
        None => query,
    }
}

/// The `LIKE` pattern for text containing `search`, lowercased.
fn search_pattern(search: &str) -> String {
    format!("%{}%", escape_like(&search.to_lowercase()))
}

/// Email or display name contains `search`, case-insensitively (needs `users` joined).
fn search_condition(search: &str) -> Condition {
    let pattern = search_pattern(search);
    Condition::any()
        .add(
            Expr::col((users::Entity, users::Column::Email))
                .like(LikeExpr::new(pattern.clone()).escape('\\')),
        )
        .add(
            Func::lower(Expr::col((users::Entity, users::Column::DisplayName)))
                .like(LikeExpr::new(pattern).escape('\\')),
        )
}

/// A page selects only what a listed member shows, in the order `page` decodes it: the
/// membership's id, role and join time, then the user's id, email and display name. The
/// organization is the one asked for, and the membership's user is that user.
fn page_query(
    organization_id: Uuid,
    filter: &MemberFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Select<memberships::Entity> {
    let mut query = by_org_and_role(organization_id, filter.role)
        .select_only()
        .columns([
            memberships::Column::Id,
            memberships::Column::Role,
            memberships::Column::CreatedAt,
        ])
        .columns([
            users::Column::Id,
            users::Column::Email,
            users::Column::DisplayName,
        ])
        .inner_join(users::Entity);
    if let Some(search) = &filter.search {
        query = query.filter(search_condition(search));
    }
    if let Some(after) = after {
        query = query.filter(memberships::Column::Id.gt(after));
    }
    query.order_by_asc(memberships::Column::Id).limit(limit)
}

/// `page_query`'s SQL for each backend and shape of page (with or without a role, a search
/// and a cursor), written on first use: sea-query writes the same text for a shape every
/// time, and writing it was 1.5 % of a members page's instructions (callgrind).
static PAGE_SQL: [OnceLock<String>; 16] = [const { OnceLock::new() }; 16];

/// The exact statement `page` runs, for `EXPLAIN` checks: `page_query`'s, with its SQL
/// written once per shape (`PAGE_SQL`) and its values bound in the order sea-query binds
/// them (the tests compare the two for every shape).
#[must_use]
pub fn page_statement(
    backend: DatabaseBackend,
    organization_id: Uuid,
    filter: &MemberFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Statement {
    let backend_slot = match backend {
        DatabaseBackend::Postgres => 0,
        DatabaseBackend::Sqlite => 8,
        _ => return page_query(organization_id, filter, after, limit).build(backend),
    };
    let shape = usize::from(filter.role.is_some())
        | usize::from(filter.search.is_some()) << 1
        | usize::from(after.is_some()) << 2;
    let sql = PAGE_SQL[backend_slot | shape].get_or_init(|| {
        page_query(organization_id, filter, after, limit)
            .build(backend)
            .sql
    });
    let mut values = vec![Value::from(organization_id)];
    if let Some(role) = filter.role {
        values.push(Value::from(role.as_str()));
    }
    if let Some(search) = &filter.search {
        let pattern = search_pattern(search);
        values.push(Value::from(pattern.clone()));
        values.push(Value::from(pattern));
    }
    if let Some(after) = after {
        values.push(Value::from(after));
    }
    values.push(Value::from(limit));
    Statement::from_sql_and_values(backend, sql.clone(), values)
}

/// One page of members (with their users) in join order, keyset on the membership id:
/// a single statement however large the organization.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    filter: &MemberFilter,
    after: Option<Uuid>,
    limit: u64,
) -> RepoResult<Vec<Member>> {
    let statement = page_statement(
        db.get_database_backend(),
        organization_id,
        filter,
        after,
        limit,
    );
    let rows = db.query_all_raw(statement).await?;
    read_rows(&rows, |columns| {
        let id = columns.take()?;
        let role: String = columns.take()?;
        let joined_at = columns.take_time()?;
        let user = UserSummary {
            id: columns.take()?,
            email: columns.take()?,
            display_name: columns.take()?,
        };
        Ok(Member {
            membership: Membership {
                id,
                organization_id,
                user_id: user.id,
                role: stored_role(id, &role)?,
                joined_at,
            },
            user,
        })
    })
    .collect()
}

/// How many members match `filter` (only run when a client selects `totalCount` on a
/// filtered listing; unfiltered totals come from the counter column).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn count<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    filter: &MemberFilter,
) -> RepoResult<u64> {
    let mut query = by_org_and_role(organization_id, filter.role);
    if let Some(search) = &filter.search {
        query = query
            .inner_join(users::Entity)
            .filter(search_condition(search));
    }
    Ok(query.count(db).await?)
}

fn escape_like(term: &str) -> String {
    let mut escaped = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Changes a member's role.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn update_role<C: ConnectionTrait>(
    db: &C,
    membership_id: Uuid,
    role: Role,
) -> RepoResult<Membership> {
    let model = memberships::ActiveModel {
        id: Set(membership_id),
        role: Set(role.as_str().to_owned()),
        ..Default::default()
    }
    .update(db)
    .await?;
    to_domain(model)
}

/// Removes a membership and lowers the organization's counter in the same transaction.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn delete<C: ConnectionTrait>(db: &C, membership: &Membership) -> RepoResult<()> {
    let result = memberships::Entity::delete_by_id(membership.id)
        .exec(db)
        .await?;
    if result.rows_affected == 1 {
        organizations::Entity::update_many()
            .col_expr(
                organizations::Column::MemberCount,
                Expr::col(organizations::Column::MemberCount).sub(1),
            )
            .filter(organizations::Column::Id.eq(membership.organization_id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// How many owners the organization has (read under the organization's lock).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn count_owners<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> RepoResult<u64> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .filter(memberships::Column::Role.eq(Role::Owner.as_str()))
        .count(db)
        .await?)
}

/// The organization's owners and admins as `(user id, email)`, oldest membership first.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn admins<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
) -> RepoResult<Vec<(Uuid, String)>> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .filter(memberships::Column::Role.is_in([Role::Owner.as_str(), Role::Admin.as_str()]))
        .order_by_asc(memberships::Column::Id)
        .find_also_related(users::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(membership, user)| user.map(|user| (membership.user_id, user.email)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape of page, on both backends, twice (the second from `PAGE_SQL`): the
    /// statement is the one sea-query builds, text and values in order.
    #[test]
    fn a_page_statement_is_the_statement_sea_query_builds_for_every_shape() {
        let organization_id = Uuid::now_v7();
        let cursor = Uuid::now_v7();
        for backend in [DatabaseBackend::Postgres, DatabaseBackend::Sqlite] {
            for shape in 0..8 {
                let filter = MemberFilter {
                    role: (shape & 1 != 0).then_some(Role::Admin),
                    search: (shape & 2 != 0).then(|| "Ada_100%".to_owned()),
                };
                let after = (shape & 4 != 0).then_some(cursor);
                let built = page_query(organization_id, &filter, after, 51).build(backend);
                for _ in 0..2 {
                    assert_eq!(
                        page_statement(backend, organization_id, &filter, after, 51),
                        built,
                        "{backend:?}, shape {shape}"
                    );
                }
            }
        }
        // Another organization, role and cursor reuse the SQL with their own values.
        let other = MemberFilter {
            role: Some(Role::Viewer),
            search: Some("grace".to_owned()),
        };
        let (organization_id, cursor) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(
            page_statement(
                DatabaseBackend::Postgres,
                organization_id,
                &other,
                Some(cursor),
                21
            ),
            page_query(organization_id, &other, Some(cursor), 21).build(DatabaseBackend::Postgres)
        );
    }
}
