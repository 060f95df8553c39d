//! `PUT`, `DELETE` and `GET /organizations/{id}/logo`. Uploads take the raw image as the
//! body with a bearer token (admins; at most 512 KiB, read no further; the type decided
//! from the bytes, whatever `Content-Type` says). The image is served to anyone, since
//! pages embed it by URL, as an inert resource: its stored type, `nosniff`, a policy that
//! lets it load nothing, a strong `ETag` and short public caching.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roster_domain::{LogoError, NewLogo};
use uuid::Uuid;

use super::{authenticate, json_error, request_context, request_id, service_error};
use crate::app::AppState;
use crate::graphql::logo_url;

/// How long browsers and proxies may reuse a logo before asking again (with `ETag`). The
/// URLs Roster hands out carry the version, so a new logo shows at once anyway.
const CACHE_CONTROL: &str = "public, max-age=300";

/// A served image may load nothing and run nothing, even when opened directly.
const IMAGE_CSP: &str = "default-src 'none'; sandbox";

/// `PUT /organizations/{id}/logo`: replaces the organization's logo.
pub(super) async fn upload(
    State(state): State<AppState>,
    peer: ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let principal = match caller(&state, &headers).await {
        Ok(principal) => principal,
        Err(refused) => return refused,
    };
    let Ok(organization_id) = Uuid::parse_str(&id) else {
        return not_found(&headers);
    };
    // The route's body limit makes this stop reading past 512 KiB.
    let bytes = match Bytes::from_request(request, &state).await {
        Ok(bytes) => bytes,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refused_logo(LogoError::TooLarge);
        }
        Err(_) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "the request body could not be read",
            );
        }
    };
    let logo = match NewLogo::parse(bytes.into()) {
        Ok(logo) => logo,
        Err(err) => return refused_logo(err),
    };
    let context = request_context(&state, &peer, &headers);
    match state
        .roster
        .set_logo(&principal, organization_id, &logo, &context)
        .await
    {
        Ok(etag) => {
            let url = logo_url(state.roster.public_url(), organization_id, &etag);
            let mut response = (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::json!({
                    "logoUrl": url,
                    "contentType": logo.image_type().content_type(),
                    "bytes": logo.bytes().len(),
                    "etag": etag,
                })
                .to_string(),
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&quoted(&etag)) {
                response.headers_mut().insert(header::ETAG, value);
            }
            response
        }
        Err(err) => service_error(err, &request_id(&headers)),
    }
}

/// `DELETE /organizations/{id}/logo`: back to the drawn avatar. `204` also when there was
/// no logo.
pub(super) async fn remove(
    State(state): State<AppState>,
    peer: ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let principal = match caller(&state, &headers).await {
        Ok(principal) => principal,
        Err(refused) => return refused,
    };
    let Ok(organization_id) = Uuid::parse_str(&id) else {
        return not_found(&headers);
    };
    let context = request_context(&state, &peer, &headers);
    match state
        .roster
        .remove_logo(&principal, organization_id, &context)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => service_error(err, &request_id(&headers)),
    }
}

/// `GET /organizations/{id}/logo`: the image, or `304` when `If-None-Match` names it.
pub(super) async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(organization_id) = Uuid::parse_str(&id) else {
        return no_logo();
    };
    let logo = match state.roster.logo(organization_id).await {
        Ok(Some(logo)) => logo,
        Ok(None) => return no_logo(),
        Err(err) => return service_error(err, &request_id(&headers)),
    };
    let etag = quoted(&logo.etag);
    let cached = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, CACHE_CONTROL.to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (header::CONTENT_SECURITY_POLICY, IMAGE_CSP.to_owned()),
    ];
    if none_match(&headers, &logo.etag) {
        return (StatusCode::NOT_MODIFIED, cached).into_response();
    }
    (
        StatusCode::OK,
        cached,
        [(
            header::CONTENT_TYPE,
            logo.image_type.content_type().to_owned(),
        )],
        logo.bytes,
    )
        .into_response()
}

/// The authenticated caller, or `401` (with `WWW-Authenticate: Bearer`) without a token
/// that opens a session or names an API key.
async fn caller(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<roster_service::Principal, Response> {
    authenticate(state, headers)
        .await?
        .ok_or_else(|| service_error(roster_service::Error::Unauthenticated, &request_id(headers)))
}

/// What an id that is not a UUID gets: the same as an organization that does not exist.
fn not_found(headers: &HeaderMap) -> Response {
    service_error(
        roster_service::Error::NotFound("organization"),
        &request_id(headers),
    )
}

fn no_logo() -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "this organization has no logo",
    )
}

/// An upload that is no logo: `413` past the size limit, `415` for any other format,
/// `400` for an empty body.
fn refused_logo(err: LogoError) -> Response {
    let status = match err {
        LogoError::Empty => StatusCode::BAD_REQUEST,
        LogoError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        LogoError::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
    };
    json_error(status, "BAD_USER_INPUT", &err.to_string())
}

fn quoted(etag: &str) -> String {
    format!("\"{etag}\"")
}

/// Whether `If-None-Match` names `etag` (or is `*`). Weak and strong tags compare alike
/// here, as RFC 9110 asks for this header.
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|candidate| {
            candidate == "*"
                || candidate
                    .strip_prefix("W/")
                    .unwrap_or(candidate)
                    .strip_prefix('"')
                    .and_then(|tag| tag.strip_suffix('"'))
                    == Some(etag)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_if_none_match(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn if_none_match_compares_entity_tags_weakly() {
        let etag = "ab12";
        for matching in [
            &["\"ab12\""][..],
            &["W/\"ab12\""],
            &["\"zz\", \"ab12\""],
            &["\"zz\"", "\"ab12\""],
            &["*"],
        ] {
            assert!(
                none_match(&with_if_none_match(matching), etag),
                "{matching:?}"
            );
        }
        for other in [&[][..], &["\"zz\""], &["ab12"], &["\"ab1\""], &["\"ab12"]] {
            assert!(!none_match(&with_if_none_match(other), etag), "{other:?}");
        }
    }
}
