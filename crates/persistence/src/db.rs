//! Connecting, migrating and starting write transactions the same way on both backends.
//!
//! SQLite gets foreign keys on every connection of either pool, WAL, a busy timeout and a
//! memory map of the file shared by the connections, and every write transaction starts with
//! `BEGIN IMMEDIATE` so writers queue for the lock up front instead of failing to upgrade
//! a read lock halfway through. PostgreSQL uses ordinary transactions plus row locks
//! (`organizations::lock`) where an invariant spans rows.
//!
//! `connect` opens a `Database` (`database.rs`): sea-orm's pool for transactions and the
//! migrator, and a pool of its own for single statements.
//!
//! Every statement a pool from `connect` runs is counted (`sql_statements`, exposed on
//! `/metrics`) and, only when the `roster_sql` target is enabled at TRACE, logged with its
//! values inlined (`ROSTER_LOG=warn,roster_sql=trace`; `cargo xtask bench` replays them).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use roster_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::Database;

/// How long opening one connection may take.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a statement may wait for a free connection.
pub(crate) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// A connection idle for longer is pinged before use.
pub(crate) const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);
/// A connection idle for longer is closed (sqlx's default, set here for both pools), so a
/// burst's extra connections do not stay open on the database server.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Statements run by every pool `connect` opened in this process.
static SQL_STATEMENTS: AtomicU64 = AtomicU64::new(0);

/// How many SQL statements this process has run through pools from `connect` (transaction
/// `BEGIN`/`COMMIT` excluded: the driver issues those itself).
#[must_use]
pub fn sql_statements() -> u64 {
    SQL_STATEMENTS.load(Ordering::Relaxed)
}

/// Counts one statement and logs it at TRACE (target `roster_sql`) with its values inlined;
/// the text is formatted only when that target is enabled.
pub(crate) fn observe_statement(info: &sea_orm::metric::Info<'_>) {
    SQL_STATEMENTS.fetch_add(1, Ordering::Relaxed);
    tracing::trace!(
        target: "roster_sql",
        elapsed_us = u64::try_from(info.elapsed.as_micros()).unwrap_or(u64::MAX),
        failed = info.failed,
        "{}",
        info.statement
    );
}

/// How much of a SQLite database file every connection maps into memory (256 MiB): the
/// pool's connections then share the operating system's page cache rather than each
/// keeping its own 2 MiB copy, which a mix of large pages evicts over and over.
const MMAP_SIZE: &str = "268435456";

/// Rows a SQLite connection may hand over before the caller reads them: more than the
/// largest page (100 items plus the one that tells whether there is a next page).
const ROW_BUFFER: usize = 128;

/// Opens the database at `url` (`sqlite://...` or `postgres://...`) with
/// `default_max_connections` in each pool.
///
/// # Errors
/// `DbErr` when the URL is malformed or the database is unreachable.
pub async fn connect(url: &str) -> Result<Database, DbErr> {
    connect_with(url, default_max_connections(url)).await
}

/// How many connections each pool of a database at `url` may open unless told: 16 on
/// PostgreSQL, 8 on SQLite (whose writers queue for one lock anyway).
#[must_use]
pub fn default_max_connections(url: &str) -> u32 {
    if url.starts_with("sqlite") { 8 } else { 16 }
}

/// `connect` with `max_connections` in each of the two pools (the server's
/// `ROSTER_DATABASE_MAX_CONNECTIONS`; the bench's ceiling sizes it to its load).
///
/// # Errors
/// `DbErr` when the URL is malformed or the database is unreachable.
pub async fn connect_with(url: &str, max_connections: u32) -> Result<Database, DbErr> {
    connect_with_idle_timeout(url, max_connections, IDLE_TIMEOUT).await
}

/// `connect_with`, closing connections idle for longer than `idle_timeout` instead of
/// `IDLE_TIMEOUT` (tests use a short one).
///
/// # Errors
/// `DbErr` when the URL is malformed or the database is unreachable.
pub async fn connect_with_idle_timeout(
    url: &str,
    max_connections: u32,
    idle_timeout: Duration,
) -> Result<Database, DbErr> {
    let mut options = pool_options(url, max_connections);
    options.idle_timeout(idle_timeout);
    let mut orm = sea_orm::Database::connect(options).await?;
    orm.set_metric_callback(observe_statement);
    Database::new(orm, url, max_connections, idle_timeout)
}

/// The settings of sea-orm's pool, with `max_connections`.
///
/// A connection is pinged before use only after a second idle (as HikariCP does): sqlx's
/// default pings on every checkout, a round trip per statement on top of the ping sqlx
/// sends on every return. Connections left idle across a database restart are still
/// found dead and replaced before use; under load none is pinged.
#[must_use]
pub(crate) fn pool_options(url: &str, max_connections: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(CONNECT_TIMEOUT)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .max_connections(max_connections)
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .map_sqlx_sqlite_opts(sqlite_settings);
    options
}

/// How every SQLite connection is set up, in either pool.
pub(crate) fn sqlite_settings(sqlite: SqliteConnectOptions) -> SqliteConnectOptions {
    sqlite
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(30))
        .statement_cache_capacity(256)
        // Pages are read through a shared memory map instead of being copied into
        // each pooled connection's own small page cache.
        .pragma("mmap_size", MMAP_SIZE)
        // sqlx hands rows over from the connection's thread through a channel of
        // this many; at its default (50) a full page (51 rows) stalls that thread
        // until the request's task drains the channel, a wake-up each way.
        .row_buffer_size(ROW_BUFFER)
}

/// Applies every pending migration.
///
/// # Errors
/// `DbErr` when a migration fails (it is rolled back on PostgreSQL).
pub async fn migrate(db: &Database) -> Result<(), DbErr> {
    Migrator::up(db.orm(), None).await
}

/// How many known migrations are not applied yet (for `/readyz`).
///
/// # Errors
/// `DbErr` when the database cannot be read.
pub async fn migrations_pending(db: &Database) -> Result<usize, DbErr> {
    Ok(Migrator::get_pending_migrations(db.orm()).await?.len())
}

/// Begins a transaction that will write: `BEGIN IMMEDIATE` on SQLite, `BEGIN` elsewhere.
///
/// # Errors
/// `DbErr` when no connection is available or the lock cannot be had in time.
pub async fn begin_write(db: &Database) -> Result<DatabaseTransaction, DbErr> {
    let db = db.orm();
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        db.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await
    } else {
        db.begin().await
    }
}

/// Serializes transactions that use the same `key` (an email address, say) until commit:
/// `pg_advisory_xact_lock` on PostgreSQL; on SQLite the `BEGIN IMMEDIATE` write lock
/// already serializes every writer, so nothing more is needed.
///
/// # Errors
/// `DbErr` on database failure.
pub async fn lock_key<C: ConnectionTrait>(db: &C, key: &str) -> Result<(), DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            [key.into()],
        ))
        .await?;
    }
    Ok(())
}
