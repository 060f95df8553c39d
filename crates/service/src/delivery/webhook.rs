//! The webhook channel's sender: POSTs a queued event to its endpoint, signed per Standard
//! Webhooks with every secret in use, with a timeout and no redirects, through a DNS
//! resolver that refuses private addresses (so a name that resolved publicly when the
//! endpoint was created cannot be pointed at Roster's network later). Each attempt is
//! written to the delivery log; `410 Gone` switches the endpoint off, and so do five days
//! of nothing but failures (its admins are mailed).

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use roster_domain::webhook::{RESPONSE_BODY_LIMIT, is_forbidden_ip, signature_header};
use roster_domain::{MailKind, MessageKind, SigningSecrets, WebhookSecret, WebhookUrl};
use roster_mailer::Mail;
use roster_persistence::outbox::{self, ClaimedMessage, NewMessage};
use roster_persistence::webhook_deliveries::{self as deliveries, AttemptLog};
use roster_persistence::webhooks as store;
use roster_persistence::{Database, memberships};
use serde::Deserialize;

use super::Outcome;
use crate::clock::Clock;
use crate::config::Config;

/// Why a host name was not connected to.
#[derive(Debug, thiserror::Error)]
#[error("the host name resolves to a private, loopback or link-local address")]
struct PrivateAddress;

/// Resolves host names with the system resolver and refuses any that yields a forbidden
/// address (unless private addresses are allowed).
struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allow_private && any_forbidden(&addrs) {
                return Err(Box::new(PrivateAddress) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether `url`'s host name (if it is one) resolves only to public addresses right now.
/// A name that does not resolve passes: it may exist later, and sending checks again.
pub(crate) async fn resolves_publicly(url: &WebhookUrl) -> bool {
    let Some(host) = url.domain() else {
        return true;
    };
    match tokio::net::lookup_host((host, url.port())).await {
        Ok(addrs) => !any_forbidden(&addrs.collect::<Vec<_>>()),
        Err(_) => true,
    }
}

/// Whether a name's addresses include one a webhook may never reach (one is enough: a
/// client may pick any of them).
fn any_forbidden(addrs: &[SocketAddr]) -> bool {
    addrs.iter().any(|addr| is_forbidden_ip(addr.ip()))
}

/// What the outbox holds for one webhook message.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    endpoint_id: uuid::Uuid,
    message_id: String,
    body: String,
    /// Set only for an organization's deletion (its endpoint row is gone by then).
    url: Option<String>,
    #[serde(default)]
    secrets: Vec<String>,
}

/// Sends outbox messages of the webhook channel.
pub(super) struct WebhookSender {
    db: Database,
    client: reqwest::Client,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
    public_url: String,
}

/// Makes ring the process's rustls provider (if none is yet). Webhook calls build their
/// own TLS config, but reqwest is compiled without a built-in provider here, so any other
/// client in the process (tests, tools) needs this default; `Roster::new`, which builds
/// every worker, calls it.
pub fn install_tls_provider() {
    // An error means a provider is installed already, which is just as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// TLS with the ring provider (the one the rest of the build already uses) and the
/// Mozilla roots.
fn tls() -> Result<rustls::ClientConfig, rustls::Error> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

fn client(config: &Config) -> Result<reqwest::Client, Box<dyn std::error::Error>> {
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls()?)
        .timeout(config.webhooks.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Roster-Webhooks/1")
        .dns_resolver(GuardedResolver {
            allow_private: config.webhooks.allow_private,
        })
        .build()?)
}

impl WebhookSender {
    pub(super) fn new(db: Database, config: Arc<Config>, clock: Arc<dyn Clock>) -> WebhookSender {
        let client = client(&config).unwrap_or_else(|err| {
            // Without TLS config every https send fails and is retried, which the log shows.
            tracing::error!(error = %err, "webhook client could not be configured");
            reqwest::Client::builder()
                .timeout(config.webhooks.timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default()
        });
        WebhookSender {
            db,
            client,
            public_url: config.public_url(),
            config,
            clock,
        }
    }

    pub(super) async fn send(&self, message: &ClaimedMessage) -> Outcome {
        let payload: Payload = match serde_json::from_value(message.payload.clone()) {
            Ok(payload) => payload,
            Err(err) => {
                tracing::error!(id = %message.id, error = %err, "webhook payload unreadable");
                return Outcome::Permanent("the stored message could not be read".to_owned());
            }
        };
        let now = self.clock.now();
        let (url, secrets) = match self.target(message.id, &payload, now).await {
            Ok(target) => target,
            Err(outcome) => return outcome,
        };
        let timestamp = now.timestamp();
        let secrets: Vec<&WebhookSecret> = secrets.iter().collect();
        let signature = signature_header(&secrets, &payload.message_id, timestamp, &payload.body);
        let request = self
            .client
            .post(url.as_str())
            .header("content-type", "application/json")
            .header("webhook-id", &payload.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(payload.body.clone());
        let (log, outcome) = match request.send().await {
            Ok(response) => answered(response, now).await,
            Err(err) => {
                let error = describe(&err);
                (
                    AttemptLog {
                        attempted_at: now,
                        response_status: None,
                        response_body: None,
                        error: Some(error.clone()),
                    },
                    if is_private(&err) {
                        Outcome::Permanent(error)
                    } else {
                        Outcome::Transient(error)
                    },
                )
            }
        };
        if let Err(err) = self.after(message, &payload, log, &outcome, now).await {
            tracing::error!(id = %message.id, error = %err, "could not record the webhook attempt");
        }
        outcome
    }

    /// Where to send and with which secrets: the endpoint as it is now, or the copy a
    /// deleted organization's message carries.
    async fn target(
        &self,
        message_id: uuid::Uuid,
        payload: &Payload,
        now: DateTime<Utc>,
    ) -> Result<(WebhookUrl, Vec<WebhookSecret>), Outcome> {
        let allow_private = self.config.webhooks.allow_private;
        let (url, secrets) = if let Some(url) = &payload.url {
            let secrets = payload
                .secrets
                .iter()
                .filter_map(|text| WebhookSecret::parse(text).ok())
                .collect();
            (url.clone(), secrets)
        } else {
            let found = store::find(&self.db, payload.endpoint_id)
                .await
                .map_err(|err| Outcome::Transient(format!("database: {err}")))?;
            let Some((endpoint, secrets)) = found else {
                // Its organization may have been deleted since the claim, which gives the
                // message its endpoint's address to travel with: read it again.
                let detached = deliveries::delivery_payload(&self.db, message_id)
                    .await
                    .map_err(|err| Outcome::Transient(format!("database: {err}")))?
                    .and_then(|payload| serde_json::from_value::<Payload>(payload).ok())
                    .filter(|payload| payload.url.is_some());
                return match detached {
                    Some(payload) => Box::pin(self.target(message_id, &payload, now)).await,
                    None => Err(Outcome::Permanent("the endpoint was deleted".to_owned())),
                };
            };
            if !endpoint.enabled {
                return Err(Outcome::Permanent("the endpoint is disabled".to_owned()));
            }
            (endpoint.url, in_use(&secrets, now))
        };
        let url = WebhookUrl::parse(&url, allow_private)
            .map_err(|err| Outcome::Permanent(err.to_string()))?;
        Ok((url, secrets))
    }

    /// Logs the attempt and keeps the endpoint's state: `410` switches it off, a success
    /// ends a failure streak, and a streak of five days switches it off and mails its
    /// admins.
    async fn after(
        &self,
        message: &ClaimedMessage,
        payload: &Payload,
        log: AttemptLog,
        outcome: &Outcome,
        now: DateTime<Utc>,
    ) -> crate::Result<()> {
        deliveries::log_attempt(&self.db, message.id, log.clone()).await?;
        if payload.url.is_some() {
            return Ok(());
        }
        let endpoint_id = payload.endpoint_id;
        if log.response_status == Some(410) {
            store::disable(&self.db, endpoint_id, "the endpoint answered 410 Gone", now).await?;
            tracing::warn!(endpoint = %endpoint_id, "webhook endpoint answered 410 Gone; disabled");
            return Ok(());
        }
        let succeeded = matches!(outcome, Outcome::Sent);
        let Some(endpoint) = store::record_outcome(&self.db, endpoint_id, succeeded, now).await?
        else {
            return Ok(());
        };
        if succeeded || !endpoint.failed_too_long(now) {
            return Ok(());
        }
        let txn = roster_persistence::begin_write(&self.db).await?;
        let reason = "every delivery failed for 5 days";
        if store::disable(&txn, endpoint_id, reason, now).await? {
            tracing::warn!(endpoint = %endpoint_id, "webhook endpoint failing for 5 days; disabled");
            let organization = roster_persistence::organizations::find(
                &txn,
                roster_persistence::organizations::OrganizationKey::Id(endpoint.organization_id),
            )
            .await?;
            let organization_name = organization.map_or_else(String::new, |org| org.name);
            for (_, to) in memberships::admins(&txn, endpoint.organization_id).await? {
                let mail = Mail::WebhookDisabled {
                    to: to.clone(),
                    link: format!("{}/graphql", self.public_url),
                    organization: organization_name.clone(),
                    url: endpoint.url.clone(),
                    since: endpoint
                        .failing_since
                        .map(crate::format_time)
                        .unwrap_or_default(),
                };
                let payload = serde_json::to_value(&mail).map_err(crate::Error::internal)?;
                outbox::enqueue(
                    &txn,
                    NewMessage {
                        kind: MessageKind::Mail(MailKind::WebhookDisabled),
                        organization_id: Some(endpoint.organization_id),
                        subject_id: Some(endpoint_id),
                        recipient: to,
                        payload,
                        expires_at: None,
                    },
                    now,
                )
                .await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }
}

fn in_use(secrets: &SigningSecrets, now: DateTime<Utc>) -> Vec<WebhookSecret> {
    secrets.in_use(now).into_iter().cloned().collect()
}

/// The log entry and outcome of a request that got an answer: 2xx is delivered; anything
/// else is retried (`410` is final).
async fn answered(mut response: reqwest::Response, now: DateTime<Utc>) -> (AttemptLog, Outcome) {
    let status = response.status();
    let mut body = Vec::new();
    while body.len() < RESPONSE_BODY_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    body.truncate(RESPONSE_BODY_LIMIT);
    let text = String::from_utf8_lossy(&body).into_owned();
    let outcome = if status.is_success() {
        Outcome::Sent
    } else if status == reqwest::StatusCode::GONE {
        Outcome::Permanent("the endpoint answered 410 Gone".to_owned())
    } else {
        Outcome::Transient(format!("the endpoint answered {status}"))
    };
    let error = match &outcome {
        Outcome::Sent => None,
        Outcome::Transient(error) | Outcome::Permanent(error) => Some(error.clone()),
    };
    (
        AttemptLog {
            attempted_at: now,
            response_status: Some(i32::from(status.as_u16())),
            response_body: (!text.is_empty()).then_some(text),
            error,
        },
        outcome,
    )
}

fn is_private(err: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = source {
        if current.is::<PrivateAddress>() {
            return true;
        }
        source = current.source();
    }
    false
}

/// A failed request in words (no URLs with secrets in them: endpoint URLs have none).
fn describe(err: &reqwest::Error) -> String {
    if is_private(err) {
        PrivateAddress.to_string()
    } else if err.is_timeout() {
        "the endpoint did not answer in time".to_owned()
    } else if err.is_connect() {
        "could not connect to the endpoint".to_owned()
    } else if err.is_redirect() {
        "the endpoint answered with a redirect, which is not followed".to_owned()
    } else {
        "the request failed".to_owned()
    }
}
