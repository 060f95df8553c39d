//! End-to-end tests: the real server on a random port, GraphQL over HTTP, mail over real
//! SMTP into an in-process sink. One binary (modules below) to keep link time down.
//! The backend is SQLite unless `ROSTER_TEST_DATABASE_URL` points at PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
#![allow(unreachable_pub, reason = "test modules share helpers with `pub`")]

mod support;

mod abuse;
mod api_keys;
mod audit_log;
mod avatars;
mod browser;
mod delivery;
mod dev_mailbox;
mod first_hour;
mod hardening;
mod hot_path;
mod http_surface;
mod invitation_page;
mod invitation_sending;
mod invitations;
mod logo;
mod mail_format;
mod members;
mod membership;
mod notifications;
mod onward;
mod ops;
mod org_tokens;
mod organizations;
mod outbox;
mod plans;
mod projects;
mod query_limits;
mod races;
mod security_alerts;
mod settings;
mod sign_in;
mod sign_in_pages;
mod startup;
mod usage;
mod usage_warnings;
mod webhook_receiver;
mod webhooks;
mod webhooks_delivery;
mod webhooks_guard;
mod weekly_summary;
