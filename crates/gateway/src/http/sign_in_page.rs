//! The sign-in pages behind the mailed link: `GET /auth/verify` shows a button (only the
//! POST spends the token, because mail scanners fetch every link), and a link that no
//! longer works says why in plain words, with a form that mails a fresh one
//! (`POST /auth/request`). That form answers the same whatever the address, so it tells
//! nobody who has an account, and it spends the same rate limits as `requestSignIn`.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use roster_service::SignInLinkStatus;
use serde::Deserialize;

use super::pages::{csrf_token, csrf_valid, message, refuse_framed, render, same_origin};
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
#[template(path = "sign_in_problem.html")]
struct ProblemPage<'a> {
    title: &'a str,
    problem: &'a str,
    email: &'a str,
    csrf: &'a str,
    ttl_minutes: i64,
}

#[derive(Template)]
#[template(path = "link_sent.html")]
struct LinkSentPage<'a> {
    title: &'a str,
    email: &'a str,
    ttl_minutes: i64,
    mailbox: bool,
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

/// The form that asks for a new link.
#[derive(Debug, Deserialize)]
pub(super) struct RequestForm {
    email: String,
    csrf: String,
}

/// Why a sign-in page cannot sign anyone in.
#[derive(Debug, Clone, Copy)]
enum Problem {
    NoToken,
    Link(SignInLinkStatus),
}

const VERIFY: &str = "verify";
const REQUEST: &str = "sign-in-request";
/// How long the request form's CSRF token is accepted after the page was shown.
const REQUEST_FORM_SECONDS: i64 = 2 * 3600;

/// `GET /auth/verify?token=`: a button that POSTs when the link still works (the token is
/// not spent here), else what happened to it and a way to get a new one.
pub(super) async fn verify_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query<TokenQuery>,
) -> Response {
    let Some(token) = query.token.as_deref().filter(|token| !token.is_empty()) else {
        return problem_page(&state, Problem::NoToken);
    };
    match state.roster.sign_in_link_status(token).await {
        Ok(SignInLinkStatus::Usable) => {}
        Ok(status) => return problem_page(&state, Problem::Link(status)),
        Err(err) => return internal(&headers, &err),
    }
    let csrf = csrf_token(&state, VERIFY, token);
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
    if let Some(refused) = refuse_cross_site(&state, &headers) {
        return refused;
    }
    let Ok(Form(form)) = form else {
        return message(
            StatusCode::BAD_REQUEST,
            "Request refused",
            "The form was incomplete. Open the link from your email again.",
        );
    };
    if !csrf_valid(&state, VERIFY, &form.token, &form.csrf) {
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
        Err(roster_service::Error::BadInput { .. }) => {
            // Say which of the link's fates it met (read again: a race may have spent it).
            match state.roster.sign_in_link_status(&form.token).await {
                Ok(status) => problem_page(&state, Problem::Link(status)),
                Err(err) => internal(&headers, &err),
            }
        }
        Err(err) => internal(&headers, &err),
    }
}

/// `POST /auth/request`: mails a new sign-in link, answering the same whether or not the
/// address has an account.
pub(super) async fn request_link(
    State(state): State<AppState>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<RequestForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Some(refused) = refuse_cross_site(&state, &headers) {
        return refused;
    }
    let Ok(Form(form)) = form else {
        return message(
            StatusCode::BAD_REQUEST,
            "Request refused",
            "The form was incomplete. Go back and try again.",
        );
    };
    if !request_csrf_valid(&state, &form.csrf) {
        return message(
            StatusCode::FORBIDDEN,
            "Request refused",
            "The form has expired or was tampered with. Open the sign-in link from your email again to get a fresh form.",
        );
    }
    let email = form.email.trim();
    let request = request_context(&state, &peer, &headers);
    let ttl_minutes = state.config.auth.sign_in_ttl.num_minutes();
    match state.roster.request_sign_in(email, &request).await {
        Ok(()) => render(
            StatusCode::OK,
            &LinkSentPage {
                title: "Check your mail",
                email,
                ttl_minutes,
                mailbox: state.config.mail.smtp_url.is_none(),
            },
        ),
        Err(roster_service::Error::BadInput { .. }) => {
            let problem = "That does not look like an email address. Check it and try again.";
            let mut response = form_page(&state, "Get a new sign-in link", problem, email);
            *response.status_mut() = StatusCode::BAD_REQUEST;
            response
        }
        Err(roster_service::Error::RateLimited {
            retry_after_seconds,
        }) => {
            let minutes = (retry_after_seconds + 59) / 60;
            let mut response = message(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many sign-in links",
                &format!(
                    "Too many sign-in links were asked for in a short time. Try again in {minutes} minute{}; the links already sent still work until they expire.",
                    if minutes == 1 { "" } else { "s" }
                ),
            );
            if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                response.headers_mut().insert("retry-after", value);
            }
            response
        }
        Err(err) => internal(&headers, &err),
    }
}

/// The words for each problem, and the form for a new link.
fn problem_page(state: &AppState, problem: Problem) -> Response {
    let ttl = state.config.auth.sign_in_ttl.num_minutes();
    let rule = format!("Links work for {ttl} minutes and only once.");
    let (title, text) = match problem {
        Problem::NoToken => (
            "Sign-in link incomplete",
            "This link has no token: it was probably cut short when it was copied. Open the link from your email again, or get a new one below.".to_owned(),
        ),
        Problem::Link(SignInLinkStatus::Expired) => (
            "Sign-in link expired",
            format!("This sign-in link has expired. {rule}"),
        ),
        Problem::Link(SignInLinkStatus::Used) => (
            "Sign-in link already used",
            format!("This sign-in link was already used. {rule}"),
        ),
        Problem::Link(SignInLinkStatus::Unknown) => (
            "Sign-in link not valid",
            format!(
                "This sign-in link is not valid: it may have been cut short when it was copied, or it belongs to another server. {rule}"
            ),
        ),
        // Pressed in the instant between our check and the spend: say what is true now.
        Problem::Link(SignInLinkStatus::Usable) => (
            "Sign-in not finished",
            "This sign-in did not go through. Open the link from your email again.".to_owned(),
        ),
    };
    let mut response = form_page(state, title, &text, "");
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
}

fn form_page(state: &AppState, title: &str, problem: &str, email: &str) -> Response {
    let csrf = request_csrf(state);
    render(
        StatusCode::OK,
        &ProblemPage {
            title,
            problem,
            email,
            csrf: &csrf,
            ttl_minutes: state.config.auth.sign_in_ttl.num_minutes(),
        },
    )
}

/// A framed or cross-site form POST is refused before anything is spent.
fn refuse_cross_site(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    if let Some(refused) = refuse_framed(headers) {
        return Some(refused);
    }
    (!same_origin(state, headers)).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Request refused",
            "This form was submitted from another site.",
        )
    })
}

/// The request form's CSRF token: when the page was shown, and our HMAC over it (there is
/// no token or session to bind it to; the time bounds how long a copied form works).
fn request_csrf(state: &AppState) -> String {
    let issued = chrono::Utc::now().timestamp().to_string();
    format!("{issued}.{}", csrf_token(state, REQUEST, &issued))
}

fn request_csrf_valid(state: &AppState, presented: &str) -> bool {
    let Some((issued, mac)) = presented.split_once('.') else {
        return false;
    };
    let Ok(at) = issued.parse::<i64>() else {
        return false;
    };
    let age = chrono::Utc::now().timestamp() - at;
    (0..=REQUEST_FORM_SECONDS).contains(&age) && csrf_valid(state, REQUEST, issued, mac)
}

fn internal(headers: &HeaderMap, err: &roster_service::Error) -> Response {
    let request_id = super::request_id(headers);
    tracing::error!(%request_id, error = %err, source = ?std::error::Error::source(err), "sign-in page failed");
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        &format!("Please try again. Request id: {request_id}"),
    )
}
