//! The HTTP surface: routes, the middleware every request passes (request id, tracing,
//! metrics, panic catching, body limit), and the client address.

mod cookies;
mod edge;
mod graphiql;
mod graphql;
mod invitation_page;
mod landing;
mod logo;
mod mailbox;
mod ops;
mod pages;
mod sign_in_page;

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::app::AppState;

pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route with its middleware.
pub(crate) fn router(state: AppState) -> Router {
    let body_limit = state.config.limits.body_bytes;
    Router::new()
        .route("/", get(landing::home))
        .route("/docs/{file}", get(landing::doc))
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/assets/graphiql/{file}", get(graphiql::asset))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/.well-known/jwks.json", get(ops::jwks))
        .route(
            "/auth/verify",
            get(sign_in_page::verify_page).post(sign_in_page::verify_submit),
        )
        .route("/auth/request", post(sign_in_page::request_link))
        .route("/dev/mailbox", get(mailbox::list))
        .route("/dev/mailbox/{id}", get(mailbox::show))
        .route("/dev/mailbox/{id}/html", get(mailbox::html))
        .route("/invitations/{token}", get(invitation_page::show))
        .route("/invitations/{token}/accept", post(invitation_page::accept))
        .route("/invitations/{token}/decline", post(invitation_page::decline))
        .route("/invitations/{token}/switch", post(invitation_page::switch))
        .route("/assets/page.css", get(edge::page_css))
        .route("/avatars/{file}", get(edge::avatar))
        .route(
            "/organizations/{id}/logo",
            get(logo::show)
                .put(logo::upload)
                .delete(logo::remove)
                .layer(DefaultBodyLimit::max(roster_domain::logo::MAX_LOGO_BYTES)),
        )
        // One `layer` for the whole stack: each `Router::layer` boxes every route's service
        // again, and every request cloned each of those boxes (60 of a members page's 707
        // allocations, callgrind). Top to bottom is outside in.
        .layer(
            ServiceBuilder::new()
                // Outermost: a hostile incoming id is dropped before the layer below keeps it.
                .layer(middleware::from_fn(edge::sanitize_request_id))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
                    let request_id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
                }))
                .layer(CatchPanicLayer::custom(ops::panic_response))
                .layer(middleware::from_fn_with_state(state.clone(), record_metrics))
                .layer(middleware::from_fn(edge::html_security_headers))
                .layer(DefaultBodyLimit::max(body_limit)),
        )
        .with_state(state)
}

async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Cheap handles (the matched path is shared, a standard method is a constant) that
    // outlive the request the handler consumes.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let response = next.run(request).await;
    state.metrics.observe(
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The request's id (set by `SetRequestIdLayer` before any handler runs).
pub(crate) fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

/// Where a request came from, for the audit events it causes: the client IP and the user
/// agent (at most 512 characters).
pub(crate) fn request_context(
    state: &AppState,
    peer: &ConnectInfo<SocketAddr>,
    headers: &HeaderMap,
) -> roster_service::RequestContext {
    roster_service::RequestContext {
        ip: Some(client_ip(state, peer, headers)),
        user_agent: headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| agent.chars().take(512).collect()),
    }
}

/// The client IP: the socket peer, or the nearest untrusted `X-Forwarded-For` hop when the
/// peer is a configured trusted proxy.
fn client_ip(state: &AppState, peer: &ConnectInfo<SocketAddr>, headers: &HeaderMap) -> String {
    let peer_ip = peer.0.ip();
    let trusted = &state.config.http.trusted_proxies;
    if !trusted.contains(&peer_ip) {
        return peer_ip.to_string();
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    let client = forwarded
        .iter()
        .rev()
        .find(|hop| !trusted.contains(hop))
        .copied()
        .unwrap_or(peer_ip);
    client.to_string()
}

/// The bearer token of `Authorization: Bearer <token>`, if the request carries one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// Who calls, from the bearer token (a session or an API key): `None` without one or for
/// a token that opens nothing. A failed lookup is answered with a masked `INTERNAL` error.
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<roster_service::Principal>, Response> {
    let Some(token) = bearer(headers) else {
        return Ok(None);
    };
    state.roster.authenticate(token).await.map_err(|err| {
        let request_id = request_id(headers);
        tracing::error!(%request_id, error = %err, source = ?std::error::Error::source(&err), "authentication failed");
        json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            &format!("internal error; quote request id {request_id} when reporting it"),
        )
    })
}

/// A use case's refusal outside GraphQL: the status for its rule, and the same error body
/// (code, message, extensions) GraphQL would answer with.
pub(crate) fn service_error(err: roster_service::Error, request_id: &str) -> Response {
    let status = crate::graphql::error::http_status_of(&err);
    let error = crate::graphql::error::to_graphql(err, request_id);
    let body = serde_json::json!({
        "errors": [{ "message": error.message, "extensions": error.extensions }]
    });
    let mut response = (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

/// A plain error response with a JSON body in GraphQL's error shape.
pub(crate) fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
            .to_string(),
    )
        .into_response()
}
