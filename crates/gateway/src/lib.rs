//! Roster's edge: the axum router (GraphQL over HTTP, the HTML pages, health, readiness
//! and metrics), request authentication, and start-up wiring of the `roster` binary.
//!
//! This crate knows no SQL and no SMTP: it calls `roster_service` use cases and maps their
//! errors to the public `extensions.code` set in one place (`graphql::error`). It touches
//! persistence and the mailer only to wire them together at start-up.

pub mod app;
pub mod graphql;
mod http;
mod metrics;

pub use app::{Running, build_service, start};
pub use roster_service::{Config, ConfigError};
