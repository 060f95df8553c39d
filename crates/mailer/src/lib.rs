//! Roster's mail: renders each kind of message (plain text and HTML from templates that
//! escape everything) and sends it over SMTP (lettre) or into a dev mailbox folder.
//!
//! This crate must not know about databases, HTTP or GraphQL. It sends what it is given;
//! when and how often is the service's outbox worker's business.

mod dev_mailbox;
mod message;
mod transport;

pub use dev_mailbox::{
    MailboxEntry, SavedMessage, list as list_dev_mailbox, read as read_dev_mailbox,
};
pub use message::{ActionCount, Mail, RenderError, SecurityAlert, WeeklySummary};
pub use transport::{MailConfigError, Mailer, SendError, message_id};

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use roster_domain::EmailAddress;

    proptest! {
        /// Every address the domain accepts is one lettre can send to.
        #[test]
        fn domain_addresses_are_lettre_addresses(
            local in "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,20}(\\.[a-zA-Z0-9_-]{1,10})?",
            domain in "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?\\.[a-z]{2,6}",
            noise in "\\PC{0,30}",
        ) {
            for candidate in [format!("{local}@{domain}"), noise] {
                if let Ok(email) = EmailAddress::parse(&candidate) {
                    prop_assert!(email.as_str().parse::<lettre::Address>().is_ok(), "{}", email);
                }
            }
        }
    }
}
