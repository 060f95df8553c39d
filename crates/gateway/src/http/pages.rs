//! What every HTML page shares: rendering (with `Referrer-Policy: no-referrer`, as tokens
//! sit in our pages' URLs), the plain message page, and the form guards. Forms carry a
//! CSRF token (an HMAC of the secret key over what the form acts on) and POSTs must come
//! from our own origin when the browser says where they come from.

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

use crate::app::AppState;

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
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
