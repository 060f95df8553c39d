//! The mail channel's sender: reads a `Mail` back from the outbox payload and hands it to
//! the mailer (SMTP or the dev mailbox), sorting failures into transient and permanent.

use std::sync::Arc;

use roster_mailer::{Mail, Mailer, SendError};
use roster_persistence::outbox::ClaimedMessage;

use super::Outcome;

/// Sends outbox messages of the mail channel.
pub(super) struct MailSender {
    mailer: Arc<Mailer>,
    /// The public URL, whose host ends every `Message-ID`.
    public_url: String,
}

impl MailSender {
    pub(super) fn new(mailer: Arc<Mailer>, public_url: String) -> MailSender {
        MailSender { mailer, public_url }
    }

    pub(super) async fn send(&self, message: &ClaimedMessage) -> Outcome {
        let mail: Mail = match serde_json::from_value(message.payload.clone()) {
            Ok(mail) => mail,
            Err(err) => {
                tracing::error!(id = %message.id, kind = %message.kind, error = %err, "outbox payload unreadable");
                return Outcome::Permanent("the stored message could not be read".to_owned());
            }
        };
        // Named after the outbox row, so every attempt at this message carries one id.
        let message_id = roster_mailer::message_id(message.id, &self.public_url);
        match self.mailer.send(&mail, &message_id).await {
            Ok(()) => Outcome::Sent,
            Err(SendError::Permanent(error)) => Outcome::Permanent(error),
            Err(SendError::Transient(error)) => Outcome::Transient(error),
        }
    }
}
