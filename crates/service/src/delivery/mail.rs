//! The mail channel's sender: reads a `Mail` back from the outbox payload and hands it to
//! the mailer (SMTP or the dev mailbox), sorting failures into transient and permanent.

use std::sync::Arc;

use roster_mailer::{Mail, Mailer, SendError};
use roster_persistence::outbox::ClaimedMessage;

use super::Outcome;

/// Sends outbox messages of the mail channel.
pub(super) struct MailSender {
    mailer: Arc<Mailer>,
}

impl MailSender {
    pub(super) fn new(mailer: Arc<Mailer>) -> MailSender {
        MailSender { mailer }
    }

    pub(super) async fn send(&self, message: &ClaimedMessage) -> Outcome {
        let mail: Mail = match serde_json::from_value(message.payload.clone()) {
            Ok(mail) => mail,
            Err(err) => {
                tracing::error!(id = %message.id, kind = %message.kind, error = %err, "outbox payload unreadable");
                return Outcome::Permanent("the stored message could not be read".to_owned());
            }
        };
        match self.mailer.send(&mail).await {
            Ok(()) => Outcome::Sent,
            Err(SendError::Permanent(error)) => Outcome::Permanent(error),
            Err(SendError::Transient(error)) => Outcome::Transient(error),
        }
    }
}
