//! The messages Roster sends. Each is a serializable value (it waits in the outbox as
//! JSON) that renders into a plain-text and an HTML body. In every plain-text body the
//! link stands alone on its own line.

use askama::Template;
use serde::{Deserialize, Serialize};

/// A message to send; `to` is a normalized address parsed by the domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mail {
    /// The passwordless sign-in link.
    SignIn {
        to: String,
        link: String,
        expires_in_minutes: i64,
    },
}

/// A template failed to render (a bug, never user input).
#[derive(Debug, thiserror::Error)]
#[error("could not render the {kind} message")]
pub struct RenderError {
    kind: &'static str,
    #[source]
    source: askama::Error,
}

#[derive(Template)]
#[template(path = "sign_in.txt")]
struct SignInText<'a> {
    to: &'a str,
    link: &'a str,
    expires_in_minutes: i64,
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInHtml<'a> {
    to: &'a str,
    link: &'a str,
    expires_in_minutes: i64,
}

/// A rendered message.
pub(crate) struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// The outbox `kind` of this message.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Mail::SignIn { .. } => "sign_in",
        }
    }

    /// The recipient address.
    #[must_use]
    pub fn recipient(&self) -> &str {
        match self {
            Mail::SignIn { to, .. } => to,
        }
    }

    /// The link the message carries (logged by the dev mailbox, never in production).
    #[must_use]
    pub fn link(&self) -> &str {
        match self {
            Mail::SignIn { link, .. } => link,
        }
    }

    pub(crate) fn render(&self) -> Result<Rendered, RenderError> {
        let wrap = |source| RenderError {
            kind: self.kind(),
            source,
        };
        match self {
            Mail::SignIn {
                to,
                link,
                expires_in_minutes,
            } => Ok(Rendered {
                subject: "Your Roster sign-in link".to_owned(),
                text: SignInText {
                    to,
                    link,
                    expires_in_minutes: *expires_in_minutes,
                }
                .render()
                .map_err(wrap)?,
                html: SignInHtml {
                    to,
                    link,
                    expires_in_minutes: *expires_in_minutes,
                }
                .render()
                .map_err(wrap)?,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_text_has_the_link_alone_on_a_line_and_html_escapes() {
        let mail = Mail::SignIn {
            to: "a&b@example.com".into(),
            link: "http://localhost:8080/auth/verify?token=rsi_abc".into(),
            expires_in_minutes: 15,
        };
        let rendered = mail.render().unwrap();
        assert!(
            rendered
                .text
                .lines()
                .any(|line| line == "http://localhost:8080/auth/verify?token=rsi_abc")
        );
        assert!(
            rendered.html.contains("a&#38;b@example.com")
                || rendered.html.contains("a&amp;b@example.com")
        );
        assert!(!rendered.html.contains("a&b@"));
    }

    #[test]
    fn mails_round_trip_through_json() {
        let mail = Mail::SignIn {
            to: "a@example.com".into(),
            link: "http://x/y".into(),
            expires_in_minutes: 15,
        };
        let json = serde_json::to_value(&mail).unwrap();
        assert_eq!(json["kind"], "sign_in");
        assert_eq!(serde_json::from_value::<Mail>(json).unwrap(), mail);
    }
}
