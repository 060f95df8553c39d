//! Start-up wiring: connect and migrate the database, build the service and its mailer,
//! start the delivery worker, serve the router, and shut everything down in order.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use roster_mailer::Mailer;
use roster_service::{Clock, Roster};
use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::graphql::{self, RosterSchema};
use crate::http;
use crate::metrics::Metrics;
use roster_service::Config;

/// What every handler can reach: one shared value, so handing it to a request (axum
/// clones the state for every handler call) is one reference count, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The fields behind `AppState`.
pub struct Shared {
    pub roster: Roster,
    pub schema: RosterSchema,
    pub config: Config,
    pub metrics: Metrics,
    /// Parsed GraphQL documents by query text.
    pub documents: graphql::Documents,
    /// Keys CSRF tokens of the HTML forms.
    pub secret_key: SecretString,
}

/// The database as `roster` opens it, with `max_connections` in each pool, for tools that
/// must measure the driver as the server runs it (`cargo xtask bench`'s ceiling).
pub use roster_persistence::{Database, connect_with as open_database};

/// A running server: its address, and the way to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub roster: Roster,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    worker: JoinHandle<()>,
    housekeeping: JoinHandle<()>,
}

impl Running {
    /// Stops accepting, drains requests in flight, stops the worker, and waits for both.
    ///
    /// # Errors
    /// When the server task failed.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        self.server.await.context("server task panicked")??;
        self.worker.await.context("delivery worker panicked")?;
        self.housekeeping.await.context("housekeeping panicked")?;
        Ok(())
    }

    /// Resolves when the server has stopped on its own or after `stop_signal` fired.
    ///
    /// # Errors
    /// When the server task failed.
    pub async fn wait(self, stop_signal: impl Future<Output = ()>) -> anyhow::Result<()> {
        stop_signal.await;
        tracing::info!("shutting down: draining requests and stopping the worker");
        self.stop().await
    }
}

/// Connects to the database, applies pending migrations, and builds the service with the
/// configured mailer (SMTP, or the dev mailbox when `ROSTER_SMTP_URL` is unset).
///
/// # Errors
/// When the database or the mailer configuration is unusable.
pub async fn build_service(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Roster> {
    let db = connect_database(config).await?;
    roster_persistence::migrate(&db)
        .await
        .context("cannot apply migrations")?;
    let mailer = match &config.mail.smtp_url {
        Some(url) => Mailer::smtp(url.expose_secret(), &config.mail.from)?,
        None => {
            let folder = &config.mail.dev_mailbox_dir;
            ensure_writable(folder).await.with_context(|| {
                format!(
                    "the dev mailbox folder {} (ROSTER_DEV_MAILBOX_DIR) is not writable",
                    folder.display()
                )
            })?;
            tracing::info!(folder = %folder.display(), "no ROSTER_SMTP_URL: mail goes to the dev mailbox (/dev/mailbox)");
            Mailer::dev_mailbox(folder.clone(), &config.mail.from)?
        }
    };
    // Seats and projects are held to each organization's plan (built in, or the plans file).
    let policy = Arc::new(roster_service::PlanPolicy::new(config.plans.clone()));
    Ok(Roster::new(db, config.clone(), clock, mailer).with_policy(policy))
}

/// How often start-up tries to reach an unreachable database before giving up.
const CONNECT_ATTEMPTS: u32 = 5;
/// How long one attempt may take (the pool itself would keep trying for much longer).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens the database, saying where (never the URL itself: it may hold a password). A
/// server that is not reachable yet (a database starting beside Roster) is retried with
/// a growing pause, each attempt logged.
async fn connect_database(config: &Config) -> anyhow::Result<Database> {
    let url = config.database_url();
    let target = database_target(url);
    tracing::info!("connecting to {target}");
    let pool_size = config.database_max_connections();
    let mut pause = Duration::from_secs(1);
    for attempt in 1..=CONNECT_ATTEMPTS {
        let connected = tokio::time::timeout(
            CONNECT_TIMEOUT,
            roster_persistence::connect_with(url, pool_size),
        )
        .await
        .unwrap_or_else(|_| {
            Err(roster_persistence::DbErr::Custom(format!(
                "no connection within {}s",
                CONNECT_TIMEOUT.as_secs()
            )))
        });
        match connected {
            Ok(db) => return Ok(db),
            Err(err) if attempt < CONNECT_ATTEMPTS && !url.starts_with("sqlite") => {
                tracing::warn!(
                    "cannot reach {target} ({err}); retrying in {}s (attempt {attempt} of {CONNECT_ATTEMPTS})",
                    pause.as_secs()
                );
                tokio::time::sleep(pause).await;
                pause = pause.saturating_mul(2);
            }
            Err(err) => anyhow::bail!("cannot open {target}: {err}"),
        }
    }
    anyhow::bail!("cannot open {target}")
}

/// What a database URL points at, safe to print: `PostgreSQL at host:port` or `the
/// SQLite database at path`.
pub fn database_target(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let without_query = rest.split('?').next().unwrap_or(rest);
    if scheme.starts_with("sqlite") {
        return format!("the SQLite database at {without_query}");
    }
    let authority = without_query.split('/').next().unwrap_or(without_query);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    format!("PostgreSQL at {host}")
}

/// Creates `folder` if needed and proves a file can be written there.
async fn ensure_writable(folder: &Path) -> std::io::Result<()> {
    tokio::fs::create_dir_all(folder).await?;
    let probe = folder.join(".roster-write-check");
    tokio::fs::write(&probe, b"ok").await?;
    tokio::fs::remove_file(&probe).await
}

/// Listens on `config`'s address (port 0 picks a free one, which then also goes into
/// mailed links unless `ROSTER_PUBLIC_URL` is set), connects, migrates, and serves.
/// `clock` is the system clock in production; tests pass one they can move.
///
/// # Errors
/// When the database, the mailer configuration or the listener cannot be set up.
pub async fn start(mut config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(config.http.listen_addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.http.listen_addr))?;
    let addr = listener.local_addr()?;
    config.http.listen_addr = addr;
    let roster = build_service(&config, clock).await?;
    let secret_key = match &config.auth.secret_key {
        Some(key) => key.clone(),
        None => {
            tracing::warn!(
                "ROSTER_SECRET_KEY is not set: using a key generated once and stored in the database; set it explicitly in production"
            );
            SecretString::from(
                roster
                    .persisted_secret_key()
                    .await
                    .map_err(|err| anyhow::anyhow!("cannot load the secret key: {err}"))?,
            )
        }
    };
    if secret_key.expose_secret().len() < 32 {
        anyhow::bail!("ROSTER_SECRET_KEY must be at least 32 characters");
    }

    let state = AppState(Arc::new(Shared {
        schema: graphql::build_schema(roster.clone(), &config),
        documents: graphql::Documents::new(config.limits.query_depth),
        roster: roster.clone(),
        config,
        metrics: Metrics::default(),
        secret_key,
    }));
    let prune_every = state.config.limits.audit_prune_every;
    let router: Router = http::router(state);

    let (shutdown, shutdown_rx) = watch::channel(false);
    let worker = tokio::spawn(roster.delivery_worker().run(shutdown_rx.clone()));
    let housekeeping = tokio::spawn(
        roster
            .clone()
            .run_housekeeping(prune_every, shutdown_rx.clone()),
    );
    let mut server_shutdown = shutdown_rx;
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = server_shutdown.wait_for(|stop| *stop).await;
        })
        .await
    });
    tracing::info!(%addr, "roster listening");
    Ok(Running {
        addr,
        roster,
        shutdown,
        server,
        worker,
        housekeeping,
    })
}

#[cfg(test)]
mod tests {
    use super::database_target;

    #[test]
    fn database_targets_never_show_credentials() {
        assert_eq!(
            database_target("postgres://app:hunter2@db.internal:5432/roster?sslmode=require"),
            "PostgreSQL at db.internal:5432"
        );
        assert_eq!(
            database_target("sqlite://data/roster.db?mode=rwc"),
            "the SQLite database at data/roster.db"
        );
    }
}
