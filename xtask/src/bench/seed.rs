//! The bench's data, inserted in bulk: multi-row `INSERT`s of literal values (500 rows a
//! statement, one transaction per table chunk) on either backend. One team organization
//! "Bench" whose owner is the bench user and whose other members are fresh users (each with
//! the personal organization every user has), audit events in it, 1,000 small team
//! organizations (the bench user belongs to 20), and pending invitations, some addressed
//! to the bench user. Ids are UUIDv7 in insertion order, as the service makes them.

use anyhow::Context as _;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, TransactionTrait};
use uuid::Uuid;

/// Rows per `INSERT` (SQLite's old compound-select limit is 500).
const ROWS_PER_STATEMENT: usize = 500;
/// Rows per transaction.
const ROWS_PER_TRANSACTION: usize = 10_000;
/// Small team organizations, and how many of them the bench user belongs to.
pub(crate) const SMALL_ORGS: usize = 1_000;
pub(crate) const SMALL_ORGS_JOINED: usize = 20;
/// Invitations to the bench user still waiting (the badge).
pub(crate) const PENDING_FOR_OWNER: usize = 5;
/// The audit action the filtered audit page asks for, and the kinds seeded (round robin).
pub(crate) const AUDIT_FILTER: &str = "member.invited";
const AUDIT_ACTIONS: [&str; 5] = [
    "member.invited",
    "project.created",
    "member.role_changed",
    "organization.updated",
    "api_key.created",
];

/// What the scenarios need to know about the seeded data.
#[derive(Debug, Clone)]
pub(crate) struct Seeded {
    pub(crate) organization: Uuid,
    /// The membership id of the member at 90 % of the list (the deep-page cursor).
    pub(crate) deep_cursor: Uuid,
    pub(crate) admins: usize,
}

/// A column value written as an SQL literal the way sqlx binds it on each backend.
enum Lit<'a> {
    Id(Uuid),
    Text(&'a str),
    Int(i64),
    Time(DateTime<Utc>),
}

fn literal(backend: DatabaseBackend, value: &Lit<'_>) -> String {
    match value {
        Lit::Id(id) if backend == DatabaseBackend::Sqlite => format!("X'{}'", id.simple()),
        Lit::Id(id) => format!("'{id}'"),
        Lit::Text(text) => format!("'{}'", text.replace('\'', "''")),
        Lit::Int(number) => number.to_string(),
        Lit::Time(at) => format!("'{}'", at.to_rfc3339_opts(SecondsFormat::AutoSi, false)),
    }
}

/// Inserts `rows` into `table` in chunks.
async fn insert(
    db: &DatabaseConnection,
    table: &str,
    columns: &str,
    rows: &[Vec<Lit<'_>>],
) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    for chunk in rows.chunks(ROWS_PER_TRANSACTION) {
        let txn = db.begin().await?;
        for statement_rows in chunk.chunks(ROWS_PER_STATEMENT) {
            let values: Vec<String> = statement_rows
                .iter()
                .map(|row| {
                    let cells: Vec<String> =
                        row.iter().map(|value| literal(backend, value)).collect();
                    format!("({})", cells.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO {table} ({columns}) VALUES {}",
                values.join(",\n")
            );
            txn.execute_unprepared(&sql)
                .await
                .with_context(|| format!("cannot seed {table}"))?;
        }
        txn.commit().await?;
    }
    Ok(())
}

/// `count` UUIDv7 ids in ascending order.
fn ids(count: usize) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = (0..count).map(|_| Uuid::now_v7()).collect();
    ids.sort_unstable();
    ids
}

/// Seeds everything; `owner` is the bench user (already signed in, with its own personal
/// organization) and `members` the size of "Bench" counting the owner.
pub(crate) async fn seed(
    db: &DatabaseConnection,
    owner: Uuid,
    owner_email: &str,
    members: usize,
) -> anyhow::Result<Seeded> {
    anyhow::ensure!(members >= 10, "--members must be at least 10");
    let now = Utc::now();
    let ago = |seconds: usize| now - chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(0));
    let others = members - 1;
    let run = Uuid::now_v7().simple().to_string();
    let tag = &run[run.len() - 8..];

    // "Bench" and its owner.
    let organization = Uuid::now_v7();
    let org_rows = vec![vec![
        Lit::Id(organization),
        Lit::Text("bench"),
        Lit::Text("Bench"),
        Lit::Text("TEAM"),
        Lit::Text("free"),
        Lit::Int(i64::try_from(members)?),
        Lit::Time(now),
        Lit::Time(now),
    ]];
    let org_columns = "id, slug, name, kind, plan, member_count, created_at, updated_at";
    insert(db, "organizations", org_columns, &org_rows).await?;

    // The other members: users with their personal organizations.
    let personal = ids(others);
    let users = ids(others);
    let slugs: Vec<String> = (0..others).map(|i| format!("p{tag}-{i}")).collect();
    let emails: Vec<String> = (0..others)
        .map(|i| format!("member{i}-{tag}@example.com"))
        .collect();
    let rows: Vec<Vec<Lit<'_>>> = (0..others)
        .map(|i| {
            vec![
                Lit::Id(personal[i]),
                Lit::Text(&slugs[i]),
                Lit::Text("Personal"),
                Lit::Text("PERSONAL"),
                Lit::Text("free"),
                Lit::Int(1),
                Lit::Time(now),
                Lit::Time(now),
            ]
        })
        .collect();
    insert(db, "organizations", org_columns, &rows).await?;
    let rows: Vec<Vec<Lit<'_>>> = (0..others)
        .map(|i| {
            vec![
                Lit::Id(users[i]),
                Lit::Text(&emails[i]),
                Lit::Id(personal[i]),
                Lit::Time(now),
            ]
        })
        .collect();
    insert(
        db,
        "users",
        "id, email, personal_organization_id, created_at",
        &rows,
    )
    .await?;
    let membership_columns = "id, organization_id, user_id, role, created_at";
    // Each member's personal membership comes just before their Bench one (they signed up,
    // then joined), so Bench's rows are spread over the id order as in a real table.
    let interleaved = ids(2 * others + 1);
    let personal_memberships: Vec<Uuid> = interleaved.iter().skip(1).step_by(2).copied().collect();
    let bench_memberships: Vec<Uuid> = interleaved.iter().step_by(2).copied().collect();
    let rows: Vec<Vec<Lit<'_>>> = (0..others)
        .map(|i| {
            vec![
                Lit::Id(personal_memberships[i]),
                Lit::Id(personal[i]),
                Lit::Id(users[i]),
                Lit::Text("OWNER"),
                Lit::Time(now),
            ]
        })
        .collect();
    insert(db, "memberships", membership_columns, &rows).await?;

    // Bench's memberships, owner first; 2 % admins, 10 % viewers, the rest members.
    let role = |i: usize| match i % 50 {
        0 => "ADMIN",
        1..=5 => "VIEWER",
        _ => "MEMBER",
    };
    let mut rows = vec![vec![
        Lit::Id(bench_memberships[0]),
        Lit::Id(organization),
        Lit::Id(owner),
        Lit::Text("OWNER"),
        Lit::Time(now),
    ]];
    rows.extend((0..others).map(|i| {
        vec![
            Lit::Id(bench_memberships[i + 1]),
            Lit::Id(organization),
            Lit::Id(users[i]),
            Lit::Text(role(i)),
            Lit::Time(now),
        ]
    }));
    insert(db, "memberships", membership_columns, &rows).await?;
    let admins = (0..others).filter(|&i| role(i) == "ADMIN").count();

    // Audit events, oldest first, one action kind in five the filtered one.
    let audit_ids = ids(members);
    let rows: Vec<Vec<Lit<'_>>> = (0..members)
        .map(|i| {
            let actor = if i == 0 {
                owner
            } else {
                users[(i - 1) % others]
            };
            vec![
                Lit::Id(audit_ids[i]),
                Lit::Id(organization),
                Lit::Text(AUDIT_ACTIONS[i % AUDIT_ACTIONS.len()]),
                Lit::Id(actor),
                Lit::Id(users[i % others]),
                Lit::Text("{}"),
                Lit::Time(ago(members - i)),
            ]
        })
        .collect();
    insert(
        db,
        "audit_events",
        "id, organization_id, action, actor_user_id, target_id, context, occurred_at",
        &rows,
    )
    .await?;

    seed_small_orgs(db, owner, owner_email, &users, tag, now).await?;

    // Pending invitations in Bench to addresses not yet members.
    let invitations = ids(1_000);
    let invitees: Vec<String> = (0..invitations.len())
        .map(|i| format!("invitee{i}-{tag}@example.com"))
        .collect();
    let hashes: Vec<String> = invitations
        .iter()
        .map(|id| format!("bench-{}", id.simple()))
        .collect();
    let expires = now + chrono::Duration::days(7);
    let rows: Vec<Vec<Lit<'_>>> = (0..invitations.len())
        .map(|i| {
            invitation_row(
                invitations[i],
                organization,
                &invitees[i],
                &hashes[i],
                owner,
                now,
                expires,
            )
        })
        .collect();
    insert(db, "invitations", INVITATION_COLUMNS, &rows).await?;

    let deep_cursor = bench_memberships[members * 9 / 10 - 1];
    let analyze = if db.get_database_backend() == DatabaseBackend::Postgres {
        "VACUUM ANALYZE"
    } else {
        "ANALYZE"
    };
    db.execute_unprepared(analyze).await?;
    Ok(Seeded {
        organization,
        deep_cursor,
        admins,
    })
}

const INVITATION_COLUMNS: &str = "id, organization_id, email, role, status, token_hash, invited_by_user_id, expires_at, created_at, updated_at";

fn invitation_row<'a>(
    id: Uuid,
    organization: Uuid,
    email: &'a str,
    hash: &'a str,
    inviter: Uuid,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Vec<Lit<'a>> {
    vec![
        Lit::Id(id),
        Lit::Id(organization),
        Lit::Text(email),
        Lit::Text("MEMBER"),
        Lit::Text("PENDING"),
        Lit::Text(hash),
        Lit::Id(inviter),
        Lit::Time(expires),
        Lit::Time(now),
        Lit::Time(now),
    ]
}

/// 1,000 team organizations of three seeded users each; the bench user is an admin of the
/// first 20 and invited to the next 5.
async fn seed_small_orgs(
    db: &DatabaseConnection,
    owner: Uuid,
    owner_email: &str,
    users: &[Uuid],
    tag: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let orgs = ids(SMALL_ORGS);
    let slugs: Vec<String> = (0..SMALL_ORGS).map(|i| format!("t{tag}-{i}")).collect();
    let names: Vec<String> = (0..SMALL_ORGS).map(|i| format!("Team {i}")).collect();
    let rows: Vec<Vec<Lit<'_>>> = (0..SMALL_ORGS)
        .map(|i| {
            let count = if i < SMALL_ORGS_JOINED { 4 } else { 3 };
            vec![
                Lit::Id(orgs[i]),
                Lit::Text(&slugs[i]),
                Lit::Text(&names[i]),
                Lit::Text("TEAM"),
                Lit::Text("free"),
                Lit::Int(count),
                Lit::Time(now),
                Lit::Time(now),
            ]
        })
        .collect();
    insert(
        db,
        "organizations",
        "id, slug, name, kind, plan, member_count, created_at, updated_at",
        &rows,
    )
    .await?;
    let mut rows = Vec::new();
    for (i, org) in orgs.iter().enumerate() {
        // Three distinct users: consecutive ones (the pool holds at least nine).
        for j in 0..3 {
            let user = users[(i * 3 + j) % users.len()];
            let role = if j == 0 { "OWNER" } else { "MEMBER" };
            rows.push((*org, user, role));
        }
        if i < SMALL_ORGS_JOINED {
            rows.push((*org, owner, "ADMIN"));
        }
    }
    let membership_ids = ids(rows.len());
    let rows: Vec<Vec<Lit<'_>>> = rows
        .iter()
        .zip(&membership_ids)
        .map(|((org, user, role), id)| {
            vec![
                Lit::Id(*id),
                Lit::Id(*org),
                Lit::Id(*user),
                Lit::Text(role),
                Lit::Time(now),
            ]
        })
        .collect();
    insert(
        db,
        "memberships",
        "id, organization_id, user_id, role, created_at",
        &rows,
    )
    .await?;
    let invitations = ids(PENDING_FOR_OWNER);
    let hashes: Vec<String> = invitations
        .iter()
        .map(|id| format!("bench-{}", id.simple()))
        .collect();
    let expires = now + chrono::Duration::days(7);
    let rows: Vec<Vec<Lit<'_>>> = (0..PENDING_FOR_OWNER)
        .map(|i| {
            invitation_row(
                invitations[i],
                orgs[SMALL_ORGS_JOINED + i],
                owner_email,
                &hashes[i],
                users[(SMALL_ORGS_JOINED + i) * 3 % users.len()],
                now,
                expires,
            )
        })
        .collect();
    insert(db, "invitations", INVITATION_COLUMNS, &rows).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_match_what_the_driver_binds() {
        let id = Uuid::parse_str("0193a000-0000-7000-8000-000000000001").unwrap();
        assert_eq!(
            literal(DatabaseBackend::Sqlite, &Lit::Id(id)),
            "X'0193a000000070008000000000000001'"
        );
        assert_eq!(
            literal(DatabaseBackend::Postgres, &Lit::Id(id)),
            "'0193a000-0000-7000-8000-000000000001'"
        );
        assert_eq!(
            literal(DatabaseBackend::Postgres, &Lit::Text("O'Brien")),
            "'O''Brien'"
        );
        let at = DateTime::parse_from_rfc3339("2026-12-03T18:00:00.250+00:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            literal(DatabaseBackend::Sqlite, &Lit::Time(at)),
            "'2026-12-03T18:00:00.250+00:00'"
        );
        let sorted = ids(100);
        assert!(sorted.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
