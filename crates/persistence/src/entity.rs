//! sea-orm entities, one per table. They never leave this crate: repositories convert
//! them into domain types.

#![expect(
    unreachable_pub,
    reason = "sea-orm's derives generate public items; this module is private to the crate"
)]

pub mod api_keys;
pub mod audit_events;
pub mod invitations;
pub mod memberships;
pub mod notification_preferences;
pub mod organization_logos;
pub mod organizations;
pub mod outbox;
pub mod projects;
pub mod rate_events;
pub mod server_secrets;
pub mod sessions;
pub mod sign_in_addresses;
pub mod sign_in_tokens;
pub mod signing_keys;
pub mod usage_counters;
pub mod usage_idempotency;
pub mod users;
pub mod webhook_attempts;
pub mod webhook_endpoints;
pub mod weekly_summaries;
