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
    /// How long an invitation link works.
    pub invitation_ttl: chrono::Duration,
    /// Invitation mails (invites and resends) per organization per window.
    pub invitation_limit: u64,
    pub invitation_window: chrono::Duration,
    /// Re-inviting a pending address within this time returns the invitation unchanged
    /// (no new token, no second mail), so double clicks and racing requests send one mail.
    pub reinvite_cooldown: chrono::Duration,
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
            invitation_ttl: chrono::Duration::days(7),
            invitation_limit: 100,
            invitation_window: chrono::Duration::hours(1),
            reinvite_cooldown: chrono::Duration::seconds(60),
            delivery_poll: Duration::from_secs(2),
            delivery_backoff: Duration::from_secs(5),
            delivery_max_attempts: 8,
        }
    }
}
