//! `POST /graphql` and `GET /graphql`, following the GraphQL-over-HTTP specification:
//! JSON bodies only (`415` otherwise), at most 1 MiB (`413`), no batches, no mutations over
//! GET (`405`), an alias bound, and `application/graphql-response+json` status codes for
//! clients that ask for that media type. Callers authenticate with `Authorization: Bearer`,
//! or, from our own pages (GraphiQL), with the session cookie on a JSON POST.

use std::net::SocketAddr;

use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{json_error, request_context, request_id};
use crate::app::AppState;
use crate::graphql::error::bad_argument;
use crate::graphql::{LogoEtags, RequestScope, nul_in_variables};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// `POST /graphql`.
pub(super) async fn post(
    State(state): State<AppState>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_USER_INPUT",
            "POST /graphql takes Content-Type: application/json",
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "the request body is larger than 1 MiB"
            } else {
                "the request body could not be read"
            };
            return json_error(status, "BAD_USER_INPUT", message);
        }
    };
    // One pass over the body: a batch is told by its first character, so the body is not
    // parsed into a `Value` first and converted after.
    if body.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'[') {
        return json_error(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            "batched requests are not supported: send one operation per request",
        );
    }
    // async-graphql takes a missing `query` as empty; the specification requires it.
    let request = match serde_json::from_slice::<async_graphql::Request>(&body) {
        Ok(request) if !request.query.is_empty() => request,
        Ok(_) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "the body must be {\"query\": ..., \"variables\": ..., \"operationName\": ...}: query is missing",
            );
        }
        Err(err) if err.is_data() => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "the body must be {\"query\": ..., \"variables\": ..., \"operationName\": ...}",
            );
        }
        Err(_) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "the body is not valid JSON",
            );
        }
    };
    // Only here, on a JSON POST, may the browser's session cookie stand in for a token.
    let session = super::cookies::graphql_session(&state, &headers);
    execute(&state, &peer, &headers, request, true, session).await
}

/// Query parameters of `GET /graphql`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
}

/// `GET /graphql`: GraphiQL for browsers, or a query (never a mutation) in the URL.
pub(super) async fn get(
    State(state): State<AppState>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            "malformed query string",
        );
    };
    let Some(query) = params.query else {
        if state.config.http.graphiql {
            return super::graphiql::page();
        }
        return json_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "GraphiQL is switched off",
        );
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables {
        match serde_json::from_str::<serde_json::Value>(&variables) {
            Ok(variables) => {
                request = request.variables(async_graphql::Variables::from_json(variables));
            }
            Err(_) => {
                return json_error(
                    StatusCode::BAD_REQUEST,
                    "BAD_USER_INPUT",
                    "variables is not valid JSON",
                );
            }
        }
    }
    execute(&state, &peer, &headers, request, false, None).await
}

async fn execute(
    state: &AppState,
    peer: &ConnectInfo<SocketAddr>,
    headers: &HeaderMap,
    mut request: async_graphql::Request,
    allow_mutation: bool,
    session_cookie: Option<String>,
) -> Response {
    let request_id = request_id(headers);
    let wants_graphql_response = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains(GRAPHQL_RESPONSE_JSON));

    // Checks that need the parsed document, which the request then keeps, so the executor
    // does not parse it again (both come from the process's cache for a query seen
    // before). One that does not parse is left to the executor, which reports it in the
    // standard shape.
    let operation_name = request.operation_name.clone();
    let mut nul_argument = nul_in_variables(&request.variables);
    if let Some(checked) = state.documents.get(&request.query) {
        nul_argument = nul_argument.or_else(|| checked.nul_argument.clone());
        if checked.aliases > state.config.limits.query_aliases {
            return json_error(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                &format!(
                    "the query uses {} aliases; at most {} are allowed",
                    checked.aliases, state.config.limits.query_aliases
                ),
            );
        }
        if checked.depth > state.config.limits.query_depth {
            return json_error(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                &format!(
                    "the query nests fields more than {} levels deep",
                    state.config.limits.query_depth
                ),
            );
        }
        if !allow_mutation && is_mutation(&checked.document, operation_name.as_deref()) {
            let mut response = json_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "BAD_USER_INPUT",
                "mutations must be sent with POST",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
        request.set_parsed_query(checked.document.clone());
    }

    // No field takes text holding NUL (PostgreSQL cannot store or compare it), so such a
    // request is refused here as a whole, for every field, before any resolver runs.
    if let Some(field) = nul_argument {
        let error = bad_argument(&field, format!("{field} must not contain a NUL character"));
        let response = async_graphql::Response::from_errors(vec![
            error.into_server_error(async_graphql::Pos::default()),
        ]);
        return respond(&response, wants_graphql_response, true);
    }

    // A bearer token wins; without one, the session cookie of a same-origin JSON POST.
    // It is checked when a resolver first needs the caller (see `RequestScope`).
    let credential = super::bearer(headers).map(str::to_owned).or(session_cookie);
    let scope = RequestScope::new(
        credential,
        request_context(state, peer, headers),
        request_id,
    );
    let request = request.data(scope).data(LogoEtags::default());
    let mut response = state.schema.execute(request).await;

    // Errors raised before execution (syntax, validation, limits) carry no code yet.
    let mut request_error = false;
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
            request_error = true;
        }
    }
    respond(&response, wants_graphql_response, request_error)
}

/// Serializes a GraphQL response; with `application/graphql-response+json`, a request
/// error without data is `400`.
fn respond(
    response: &async_graphql::Response,
    wants_graphql_response: bool,
    request_error: bool,
) -> Response {
    let status =
        if wants_graphql_response && request_error && response.data == async_graphql::Value::Null {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
    let content_type = if wants_graphql_response {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    };
    // Sized for a page of members at once: grown from serde_json's 128 bytes, the buffer
    // was copied six times.
    let mut body = Vec::with_capacity(8 * 1024);
    match serde_json::to_writer(&mut body, response) {
        Ok(()) => (status, [(header::CONTENT_TYPE, content_type)], body).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "cannot serialize a GraphQL response");
            json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            )
        }
    }
}

fn is_mutation(
    document: &async_graphql::parser::types::ExecutableDocument,
    operation_name: Option<&str>,
) -> bool {
    document.operations.iter().any(|(name, operation)| {
        let selected = match operation_name {
            Some(wanted) => name.is_some_and(|name| name.as_str() == wanted),
            None => true,
        };
        selected && operation.node.ty == OperationType::Mutation
    })
}
