//! The dev mailbox, for a newcomer without an SMTP server: `GET /dev/mailbox` lists the
//! saved messages (date, kind, recipient, subject, their link) and the mail that did not
//! go out (failed, or waiting for a retry, with the last error), `GET /dev/mailbox/{id}`
//! shows one message's text and HTML bodies, and `GET /dev/mailbox/{id}/html` serves the
//! HTML body alone under `Content-Security-Policy: sandbox`, framed by the message page:
//! no script in a mail can run, and it cannot reach this origin.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roster_domain::{DeliveryStatus, MailKind};
use roster_service::MailboxEntry;

use super::pages::{message, render};
use crate::app::AppState;

/// The message page may frame its own HTML body, nothing else.
const MESSAGE_CSP: &str = "default-src 'none'; style-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A mail's HTML body: a sandbox (a unique origin, no scripts, no forms, no popups), its
/// own inline styles, `data:` images, nothing fetched, framed only by our message page.
const BODY_CSP: &str =
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'";

/// How many messages and failures the mailbox lists.
const LISTED: usize = 100;
const UNDELIVERED: u64 = 20;

struct Row<'a> {
    id: &'a str,
    date: String,
    kind: &'a str,
    to: &'a str,
    subject: &'a str,
    link: &'a str,
}

struct Undelivered {
    date: String,
    kind: String,
    to: String,
    state: String,
    error: String,
}

#[derive(Template)]
#[template(path = "mailbox.html")]
struct MailboxPage<'a> {
    title: &'a str,
    rows: Vec<Row<'a>>,
    undelivered: Vec<Undelivered>,
}

#[derive(Template)]
#[template(path = "mailbox_message.html")]
struct MessagePage<'a> {
    title: &'a str,
    row: Row<'a>,
    text: Option<&'a str>,
    html: bool,
}

fn kind_label(kind: &str) -> &str {
    match MailKind::parse(kind) {
        Ok(known) => known.label(),
        Err(_) => kind,
    }
}

fn row(entry: &MailboxEntry) -> Row<'_> {
    Row {
        id: entry.id(),
        date: entry.date.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        kind: kind_label(&entry.kind),
        to: &entry.to,
        subject: &entry.subject,
        link: &entry.link,
    }
}

fn no_mailbox() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "No dev mailbox",
        "Mail is sent over SMTP (ROSTER_SMTP_URL is set).",
    )
}

fn unreadable(err: &roster_service::Error) -> Response {
    tracing::error!(error = %err, source = ?std::error::Error::source(err), "cannot read the dev mailbox");
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Dev mailbox unreadable",
        "See the server log.",
    )
}

/// `GET /dev/mailbox`: the saved messages when no SMTP server is configured, and the mail
/// that did not go out.
pub(super) async fn list(State(state): State<AppState>) -> Response {
    let entries = match state.roster.dev_mailbox(LISTED).await {
        Ok(Some(entries)) => entries,
        Ok(None) => return no_mailbox(),
        Err(err) => return unreadable(&err),
    };
    let undelivered = match state.roster.undelivered_mail(UNDELIVERED).await {
        Ok(found) => found,
        Err(err) => return unreadable(&err),
    };
    let undelivered = undelivered
        .into_iter()
        .map(|mail| Undelivered {
            date: roster_service::format_time(mail.created_at),
            kind: kind_label(&mail.kind).to_owned(),
            to: mail.recipient,
            state: match mail.status {
                DeliveryStatus::Failed => format!(
                    "Failed after {} attempt{}: not sent",
                    mail.attempts,
                    if mail.attempts == 1 { "" } else { "s" }
                ),
                _ => format!(
                    "Retrying: {} attempt{} so far, next at {}",
                    mail.attempts,
                    if mail.attempts == 1 { "" } else { "s" },
                    roster_service::format_time(mail.next_attempt_at)
                ),
            },
            error: mail.last_error.unwrap_or_default(),
        })
        .collect();
    render(
        StatusCode::OK,
        &MailboxPage {
            title: "Dev mailbox",
            rows: entries.iter().map(row).collect(),
            undelivered,
        },
    )
}

/// `GET /dev/mailbox/{id}`: one message, its text body and its HTML body (framed).
pub(super) async fn show(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let saved = match state.roster.dev_mailbox_message(&id).await {
        Ok(Some(saved)) => saved,
        Ok(None) if state.config.mail.smtp_url.is_some() => return no_mailbox(),
        Ok(None) => {
            return message(
                StatusCode::NOT_FOUND,
                "No such message",
                "This message is not in the dev mailbox (it may have been deleted).",
            );
        }
        Err(err) => return unreadable(&err),
    };
    let mut response = render(
        StatusCode::OK,
        &MessagePage {
            title: &saved.entry.subject,
            row: row(&saved.entry),
            text: saved.text.as_deref(),
            html: saved.html.is_some(),
        },
    );
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(MESSAGE_CSP),
    );
    response
}

/// `GET /dev/mailbox/{id}/html`: the HTML body alone, sandboxed.
pub(super) async fn html(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let body = match state.roster.dev_mailbox_message(&id).await {
        Ok(Some(saved)) => saved.html,
        Ok(None) => None,
        Err(err) => return unreadable(&err),
    };
    let Some(body) = body else {
        return (StatusCode::NOT_FOUND, "no such message").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, BODY_CSP),
            (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response()
}
