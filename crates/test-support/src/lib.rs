//! Test fixtures shared by the workspace's test suites (a dev-dependency only):
//! `TestDb` (a fresh SQLite file, or a fresh PostgreSQL database when
//! `ROSTER_TEST_DATABASE_URL` is set) and `SmtpSink` (a real SMTP server in-process, from
//! the `mailin-embedded` crate, that keeps what it receives).

mod browser;
mod db;
mod quoted_printable;
mod smtp;

pub use browser::Browser;
pub use db::TestDb;
pub use smtp::{ReceivedMail, SinkMode, SmtpSink};
