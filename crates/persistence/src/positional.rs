//! Rows of the hot-path statements decoded by column position instead of by name.
//!
//! sea-orm's by-name decoding formats `prefix + column` into a new `String` for every value
//! and looks it up among the row's columns; on a page of 50 members that was a tenth of the
//! server's CPU (`perf`, 2026-12-03). Here a statement selects each entity's columns in
//! declaration order (`Column::iter()`, which is also the order sea-orm's own `SELECT`s
//! and `select_also` use), and `Positional::read` takes them in that order.
//!
//! Values are read from sqlx's row itself, with sqlx's type check, but on PostgreSQL once
//! per column of a result rather than once per value: a result's column types are fixed
//! by its row description, so after a column's first non-NULL value has passed the check,
//! the same check on the next rows cannot fail. Counted with callgrind on a members page
//! (`cargo xtask bench`'s statements), the per-value check, and sea-orm's formatting of an
//! error string for every NULL it reads into an `Option`, were a tenth of the server's
//! instructions.

use chrono::{DateTime, Utc};
use sea_orm::sqlx::postgres::{PgRow, PgValueFormat, Postgres};
use sea_orm::sqlx::sqlite::{Sqlite, SqliteRow};
use sea_orm::sqlx::{Decode, Row as _, Type, ValueRef as _};
use sea_orm::{DbErr, EntityTrait, IdenStatic, Iterable, QueryResult};
use uuid::Uuid;

use crate::entity::{api_keys, memberships, organizations, users};

/// A type a column is read into, on either backend.
pub(crate) trait ColumnValue:
    for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>
{
}

impl<T> ColumnValue for T where
    T: for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>
{
}

/// sqlx's row behind sea-orm's.
#[derive(Clone, Copy)]
enum Row<'r> {
    Postgres(&'r PgRow),
    Sqlite(&'r SqliteRow),
}

/// A cursor over one row's columns.
pub(crate) struct Columns<'r> {
    row: Row<'r>,
    next: usize,
    /// Bit `i`: column `i` of this result has passed the type check (PostgreSQL only;
    /// columns past the 64th are checked at every value).
    checked: u64,
}

impl<'r> Columns<'r> {
    /// Starts at the first column of a row read on its own.
    pub(crate) fn new(row: &'r QueryResult) -> Result<Self, DbErr> {
        Self::continuing(row, 0)
    }

    fn continuing(row: &'r QueryResult, checked: u64) -> Result<Self, DbErr> {
        let row = if let Some(row) = row.try_as_pg_row() {
            Row::Postgres(row)
        } else if let Some(row) = row.try_as_sqlite_row() {
            Row::Sqlite(row)
        } else {
            return Err(DbErr::Type(
                "a row from neither PostgreSQL nor SQLite".into(),
            ));
        };
        Ok(Columns {
            row,
            next: 0,
            checked,
        })
    }

    /// The next column's value.
    pub(crate) fn take<T: ColumnValue>(&mut self) -> Result<T, DbErr> {
        let index = self.next;
        self.next += 1;
        let error = |err: sea_orm::sqlx::Error| DbErr::Type(format!("column {index}: {err}"));
        match self.row {
            Row::Postgres(row) => {
                let bit = column_bit(index);
                // sqlx checks no type for NULL either (`Row::try_get`): a NULL is read
                // unchecked, and only a non-NULL value vouches for the column. A column
                // that is NULL in every row (a member without a display name) is thus
                // never checked at all, rather than checked at every row.
                if self.checked & bit != 0 || row.try_get_raw(index).map_err(error)?.is_null() {
                    return row.try_get_unchecked(index).map_err(error);
                }
                let value = row.try_get(index).map_err(error)?;
                self.checked |= bit;
                Ok(value)
            }
            Row::Sqlite(row) => row.try_get(index).map_err(error),
        }
    }

    /// The next column's value as a point in time. On PostgreSQL, once the column has
    /// passed sqlx's check, a value is read from its 8 bytes (microseconds since
    /// 2000-01-01) by `postgres_time`: sqlx's decode adds them to a date with chrono's
    /// calendar arithmetic, 400 instructions a value and 50 values on a members page
    /// (callgrind). Anything else (SQLite, a first value, NULL, a text value) is sqlx's.
    pub(crate) fn take_time(&mut self) -> Result<DateTime<Utc>, DbErr> {
        if let Row::Postgres(row) = self.row
            && self.checked & column_bit(self.next) != 0
            && let Ok(value) = row.try_get_raw(self.next)
            && value.format() == PgValueFormat::Binary
            && let Some(time) = value.as_bytes().ok().and_then(postgres_time)
        {
            self.next += 1;
            return Ok(time);
        }
        self.take()
    }

    fn skip(&mut self, columns: usize) {
        self.next += columns;
    }
}

/// Column `index`'s bit in `Columns::checked` (none past the 64th).
fn column_bit(index: usize) -> u64 {
    u32::try_from(index)
        .ok()
        .and_then(|index| 1u64.checked_shl(index))
        .unwrap_or(0)
}

/// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A `timestamp`/`timestamptz` in PostgreSQL's binary format, 8 bytes of microseconds
/// since 2000-01-01 UTC; `None` for any other length or a time chrono cannot hold
/// (`infinity`), which sqlx then reads or refuses.
fn postgres_time(bytes: &[u8]) -> Option<DateTime<Utc>> {
    let micros = i64::from_be_bytes(bytes.try_into().ok()?);
    DateTime::from_timestamp_micros(micros.checked_add(POSTGRES_EPOCH_MICROS)?)
}

/// Each of `rows` (one result) as `read` reads it, checking each column's type once.
pub(crate) fn read_rows<'a, T, E: From<DbErr>>(
    rows: &'a [QueryResult],
    mut read: impl FnMut(&mut Columns<'_>) -> Result<T, E> + 'a,
) -> impl Iterator<Item = Result<T, E>> + 'a {
    let mut checked = 0;
    rows.iter().map(move |row| {
        let mut columns = Columns::continuing(row, checked)?;
        let value = read(&mut columns);
        checked = columns.checked;
        value
    })
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
    // Rows whose related model is missing read as `None` and are left out.
    read_rows(&rows, |columns| -> Result<_, DbErr> {
        let first = A::read(columns)?;
        Ok(B::read_optional(columns)?.map(|related| (first, related)))
    })
    .filter_map(Result::transpose)
    .collect()
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
            created_at: columns.take_time()?,
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
            created_at: columns.take_time()?,
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
            created_at: columns.take_time()?,
            updated_at: columns.take_time()?,
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
            created_at: columns.take_time()?,
            updated_at: columns.take_time()?,
            last_used_at: columns.take()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sqlx::{Connection as _, PgConnection, SqliteConnection};

    use super::*;

    /// Three rows whose first column is NULL in the first row only; the second is 8-byte.
    const ROWS: &str = "WITH t(a, b) AS (VALUES (NULL, 1), ('x', 2), ('y', 3)) SELECT a, b FROM t";

    async fn postgres_rows(sql: &str) -> Option<Vec<QueryResult>> {
        let Ok(url) = std::env::var("ROSTER_TEST_DATABASE_URL") else {
            eprintln!("skipped on PostgreSQL: ROSTER_TEST_DATABASE_URL is not set");
            return None;
        };
        let mut conn = PgConnection::connect(&url).await.unwrap();
        let rows = sea_orm::sqlx::query(sea_orm::sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        Some(rows.into_iter().map(QueryResult::from).collect())
    }

    async fn sqlite_rows(sql: &str) -> Vec<QueryResult> {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        let rows = sea_orm::sqlx::query(sea_orm::sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        rows.into_iter().map(QueryResult::from).collect()
    }

    fn pairs(rows: &[QueryResult]) -> Result<Vec<(Option<String>, i64)>, DbErr> {
        read_rows(rows, |columns| Ok((columns.take()?, columns.take()?))).collect()
    }

    /// Every row of a result decodes, after the first has passed the type check.
    #[tokio::test]
    async fn rows_after_the_first_read_the_same_values() {
        let expected = vec![
            (None, 1),
            (Some("x".to_owned()), 2),
            (Some("y".to_owned()), 3),
        ];
        assert_eq!(pairs(&sqlite_rows(ROWS).await).unwrap(), expected);
        if let Some(rows) = postgres_rows(&ROWS.replace("1)", "1::int8)")).await {
            assert_eq!(pairs(&rows).unwrap(), expected);
        }
    }

    /// On PostgreSQL a column read as the wrong type fails, also when its first value is
    /// NULL (sqlx checks no NULL), so the check falls to the next row. (SQLite's rows are
    /// checked at every value, as sqlx does.)
    #[tokio::test]
    async fn a_column_read_as_another_type_is_refused_also_after_a_null() {
        let Some(rows) =
            postgres_rows("SELECT a FROM (VALUES (NULL::int8), (2::int8)) AS t(a)").await
        else {
            return;
        };
        let read: Result<Vec<_>, _> =
            read_rows(&rows, |columns| columns.take::<Option<String>>()).collect();
        assert!(
            matches!(&read, Err(DbErr::Type(message)) if message.starts_with("column 0")),
            "{read:?}"
        );
        let rows = postgres_rows("SELECT 'x'::text AS a")
            .await
            .unwrap_or_default();
        let read: Result<Vec<_>, _> = read_rows(&rows, |columns| columns.take::<i64>()).collect();
        assert!(read.is_err(), "{read:?}");
    }

    /// Times read from their bytes are the times sqlx reads, before and after either
    /// epoch and to the microsecond; on SQLite `take_time` is sqlx's own.
    #[tokio::test]
    async fn times_read_from_their_bytes_are_the_times_sqlx_reads() {
        const TIMES: &str = "SELECT t FROM (VALUES \
            ('2026-12-04 21:50:01.123456+00'::timestamptz), ('1999-12-31 23:59:59.999999+00'), \
            ('2000-01-01 00:00:00+00'), ('1970-01-01 00:00:00+00'), ('1969-12-31 23:59:59.5+00'), \
            ('1901-06-01 12:00:00.000001+00'), ('9999-12-31 23:59:59.999999+00')) AS v(t)";
        let Some(rows) = postgres_rows(TIMES).await else {
            return;
        };
        let ours: Vec<DateTime<Utc>> = read_rows(&rows, |columns| columns.take_time())
            .collect::<Result<_, DbErr>>()
            .unwrap();
        let sqlx: Vec<DateTime<Utc>> = rows
            .iter()
            .map(|row| row.try_as_pg_row().unwrap().get(0))
            .collect();
        assert_eq!(ours.len(), 7);
        assert_eq!(ours, sqlx);
        assert_eq!(ours[0].to_rfc3339(), "2026-12-04T21:50:01.123456+00:00");
        // A column of another type is still refused, at its first row by sqlx's check.
        let rows = postgres_rows("SELECT 5::int8").await.unwrap_or_default();
        let read: Result<Vec<_>, _> = read_rows(&rows, |columns| columns.take_time()).collect();
        assert!(read.is_err(), "{read:?}");
    }

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
