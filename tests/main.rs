//! End-to-end tests: the real server on a random port, GraphQL over HTTP, mail over real
//! SMTP into an in-process sink. One binary (modules below) to keep link time down.
//! The backend is SQLite unless `ROSTER_TEST_DATABASE_URL` points at PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

mod http_surface;
mod invitations;
mod members;
mod ops;
mod organizations;
mod outbox;
mod sign_in;
