//! The hot path: a caller and the organization the request asks about, resolved in one
//! statement (session, user, organization and membership joined; or API key and its
//! organization), so a point lookup such as `organization(id){ viewerRole }` costs a
//! single round trip.
//!
//! Hand-written SQL: the ORM would need one statement per entity here. The row is decoded
//! by position into the entities' models (`positional`), so types read the same on SQLite
//! and PostgreSQL as everywhere else.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use roster_domain::{ApiKey, Organization, OrganizationView, TokenHash, User};
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult, Statement, Value};
use uuid::Uuid;

use crate::entity::{api_keys, memberships, organizations, users};
use crate::error::RepoResult;
use crate::organizations::OrganizationKey;
use crate::positional::{Columns, Positional, select_list};

/// A session's caller and, when they are a member of it, the organization asked about.
#[derive(Debug, Clone)]
pub struct SessionCaller {
    pub session_id: Uuid,
    pub user: User,
    /// `None` when the organization does not exist or the user is not a member (the two
    /// must look the same to callers).
    pub view: Option<OrganizationView>,
}

/// The join's columns: the session id, then user, organization and membership, each in
/// its entity's declared order (`positional`).
static COLUMNS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "s.id, {}, {}, {}",
        select_list::<users::Entity>("u"),
        select_list::<organizations::Entity>("o"),
        select_list::<memberships::Entity>("m"),
    )
});

/// The unexpired session whose token hashes to `hash`, its user, and the organization
/// `key` as that user sees it, in one statement.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn session_with_organization<C: ConnectionTrait>(
    db: &C,
    hash: &TokenHash,
    now: DateTime<Utc>,
    key: OrganizationKey<'_>,
) -> RepoResult<Option<SessionCaller>> {
    let (organization_match, key_value) = organization_match(key);
    let sql = format!(
        "SELECT {columns} FROM sessions s \
         JOIN users u ON u.id = s.user_id \
         LEFT JOIN organizations o ON {organization_match} \
         LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = u.id \
         WHERE s.token_hash = $2 AND s.expires_at > $3",
        columns = *COLUMNS,
    );
    let values = [
        key_value,
        Value::from(hash.as_str().to_owned()),
        Value::from(now),
    ];
    let Some(row) = query_one(db, &sql, values).await? else {
        return Ok(None);
    };
    let mut columns = Columns::new(&row)?;
    let session_id: Uuid = columns.take()?;
    let user = crate::users::to_domain(users::Model::read(&mut columns)?);
    let organization = organizations::Model::read_optional(&mut columns)?;
    let membership = memberships::Model::read_optional(&mut columns)?;
    let view = match (membership, organization) {
        (Some(membership), Some(organization)) => Some(OrganizationView {
            membership: crate::memberships::to_domain(membership)?,
            organization: crate::organizations::to_domain(organization)?,
        }),
        _ => None,
    };
    Ok(Some(SessionCaller {
        session_id,
        user,
        view,
    }))
}

/// An API key's caller and, when the key belongs to it, the organization asked about.
#[derive(Debug, Clone)]
pub struct KeyCaller {
    pub key: ApiKey,
    /// `None` when the organization does not exist or is not the key's own (the two must
    /// look the same to callers).
    pub organization: Option<Organization>,
}

static KEY_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{}, {}",
        select_list::<api_keys::Entity>("k"),
        select_list::<organizations::Entity>("o"),
    )
});

/// The API key whose secret hashes to `hash` and the organization `key` if it is the
/// key's own, in one statement.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn api_key_with_organization<C: ConnectionTrait>(
    db: &C,
    hash: &TokenHash,
    key: OrganizationKey<'_>,
) -> RepoResult<Option<KeyCaller>> {
    let (organization_match, key_value) = organization_match(key);
    let sql = format!(
        "SELECT {columns} FROM api_keys k \
         LEFT JOIN organizations o ON {organization_match} AND o.id = k.organization_id \
         WHERE k.secret_hash = $2",
        columns = *KEY_COLUMNS,
    );
    let values = [key_value, Value::from(hash.as_str().to_owned())];
    let Some(row) = query_one(db, &sql, values).await? else {
        return Ok(None);
    };
    let mut columns = Columns::new(&row)?;
    let api_key = crate::api_keys::to_domain(api_keys::Model::read(&mut columns)?)?;
    let organization = organizations::Model::read_optional(&mut columns)?
        .map(crate::organizations::to_domain)
        .transpose()?;
    Ok(Some(KeyCaller {
        key: api_key,
        organization,
    }))
}

/// The organization `key` names, as the condition on `o` for `$1` and its value.
fn organization_match(key: OrganizationKey<'_>) -> (&'static str, Value) {
    match key {
        OrganizationKey::Id(id) => ("o.id = $1", Value::from(id)),
        OrganizationKey::Slug(slug) => ("o.slug = $1", Value::from(slug.to_owned())),
    }
}

/// The one row of `sql` (written with `$n` placeholders) bound to `values`, if any.
async fn query_one<C: ConnectionTrait, const N: usize>(
    db: &C,
    sql: &str,
    values: [Value; N],
) -> RepoResult<Option<QueryResult>> {
    let backend = db.get_database_backend();
    let statement = Statement::from_sql_and_values(backend, numbered(backend, sql), values);
    Ok(db.query_one_raw(statement).await?)
}

/// The statement's `$n` placeholders as the backend writes them: `?` on SQLite, in order
/// (each `$n` here appears once and in order, so position alone binds it; `?n` would bind
/// too, but sea-orm's statement printing, which the `roster_sql` log uses, knows only `?`).
fn numbered(backend: DatabaseBackend, sql: &str) -> String {
    match backend {
        DatabaseBackend::Sqlite => {
            let mut out = String::with_capacity(sql.len());
            let mut chars = sql.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' {
                    out.push('?');
                    while chars.next_if(char::is_ascii_digit).is_some() {}
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => sql.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_gets_plain_placeholders_in_order() {
        let sql = "a = $1 AND b > $2 OR c = $10";
        assert_eq!(
            numbered(DatabaseBackend::Sqlite, sql),
            "a = ? AND b > ? OR c = ?"
        );
        assert_eq!(numbered(DatabaseBackend::Postgres, sql), sql);
    }
}
