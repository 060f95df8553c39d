//! The messages Roster sends. Each is a serializable value (it waits in the outbox as
//! JSON) that renders into a plain-text and an HTML body. In every plain-text body the
//! link stands alone on its own line.

mod security_alert;
mod weekly_summary;

use askama::Template;
use roster_domain::MailKind;
use serde::{Deserialize, Serialize};

pub use security_alert::SecurityAlert;
pub use weekly_summary::{ActionCount, WeeklySummary};

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
    /// An invitation to join an organization.
    Invitation {
        to: String,
        link: String,
        organization: String,
        inviter: Option<String>,
        role: String,
        /// Human-readable expiry, e.g. `2026-11-29 12:00 UTC`.
        expires: String,
    },
    /// An organization's usage crossed a warning threshold of a limit.
    UsageWarning {
        to: String,
        link: String,
        organization: String,
        metric: String,
        used: u64,
        limit: u64,
        /// The threshold crossed: 80 or 100.
        percent: u8,
        /// Whether the limit refuses more at 100 %.
        hard: bool,
        /// When the counter starts over, human-readable; `None` for counters that never do.
        period_end: Option<String>,
    },
    /// A webhook endpoint was switched off after days of failed deliveries.
    WebhookDisabled {
        to: String,
        link: String,
        organization: String,
        url: String,
        /// Since when every delivery failed, human-readable.
        since: String,
    },
    /// A member's weekly digest of an organization's audit log.
    WeeklySummary(WeeklySummary),
    /// A sign-in from an address the account has not used in 90 days.
    SecurityAlert(SecurityAlert),
}

/// A template failed to render (a bug, never user input).
#[derive(Debug, thiserror::Error)]
#[error("could not render the {} message", kind.as_str())]
pub struct RenderError {
    kind: MailKind,
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

#[derive(Template)]
#[template(path = "invitation.txt")]
struct InvitationText<'a> {
    link: &'a str,
    organization: &'a str,
    inviter: Option<&'a str>,
    role: &'a str,
    expires: &'a str,
}

#[derive(Template)]
#[template(path = "usage_warning.txt")]
struct UsageWarningText<'a> {
    link: &'a str,
    organization: &'a str,
    metric: &'a str,
    used: u64,
    limit: u64,
    percent: u8,
    hard: bool,
    period_end: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "usage_warning.html")]
struct UsageWarningHtml<'a> {
    link: &'a str,
    organization: &'a str,
    metric: &'a str,
    used: u64,
    limit: u64,
    percent: u8,
    hard: bool,
    period_end: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "webhook_disabled.txt")]
struct WebhookDisabledText<'a> {
    link: &'a str,
    organization: &'a str,
    url: &'a str,
    since: &'a str,
}

#[derive(Template)]
#[template(path = "webhook_disabled.html")]
struct WebhookDisabledHtml<'a> {
    link: &'a str,
    organization: &'a str,
    url: &'a str,
    since: &'a str,
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationHtml<'a> {
    link: &'a str,
    organization: &'a str,
    inviter: Option<&'a str>,
    role: &'a str,
    expires: &'a str,
}

/// A rendered message.
pub(crate) struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// Which kind of mail this is (the outbox stores it as the message kind).
    #[must_use]
    pub fn kind(&self) -> MailKind {
        match self {
            Mail::SignIn { .. } => MailKind::SignIn,
            Mail::Invitation { .. } => MailKind::Invitation,
            Mail::UsageWarning { .. } => MailKind::UsageWarning,
            Mail::WebhookDisabled { .. } => MailKind::WebhookDisabled,
            Mail::WeeklySummary(_) => MailKind::WeeklySummary,
            Mail::SecurityAlert(_) => MailKind::SecurityAlert,
        }
    }

    /// The recipient address.
    #[must_use]
    pub fn recipient(&self) -> &str {
        match self {
            Mail::SignIn { to, .. }
            | Mail::Invitation { to, .. }
            | Mail::UsageWarning { to, .. }
            | Mail::WebhookDisabled { to, .. }
            | Mail::WeeklySummary(WeeklySummary { to, .. })
            | Mail::SecurityAlert(SecurityAlert { to, .. }) => to,
        }
    }

    /// Who a reply should reach: the inviter of an invitation (a person the invitee may
    /// know), nobody for the others (they come from no one in particular).
    #[must_use]
    pub fn reply_to(&self) -> Option<&str> {
        match self {
            Mail::Invitation { inviter, .. } => inviter.as_deref(),
            _ => None,
        }
    }

    /// The link the message carries (logged by the dev mailbox, never in production).
    #[must_use]
    pub fn link(&self) -> &str {
        match self {
            Mail::SignIn { link, .. }
            | Mail::Invitation { link, .. }
            | Mail::UsageWarning { link, .. }
            | Mail::WebhookDisabled { link, .. }
            | Mail::WeeklySummary(WeeklySummary { link, .. })
            | Mail::SecurityAlert(SecurityAlert { link, .. }) => link,
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
            Mail::Invitation {
                link,
                organization,
                inviter,
                role,
                expires,
                ..
            } => {
                let inviter = inviter.as_deref();
                // Stored as the API spells it (`ADMIN`); read as a word ("Admin"). A
                // spelling this build does not know is shown as it came.
                let role =
                    roster_domain::Role::parse(role).map_or(role.as_str(), |role| role.label());
                // The subject is a header, not HTML: lettre encodes it, nothing to escape.
                Ok(Rendered {
                    subject: format!("You're invited to join {organization} on Roster"),
                    text: InvitationText {
                        link,
                        organization,
                        inviter,
                        role,
                        expires,
                    }
                    .render()
                    .map_err(wrap)?,
                    html: InvitationHtml {
                        link,
                        organization,
                        inviter,
                        role,
                        expires,
                    }
                    .render()
                    .map_err(wrap)?,
                })
            }
            Mail::UsageWarning {
                link,
                organization,
                metric,
                used,
                limit,
                percent,
                hard,
                period_end,
                ..
            } => {
                let period_end = period_end.as_deref();
                Ok(Rendered {
                    subject: format!("{organization} has used {percent}% of its {metric} limit"),
                    text: UsageWarningText {
                        link,
                        organization,
                        metric,
                        used: *used,
                        limit: *limit,
                        percent: *percent,
                        hard: *hard,
                        period_end,
                    }
                    .render()
                    .map_err(wrap)?,
                    html: UsageWarningHtml {
                        link,
                        organization,
                        metric,
                        used: *used,
                        limit: *limit,
                        percent: *percent,
                        hard: *hard,
                        period_end,
                    }
                    .render()
                    .map_err(wrap)?,
                })
            }
            Mail::WebhookDisabled {
                link,
                organization,
                url,
                since,
                ..
            } => Ok(Rendered {
                subject: format!("A webhook endpoint of {organization} was switched off"),
                text: WebhookDisabledText {
                    link,
                    organization,
                    url,
                    since,
                }
                .render()
                .map_err(wrap)?,
                html: WebhookDisabledHtml {
                    link,
                    organization,
                    url,
                    since,
                }
                .render()
                .map_err(wrap)?,
            }),
            Mail::WeeklySummary(summary) => weekly_summary::render(summary).map_err(wrap),
            Mail::SecurityAlert(alert) => security_alert::render(alert).map_err(wrap),
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
    fn invitation_mail_names_org_inviter_and_role_and_escapes_html() {
        let mail = Mail::Invitation {
            to: "eve@example.com".into(),
            link: "http://localhost:8080/invitations/rsv_abc".into(),
            organization: "<script>alert(1)</script>".into(),
            inviter: Some("ada@example.com".into()),
            role: "ADMIN".into(),
            expires: "2026-11-29 12:00 UTC".into(),
        };
        let rendered = mail.render().unwrap();
        assert!(
            rendered
                .text
                .lines()
                .any(|line| line == "http://localhost:8080/invitations/rsv_abc")
        );
        assert!(
            rendered
                .text
                .contains("ada@example.com invited you to join <script>alert(1)</script> as Admin")
        );
        assert!(!rendered.text.contains("ADMIN") && !rendered.html.contains("ADMIN"));
        assert!(
            rendered.html.contains("as <strong>Admin</strong>"),
            "{}",
            rendered.html
        );
        assert!(!rendered.html.contains("<script>"));
        assert!(
            rendered.html.contains("&#60;script&#62;") || rendered.html.contains("&lt;script&gt;")
        );
    }

    #[test]
    fn the_usage_warning_names_metric_usage_and_what_happens_at_the_limit() {
        let mail = Mail::UsageWarning {
            to: "ops@example.com".into(),
            link: "http://localhost:8080/graphql".into(),
            organization: "<b>Acme</b>".into(),
            metric: "analyses".into(),
            used: 80,
            limit: 100,
            percent: 80,
            hard: true,
            period_end: Some("2027-01-01 00:00 UTC".into()),
        };
        let rendered = mail.render().unwrap();
        assert!(rendered.subject.contains("80% of its analyses limit"));
        assert!(
            rendered.text.contains("used 80 of 100 analyses"),
            "{}",
            rendered.text
        );
        assert!(rendered.text.contains("refuses more analyses"));
        assert!(
            rendered
                .text
                .lines()
                .any(|line| line == "http://localhost:8080/graphql")
        );
        assert!(!rendered.html.contains("<b>Acme</b>"));
    }

    #[test]
    fn mails_round_trip_through_json() {
        let mail = Mail::SignIn {
            to: "a@example.com".into(),
            link: "http://x/y".into(),
            expires_in_minutes: 15,
        };
        let json = serde_json::to_value(&mail).unwrap();
        // The serialized tag and the outbox kind are one spelling.
        assert_eq!(json["kind"], mail.kind().as_str());
        assert_eq!(serde_json::from_value::<Mail>(json).unwrap(), mail);
        let alert = Mail::SecurityAlert(SecurityAlert {
            to: "a@example.com".into(),
            link: "http://x/graphql".into(),
            when: "2026-12-03 12:00 UTC".into(),
            ip: "203.0.113.7".into(),
            user_agent: None,
        });
        let json = serde_json::to_value(&alert).unwrap();
        assert_eq!(json["kind"], "security_alert");
        assert_eq!(json["ip"], "203.0.113.7");
        assert_eq!(serde_json::from_value::<Mail>(json).unwrap(), alert);
    }
}
