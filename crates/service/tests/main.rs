//! Use-case tests on a real database (`TestDb`), with the service built the way the
//! gateway builds it and mail going to a dev mailbox in a temporary folder. Links are read
//! from the outbox rows the use cases queue, so no delivery worker runs. Kept few: the
//! HTTP suite covers the API, these pin rules at the layer that decides them.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
#![allow(unreachable_pub, reason = "test modules share helpers with `pub`")]

mod support;

mod logo;
mod policy;
mod rules;
