//! Roster's mail: renders each kind of message (plain text and HTML from templates that
//! escape everything) and sends it over SMTP (lettre) or into a dev mailbox folder.
//!
//! This crate must not know about databases, HTTP or GraphQL. It sends what it is given;
//! when and how often is the service's outbox worker's business.

mod dev_mailbox;
mod message;
pub mod quoted_printable;
mod transport;

pub use dev_mailbox::{MailboxEntry, list as list_dev_mailbox};
pub use message::{Mail, RenderError};
pub use transport::{MailConfigError, Mailer, SendError};
