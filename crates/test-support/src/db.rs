//! A database per test: a SQLite file in a temporary folder by default, or a new
//! `test_<uuid>` database on the PostgreSQL server named by `ROSTER_TEST_DATABASE_URL`
//! (created here, dropped when the `TestDb` is dropped). The schema always comes from the
//! migrations.
//!
//! On PostgreSQL, migrating every test's database from scratch costs more than most tests
//! do, so each test's database is copied with `CREATE DATABASE ... TEMPLATE` from one
//! template that is migrated once (the way crates.io's test databases work). The template is
//! named after a hash of the migration names, so a changed migration list gets a new one,
//! and it is built under an advisory lock, so test processes running at the same time do not
//! build it twice. The code under test still runs the migrator on its database; it finds
//! nothing pending.

use std::io::Write as _;
use std::sync::Once;
use std::time::Duration;

use anyhow::Context as _;
use roster_migrations::{Migrator, MigratorTrait as _};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use sha2::{Digest as _, Sha256};
use tempfile::TempDir;

/// The environment variable that switches the suites to PostgreSQL.
pub(crate) const POSTGRES_ENV: &str = "ROSTER_TEST_DATABASE_URL";

static ANNOUNCE: Once = Once::new();

/// The template database's name, settled once per test process. Every test runs on its own
/// runtime, so this cell is shared across runtimes; the connections it uses are closed
/// before it is filled.
static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// A fresh, empty database for one test.
pub struct TestDb {
    /// The URL to hand to the code under test.
    pub url: String,
    _dir: Option<TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// Creates the database.
    ///
    /// # Errors
    /// When the temporary folder or the PostgreSQL database cannot be created.
    pub async fn new() -> anyhow::Result<TestDb> {
        match std::env::var(POSTGRES_ENV)
            .ok()
            .filter(|url| !url.is_empty())
        {
            Some(admin_url) if admin_url.starts_with("postgres") => {
                announce(
                    "PostgreSQL: tests run against a fresh database on ROSTER_TEST_DATABASE_URL",
                );
                let template = TEMPLATE
                    .get_or_try_init(|| ensure_template(&admin_url))
                    .await?;
                let name = format!("test_{}", uuid::Uuid::now_v7().simple());
                let admin = connect_one(&admin_url).await?;
                admin
                    .execute_unprepared(&format!(
                        "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
                    ))
                    .await
                    .context("cannot create the test database from the template")?;
                // A test database is thrown away, so waiting for each commit to reach
                // disk (PostgreSQL's default) buys nothing; SQLite's WAL with
                // `synchronous = NORMAL` skips that wait too. The setting is per database
                // and not copied from the template, hence here.
                admin
                    .execute_unprepared(&format!(
                        "ALTER DATABASE \"{name}\" SET synchronous_commit = off"
                    ))
                    .await
                    .context("cannot configure the test database")?;
                admin.close().await.ok();
                Ok(TestDb {
                    url: replace_database(&admin_url, &name),
                    _dir: None,
                    postgres: Some((admin_url, name)),
                })
            }
            Some(other) => anyhow::bail!("{POSTGRES_ENV} must be a postgres:// URL, got `{other}`"),
            None => {
                announce(
                    "PostgreSQL tests skipped: ROSTER_TEST_DATABASE_URL is not set (running on SQLite)",
                );
                let dir = tempfile::tempdir().context("cannot create a temporary folder")?;
                let path = dir.path().join("roster-test.db");
                Ok(TestDb {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    _dir: Some(dir),
                    postgres: None,
                })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside any async context we can rely on: use a short-lived runtime on
        // its own thread.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let admin = Database::connect(admin_url.as_str()).await?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await?;
                admin.close().await.ok();
                anyhow::Ok(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            let _ = writeln!(std::io::stderr(), "warning: could not drop a test database");
        }
    }
}

/// Says once per test binary which backend runs. Written to the process's stderr directly,
/// so the test harness does not swallow it.
fn announce(message: &str) {
    ANNOUNCE.call_once(|| {
        let _ = writeln!(std::io::stderr(), "\n[test-support] {message}\n");
    });
}

/// The template's name: `roster_template_` and the first 16 hex digits of a SHA-256 over
/// the migration names in order.
fn template_name() -> String {
    let mut hasher = Sha256::new();
    for migration in Migrator::migrations() {
        hasher.update(migration.name().as_bytes());
        // A separator, so that ["ab", "c"] and ["a", "bc"] hash differently.
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let hex: String = digest
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("roster_template_{hex}")
}

/// A pool of exactly one connection, so a session-level advisory lock taken through it is
/// released through the same session.
async fn connect_one(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10));
    Database::connect(options)
        .await
        .context("cannot connect to ROSTER_TEST_DATABASE_URL")
}

/// Makes sure a complete, migrated template exists and returns its name. A template counts
/// as complete once it is marked `IS_TEMPLATE`, which happens only after its migrations
/// succeeded; an unmarked one is the leftover of a crashed run and is rebuilt.
async fn ensure_template(admin_url: &str) -> anyhow::Result<String> {
    let name = template_name();
    let admin = connect_one(admin_url).await?;
    admin
        .execute_raw(Statement::from_sql_and_values(
            admin.get_database_backend(),
            "SELECT pg_advisory_lock(hashtextextended($1, 0))",
            [name.clone().into()],
        ))
        .await
        .context("cannot take the template lock")?;
    let built = build_template_if_missing(&admin, admin_url, &name).await;
    // Unlock whatever happened; closing the session would release it too.
    admin
        .execute_raw(Statement::from_sql_and_values(
            admin.get_database_backend(),
            "SELECT pg_advisory_unlock(hashtextextended($1, 0))",
            [name.clone().into()],
        ))
        .await
        .ok();
    admin.close().await.ok();
    built.map(|()| name)
}

async fn build_template_if_missing(
    admin: &DatabaseConnection,
    admin_url: &str,
    name: &str,
) -> anyhow::Result<()> {
    let existing = admin
        .query_one_raw(Statement::from_sql_and_values(
            admin.get_database_backend(),
            "SELECT datistemplate FROM pg_database WHERE datname = $1",
            [name.into()],
        ))
        .await
        .context("cannot look for the template")?;
    match existing {
        Some(row) if row.try_get::<bool>("", "datistemplate")? => return Ok(()),
        Some(_) => {
            admin
                .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
                .await
                .context("cannot drop an incomplete template")?;
        }
        None => {}
    }
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .context("cannot create the template database")?;
    let template = connect_one(&replace_database(admin_url, name)).await?;
    let migrated = Migrator::up(&template, None).await;
    template.close().await.ok();
    migrated.context("cannot migrate the template database")?;
    // No connections to the template from now on: `CREATE DATABASE ... TEMPLATE` refuses
    // to copy a database someone is connected to.
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE \"{name}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
        ))
        .await
        .context("cannot mark the template complete")?;
    Ok(())
}

fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let without_db = match base.rfind('/') {
        Some(slash) if slash > base.find("//").map_or(0, |i| i + 1) => &base[..slash],
        _ => base,
    };
    match query {
        Some(query) => format!("{without_db}/{database}?{query}"),
        None => format!("{without_db}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn swaps_the_database_name() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/test", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            replace_database("postgres://u@h/test?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://u@h:5432", "t1"),
            "postgres://u@h:5432/t1"
        );
    }
}
