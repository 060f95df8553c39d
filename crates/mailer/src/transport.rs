//! Sending: SMTP through lettre's pooled async transport, or the dev mailbox folder when no
//! SMTP server is configured. Failures are classified so the worker knows whether to retry.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::dev_mailbox;
use crate::message::{Mail, Rendered};

/// Why the mailer could not be configured.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("ROSTER_SMTP_URL is not a valid SMTP URL")]
    SmtpUrl(#[source] lettre::transport::smtp::Error),
    #[error("ROSTER_MAIL_FROM is not a valid mailbox (`Name <address>`)")]
    From(#[source] lettre::address::AddressError),
}

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: connection refused, timeouts, 4xx replies.
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying will not help: 5xx replies, an unusable address, a broken template.
    #[error("permanent: {0}")]
    Permanent(String),
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    DevMailbox(PathBuf),
}

/// Renders and sends `Mail`.
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl Mailer {
    /// A mailer that sends over SMTP (`smtp://host:port`, `smtps://...`, with optional
    /// credentials in the URL).
    ///
    /// # Errors
    /// `MailConfigError` when the URL or the sender cannot be parsed.
    pub fn smtp(url: &str, from: &str) -> Result<Mailer, MailConfigError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(MailConfigError::SmtpUrl)?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        Ok(Mailer {
            from: from.parse().map_err(MailConfigError::From)?,
            transport: Transport::Smtp(transport),
        })
    }

    /// A mailer that saves every message as an `.eml` file in `folder` (created if
    /// missing) and logs its link, for development without an SMTP server.
    ///
    /// # Errors
    /// `MailConfigError` when the sender cannot be parsed.
    pub fn dev_mailbox(folder: PathBuf, from: &str) -> Result<Mailer, MailConfigError> {
        Ok(Mailer {
            from: from.parse().map_err(MailConfigError::From)?,
            transport: Transport::DevMailbox(folder),
        })
    }

    /// The dev mailbox folder, when this mailer writes to one.
    #[must_use]
    pub fn dev_mailbox_folder(&self) -> Option<&PathBuf> {
        match &self.transport {
            Transport::DevMailbox(folder) => Some(folder),
            Transport::Smtp(_) => None,
        }
    }

    /// Renders and sends one message. `message_id` is its `Message-ID` header
    /// (`<unique@domain>`): the outbox names each message once, so a retry of the same
    /// message carries the same id and mail clients and servers can tell it is one.
    ///
    /// # Errors
    /// `SendError::Transient` when a retry may succeed, `Permanent` otherwise.
    pub async fn send(&self, mail: &Mail, message_id: &str) -> Result<(), SendError> {
        let (message, rendered) = self.build(mail, message_id)?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(classify),
            Transport::DevMailbox(folder) => {
                let path = dev_mailbox::save(folder, &message.formatted(), mail, &rendered)
                    .await
                    .map_err(|err| SendError::Transient(format!("dev mailbox: {err}")))?;
                tracing::info!(
                    to = mail.recipient(),
                    kind = mail.kind().as_str(),
                    link = mail.link(),
                    file = %path.display(),
                    "dev mailbox: message saved (no ROSTER_SMTP_URL set)"
                );
                Ok(())
            }
        }
    }

    /// The message ready to send, and what it was rendered from (for the dev mailbox).
    fn build(&self, mail: &Mail, message_id: &str) -> Result<(Message, Rendered), SendError> {
        let rendered = mail
            .render()
            .map_err(|err| SendError::Permanent(err.to_string()))?;
        let to: Mailbox = mail
            .recipient()
            .parse()
            .map_err(|_| SendError::Permanent("the recipient address is not valid".into()))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .message_id(Some(message_id.to_owned()));
        // An address that does not parse (it was checked when stored) only loses Reply-To.
        if let Some(reply_to) = mail
            .reply_to()
            .and_then(|text| text.parse::<Mailbox>().ok())
        {
            builder = builder.reply_to(reply_to);
        }
        builder
            .subject(rendered.subject.clone())
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(rendered.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(rendered.html.clone()),
                    ),
            )
            .map(|message| (message, rendered))
            .map_err(|err| SendError::Permanent(format!("could not build the message: {err}")))
    }
}

/// The `Message-ID` of the outbox message `outbox_id`: `<outbox-id@host>`, the host being
/// the public URL's (without port), so ids are unique per message and say which server
/// they came from.
#[must_use]
pub fn message_id(outbox_id: uuid::Uuid, public_url: &str) -> String {
    let after_scheme = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest);
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = if host_port.starts_with('[') {
        host_port.split_inclusive(']').next().unwrap_or(host_port)
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    let host = if host.is_empty() { "localhost" } else { host };
    format!("<{outbox_id}@{host}>")
}

fn classify(err: lettre::transport::smtp::Error) -> SendError {
    if err.is_permanent() {
        SendError::Permanent(err.to_string())
    } else {
        SendError::Transient(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_name_the_outbox_message_at_the_public_host() {
        let id = uuid::Uuid::nil();
        let nil = "00000000-0000-0000-0000-000000000000";
        for (url, host) in [
            ("https://roster.example.com", "roster.example.com"),
            (
                "https://roster.example.com:8443/base/",
                "roster.example.com",
            ),
            ("http://127.0.0.1:8080", "127.0.0.1"),
            ("http://[::1]:8080", "[::1]"),
            ("http://user@host.example", "host.example"),
        ] {
            assert_eq!(message_id(id, url), format!("<{nil}@{host}>"), "{url}");
        }
    }
}
