//! The two pools behind `Database`. Neither pings a connection before every statement, and
//! the statement pool does not ping one as it comes back either (sqlx's pool does, a round
//! trip per statement), so what those pings guarded against is pinned here:
//! - a connection that sat idle is pinged before use, so one the server dropped meanwhile
//!   (a restart, an idle timeout) is replaced before a statement runs on it;
//! - a statement abandoned halfway (its caller went away) does not leave its connection,
//!   in the middle of a reply, to the next statement;
//! - an error the database reports leaves the connection in use, and the pool never opens
//!   more connections than its size;
//! - connections idle past the idle timeout are closed, ones in use are not.

use std::time::Duration;

use roster_persistence::Database;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, TryGetable};

use crate::support::migrated;

fn sql(backend: DatabaseBackend, text: &str) -> Statement {
    Statement::from_string(backend, text)
}

/// The column `value` of the one row `statement` returns on `conn`.
async fn value<T: TryGetable>(conn: &impl ConnectionTrait, statement: Statement) -> T {
    let row = conn.query_one_raw(statement).await.unwrap().unwrap();
    row.try_get("", "value").unwrap()
}

/// Ends every other backend connected to this database, as a restart would.
async fn end_other_connections(url: &str) {
    let killer = sea_orm::Database::connect(url).await.unwrap();
    let ended: i64 = value(
        &killer,
        sql(
            DatabaseBackend::Postgres,
            "SELECT count(pg_terminate_backend(pid)) AS value FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ),
    )
    .await;
    assert!(ended >= 1, "no pooled connection was ended");
    killer.close().await.unwrap();
}

/// Runs `SELECT 1` on `conn`, lets the server drop its connection, waits past the idle
/// ping threshold and runs it again: no caller may see the loss.
async fn survives_a_dropped_connection<C: ConnectionTrait>(url: &str, conn: &C) {
    let one = || sql(DatabaseBackend::Postgres, "SELECT 1 AS one");
    conn.query_one_raw(one()).await.unwrap();
    end_other_connections(url).await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    for _ in 0..3 {
        let row = conn.query_one_raw(one()).await;
        assert!(
            row.is_ok(),
            "a dropped connection reached a caller: {row:?}"
        );
    }
}

#[tokio::test]
async fn an_idle_connection_the_server_dropped_is_replaced_before_use() {
    let db = migrated().await;
    if !db.runs_on(
        DatabaseBackend::Postgres,
        "SQLite has no server to drop a connection",
    ) {
        return;
    }
    // The statement pool, then sea-orm's (transactions run there).
    survives_a_dropped_connection(db.url(), &db.conn).await;
    survives_a_dropped_connection(db.url(), db.conn.orm()).await;
}

/// A statement that runs for about a second on `backend`.
fn slow(backend: DatabaseBackend) -> Statement {
    match backend {
        DatabaseBackend::Postgres => sql(backend, "SELECT 7 AS answer FROM pg_sleep(1)"),
        _ => sql(
            backend,
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5000000) \
             SELECT count(*) AS answer FROM n",
        ),
    }
}

#[tokio::test]
async fn a_statement_abandoned_halfway_leaves_nothing_to_the_next() {
    let db = migrated().await;
    let one = roster_persistence::connect_with(db.url(), 1).await.unwrap();
    let backend = one.get_database_backend();
    for _ in 0..3 {
        let abandoned =
            tokio::time::timeout(Duration::from_millis(50), one.query_one_raw(slow(backend))).await;
        assert!(
            abandoned.is_err(),
            "the slow statement finished: {abandoned:?}"
        );
        let answer: i32 = value(&one, sql(backend, "SELECT 42 AS value")).await;
        assert_eq!(answer, 42, "the next statement read another's reply");
    }
    one.close().await;
}

/// The PostgreSQL backend process serving `conn`'s next statement.
async fn backend_pid(conn: &Database) -> i32 {
    value(
        conn,
        sql(
            DatabaseBackend::Postgres,
            "SELECT pg_backend_pid() AS value",
        ),
    )
    .await
}

#[tokio::test]
async fn an_error_the_database_reports_keeps_the_connection() {
    let db = migrated().await;
    if !db.runs_on(
        DatabaseBackend::Postgres,
        "SQLite has no backend process to tell connections apart",
    ) {
        return;
    }
    let one = roster_persistence::connect_with(db.url(), 1).await.unwrap();
    let before = backend_pid(&one).await;
    let refused = one
        .query_one_raw(sql(
            DatabaseBackend::Postgres,
            "SELECT * FROM no_such_table",
        ))
        .await;
    assert!(refused.is_err());
    assert_eq!(
        backend_pid(&one).await,
        before,
        "the connection was replaced"
    );
    one.close().await;
}

#[tokio::test]
async fn the_statement_pool_opens_no_more_connections_than_its_size() {
    let db = migrated().await;
    if !db.runs_on(
        DatabaseBackend::Postgres,
        "SQLite connections are not visible to count",
    ) {
        return;
    }
    let two = roster_persistence::connect_with(db.url(), 2).await.unwrap();
    sleep_at_once(&two, 8, "0.05").await;
    let sleepers = connections_whose_last_statement(&db.conn, "pg_sleep(0.05)").await;
    assert!(
        (1..=2).contains(&sleepers),
        "{sleepers} connections ran the eight statements"
    );
    two.close().await;
}

/// Runs `statements` statements `SELECT 1 AS one FROM pg_sleep(seconds)` on `pool` at once.
async fn sleep_at_once(pool: &Database, statements: usize, seconds: &str) {
    let text = format!("SELECT 1 AS one FROM pg_sleep({seconds})");
    let running: Vec<_> = (0..statements)
        .map(|_| {
            let (pool, statement) = (pool.clone(), sql(DatabaseBackend::Postgres, &text));
            tokio::spawn(async move { pool.query_one_raw(statement).await })
        })
        .collect();
    for statement in running {
        statement.await.unwrap().unwrap();
    }
}

/// How many connections to this database last ran a statement ending in `tail`.
async fn connections_whose_last_statement(db: &Database, tail: &str) -> i64 {
    value(
        db.orm(),
        Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT count(*) AS value FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE '%' || $1",
            [tail.into()],
        ),
    )
    .await
}

#[tokio::test]
async fn connections_idle_past_the_timeout_are_closed_and_busy_ones_kept() {
    let db = migrated().await;
    if !db.runs_on(
        DatabaseBackend::Postgres,
        "SQLite connections are not visible to count",
    ) {
        return;
    }
    let timeout = Duration::from_millis(300);
    let four = roster_persistence::connect_with_idle_timeout(db.url(), 4, timeout)
        .await
        .unwrap();
    // A burst: four statements at once open four connections.
    sleep_at_once(&four, 4, "0.11").await;
    let opened = connections_whose_last_statement(&db.conn, "pg_sleep(0.11)").await;
    assert!(opened >= 2, "the burst ran on {opened} connection(s)");

    // One statement every 100 ms keeps its connection; the rest of the burst's close.
    let first = backend_pid(&four).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut left = opened;
    while left > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            backend_pid(&four).await,
            first,
            "a busy connection was closed"
        );
        left = connections_whose_last_statement(&db.conn, "pg_sleep(0.11)").await;
    }
    assert_eq!(left, 0, "connections idle past the timeout are still open");

    // Idle long enough, the last one closes too, and the next statement opens a new one.
    tokio::time::sleep(timeout * 3).await;
    assert_eq!(
        connections_whose_last_statement(&db.conn, "pg_backend_pid() AS value").await,
        0
    );
    assert_ne!(backend_pid(&four).await, first);
    four.close().await;
}
