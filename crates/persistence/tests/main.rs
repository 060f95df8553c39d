//! Repository tests on a real database (`TestDb`: SQLite by default, PostgreSQL when
//! `ROSTER_TEST_DATABASE_URL` is set), migrated by `roster_persistence::migrate`. Paging,
//! filters and constraint classification are persistence facts, so they are pinned here,
//! where a failure points at its cause, rather than three layers up in an HTTP test.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
#![allow(unreachable_pub, reason = "test modules share helpers with `pub`")]

mod support;

mod audit;
mod callers;
mod constraints;
mod explain;
mod logos;
mod members;
mod notices;
mod outbox;
mod pool;
mod signing_keys;
mod sqlite;
mod usage;
mod webhooks;
