//! GraphQL over HTTP to one Roster server: a typed operation in (from `graphql/*.graphql`,
//! checked against `schema.graphql` when this crate builds), its typed answer and the raw
//! `data` (for `--json`) out, or the first error with its `extensions.code` and the
//! server's request id.

use std::sync::Arc;
use std::time::Duration;

use graphql_client::GraphQLQuery;
use serde_json::Value;

use crate::error::CliError;

/// The server when neither a flag, the environment nor the credentials file names one:
/// where `roster` serves by default.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// A server's answer: typed, and as the server sent it.
#[derive(Debug)]
pub struct Answer<T> {
    pub data: T,
    pub raw: Value,
}

/// A client of one server, with or without a credential.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    server: String,
    endpoint: String,
    token: Option<String>,
}

/// `https://host/` and `https://host/graphql` both name the server `https://host`.
///
/// # Errors
/// When `raw` is no http(s) URL.
pub fn normalize_server(raw: &str) -> Result<String, CliError> {
    let trimmed = raw.trim();
    let bad = || {
        CliError::usage(
            format!("`{trimmed}` is not a server URL"),
            "give one like https://roster.example.com or http://127.0.0.1:8080",
        )
    };
    let url = reqwest::Url::parse(trimmed).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad());
    }
    let text = url.as_str().trim_end_matches('/');
    let text = text.strip_suffix("/graphql").unwrap_or(text);
    Ok(text.trim_end_matches('/').to_owned())
}

impl Client {
    /// A client of `server` (already normalized) sending `token` as a bearer token.
    ///
    /// # Errors
    /// When TLS cannot be set up.
    pub fn new(server: &str, token: Option<String>) -> Result<Client, CliError> {
        // reqwest is built without a TLS provider in this workspace: ring is the one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let roots =
            rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|err| CliError::local(format!("cannot set up TLS: {err}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("roster-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| CliError::local(format!("cannot set up HTTP: {err}")))?;
        Ok(Client {
            http,
            server: server.to_owned(),
            endpoint: format!("{server}/graphql"),
            token,
        })
    }

    /// The server this client speaks to.
    #[must_use]
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Whether a credential is sent.
    #[must_use]
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The same server with another credential.
    #[must_use]
    pub fn with_token(&self, token: Option<String>) -> Client {
        Client {
            token,
            ..self.clone()
        }
    }

    /// Runs operation `Q`.
    ///
    /// # Errors
    /// The server's first error, or why no answer came.
    pub async fn run<Q: GraphQLQuery>(
        &self,
        variables: Q::Variables,
    ) -> Result<Answer<Q::ResponseData>, CliError> {
        let body = Q::build_query(variables);
        let mut request = self.http.post(&self.endpoint).json(&body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|err| CliError::unreachable(&self.server, innermost(&err)))?;
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|err| CliError::unreachable(&self.server, innermost(&err)))?;
        let value: Value = serde_json::from_str(&text).map_err(|_| {
            CliError::local(format!(
                "{} answered {status} without a GraphQL response",
                self.endpoint
            ))
            .with_hint("check that --server names a Roster server")
        })?;
        if let Some(first) = value
            .get("errors")
            .and_then(Value::as_array)
            .and_then(|errors| errors.first())
        {
            let message = first
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("the server refused the request");
            let extensions = first
                .get("extensions")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            return Err(CliError::from_server(
                &self.server,
                message,
                &extensions,
                request_id,
            ));
        }
        let raw = value.get("data").cloned().unwrap_or(Value::Null);
        let data = serde_json::from_value(raw.clone()).map_err(|err| {
            CliError::local(format!("unexpected answer from {}: {err}", self.server))
                .with_hint("the server may run another version of Roster than this client")
        })?;
        Ok(Answer { data, raw })
    }
}

/// The deepest cause of an error: "Connection refused (os error 111)" rather than
/// "error sending request".
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    #[test]
    fn server_urls_are_normalized() {
        for (raw, want) in [
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
            (
                " https://roster.example.com/graphql ",
                "https://roster.example.com",
            ),
            ("https://example.com/roster/", "https://example.com/roster"),
        ] {
            assert_eq!(normalize_server(raw).unwrap(), want, "{raw}");
        }
        for raw in ["roster.example.com", "ftp://example.com", ""] {
            assert_eq!(
                normalize_server(raw).unwrap_err().kind,
                crate::error::ErrorKind::Usage,
                "{raw}"
            );
        }
    }
}
