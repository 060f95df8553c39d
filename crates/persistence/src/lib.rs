//! Roster's storage: sea-orm entities (private to this crate) and repositories that take
//! any `ConnectionTrait` (a pool or a transaction), run their statements and return
//! domain types. Repositories never begin or commit; the service owns transactions.
//!
//! This crate must not know about mail, HTTP or GraphQL.

mod database;
mod entity;
mod positional;

pub mod api_keys;
pub mod audit;
pub mod callers;
pub mod db;
pub mod error;
pub mod invitations;
pub mod memberships;
pub mod notification_preferences;
pub mod organization_logos;
pub mod organizations;
pub mod outbox;
pub mod projects;
pub mod rate_events;
pub mod secrets;
pub mod sessions;
pub mod sign_in_addresses;
pub mod sign_in_tokens;
pub mod signing_keys;
pub mod usage;
pub mod users;
pub mod webhook_deliveries;
pub mod webhooks;
pub mod weekly_summaries;

pub use database::Database;
pub use db::{
    IDLE_TIMEOUT, begin_write, connect, connect_with, connect_with_idle_timeout,
    default_max_connections, lock_key, migrate, migrations_pending, sql_statements,
};
pub use error::RepoError;
pub use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};
