//! The typed configuration, loaded once in `main` from `ROSTER_*` variables and passed
//! down explicitly (no globals). Defaults follow SPEC's table.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use roster_service::ServiceConfig;
use secrecy::SecretString;

/// Everything `roster` needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub http: HttpConfig,
    pub database_url: String,
    pub mail: MailConfig,
    pub auth: AuthConfig,
    pub limits: LimitsConfig,
}

/// Listening and serving.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub listen_addr: SocketAddr,
    /// Base URL for links in mail; defaults to `http://` + the listen address.
    pub public_url: String,
    /// Serve GraphiQL on `GET /graphql` (switch off in production).
    pub graphiql: bool,
    /// Answer introspection queries (switch off in production if wanted).
    pub introspection: bool,
    /// Peers whose `X-Forwarded-For` is believed for the client IP.
    pub trusted_proxies: Vec<IpAddr>,
}

/// Mail delivery.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// SMTP URL; unset means the dev mailbox.
    pub smtp_url: Option<String>,
    pub from: String,
    pub dev_mailbox_dir: PathBuf,
    pub delivery_poll: Duration,
    pub delivery_backoff: Duration,
}

/// Secrets and lifetimes.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Signs CSRF tokens. Unset: generated once and persisted in the database.
    pub secret_key: Option<SecretString>,
    pub sign_in_ttl_minutes: i64,
    pub session_ttl_days: i64,
    pub invitation_ttl_days: i64,
}

/// Request bounds and rate limits.
#[derive(Debug, Clone)]
pub struct LimitsConfig {
    pub body_bytes: usize,
    pub query_depth: usize,
    pub query_complexity: usize,
    pub query_aliases: usize,
    pub sign_in_per_address: u64,
    pub sign_in_window_minutes: i64,
    pub invitations_per_hour: u64,
    pub reinvite_cooldown_seconds: i64,
    /// How often the background job prunes audit events past retention.
    pub audit_prune_every: Duration,
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

    /// Reads configuration through `lookup` (tests pass a map).
    ///
    /// # Errors
    /// `ConfigError` naming the first unusable variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let listen_addr: SocketAddr = parse(&get, "ROSTER_LISTEN_ADDR", "127.0.0.1:8080")?;
        let public_url = get("ROSTER_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{listen_addr}"))
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError {
                name: "ROSTER_PUBLIC_URL",
                reason: "must start with http:// or https://".into(),
            });
        }
        let trusted_proxies = get("ROSTER_TRUSTED_PROXIES")
            .map(|list| {
                list.split(',')
                    .map(|ip| {
                        ip.trim().parse().map_err(|_| ConfigError {
                            name: "ROSTER_TRUSTED_PROXIES",
                            reason: format!("`{ip}` is not an IP address"),
                        })
                    })
                    .collect::<Result<Vec<IpAddr>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        Ok(Config {
            http: HttpConfig {
                listen_addr,
                public_url,
                graphiql: parse(&get, "ROSTER_GRAPHIQL", "true")?,
                introspection: parse(&get, "ROSTER_INTROSPECTION", "true")?,
                trusted_proxies,
            },
            database_url: get("ROSTER_DATABASE_URL")
                .unwrap_or_else(|| "sqlite://roster.db?mode=rwc".to_owned()),
            mail: MailConfig {
                smtp_url: get("ROSTER_SMTP_URL"),
                from: get("ROSTER_MAIL_FROM")
                    .unwrap_or_else(|| "Roster <no-reply@localhost>".to_owned()),
                dev_mailbox_dir: PathBuf::from(
                    get("ROSTER_DEV_MAILBOX_DIR").unwrap_or_else(|| "mailbox".to_owned()),
                ),
                delivery_poll: Duration::from_millis(parse(
                    &get,
                    "ROSTER_DELIVERY_POLL_MS",
                    "2000",
                )?),
                delivery_backoff: Duration::from_millis(parse(
                    &get,
                    "ROSTER_DELIVERY_BACKOFF_MS",
                    "5000",
                )?),
            },
            auth: AuthConfig {
                secret_key: get("ROSTER_SECRET_KEY").map(SecretString::from),
                sign_in_ttl_minutes: parse(&get, "ROSTER_SIGN_IN_TTL_MINUTES", "15")?,
                session_ttl_days: parse(&get, "ROSTER_SESSION_TTL_DAYS", "30")?,
                invitation_ttl_days: parse(&get, "ROSTER_INVITATION_TTL_DAYS", "7")?,
            },
            limits: LimitsConfig {
                body_bytes: 1024 * 1024,
                query_depth: parse(&get, "ROSTER_QUERY_MAX_DEPTH", "12")?,
                query_complexity: parse(&get, "ROSTER_QUERY_MAX_COMPLEXITY", "5000")?,
                query_aliases: parse(&get, "ROSTER_QUERY_MAX_ALIASES", "30")?,
                sign_in_per_address: parse(&get, "ROSTER_SIGN_IN_LIMIT", "5")?,
                sign_in_window_minutes: parse(&get, "ROSTER_SIGN_IN_WINDOW_MINUTES", "15")?,
                invitations_per_hour: parse(&get, "ROSTER_INVITATION_LIMIT", "100")?,
                reinvite_cooldown_seconds: parse(&get, "ROSTER_REINVITE_COOLDOWN_SECONDS", "60")?,
                audit_prune_every: Duration::from_secs(parse(
                    &get,
                    "ROSTER_AUDIT_PRUNE_INTERVAL_SECONDS",
                    "3600",
                )?),
            },
        })
    }

    /// The service's part.
    #[must_use]
    pub fn service(&self) -> ServiceConfig {
        let mut service = ServiceConfig::with_public_url(self.http.public_url.clone());
        service.sign_in_ttl = chrono::Duration::minutes(self.auth.sign_in_ttl_minutes);
        service.session_ttl = chrono::Duration::days(self.auth.session_ttl_days);
        service.sign_in_limit = self.limits.sign_in_per_address;
        service.sign_in_window = chrono::Duration::minutes(self.limits.sign_in_window_minutes);
        service.invitation_ttl = chrono::Duration::days(self.auth.invitation_ttl_days);
        service.invitation_limit = self.limits.invitations_per_hour;
        service.reinvite_cooldown =
            chrono::Duration::seconds(self.limits.reinvite_cooldown_seconds);
        service.delivery_poll = self.mail.delivery_poll;
        service.delivery_backoff = self.mail.delivery_backoff;
        service
    }

    /// Whether cookies must be `Secure` (the public URL is HTTPS).
    #[must_use]
    pub fn secure_cookies(&self) -> bool {
        self.http.public_url.starts_with("https://")
    }
}

fn parse<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    let raw = get(name).unwrap_or_else(|| default.to_owned());
    raw.trim().parse().map_err(|err: T::Err| ConfigError {
        name,
        reason: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_follow_the_spec_table() {
        let config = config(&[]).unwrap();
        assert_eq!(config.http.listen_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.http.public_url, "http://127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite://roster.db?mode=rwc");
        assert!(config.mail.smtp_url.is_none());
        assert_eq!(config.mail.from, "Roster <no-reply@localhost>");
        assert!(config.auth.secret_key.is_none());
        assert_eq!(config.limits.sign_in_per_address, 5);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = config(&[("ROSTER_LISTEN_ADDR", "nope")]).unwrap_err();
        assert_eq!(err.name, "ROSTER_LISTEN_ADDR");
        let err = config(&[("ROSTER_PUBLIC_URL", "ftp://x")]).unwrap_err();
        assert_eq!(err.name, "ROSTER_PUBLIC_URL");
        let err = config(&[("ROSTER_TRUSTED_PROXIES", "10.0.0.1, bad")]).unwrap_err();
        assert_eq!(err.name, "ROSTER_TRUSTED_PROXIES");
    }
}
