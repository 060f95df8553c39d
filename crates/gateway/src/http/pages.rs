//! The HTML pages: the sign-in verification page (a GET shows a button, only the POST
//! spends the token, because mail scanners fetch every link) and the dev mailbox.
//! Forms carry a CSRF token (an HMAC of the secret key over the token) and POSTs must come
//! from our own origin when the browser says where they come from.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use hmac::{Hmac, Mac};
use roster_service::MailboxEntry;
use secrecy::ExposeSecret;
use serde::Deserialize;
use sha2::Sha256;

use super::request_context;
use crate::app::AppState;

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage<'a> {
    title: &'a str,
    token: &'a str,
    csrf: &'a str,
}

#[derive(Template)]
#[template(path = "signed_in.html")]
struct SignedInPage<'a> {
    title: &'a str,
    email: &'a str,
    organization: Option<&'a str>,
    graphiql: bool,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
}

#[derive(Template)]
#[template(path = "mailbox.html")]
struct MailboxPage<'a> {
    title: &'a str,
    entries: &'a [MailboxEntry],
}

/// `?token=` of the verification link.
#[derive(Debug, Deserialize)]
pub(super) struct TokenQuery {
    token: Option<String>,
}

/// The verification form.
#[derive(Debug, Deserialize)]
pub(super) struct VerifyForm {
    token: String,
    csrf: String,
}

/// `GET /auth/verify?token=`: a button that POSTs; the token is not spent here.
pub(super) async fn verify_page(
    State(state): State<AppState>,
    query: Query<TokenQuery>,
) -> Response {
    let Some(token) = query.token.as_deref().filter(|token| !token.is_empty()) else {
        return message(
            StatusCode::BAD_REQUEST,
            "Sign-in link incomplete",
            "This link has no token. Open the link from your email again.",
        );
    };
    let csrf = csrf_token(&state, "verify", token);
    render(
        StatusCode::OK,
        &VerifyPage {
            title: "Sign in",
            token,
            csrf: &csrf,
        },
    )
}

/// `POST /auth/verify`: spends the token, sets the session cookie, shows where the user
/// landed.
pub(super) async fn verify_submit(
    State(state): State<AppState>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<VerifyForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Some(refused) = refuse_framed(&headers) {
        return refused;
    }
    if !same_origin(&state, &headers) {
        return message(
            StatusCode::FORBIDDEN,
            "Request refused",
            "This form was submitted from another site.",
        );
    }
    let Ok(Form(form)) = form else {
        return message(
            StatusCode::BAD_REQUEST,
            "Request refused",
            "The form was incomplete. Open the link from your email again.",
        );
    };
    if !csrf_valid(&state, "verify", &form.token, &form.csrf) {
        return message(
            StatusCode::FORBIDDEN,
            "Request refused",
            "The form has expired or was tampered with. Open the link from your email again.",
        );
    }
    let request = request_context(&state, &peer, &headers);
    match state.roster.complete_sign_in(&form.token, &request).await {
        Ok(signed_in) => {
            let organization = signed_in
                .active_organization
                .as_ref()
                .map(|view| view.organization.name.as_str());
            let mut response = render(
                StatusCode::OK,
                &SignedInPage {
                    title: "Signed in",
                    email: &signed_in.user.email,
                    organization,
                    graphiql: state.config.http.graphiql,
                },
            );
            super::cookies::set_session(&state, &mut response, signed_in.token.expose());
            response
        }
        Err(roster_service::Error::BadInput { message: text, .. }) => {
            message(StatusCode::BAD_REQUEST, "Sign-in link not usable", &text)
        }
        Err(err) => {
            let request_id = super::request_id(&headers);
            tracing::error!(%request_id, error = %err, source = ?std::error::Error::source(&err), "sign-in page failed");
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                &format!("Please try again. Request id: {request_id}"),
            )
        }
    }
}

/// `GET /dev/mailbox`: the saved messages when no SMTP server is configured.
pub(super) async fn dev_mailbox(State(state): State<AppState>) -> Response {
    match state.roster.dev_mailbox(100).await {
        Ok(Some(entries)) => render(
            StatusCode::OK,
            &MailboxPage {
                title: "Dev mailbox",
                entries: &entries,
            },
        ),
        Ok(None) => message(
            StatusCode::NOT_FOUND,
            "No dev mailbox",
            "Mail is sent over SMTP (ROSTER_SMTP_URL is set).",
        ),
        Err(err) => {
            tracing::error!(error = %err, source = ?std::error::Error::source(&err), "cannot list the dev mailbox");
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Dev mailbox unreadable",
                "See the server log.",
            )
        }
    }
}

pub(crate) fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            // Tokens sit in these pages' URLs: never leak them to other sites.
            response
                .headers_mut()
                .insert("referrer-policy", HeaderValue::from_static("no-referrer"));
            response
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot render a page");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

pub(crate) fn message(status: StatusCode, title: &str, text: &str) -> Response {
    render(
        status,
        &MessagePage {
            title,
            message: text,
        },
    )
}

fn mac(state: &AppState, purpose: &str, value: &str) -> Option<Hmac<Sha256>> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(state.secret_key.expose_secret().as_bytes()).ok()?;
    mac.update(purpose.as_bytes());
    mac.update(b":");
    mac.update(value.as_bytes());
    Some(mac)
}

pub(crate) fn csrf_token(state: &AppState, purpose: &str, value: &str) -> String {
    mac(state, purpose, value)
        .map(|mac| {
            mac.finalize()
                .into_bytes()
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn csrf_valid(state: &AppState, purpose: &str, value: &str, presented: &str) -> bool {
    let Some(bytes) = decode_hex(presented) else {
        return false;
    };
    mac(state, purpose, value).is_some_and(|mac| mac.verify_slice(&bytes).is_ok())
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

/// A browser POST must come from our public origin. Our pages send
/// `Referrer-Policy: no-referrer`, under which browsers submit forms with `Origin: null`;
/// then `Sec-Fetch-Site` (which browsers always set) must say `same-origin`. Requests with
/// neither header (older browsers, non-browser clients) are left to the CSRF token check.
pub(crate) fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    match header("origin") {
        Some(origin) if origin != "null" => {
            origin.trim_end_matches('/') == public_origin(&state.config.public_url())
        }
        Some(_) | None => header("sec-fetch-site").is_none_or(|site| site == "same-origin"),
    }
}

/// A form POSTed from inside a frame (`Sec-Fetch-Dest: iframe`, `frame`, `embed` or
/// `object`) is refused with a plain 403 page before anything is spent. Our pages cannot
/// be framed (`frame-ancestors 'none'`), so such a POST comes from a page dressed up to
/// make someone click (a framed sign-in button would spend the framer's token and sign the
/// victim into the framer's account).
pub(crate) fn refuse_framed(headers: &HeaderMap) -> Option<Response> {
    let destination = headers
        .get("sec-fetch-dest")
        .and_then(|value| value.to_str().ok())?;
    matches!(destination, "iframe" | "frame" | "embed" | "object").then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Request refused",
            "This form was submitted from inside a frame. Open the link from your email in its own tab.",
        )
    })
}

fn public_origin(public_url: &str) -> &str {
    let after_scheme = public_url.find("://").map_or(0, |i| i + 3);
    match public_url[after_scheme..].find('/') {
        Some(slash) => &public_url[..after_scheme + slash],
        None => public_url,
    }
}
