//! The embedded SQLite is built without STAT4 (`.cargo/config.toml`): with it, after an
//! `ANALYZE`, every statement comparing a bound value to an indexed column is compiled
//! again whenever the values change, that is, on every request. It is built without memory
//! statistics too, whose one process-wide mutex every allocation of every connection took.
//! Pooled connections map the database file into memory.

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::support::migrated;

#[tokio::test]
async fn the_bundled_sqlite_has_no_stat4_and_no_memory_statistics() {
    let db = migrated().await;
    if !db.runs_on(DatabaseBackend::Sqlite, "runs on the embedded SQLite") {
        return;
    }
    let rows = db
        .conn
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA compile_options",
        ))
        .await
        .unwrap();
    let options: Vec<String> = rows
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect();
    assert!(
        options
            .iter()
            .any(|option| option.starts_with("THREADSAFE")),
        "not the compile options: {options:?}"
    );
    assert!(
        !options.iter().any(|option| option == "ENABLE_STAT4"),
        "SQLite was built with STAT4 (LIBSQLITE3_FLAGS unset?): {options:?}"
    );
    assert!(
        options.iter().any(|option| option == "DEFAULT_MEMSTATUS=0"),
        "SQLite keeps memory statistics (LIBSQLITE3_FLAGS unset?): {options:?}"
    );
}

/// Pooled connections read the file through a shared memory map rather than each through
/// its own small page cache (a mix of large pages kept evicting them).
#[tokio::test]
async fn pooled_sqlite_connections_map_the_database_file() {
    let db = migrated().await;
    if !db.runs_on(DatabaseBackend::Sqlite, "runs on the embedded SQLite") {
        return;
    }
    let row = db
        .conn
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA mmap_size",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 256 * 1024 * 1024);
}
