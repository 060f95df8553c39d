//! Sending: SMTP through lettre's pooled async transport, or the dev mailbox folder when no
//! SMTP server is configured. Failures are classified so the worker knows whether to retry.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::dev_mailbox;
use crate::message::Mail;

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

    /// Renders and sends one message.
    ///
    /// # Errors
    /// `SendError::Transient` when a retry may succeed, `Permanent` otherwise.
    pub async fn send(&self, mail: &Mail) -> Result<(), SendError> {
        let (message, subject) = self.build(mail)?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(classify),
            Transport::DevMailbox(folder) => {
                let path = dev_mailbox::save(folder, &message.formatted(), mail, &subject)
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

    /// The message ready to send, and its subject (for the dev mailbox's listing).
    fn build(&self, mail: &Mail) -> Result<(Message, String), SendError> {
        let rendered = mail
            .render()
            .map_err(|err| SendError::Permanent(err.to_string()))?;
        let to: Mailbox = mail
            .recipient()
            .parse()
            .map_err(|_| SendError::Permanent("the recipient address is not valid".into()))?;
        let subject = rendered.subject.clone();
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(rendered.text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(rendered.html),
                    ),
            )
            .map(|message| (message, subject))
            .map_err(|err| SendError::Permanent(format!("could not build the message: {err}")))
    }
}

fn classify(err: lettre::transport::smtp::Error) -> SendError {
    if err.is_permanent() {
        SendError::Permanent(err.to_string())
    } else {
        SendError::Transient(err.to_string())
    }
}
