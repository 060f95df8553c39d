//! Roster's schema history as sea-orm migrations. Both backends (SQLite and PostgreSQL)
//! run the same migrations; types come from sea-query, and partial indexes are plain SQL
//! that both dialects accept.
//!
//! Migrations are frozen history: they never import entities, and a landed migration is
//! never edited (add a new one instead).

#![expect(
    unreachable_pub,
    reason = "each migration exports `Migration` by sea-orm-migration's convention, and landed migrations are never edited"
)]

pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_foundation;
mod m20261122_000002_create_invitations;
mod m20261122_000003_create_projects_and_api_keys;
mod m20261203_000001_add_outbox_lease_owner_and_expiry;
mod m20261203_000002_create_rate_events;
mod m20261203_000003_add_organization_plan_id;
mod m20261203_100001_create_usage;
mod m20261203_200001_create_notification_preferences;
mod m20261203_200002_add_organization_settings;
mod m20261203_300001_create_organization_logos;
mod m20261203_300002_create_weekly_summaries;
mod m20261203_300003_create_sign_in_addresses;
mod m20261203_400001_create_webhooks;
mod m20261203_500001_create_signing_keys;
mod m20261204_000001_cover_member_pages;
mod m20261204_000002_cover_member_organizations;

/// Applies Roster's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_foundation::Migration),
            Box::new(m20261122_000002_create_invitations::Migration),
            Box::new(m20261122_000003_create_projects_and_api_keys::Migration),
            Box::new(m20261203_000001_add_outbox_lease_owner_and_expiry::Migration),
            Box::new(m20261203_000002_create_rate_events::Migration),
            Box::new(m20261203_000003_add_organization_plan_id::Migration),
            Box::new(m20261203_100001_create_usage::Migration),
            Box::new(m20261203_200001_create_notification_preferences::Migration),
            Box::new(m20261203_200002_add_organization_settings::Migration),
            Box::new(m20261203_300001_create_organization_logos::Migration),
            Box::new(m20261203_300002_create_weekly_summaries::Migration),
            Box::new(m20261203_300003_create_sign_in_addresses::Migration),
            Box::new(m20261203_400001_create_webhooks::Migration),
            Box::new(m20261203_500001_create_signing_keys::Migration),
            Box::new(m20261204_000001_cover_member_pages::Migration),
            Box::new(m20261204_000002_cover_member_organizations::Migration),
        ]
    }
}
