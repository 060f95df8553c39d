//! Tests of reading the configuration from variables: defaults, parsing, and refusals.

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
fn defaults_follow_the_documented_table() {
    let config = config(&[]).unwrap();
    assert_eq!(config.http.listen_addr.to_string(), "127.0.0.1:8080");
    assert_eq!(config.public_url(), "http://127.0.0.1:8080");
    assert_eq!(config.database_url(), "sqlite://roster.db?mode=rwc");
    assert!(config.mail.smtp_url.is_none());
    assert_eq!(config.mail.from, "Roster <no-reply@localhost>");
    assert!(config.auth.secret_key.is_none());
    assert_eq!(config.auth.sign_in_ttl, chrono::Duration::minutes(15));
    assert_eq!(config.limits.sign_in_per_address, 5);
    assert_eq!(config.limits.invitations_per_window, 100);
}

#[test]
fn variables_override_defaults() {
    let config = config(&[
        ("ROSTER_PUBLIC_URL", "https://roster.example.com/"),
        ("ROSTER_DEV_MAILBOX", "1"),
        ("ROSTER_INVITATION_TTL_DAYS", "2"),
        ("ROSTER_DELIVERY_POLL_MS", "50"),
        ("ROSTER_SMTP_URL", "   "),
    ])
    .unwrap();
    assert_eq!(config.public_url(), "https://roster.example.com");
    assert!(config.secure_cookies());
    assert_eq!(config.auth.invitation_ttl, chrono::Duration::days(2));
    assert_eq!(config.mail.delivery_poll, Duration::from_millis(50));
    assert!(config.mail.smtp_url.is_none(), "blank means unset");
    assert_eq!(config.http.app_url, None);
    let with_app = super::tests::config(&[("ROSTER_APP_URL", "https://app.example.com/home/")]);
    assert_eq!(
        with_app.unwrap().http.app_url.as_deref(),
        Some("https://app.example.com/home")
    );
}

#[test]
fn bad_values_name_the_variable() {
    for (name, value) in [
        ("ROSTER_LISTEN_ADDR", "nope"),
        ("ROSTER_PUBLIC_URL", "ftp://x"),
        ("ROSTER_APP_URL", "app.example.com"),
        ("ROSTER_APP_URL", "https://"),
        ("ROSTER_APP_URL", "https:///path"),
        ("ROSTER_APP_URL", "https://app.example.com/a b"),
        ("ROSTER_TRUSTED_PROXIES", "10.0.0.1, bad"),
        ("ROSTER_SIGN_IN_TTL_MINUTES", "-5"),
        ("ROSTER_SESSION_TTL_DAYS", "soon"),
    ] {
        let err = config(&[(name, value)]).unwrap_err();
        assert_eq!(err.name, name);
    }
}

#[test]
fn a_reachable_server_without_smtp_needs_the_dev_mailbox_confirmed() {
    for loopback in [
        "http://127.0.0.1:8080",
        "http://localhost:3000",
        "http://[::1]:80",
    ] {
        assert!(
            config(&[("ROSTER_PUBLIC_URL", loopback)]).is_ok(),
            "{loopback}"
        );
    }
    let err = config(&[("ROSTER_PUBLIC_URL", "https://roster.example.com")]).unwrap_err();
    assert_eq!(err.name, "ROSTER_SMTP_URL");
    let err = config(&[("ROSTER_LISTEN_ADDR", "0.0.0.0:8080")]).unwrap_err();
    assert_eq!(err.name, "ROSTER_SMTP_URL");
    assert!(
        config(&[
            ("ROSTER_PUBLIC_URL", "https://roster.example.com"),
            ("ROSTER_DEV_MAILBOX", "1"),
        ])
        .is_ok()
    );
    assert!(
        config(&[
            ("ROSTER_PUBLIC_URL", "https://roster.example.com"),
            ("ROSTER_SMTP_URL", "smtp://mail.example.com:25"),
        ])
        .is_ok()
    );
    assert_eq!(
        config(&[("ROSTER_DEV_MAILBOX", "maybe")]).unwrap_err().name,
        "ROSTER_DEV_MAILBOX"
    );
}

#[test]
fn debug_never_prints_database_or_smtp_credentials() {
    let config = config(&[
        ("ROSTER_DATABASE_URL", "postgres://app:hunter2@db/roster"),
        (
            "ROSTER_SMTP_URL",
            "smtps://mailer:swordfish@smtp.example.com",
        ),
        (
            "ROSTER_SECRET_KEY",
            "a-very-long-secret-key-of-thirty-two-chars",
        ),
    ])
    .unwrap();
    let printed = format!("{config:?}");
    for secret in ["hunter2", "swordfish", "thirty-two"] {
        assert!(!printed.contains(secret), "{secret} leaked: {printed}");
    }
    assert_eq!(config.database_url(), "postgres://app:hunter2@db/roster");
}

#[test]
fn each_database_pool_holds_16_connections_on_postgres_8_on_sqlite_unless_set() {
    assert_eq!(config(&[]).unwrap().database_max_connections(), 8);
    let postgres = ("ROSTER_DATABASE_URL", "postgres://db/roster");
    assert_eq!(config(&[postgres]).unwrap().database_max_connections(), 16);
    let set = config(&[postgres, ("ROSTER_DATABASE_MAX_CONNECTIONS", "4")]).unwrap();
    assert_eq!(set.database_max_connections(), 4);
    for refused in ["0", "-1", "1001", "many"] {
        let err = config(&[("ROSTER_DATABASE_MAX_CONNECTIONS", refused)]).unwrap_err();
        assert_eq!(
            err.name, "ROSTER_DATABASE_MAX_CONNECTIONS",
            "{refused} was accepted"
        );
    }
}
