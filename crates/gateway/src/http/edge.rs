//! Guards every response or request passes at the edge: an incoming `X-Request-Id` is
//! kept only when it is short and plain, and every HTML page is sent with
//! `X-Frame-Options` and a `Content-Security-Policy`, so no other site can frame a page
//! and have a visitor click its buttons.

use axum::extract::{Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::REQUEST_ID;

/// The policy of our own pages: nothing but our stylesheet loads, forms post only to us,
/// no other page may frame them and no `<base>` can redirect their relative links.
pub(crate) const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The policy of GraphiQL (`graphiql.rs`): its scripts and stylesheets load only from us
/// (no inline script, no `eval`), its fonts and icons are `data:` URLs inside its
/// stylesheet, it may call only `/graphql`, and no other page may frame it.
///
/// One inline `<style>` is allowed, by its hash: the scroll lock GraphiQL's dialogs
/// (settings, shortcuts) insert while open (`react-remove-scroll-bar`'s styles, which
/// name the body's margins and the scrollbar's width; `roster.css` makes all of them 0, so
/// the text, and its hash, never change). Without it the browser refuses it and logs a
/// CSP error each time a dialog opens.
pub(crate) const GRAPHIQL_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The stylesheet every page links (`/assets/page.css`).
pub(crate) const PAGE_CSS: &str = include_str!("../../templates/page.css");

/// Longest request id we keep from a client.
const MAX_REQUEST_ID: usize = 64;

/// Drops an incoming `X-Request-Id` that is empty, longer than 64 characters or holds
/// anything beyond `[A-Za-z0-9._-]`, so the id layer replaces it with a fresh one. The id
/// is echoed in responses, printed on error pages and written to every log line, where
/// hostile text (markup, forged log fields, kilobytes of padding) has no business.
pub(crate) async fn sanitize_request_id(mut request: Request, next: Next) -> Response {
    let acceptable = request
        .headers()
        .get(REQUEST_ID)
        .is_none_or(|value| acceptable_request_id(value.as_bytes()));
    if !acceptable {
        request.headers_mut().remove(REQUEST_ID);
    }
    next.run(request).await
}

fn acceptable_request_id(value: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID).contains(&value.len())
        && value
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
}

/// Adds `X-Frame-Options: DENY` and [`PAGE_CSP`] to every HTML response, whichever
/// handler made it, unless the handler chose its own.
pub(crate) async fn html_security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if is_html {
        let headers = response.headers_mut();
        // Only the dev mailbox's sandboxed mail body chooses otherwise (`SAMEORIGIN`).
        headers
            .entry(header::X_FRAME_OPTIONS)
            .or_insert(HeaderValue::from_static("DENY"));
        headers
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static(PAGE_CSP));
    }
    response
}

/// `GET /assets/page.css`.
pub(crate) async fn page_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PAGE_CSS,
    )
        .into_response()
}

/// `GET /avatars/{id}.svg`: the organization's default avatar, drawn from its id alone
/// (so anyone may fetch it: it tells nothing an id does not). An SVG served by us is a
/// document of our origin: it gets a policy that forbids scripts and never sniffing.
pub(crate) async fn avatar(Path(file): Path<String>) -> Response {
    let Some(id) = file
        .strip_suffix(".svg")
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
    else {
        return (StatusCode::NOT_FOUND, "no such avatar").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        roster_domain::avatar::avatar_svg(id),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::acceptable_request_id;

    #[test]
    fn request_ids_are_short_and_plain() {
        assert!(acceptable_request_id(
            b"0192f0c4-7b1a-7cc2-9a51-3f1c2d4e5f60"
        ));
        assert!(acceptable_request_id(b"trace.abc_DEF-1"));
        assert!(acceptable_request_id("x".repeat(64).as_bytes()));
        assert!(!acceptable_request_id("x".repeat(65).as_bytes()));
        assert!(!acceptable_request_id(b""));
        for hostile in ["<script>", "a b", "a\"b", "id=1 level=error", "caf\u{e9}"] {
            assert!(!acceptable_request_id(hostile.as_bytes()), "{hostile}");
        }
    }
}
