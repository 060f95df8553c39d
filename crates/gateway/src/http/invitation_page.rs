//! The invitee's page, `GET /invitations/{token}`, and its forms. A GET never spends the
//! token (mail scanners fetch every link); Accept and Decline are POSTs carrying a CSRF
//! token and checked against our `Origin`. Accepting while signed out signs the invitee in
//! with a session cookie; signed in as another address gives a way to switch.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use roster_domain::InvitationStatus;
use roster_service::{Actor, InvitationRef, InvitationView};
use serde::Deserialize;

use super::pages::{csrf_token, csrf_valid, message, refuse_framed, render, same_origin};
use super::{request_context, request_id};
use crate::app::AppState;

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage<'a> {
    title: &'a str,
    token: &'a str,
    csrf: &'a str,
    organization: &'a str,
    inviter: Option<&'a str>,
    email: &'a str,
    role: &'a str,
    role_summary: &'a str,
    status: &'a str,
    expires: String,
    pending: bool,
    closed_reason: String,
    signed_in_as: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "joined.html")]
struct JoinedPage<'a> {
    title: &'a str,
    organization: &'a str,
    role: &'a str,
    email: &'a str,
    onward: Onward,
}

#[derive(Template)]
#[template(path = "declined.html")]
struct DeclinedPage<'a> {
    title: &'a str,
    organization: &'a str,
    onward: Onward,
}

/// Where to go once the invitation is answered: the product's app (`ROSTER_APP_URL`), or
/// else this server's landing page and GraphiQL.
struct Onward {
    app: Option<AppLink>,
    graphiql: bool,
    signed_in: bool,
}

struct AppLink {
    url: String,
    /// The app's host, as the button names it ("Continue to app.example.com").
    name: String,
}

impl Onward {
    fn new(state: &AppState, signed_in: bool) -> Onward {
        let app = state.config.http.app_url.as_ref().map(|url| AppLink {
            url: url.clone(),
            name: url
                .split_once("://")
                .map_or(url.as_str(), |(_, rest)| rest)
                .split(['/', '?', '#'])
                .next()
                .unwrap_or_default()
                .to_owned(),
        });
        Onward {
            app,
            graphiql: state.config.http.graphiql,
            signed_in,
        }
    }
}

/// The forms' body.
#[derive(Debug, Deserialize)]
pub(super) struct CsrfForm {
    csrf: String,
}

const PURPOSE: &str = "invitation";

/// `GET /invitations/{token}`.
pub(super) async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let view = match state.roster.invitation_preview(&token).await {
        Ok(Some(view)) => view,
        Ok(None) => {
            return message(
                StatusCode::NOT_FOUND,
                "Invitation not found",
                "This invitation link is not valid. Ask for a new invitation.",
            );
        }
        Err(err) => return internal(&headers, &err),
    };
    let actor = cookie_actor(&state, &headers).await;
    page(&state, &token, &view, actor.as_ref(), StatusCode::OK)
}

fn page(
    state: &AppState,
    token: &str,
    view: &InvitationView,
    actor: Option<&Actor>,
    status: StatusCode,
) -> Response {
    let csrf = csrf_token(state, PURPOSE, token);
    let signed_in_as = actor
        .map(|actor| actor.user.email.as_str())
        .filter(|email| *email != view.invitation.email);
    let inviter = view.inviter.as_ref().map(|user| user.email.as_str());
    let ask = match inviter {
        Some(inviter) => format!("Ask {inviter} for a new one."),
        None => "Ask the organization for a new one.".to_owned(),
    };
    let changed = roster_service::format_time(view.invitation.updated_at);
    let closed_reason = match view.status {
        InvitationStatus::Pending => String::new(),
        InvitationStatus::Accepted => format!("This invitation was accepted on {changed}."),
        InvitationStatus::Declined => format!("This invitation was declined on {changed}."),
        InvitationStatus::Revoked => format!(
            "This invitation was revoked by {} on {changed}. {ask}",
            view.organization_name
        ),
        InvitationStatus::Expired => format!(
            "This invitation expired on {}. {ask}",
            roster_service::format_time(view.invitation.expires_at)
        ),
    };
    let title = format!("Join {}", view.organization_name);
    render(
        status,
        &InvitationPage {
            title: &title,
            token,
            csrf: &csrf,
            organization: &view.organization_name,
            inviter,
            email: &view.invitation.email,
            role: view.invitation.role.label(),
            role_summary: view.invitation.role.summary(),
            status: view.status.as_str(),
            expires: roster_service::format_time(view.invitation.expires_at),
            pending: view.status == InvitationStatus::Pending,
            closed_reason,
            signed_in_as,
        },
    )
}

/// `POST /invitations/{token}/accept`.
pub(super) async fn accept(
    State(state): State<AppState>,
    Path(token): Path<String>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Some(refused) = refuse(
        &state,
        &token,
        &headers,
        form.as_ref().ok().map(|Form(form)| form),
    ) {
        return refused;
    }
    let actor = cookie_actor(&state, &headers).await;
    let request = request_context(&state, &peer, &headers);
    match state
        .roster
        .accept_invitation(actor.as_ref(), InvitationRef::Token(&token), &request)
        .await
    {
        Ok(accepted) => {
            let mut response = render(
                StatusCode::OK,
                &JoinedPage {
                    title: "Welcome",
                    organization: &accepted.organization.organization.name,
                    role: accepted.member.membership.role.label(),
                    email: &accepted.member.user.email,
                    onward: Onward::new(&state, true),
                },
            );
            if let Some(session) = &accepted.session {
                super::cookies::set_session(&state, &mut response, session.token.expose());
            }
            response
        }
        Err(err) => answer_error(&state, &token, actor.as_ref(), &headers, &err).await,
    }
}

/// `POST /invitations/{token}/decline`.
pub(super) async fn decline(
    State(state): State<AppState>,
    Path(token): Path<String>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Some(refused) = refuse(
        &state,
        &token,
        &headers,
        form.as_ref().ok().map(|Form(form)| form),
    ) {
        return refused;
    }
    let actor = cookie_actor(&state, &headers).await;
    let request = request_context(&state, &peer, &headers);
    match state
        .roster
        .decline_invitation(actor.as_ref(), InvitationRef::Token(&token), &request)
        .await
    {
        Ok(view) => render(
            StatusCode::OK,
            &DeclinedPage {
                title: "Invitation declined",
                organization: &view.organization_name,
                onward: Onward::new(&state, actor.is_some()),
            },
        ),
        Err(err) => answer_error(&state, &token, actor.as_ref(), &headers, &err).await,
    }
}

/// `POST /invitations/{token}/switch`: signs out of the page's session, back to the page.
pub(super) async fn switch(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Some(refused) = refuse(
        &state,
        &token,
        &headers,
        form.as_ref().ok().map(|Form(form)| form),
    ) {
        return refused;
    }
    if let Some(actor) = cookie_actor(&state, &headers).await
        && let Err(err) = state.roster.sign_out(&actor).await
    {
        return internal(&headers, &err);
    }
    let mut response = Redirect::to(&format!("/invitations/{token}")).into_response();
    super::cookies::clear_session(&state, &mut response);
    response
}

fn refuse(
    state: &AppState,
    token: &str,
    headers: &HeaderMap,
    form: Option<&CsrfForm>,
) -> Option<Response> {
    if let Some(refused) = refuse_framed(headers) {
        return Some(refused);
    }
    if !same_origin(state, headers) {
        return Some(message(
            StatusCode::FORBIDDEN,
            "Request refused",
            "This form was submitted from another site.",
        ));
    }
    match form {
        Some(form) if csrf_valid(state, PURPOSE, token, &form.csrf) => None,
        _ => Some(message(
            StatusCode::FORBIDDEN,
            "Request refused",
            "The form has expired or was tampered with. Open the link from your email again.",
        )),
    }
}

async fn answer_error(
    state: &AppState,
    token: &str,
    actor: Option<&Actor>,
    headers: &HeaderMap,
    err: &roster_service::Error,
) -> Response {
    use roster_service::Error;
    match err {
        Error::EmailMismatch | Error::InvitationNotPending | Error::InvitationExpired => {
            // Show the page again: it explains the state and offers the way out.
            match state.roster.invitation_preview(token).await {
                Ok(Some(view)) => {
                    let status = if matches!(err, Error::EmailMismatch) {
                        StatusCode::FORBIDDEN
                    } else {
                        StatusCode::CONFLICT
                    };
                    page(state, token, &view, actor, status)
                }
                Ok(None) => message(
                    StatusCode::NOT_FOUND,
                    "Invitation not found",
                    "This invitation link is not valid.",
                ),
                Err(err) => internal(headers, &err),
            }
        }
        Error::NotFound(_) => message(
            StatusCode::NOT_FOUND,
            "Invitation not found",
            "This invitation link is not valid. Ask for a new invitation.",
        ),
        other => internal(headers, other),
    }
}

fn internal(headers: &HeaderMap, err: &roster_service::Error) -> Response {
    let request_id = request_id(headers);
    tracing::error!(%request_id, error = %err, source = ?std::error::Error::source(err), "invitation page failed");
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        &format!("Please try again. Request id: {request_id}"),
    )
}

/// The actor behind the page's session cookie, if it is still valid.
async fn cookie_actor(state: &AppState, headers: &HeaderMap) -> Option<Actor> {
    let token = super::cookies::session_token(headers)?;
    match state.roster.authenticate(&token).await {
        Ok(Some(roster_service::Principal::User(actor))) => Some(actor),
        _ => None,
    }
}
