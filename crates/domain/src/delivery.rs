//! What the outbox carries and where each message stands: the kinds of message Roster
//! queues (mail and webhook calls), and the delivery states shown to admins.
//! Persistence stores these spellings, the mailer renders by `MailKind`, and the delivery
//! worker picks a sender by `MessageKind::channel`.

use std::fmt;

/// Where a message stands in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Queued,
    /// Delivered.
    Sent,
    /// Given up on: a permanent refusal, or it stopped mattering before it could go out.
    Failed,
}

/// A stored value that is not one of the known spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`")]
pub struct UnknownName {
    pub what: &'static str,
    pub value: String,
}

impl DeliveryStatus {
    /// Every status.
    pub const ALL: [DeliveryStatus; 3] = [
        DeliveryStatus::Queued,
        DeliveryStatus::Sent,
        DeliveryStatus::Failed,
    ];

    /// The stored (and GraphQL) spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "QUEUED",
            DeliveryStatus::Sent => "SENT",
            DeliveryStatus::Failed => "FAILED",
        }
    }

    /// Parses the stored spelling.
    ///
    /// # Errors
    /// `UnknownName` for anything else.
    pub fn parse(value: &str) -> Result<DeliveryStatus, UnknownName> {
        DeliveryStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
            .ok_or_else(|| UnknownName {
                what: "delivery status",
                value: value.to_owned(),
            })
    }
}

/// The mails Roster sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailKind {
    /// The passwordless sign-in link.
    SignIn,
    /// An invitation to join an organization.
    Invitation,
    /// An organization's usage crossed 80 % or 100 % of a limit.
    UsageWarning,
    /// A webhook endpoint was switched off after failing for days.
    WebhookDisabled,
    /// A member's weekly digest of an organization's audit log.
    WeeklySummary,
    /// A sign-in from an address the account has not used in 90 days.
    SecurityAlert,
}

impl MailKind {
    /// Every mail kind.
    pub const ALL: [MailKind; 6] = [
        MailKind::SignIn,
        MailKind::Invitation,
        MailKind::UsageWarning,
        MailKind::WebhookDisabled,
        MailKind::WeeklySummary,
        MailKind::SecurityAlert,
    ];

    /// The stored spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::SignIn => "sign_in",
            MailKind::Invitation => "invitation",
            MailKind::UsageWarning => "usage_warning",
            MailKind::WebhookDisabled => "webhook_disabled",
            MailKind::WeeklySummary => "weekly_summary",
            MailKind::SecurityAlert => "security_alert",
        }
    }

    /// The kind in words, for people (the dev mailbox).
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            MailKind::SignIn => "Sign-in link",
            MailKind::Invitation => "Invitation",
            MailKind::UsageWarning => "Usage warning",
            MailKind::WebhookDisabled => "Webhook switched off",
            MailKind::WeeklySummary => "Weekly summary",
            MailKind::SecurityAlert => "Security alert",
        }
    }

    /// Parses the stored spelling.
    ///
    /// # Errors
    /// `UnknownName` for anything else.
    pub fn parse(value: &str) -> Result<MailKind, UnknownName> {
        MailKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
            .ok_or_else(|| UnknownName {
                what: "mail kind",
                value: value.to_owned(),
            })
    }
}

/// How a message leaves Roster; each channel has its own sender and retry schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Email over SMTP (or into the dev mailbox).
    Mail,
    /// A signed HTTP POST to an organization's webhook endpoint.
    Webhook,
}

/// The kind of an outbox message, as stored in its `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    Mail(MailKind),
    /// One event for one webhook endpoint.
    Webhook,
}

impl MessageKind {
    /// The stored spelling (a mail kind's own spelling, so rows written before other
    /// channels existed still read back).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Mail(kind) => kind.as_str(),
            MessageKind::Webhook => "webhook",
        }
    }

    /// Parses the stored spelling.
    ///
    /// # Errors
    /// `UnknownName` for anything else.
    pub fn parse(value: &str) -> Result<MessageKind, UnknownName> {
        if value == MessageKind::Webhook.as_str() {
            return Ok(MessageKind::Webhook);
        }
        MailKind::parse(value)
            .map(MessageKind::Mail)
            .map_err(|_| UnknownName {
                what: "message kind",
                value: value.to_owned(),
            })
    }

    /// The channel whose sender delivers this kind.
    #[must_use]
    pub fn channel(self) -> Channel {
        match self {
            MessageKind::Mail(_) => Channel::Mail,
            MessageKind::Webhook => Channel::Webhook,
        }
    }

    /// Whether the payload is dropped once the message is settled: mail can carry
    /// sign-in and invitation links; a webhook's event carries no secret and is kept for
    /// the delivery log and replays.
    #[must_use]
    pub fn redact_when_settled(self) -> bool {
        match self {
            MessageKind::Mail(_) => true,
            MessageKind::Webhook => false,
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for status in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(status.as_str()), Ok(status));
        }
        assert!(DeliveryStatus::parse("queued").is_err());
        for kind in MailKind::ALL {
            assert_eq!(MailKind::parse(kind.as_str()), Ok(kind));
            let message = MessageKind::Mail(kind);
            assert_eq!(MessageKind::parse(message.as_str()), Ok(message));
            assert_eq!(message.channel(), Channel::Mail);
        }
        assert!(MessageKind::parse("carrier_pigeon").is_err());
        assert_eq!(MessageKind::parse("webhook"), Ok(MessageKind::Webhook));
        assert_eq!(MessageKind::Webhook.channel(), Channel::Webhook);
    }
}
