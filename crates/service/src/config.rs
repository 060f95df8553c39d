//! The service's part of the configuration (the gateway loads it from `ROSTER_*`).

use std::time::Duration;

/// Lifetimes, limits and delivery settings.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Base URL put into email links (never taken from a request's `Host`).
    pub public_url: String,
    /// How long a sign-in link works.
    pub sign_in_ttl: chrono::Duration,
    /// How long a session token works.
    pub session_ttl: chrono::Duration,
    /// Sign-in links per address per window.
    pub sign_in_limit: u64,
    pub sign_in_window: chrono::Duration,
    /// Delivery worker: how often it looks for due mail when not woken.
    pub delivery_poll: Duration,
    /// Delivery worker: first retry delay, doubled on each further attempt.
    pub delivery_backoff: Duration,
    /// Delivery worker: the most attempts before a message is marked failed.
    pub delivery_max_attempts: i32,
}

impl ServiceConfig {
    /// Defaults from SPEC (15-minute links, 5 links per 15 minutes), for `public_url`.
    #[must_use]
    pub fn with_public_url(public_url: String) -> ServiceConfig {
        ServiceConfig {
            public_url,
            sign_in_ttl: chrono::Duration::minutes(15),
            session_ttl: chrono::Duration::days(30),
            sign_in_limit: 5,
            sign_in_window: chrono::Duration::minutes(15),
            delivery_poll: Duration::from_secs(2),
            delivery_backoff: Duration::from_secs(5),
            delivery_max_attempts: 8,
        }
    }
}
