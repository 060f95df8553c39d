//! Operations endpoints: liveness, readiness (database reachable, migrations applied),
//! Prometheus metrics, and the response given when a handler panics.

use std::any::Any;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;

use super::json_error;
use crate::app::AppState;

/// `GET /healthz`: the process is up.
pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers and every migration is applied.
pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    match state.roster.readiness().await {
        Ok(true) => (StatusCode::OK, "ready").into_response(),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending").into_response(),
        Err(err) => {
            tracing::warn!(error = %err, source = ?std::error::Error::source(&err), "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// `GET /.well-known/jwks.json`: the public keys organization tokens are signed with,
/// cacheable for a minute (a rotated-out key stays listed longer than that).
pub(super) async fn jwks(State(state): State<AppState>) -> Response {
    match state.roster.jwks().await {
        Ok(keys) => (
            [
                (header::CONTENT_TYPE, "application/jwk-set+json"),
                (header::CACHE_CONTROL, "public, max-age=60"),
            ],
            keys.to_string(),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, source = ?std::error::Error::source(&err), "jwks failed");
            json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "the keys could not be read",
            )
        }
    }
}

/// `GET /metrics`: Prometheus text format; only with the bearer token when
/// `ROSTER_METRICS_TOKEN` is set (compared in constant time).
pub(super) async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &state.config.http.metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or("");
        if !constant_time_eq(presented.as_bytes(), expected.expose_secret().as_bytes()) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "metrics need the bearer token from ROSTER_METRICS_TOKEN",
            )
                .into_response();
        }
    }
    let depth = match state.roster.outbox_depth().await {
        Ok(depth) => Some(depth),
        Err(err) => {
            tracing::warn!(error = %err, "cannot read the outbox depth");
            None
        }
    };
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(depth, &state.roster.webhook_counts()),
    )
        .into_response()
}

/// Compares without an early exit, so response time says nothing about how much matched.
fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0_u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// What a panicking handler answers: a masked `INTERNAL` error (details in the log).
pub(super) fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "handler panicked");
    json_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "internal error",
    )
}
