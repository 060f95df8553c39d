//! Rows of the hot-path statements decoded by column position instead of by name.
//!
//! sea-orm's by-name decoding formats `prefix + column` into a new `String` for every value
//! and looks it up among the row's columns; on a page of 50 members that was a tenth of the
//! server's CPU (`perf`, 2026-12-03). Here a statement selects each entity's columns in
//! declaration order (`Column::iter()`, which is also the order sea-orm's own `SELECT`s
//! and `select_also` use), and `Positional::read` takes them in that order.

use sea_orm::{DbErr, EntityTrait, IdenStatic, Iterable, QueryResult, TryGetable};
use uuid::Uuid;

use crate::entity::{api_keys, memberships, organizations, users};

/// A cursor over one row's columns.
pub(crate) struct Columns<'r> {
    row: &'r QueryResult,
    next: usize,
}

impl<'r> Columns<'r> {
    /// Starts at the row's first column.
    pub(crate) fn new(row: &'r QueryResult) -> Self {
        Columns { row, next: 0 }
    }

    /// The next column's value.
    pub(crate) fn take<T: TryGetable>(&mut self) -> Result<T, DbErr> {
        let value = self.row.try_get_by_index(self.next);
        self.next += 1;
        value
    }

    fn skip(&mut self, columns: usize) {
        self.next += columns;
    }
}

/// A model read from consecutive columns, in the order its entity declares them.
pub(crate) trait Positional: Sized {
    /// The entity whose columns the model takes.
    type Entity: EntityTrait;

    /// Reads the model from the next columns.
    fn read(columns: &mut Columns<'_>) -> Result<Self, DbErr>;

    /// Reads the model of an outer join: `None` (its columns skipped) when its first
    /// column, the primary key, is NULL.
    fn read_optional(columns: &mut Columns<'_>) -> Result<Option<Self>, DbErr> {
        let width = <Self::Entity as EntityTrait>::Column::iter().count();
        let at = columns.next;
        if columns.take::<Option<Uuid>>()?.is_none() {
            columns.skip(width - 1);
            return Ok(None);
        }
        columns.next = at;
        Self::read(columns).map(Some)
    }
}

/// Runs a `find_also_related` select and decodes each row by position: the first entity's
/// model, then the related one's (`select_also` puts their columns in that order). Rows
/// whose related model is missing are left out, as both pages that use this want.
pub(crate) async fn all_with_related<A, B, C>(
    db: &C,
    select: sea_orm::SelectTwo<A::Entity, B::Entity>,
) -> Result<Vec<(A, B)>, DbErr>
where
    A: Positional,
    B: Positional,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::QueryTrait;
    let rows = db
        .query_all_raw(select.build(db.get_database_backend()))
        .await?;
    let mut pairs = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut columns = Columns::new(row);
        let first = A::read(&mut columns)?;
        if let Some(related) = B::read_optional(&mut columns)? {
            pairs.push((first, related));
        }
    }
    Ok(pairs)
}

/// `alias.column` for each of the entity's columns in declaration order, comma-separated:
/// the select list `Positional::read` decodes.
pub(crate) fn select_list<E: EntityTrait>(alias: &str) -> String {
    E::Column::iter()
        .map(|column| format!("{alias}.{}", column.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Positional for users::Model {
    type Entity = users::Entity;

    fn read(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(users::Model {
            id: columns.take()?,
            email: columns.take()?,
            display_name: columns.take()?,
            personal_organization_id: columns.take()?,
            active_organization_id: columns.take()?,
            created_at: columns.take()?,
        })
    }
}

impl Positional for memberships::Model {
    type Entity = memberships::Entity;

    fn read(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(memberships::Model {
            id: columns.take()?,
            organization_id: columns.take()?,
            user_id: columns.take()?,
            role: columns.take()?,
            created_at: columns.take()?,
        })
    }
}

impl Positional for organizations::Model {
    type Entity = organizations::Entity;

    fn read(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(organizations::Model {
            id: columns.take()?,
            slug: columns.take()?,
            name: columns.take()?,
            kind: columns.take()?,
            plan: columns.take()?,
            audit_retention_days: columns.take()?,
            member_count: columns.take()?,
            billing_email: columns.take()?,
            settings: columns.take()?,
            created_at: columns.take()?,
            updated_at: columns.take()?,
        })
    }
}

impl Positional for api_keys::Model {
    type Entity = api_keys::Entity;

    fn read(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(api_keys::Model {
            id: columns.take()?,
            project_id: columns.take()?,
            organization_id: columns.take()?,
            label: columns.take()?,
            role: columns.take()?,
            secret_hash: columns.take()?,
            last4: columns.take()?,
            created_by_user_id: columns.take()?,
            created_at: columns.take()?,
            updated_at: columns.take()?,
            last_used_at: columns.take()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `read` takes the fields in the order the entity declares its columns: a column
    /// added or moved in an entity shows up here, not as a swapped value at run time.
    #[test]
    fn select_lists_follow_the_declared_columns() {
        assert_eq!(
            select_list::<users::Entity>("u"),
            "u.id, u.email, u.display_name, u.personal_organization_id, \
             u.active_organization_id, u.created_at"
        );
        assert_eq!(
            select_list::<memberships::Entity>("m"),
            "m.id, m.organization_id, m.user_id, m.role, m.created_at"
        );
        assert_eq!(
            select_list::<organizations::Entity>("o"),
            "o.id, o.slug, o.name, o.kind, o.plan_id, o.audit_retention_days, \
             o.member_count, o.billing_email, o.settings, o.created_at, o.updated_at"
        );
        assert_eq!(
            select_list::<api_keys::Entity>("k"),
            "k.id, k.project_id, k.organization_id, k.label, k.role, k.secret_hash, k.last4, \
             k.created_by_user_id, k.created_at, k.updated_at, k.last_used_at"
        );
    }
}
