//! The statements behind member and audit pages are served from indexes, checked with
//! `EXPLAIN` on the very statement `page` runs: both `page` and `page_statement` build it
//! through one private function, and a test below runs the built statement by hand to
//! confirm it returns what `page` returns. PostgreSQL gets a seeded table so the planner
//! weighs real sizes; SQLite's plan is checked as is. No timings.

use roster_domain::AuditAction;
use roster_domain::Role;
use roster_persistence::Database;
use roster_persistence::audit::{self, AuditFilter};
use roster_persistence::memberships::{self, MemberFilter};
use roster_persistence::organizations;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use uuid::Uuid;

use crate::support::{join, migrated, team, user};

/// The plan of `statement` as one string (PostgreSQL's `EXPLAIN` lines or SQLite's
/// `EXPLAIN QUERY PLAN` details).
async fn explain(db: &Database, statement: Statement) -> String {
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => format!("EXPLAIN {}", statement.sql),
        _ => format!("EXPLAIN QUERY PLAN {}", statement.sql),
    };
    let values = statement.values.map(|values| values.0).unwrap_or_default();
    db.query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .unwrap()
        .iter()
        .map(|row| match backend {
            DatabaseBackend::Postgres => row.try_get::<String>("", "QUERY PLAN").unwrap(),
            _ => row.try_get::<String>("", "detail").unwrap(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts `plan` reads `table` through an index, with no full scan of the table and no
/// sort. `index`, when given, names the index (a prefix of its name will do); on SQLite it
/// must then serve the statement alone (`COVERING INDEX`: the table is not visited).
fn assert_index_served(
    backend: DatabaseBackend,
    plan: &str,
    table: &str,
    index: Option<&str>,
    what: &str,
) {
    assert!(
        plan.contains("Index") || plan.contains("INDEX"),
        "{what}: no index in\n{plan}"
    );
    let sqlite_scan = format!("SCAN {table}");
    assert!(
        !plan.contains(&format!("Seq Scan on {table}"))
            && !plan.lines().any(|line| line.trim() == sqlite_scan),
        "{what} scans {table}:\n{plan}"
    );
    assert!(
        !plan.contains("USE TEMP B-TREE FOR ORDER BY") && !plan.contains("Sort"),
        "{what} sorts:\n{plan}"
    );
    match (index, backend) {
        (Some(index), DatabaseBackend::Sqlite) => assert!(
            plan.contains(&format!("COVERING INDEX {index}")),
            "{what} is not served by {index} alone:\n{plan}"
        ),
        (Some(index), _) => assert!(plan.contains(index), "{what} skips {index}:\n{plan}"),
        (None, _) => {}
    }
}

#[tokio::test]
async fn page_runs_the_statement_page_statement_builds() {
    let db = migrated().await;
    let db = &db.conn;
    let backend = db.get_database_backend();
    let org = team(db, "team").await;
    for index in 0..4 {
        let member = user(db, &format!("m{index}@example.com")).await;
        join(db, &org, &member, Role::Member).await;
    }
    let filter = MemberFilter {
        role: Some(Role::Member),
        search: Some("M".into()),
    };
    let members = memberships::page(db, org.id, &filter, None, 3)
        .await
        .unwrap();
    for member in &members {
        assert_eq!(member.membership.organization_id, org.id);
        assert_eq!(member.membership.user_id, member.user.id);
    }
    let from_page: Vec<Uuid> = members.iter().map(|member| member.membership.id).collect();
    let rows = db
        .query_all_raw(memberships::page_statement(
            backend, org.id, &filter, None, 3,
        ))
        .await
        .unwrap();
    let by_hand: Vec<Uuid> = rows
        .iter()
        .map(|row| row.try_get_by_index::<Uuid>(0).unwrap())
        .collect();
    assert_eq!(from_page.len(), 3);
    assert_eq!(from_page, by_hand);
    // Only what a listed member shows: membership id, role, joined; user id, email, name.
    assert_eq!(
        rows[0].column_names().len(),
        6,
        "{:?}",
        rows[0].column_names()
    );

    let from_page: Vec<Uuid> = audit::page(db, org.id, &AuditFilter::default(), None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.id)
        .collect();
    let by_hand: Vec<Uuid> = db
        .query_all_raw(audit::page_statement(
            backend,
            org.id,
            &AuditFilter::default(),
            None,
            10,
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<Uuid>("", "id").unwrap())
        .collect();
    assert_eq!(from_page, by_hand);
}

/// A members page and the per-request role lookup are index-served in an organization of
/// 10k members out of 20k memberships.
#[tokio::test]
async fn member_pages_and_role_lookups_are_served_from_indexes() {
    let db = migrated().await;
    let db = &db.conn;
    let backend = db.get_database_backend();
    let org = team(db, "huge-team").await;
    let other = team(db, "other-team").await;
    let owner = user(db, "owner@example.com").await;
    join(db, &org, &owner, Role::Owner).await;
    if backend == DatabaseBackend::Postgres {
        // Bulk rows bypass the repositories (and the member counter) on purpose: 20k
        // inserts one by one would be the slowest test in the workspace.
        let (org, other) = (org.id, other.id);
        let seed = format!(
            "INSERT INTO organizations (id, slug, name, kind, plan, member_count, created_at, updated_at)
               SELECT ('00000000-0000-7000-8000-' || lpad(i::text, 12, '0'))::uuid, 'seed-' || i, 'Seed ' || i, 'PERSONAL', 'free', 1, now(), now()
               FROM generate_series(1, 20000) AS i;
             INSERT INTO users (id, email, personal_organization_id, created_at)
               SELECT ('00000000-0000-7000-9000-' || lpad(i::text, 12, '0'))::uuid, 'seed' || i || '@example.com',
                      ('00000000-0000-7000-8000-' || lpad(i::text, 12, '0'))::uuid, now()
               FROM generate_series(1, 20000) AS i;
             INSERT INTO memberships (id, organization_id, user_id, role, created_at)
               SELECT ('00000000-0000-7000-a000-' || lpad(i::text, 12, '0'))::uuid,
                      CASE WHEN i % 2 = 0 THEN '{org}' ELSE '{other}' END::uuid,
                      ('00000000-0000-7000-9000-' || lpad(i::text, 12, '0'))::uuid,
                      CASE WHEN i % 50 = 0 THEN 'ADMIN' ELSE 'MEMBER' END, now()
               FROM generate_series(1, 20000) AS i;
             ANALYZE;"
        );
        db.execute_unprepared(&seed).await.unwrap();
    }
    for filter in [
        MemberFilter::default(),
        MemberFilter {
            role: Some(Role::Admin),
            search: None,
        },
    ] {
        let plan = explain(
            db,
            memberships::page_statement(backend, org.id, &filter, None, 21),
        )
        .await;
        // On SQLite the page's index holds every membership column it reads, so the table
        // is not visited. (PostgreSQL's planner weighs the table's visibility map and may
        // prefer the primary key when the organization holds half the rows, as here.)
        let index = (backend == DatabaseBackend::Sqlite).then_some("ix_memberships_org");
        assert_index_served(backend, &plan, "memberships", index, &format!("{filter:?}"));
    }
    // The viewer's organizations: by member, in membership order, from an index; on
    // SQLite from that index alone.
    let plan = explain(
        db,
        organizations::page_for_member_statement(backend, owner.id, None, 21),
    )
    .await;
    assert_index_served(
        backend,
        &plan,
        "memberships",
        Some("ix_memberships_user_id_covering"),
        "the viewer's organizations",
    );
    // The per-request role check: one lookup on the unique (organization, user) index.
    let lookup = Statement::from_sql_and_values(
        backend,
        match backend {
            DatabaseBackend::Postgres => {
                "SELECT role FROM memberships WHERE organization_id = $1 AND user_id = $2"
            }
            _ => "SELECT role FROM memberships WHERE organization_id = ? AND user_id = ?",
        },
        [org.id.into(), owner.id.into()],
    );
    let plan = explain(db, lookup).await;
    assert!(plan.contains("ux_memberships_org_user"), "{plan}");
}

/// Filtered and unfiltered audit pages over 100k events come from an index, not a scan
/// of the table, and need no sort.
#[tokio::test]
async fn a_filtered_audit_page_over_100k_events_is_served_from_an_index() {
    let db = migrated().await;
    let db = &db.conn;
    let backend = db.get_database_backend();
    let org = team(db, "huge").await;
    let owner = user(db, "owner@example.com").await;
    let seed = match backend {
        DatabaseBackend::Postgres => format!(
            "INSERT INTO audit_events (id, organization_id, action, actor_user_id, context, occurred_at)
             SELECT gen_random_uuid(), '{}', CASE WHEN i % 10 = 0 THEN 'member.invited' ELSE 'project.created' END,
                    '{}', '{{}}'::jsonb, now() - (i || ' seconds')::interval
             FROM generate_series(1, 100000) AS i",
            org.id, owner.id
        ),
        _ => format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
             INSERT INTO audit_events (id, organization_id, action, actor_user_id, context, occurred_at)
             SELECT randomblob(16), X'{}', CASE WHEN i % 10 = 0 THEN 'member.invited' ELSE 'project.created' END,
                    X'{}', '{{}}', strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-' || i || ' seconds')
             FROM n",
            org.id.simple(),
            owner.id.simple()
        ),
    };
    db.execute_unprepared(&seed).await.unwrap();
    db.execute_unprepared("ANALYZE").await.unwrap();

    let filters = [
        AuditFilter::default(),
        AuditFilter {
            action: Some(AuditAction::MemberInvited.as_str().into()),
            ..AuditFilter::default()
        },
        AuditFilter {
            actor_id: Some(owner.id),
            ..AuditFilter::default()
        },
    ];
    for filter in filters {
        let plan = explain(
            db,
            audit::page_statement(backend, org.id, &filter, None, 21),
        )
        .await;
        // Audit rows are wide: the index finds them, the table holds them.
        assert!(
            plan.contains("ix_audit_"),
            "{filter:?} uses an audit index:\n{plan}"
        );
        assert_index_served(backend, &plan, "audit_events", None, &format!("{filter:?}"));
    }
    // The seeded rows are real rows: a filtered page reads them.
    let page = audit::page(
        db,
        org.id,
        &AuditFilter {
            action: Some(AuditAction::MemberInvited.as_str().into()),
            ..AuditFilter::default()
        },
        None,
        101,
    )
    .await
    .unwrap();
    assert_eq!(page.len(), 101);
}
