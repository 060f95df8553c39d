//! The pool skips sqlx's ping before every checkout (a round trip per statement) but still
//! pings a connection that sat idle: one the server dropped meanwhile (a restart, an idle
//! timeout) is replaced before a statement runs on it, so no caller sees the loss.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::support::migrated;

#[tokio::test]
async fn an_idle_connection_the_server_dropped_is_replaced_before_use() {
    let db = migrated().await;
    if db.conn.get_database_backend() != DatabaseBackend::Postgres {
        eprintln!("skipped: SQLite has no server to drop a connection");
        return;
    }
    let one = || Statement::from_string(DatabaseBackend::Postgres, "SELECT 1 AS one");
    db.conn.query_one_raw(one()).await.unwrap();

    // Another session ends every other backend on this database, as a restart would.
    let url = db.url().to_owned();
    let killer = sea_orm::Database::connect(url.as_str()).await.unwrap();
    let ended = killer
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT count(pg_terminate_backend(pid)) AS ended FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ))
        .await
        .unwrap()
        .unwrap();
    let ended: i64 = ended.try_get("", "ended").unwrap();
    assert!(ended >= 1, "the pool's connection was not ended");
    killer.close().await.unwrap();

    tokio::time::sleep(Duration::from_millis(1_200)).await;
    for _ in 0..3 {
        let row = db.conn.query_one_raw(one()).await;
        assert!(
            row.is_ok(),
            "a dropped connection reached a caller: {row:?}"
        );
    }
}
