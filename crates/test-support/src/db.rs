//! A database per test: a SQLite file in a temporary folder by default, or a new
//! `test_<uuid>` database on the PostgreSQL server named by `ROSTER_TEST_DATABASE_URL`
//! (created here, dropped when the `TestDb` is dropped). The schema always comes from the
//! migrations, applied by the code under test.

use std::io::Write as _;
use std::sync::Once;

use anyhow::Context as _;
use sea_orm::{ConnectionTrait, Database};
use tempfile::TempDir;

/// The environment variable that switches the suites to PostgreSQL.
pub const POSTGRES_ENV: &str = "ROSTER_TEST_DATABASE_URL";

static ANNOUNCE: Once = Once::new();

/// A fresh, empty database for one test.
pub struct TestDb {
    /// The URL to hand to the code under test.
    pub url: String,
    backend: &'static str,
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
                let name = format!("test_{}", uuid::Uuid::now_v7().simple());
                let admin = Database::connect(admin_url.as_str())
                    .await
                    .context("cannot connect to ROSTER_TEST_DATABASE_URL")?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .context("cannot create the test database")?;
                admin.close().await.ok();
                Ok(TestDb {
                    url: replace_database(&admin_url, &name),
                    backend: "postgres",
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
                    backend: "sqlite",
                    _dir: Some(dir),
                    postgres: None,
                })
            }
        }
    }

    /// `"sqlite"` or `"postgres"`.
    #[must_use]
    pub fn backend(&self) -> &'static str {
        self.backend
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
