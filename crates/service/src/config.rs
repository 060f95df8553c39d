//! Roster's one configuration: every setting is a field of a section here with its default
//! in `Default`, read from one `ROSTER_*` variable by `Config::from_lookup`, and passed
//! down explicitly from `main` (no globals). A new setting is one field, one default, one
//! line in `from_lookup` and one README row. Database and SMTP URLs may carry passwords:
//! they are secrets, and `Debug` prints them redacted.

mod env;
mod plans_file;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use env::{
    Env, app_url, days, flag, ip_list, is_loopback_url, millis, minutes, parse, pool_size,
    public_url, seconds, secret, text,
};

/// Everything `roster` needs to start.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub http: HttpConfig,
    pub database: DatabaseConfig,
    pub mail: MailConfig,
    pub auth: AuthConfig,
    pub limits: LimitsConfig,
    pub webhooks: WebhooksConfig,
    /// The plans organizations may be on: built in, or read from `ROSTER_PLANS_FILE`.
    pub plans: roster_domain::Plans,
}

/// Listening and serving.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Where to listen; port 0 picks a free port (the server then knows its real address).
    pub listen_addr: SocketAddr,
    /// Base URL for links in mail (never a request's `Host`); `None` means `http://` + the
    /// address the server actually listens on.
    pub public_url: Option<String>,
    /// The product's own app: after an invitation is answered, the page offers "Continue
    /// to" it. `None`: the page links this server's landing page and GraphiQL instead.
    pub app_url: Option<String>,
    /// Serve GraphiQL on `GET /graphql` (switch off in production).
    pub graphiql: bool,
    /// Answer introspection queries.
    pub introspection: bool,
    /// Peers whose `X-Forwarded-For` is believed for the client IP.
    pub trusted_proxies: Vec<IpAddr>,
    /// When set, `GET /metrics` answers only `Authorization: Bearer <token>`.
    pub metrics_token: Option<SecretString>,
}

/// Where the data lives.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `sqlite://...` or `postgres://...`; may hold a password.
    pub url: SecretString,
    /// Connections in each of the two pools (single statements, transactions); `None`
    /// means persistence's default for the backend (`default_max_connections`).
    pub max_connections: Option<u32>,
}

/// Mail delivery.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// SMTP URL (may hold credentials); unset means the dev mailbox.
    pub smtp_url: Option<SecretString>,
    pub from: String,
    pub dev_mailbox_dir: PathBuf,
    /// Says the dev mailbox is meant even though the public URL is not a loopback
    /// address (without it, a server reachable by others refuses to start with no SMTP).
    pub dev_mailbox_confirmed: bool,
    /// Delivery worker: how often it looks for due messages when not woken.
    pub delivery_poll: Duration,
    /// Delivery worker: first retry delay, doubled on each further attempt.
    pub delivery_backoff: Duration,
    /// Delivery worker: how long a claim (or its renewal right before a send) keeps other
    /// workers away from a message. Longer than one send may take.
    pub delivery_lease: Duration,
}

/// Secrets and lifetimes.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Signs CSRF tokens. Unset: generated once and persisted in the database.
    pub secret_key: Option<SecretString>,
    /// How long a sign-in link works.
    pub sign_in_ttl: chrono::Duration,
    /// How long a session token works.
    pub session_ttl: chrono::Duration,
    /// How long an invitation link works.
    pub invitation_ttl: chrono::Duration,
    /// How long a minted organization token (the only JWT Roster issues) works.
    pub jwt_ttl: chrono::Duration,
}

/// Request bounds and rate limits.
#[derive(Debug, Clone)]
pub struct LimitsConfig {
    pub body_bytes: usize,
    pub query_depth: usize,
    pub query_complexity: usize,
    pub query_aliases: usize,
    /// Sign-in links per address per `sign_in_window`.
    pub sign_in_per_address: u64,
    pub sign_in_window: chrono::Duration,
    /// Invitation mails (invites and resends) per organization per `invitation_window`.
    pub invitations_per_window: u64,
    pub invitation_window: chrono::Duration,
    /// Re-inviting a pending address within this time returns the invitation unchanged
    /// (no new token, no second mail), so double clicks and racing requests send one mail.
    pub reinvite_cooldown: chrono::Duration,
    /// How long after an invitation's last mail it may be resent.
    pub resend_cooldown: chrono::Duration,
    /// Invitation mails to one address from one organization per hour.
    pub invitation_mails_per_recipient_hourly: u64,
    /// Invitation mails to one address from all organizations per day.
    pub invitation_mails_per_recipient_daily: u64,
    /// Sign-in links requested from one client address per hour (an office shares one).
    pub sign_ins_per_client_hourly: u64,
    /// Team organizations one user may create per hour.
    pub organizations_per_user_hourly: u64,
    /// How often the background job prunes audit events past retention.
    pub audit_prune_every: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            app_url: None,
            graphiql: true,
            introspection: true,
            trusted_proxies: Vec::new(),
            metrics_token: None,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: SecretString::from("sqlite://roster.db?mode=rwc"),
            max_connections: None,
        }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_url: None,
            from: "Roster <no-reply@localhost>".to_owned(),
            dev_mailbox_dir: PathBuf::from("mailbox"),
            dev_mailbox_confirmed: false,
            delivery_poll: Duration::from_secs(2),
            delivery_backoff: Duration::from_secs(5),
            delivery_lease: Duration::from_secs(120),
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            secret_key: None,
            sign_in_ttl: chrono::Duration::minutes(15),
            session_ttl: chrono::Duration::days(30),
            invitation_ttl: chrono::Duration::days(7),
            jwt_ttl: chrono::Duration::seconds(60),
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            body_bytes: 1024 * 1024,
            query_depth: 12,
            query_complexity: 5000,
            query_aliases: 30,
            sign_in_per_address: 5,
            sign_in_window: chrono::Duration::minutes(15),
            invitations_per_window: 100,
            invitation_window: chrono::Duration::hours(1),
            reinvite_cooldown: chrono::Duration::seconds(60),
            resend_cooldown: chrono::Duration::seconds(60),
            invitation_mails_per_recipient_hourly: 3,
            invitation_mails_per_recipient_daily: 20,
            sign_ins_per_client_hourly: 300,
            organizations_per_user_hourly: 10,
            audit_prune_every: Duration::from_secs(3600),
        }
    }
}

/// Sending webhooks.
#[derive(Debug, Clone)]
pub struct WebhooksConfig {
    /// Admit `http://` URLs and private, loopback and link-local addresses (local
    /// development and tests only: it lets organization admins reach Roster's network).
    pub allow_private: bool,
    /// How long one request may take before it counts as failed.
    pub timeout: Duration,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        WebhooksConfig {
            allow_private: false,
            timeout: Duration::from_secs(10),
        }
    }
}

/// A variable that is set but cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{name} is invalid: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub reason: String,
}

impl Config {
    /// Reads `ROSTER_*` from the process environment.
    ///
    /// # Errors
    /// `ConfigError` naming the first unusable variable.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (tests pass a map); unset or blank variables
    /// keep their defaults.
    ///
    /// # Errors
    /// `ConfigError` naming the first unusable variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = Env(&lookup);
        let mut config = Config::default();
        let http = &mut config.http;
        env.read("ROSTER_LISTEN_ADDR", &mut http.listen_addr, parse)?;
        env.read("ROSTER_PUBLIC_URL", &mut http.public_url, public_url)?;
        env.read("ROSTER_APP_URL", &mut http.app_url, app_url)?;
        env.read("ROSTER_GRAPHIQL", &mut http.graphiql, parse)?;
        env.read("ROSTER_INTROSPECTION", &mut http.introspection, parse)?;
        env.read("ROSTER_TRUSTED_PROXIES", &mut http.trusted_proxies, ip_list)?;
        env.read("ROSTER_METRICS_TOKEN", &mut http.metrics_token, |raw| {
            secret(raw).map(Some)
        })?;
        env.read("ROSTER_DATABASE_URL", &mut config.database.url, secret)?;
        env.read(
            "ROSTER_DATABASE_MAX_CONNECTIONS",
            &mut config.database.max_connections,
            |raw| pool_size(raw).map(Some),
        )?;
        let mail = &mut config.mail;
        env.read("ROSTER_SMTP_URL", &mut mail.smtp_url, |raw| {
            secret(raw).map(Some)
        })?;
        env.read("ROSTER_MAIL_FROM", &mut mail.from, text)?;
        env.read("ROSTER_DEV_MAILBOX_DIR", &mut mail.dev_mailbox_dir, parse)?;
        env.read("ROSTER_DEV_MAILBOX", &mut mail.dev_mailbox_confirmed, flag)?;
        env.read("ROSTER_DELIVERY_POLL_MS", &mut mail.delivery_poll, millis)?;
        env.read(
            "ROSTER_DELIVERY_BACKOFF_MS",
            &mut mail.delivery_backoff,
            millis,
        )?;
        env.read("ROSTER_DELIVERY_LEASE_MS", &mut mail.delivery_lease, millis)?;
        let auth = &mut config.auth;
        env.read("ROSTER_SECRET_KEY", &mut auth.secret_key, |raw| {
            secret(raw).map(Some)
        })?;
        env.read("ROSTER_SIGN_IN_TTL_MINUTES", &mut auth.sign_in_ttl, minutes)?;
        env.read("ROSTER_SESSION_TTL_DAYS", &mut auth.session_ttl, days)?;
        env.read("ROSTER_INVITATION_TTL_DAYS", &mut auth.invitation_ttl, days)?;
        env.read("ROSTER_ORG_TOKEN_TTL_SECONDS", &mut auth.jwt_ttl, seconds)?;
        let limits = &mut config.limits;
        env.read("ROSTER_QUERY_MAX_DEPTH", &mut limits.query_depth, parse)?;
        env.read(
            "ROSTER_QUERY_MAX_COMPLEXITY",
            &mut limits.query_complexity,
            parse,
        )?;
        env.read("ROSTER_QUERY_MAX_ALIASES", &mut limits.query_aliases, parse)?;
        env.read(
            "ROSTER_SIGN_IN_LIMIT",
            &mut limits.sign_in_per_address,
            parse,
        )?;
        env.read(
            "ROSTER_SIGN_IN_WINDOW_MINUTES",
            &mut limits.sign_in_window,
            minutes,
        )?;
        env.read(
            "ROSTER_INVITATION_LIMIT",
            &mut limits.invitations_per_window,
            parse,
        )?;
        env.read(
            "ROSTER_REINVITE_COOLDOWN_SECONDS",
            &mut limits.reinvite_cooldown,
            seconds,
        )?;
        env.read(
            "ROSTER_RESEND_COOLDOWN_SECONDS",
            &mut limits.resend_cooldown,
            seconds,
        )?;
        env.read(
            "ROSTER_INVITATION_RECIPIENT_HOURLY_LIMIT",
            &mut limits.invitation_mails_per_recipient_hourly,
            parse,
        )?;
        env.read(
            "ROSTER_INVITATION_RECIPIENT_DAILY_LIMIT",
            &mut limits.invitation_mails_per_recipient_daily,
            parse,
        )?;
        env.read(
            "ROSTER_SIGN_IN_IP_LIMIT",
            &mut limits.sign_ins_per_client_hourly,
            parse,
        )?;
        env.read(
            "ROSTER_ORGANIZATION_LIMIT",
            &mut limits.organizations_per_user_hourly,
            parse,
        )?;
        let webhooks = &mut config.webhooks;
        env.read(
            "ROSTER_WEBHOOKS_ALLOW_PRIVATE",
            &mut webhooks.allow_private,
            flag,
        )?;
        env.read("ROSTER_WEBHOOK_TIMEOUT_MS", &mut webhooks.timeout, millis)?;
        let limits = &mut config.limits;
        env.read(
            "ROSTER_AUDIT_PRUNE_INTERVAL_SECONDS",
            &mut limits.audit_prune_every,
            |raw| parse::<u64>(raw).map(Duration::from_secs),
        )?;
        env.read("ROSTER_PLANS_FILE", &mut config.plans, |raw| {
            plans_file::read(std::path::Path::new(raw))
        })?;
        config.check_dev_mailbox()?;
        Ok(config)
    }

    /// Without SMTP, mail lands in a folder anyone with access to `/dev/mailbox` can read:
    /// fine on a developer's machine, a leak of every sign-in link on a shared server. So
    /// a public URL other than a loopback address needs `ROSTER_DEV_MAILBOX=1` to say so.
    fn check_dev_mailbox(&self) -> Result<(), ConfigError> {
        if self.mail.smtp_url.is_some()
            || self.mail.dev_mailbox_confirmed
            || is_loopback_url(&self.public_url())
        {
            return Ok(());
        }
        Err(ConfigError {
            name: "ROSTER_SMTP_URL",
            reason: format!(
                "is unset, so mail would go to the dev mailbox, readable by anyone who can reach {}; \
                 set ROSTER_SMTP_URL, or ROSTER_DEV_MAILBOX=1 if that is meant",
                self.public_url()
            ),
        })
    }

    /// The base URL links in mail start with: the configured one, else `http://` + the
    /// listen address (which `start` sets to the address actually bound).
    #[must_use]
    pub fn public_url(&self) -> String {
        match &self.http.public_url {
            Some(url) => url.clone(),
            None => format!("http://{}", self.http.listen_addr),
        }
    }

    /// Whether cookies must be `Secure` (the public URL is HTTPS).
    #[must_use]
    pub fn secure_cookies(&self) -> bool {
        self.public_url().starts_with("https://")
    }

    /// The database URL, for connecting (never log it: it may hold a password).
    #[must_use]
    pub fn database_url(&self) -> &str {
        self.database.url.expose_secret()
    }

    /// Connections in each of the two database pools: `ROSTER_DATABASE_MAX_CONNECTIONS`,
    /// else persistence's default for the backend.
    #[must_use]
    pub fn database_max_connections(&self) -> u32 {
        self.database
            .max_connections
            .unwrap_or_else(|| roster_persistence::default_max_connections(self.database_url()))
    }
}

#[cfg(test)]
mod tests;
