//! The page session cookie, built and read in one place: `HttpOnly; SameSite=Lax` (so a
//! cross-site form cannot ride on it and scripts cannot read it), `Secure` when the public
//! URL is HTTPS, and as long-lived as a session. `/graphql` accepts it only on JSON POSTs
//! from our own origin, where no `Authorization` header is sent.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use crate::app::AppState;

/// The cookie's name.
const SESSION_COOKIE: &str = "roster_session";

/// Sets the session cookie to `token` on `response`.
pub(crate) fn set_session(state: &AppState, response: &mut Response, token: &str) {
    let max_age = state.roster.config().auth.session_ttl.num_seconds();
    insert(response, &cookie(state, token, max_age));
}

/// Tells the browser to forget the session cookie.
pub(crate) fn clear_session(state: &AppState, response: &mut Response) {
    insert(response, &cookie(state, "", 0));
}

/// The session token the browser sent, if any.
pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The session cookie of a `POST /graphql` (already known to be `application/json`, which
/// no cross-site form can send, and which a cross-site script cannot send without a CORS
/// preflight we never grant), when no `Authorization` header is present (a bearer token
/// wins) and the browser's `Origin` / `Sec-Fetch-Site`, when sent, say it is our own page.
pub(crate) fn graphql_session(state: &AppState, headers: &HeaderMap) -> Option<String> {
    if headers.contains_key(header::AUTHORIZATION) {
        return None;
    }
    let site_ok = headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok())
        .is_none_or(|site| site == "same-origin");
    (site_ok && super::pages::same_origin(state, headers))
        .then(|| session_token(headers))
        .flatten()
        .filter(|token| !token.is_empty())
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> String {
    let secure = if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

fn insert(response: &mut Response, cookie: &str) {
    // Tokens and the fixed attributes are ASCII, so the value always converts.
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
}
