//! Webhook endpoints (admin): create, change, rotate the secret, delete, list, the
//! delivery log, test sends and replays. Events are queued by `emit.rs`, inside the
//! transaction of the change that raised them; `delivery/webhook.rs` sends them.

mod emit;

use roster_domain::paging::page_size;
use roster_domain::webhook::ROTATION_OVERLAP;
use roster_domain::{
    Action, AuditAction, DeliveryStatus, WebhookEndpoint, WebhookEvent, WebhookSecret, WebhookUrl,
};
use roster_persistence::begin_write;
use roster_persistence::webhook_deliveries as deliveries;
use roster_persistence::webhooks::{self as store, EndpointChanges, NewEndpoint};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

pub(crate) use emit::{emit, event_data};
pub use roster_persistence::webhook_deliveries::{AttemptLog, Delivery as WebhookDelivery};

use crate::audit::Audit;
use crate::delivery::webhook::resolves_publicly;
use crate::error::{Error, Result};
use crate::principal::{Principal, require};
use crate::{RequestContext, Roster, random};

/// An endpoint with its signing secret, shown once (at creation and rotation).
#[derive(Debug, Clone)]
pub struct CreatedEndpoint {
    pub endpoint: WebhookEndpoint,
    pub secret: String,
}

/// What `updateWebhookEndpoint` may change; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
    pub description: Option<String>,
}

/// A page of an endpoint's deliveries, newest first.
#[derive(Debug, Clone)]
pub struct DeliveryPage {
    pub deliveries: Vec<WebhookDelivery>,
    pub has_next_page: bool,
}

/// The longest description an endpoint may carry.
const MAX_DESCRIPTION: usize = 500;

fn description(text: Option<&str>) -> Result<Option<String>> {
    let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_DESCRIPTION {
        return Err(Error::bad_input(
            "description",
            format!("at most {MAX_DESCRIPTION} characters"),
        ));
    }
    Ok(Some(text.to_owned()))
}

fn events(names: &[String]) -> Result<Vec<WebhookEvent>> {
    WebhookEvent::parse_list(names).map_err(|err| {
        let message = if err.value.is_empty() {
            "subscribe to at least one event".to_owned()
        } else {
            format!(
                "unknown event `{}`; known events: {}",
                err.value,
                WebhookEvent::ALL.map(WebhookEvent::as_str).join(", ")
            )
        };
        Error::bad_input("events", message)
    })
}

impl Roster {
    /// Checks an endpoint URL: its form, and where its host name resolves now.
    async fn webhook_url(&self, text: &str) -> Result<WebhookUrl> {
        let allow_private = self.config.webhooks.allow_private;
        let url =
            WebhookUrl::parse(text, allow_private).map_err(|err| Error::bad_input("url", err))?;
        if !allow_private && !resolves_publicly(&url).await {
            return Err(Error::bad_input(
                "url",
                "the URL's host resolves to a private, loopback or link-local address",
            ));
        }
        Ok(url)
    }

    fn new_secret() -> Result<WebhookSecret> {
        Ok(WebhookSecret::from_random(random::bytes()?))
    }

    /// The endpoint `id` with its organization locked and the caller's role checked
    /// (admin+); a foreign endpoint answers like a missing one.
    async fn managed_endpoint<C: ConnectionTrait>(
        &self,
        txn: &C,
        principal: &Principal,
        id: Uuid,
    ) -> Result<WebhookEndpoint> {
        let Some((endpoint, _)) = store::find(txn, id).await? else {
            return Err(self.missing(txn, principal, "webhook endpoint").await);
        };
        let view = self
            .locked_view_of(txn, principal, endpoint.organization_id, "webhook endpoint")
            .await?;
        require(view.membership.role, Action::ManageWebhooks)?;
        Ok(endpoint)
    }

    /// Registers an endpoint (admin+); the secret is in the answer and nowhere else.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `BadInput` (url, events, description).
    pub async fn create_webhook_endpoint(
        &self,
        principal: &Principal,
        organization_id: Uuid,
        url: &str,
        event_names: &[String],
        about: Option<&str>,
        request: &RequestContext,
    ) -> Result<CreatedEndpoint> {
        let url = self.webhook_url(url).await?;
        let events = events(event_names)?;
        let about = description(about)?;
        let secret = Roster::new_secret()?;
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let view = self.locked_view(&txn, principal, organization_id).await?;
        require(view.membership.role, Action::ManageWebhooks)?;
        let endpoint = store::insert(
            &txn,
            NewEndpoint {
                organization_id,
                url: url.as_str().to_owned(),
                description: about,
                events,
                secret: secret.clone(),
            },
            now,
        )
        .await?;
        Audit::by(principal, request, now)
            .action(AuditAction::WebhookEndpointCreated, organization_id)
            .target(endpoint.id)
            .context(
                serde_json::json!({ "url": endpoint.url, "events": event_names_of(&endpoint) }),
            )
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(CreatedEndpoint {
            endpoint,
            secret: secret.expose(),
        })
    }

    /// Changes an endpoint (admin+). Re-enabling one Roster switched off clears why.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `BadInput`.
    pub async fn update_webhook_endpoint(
        &self,
        principal: &Principal,
        id: Uuid,
        input: EndpointInput,
        request: &RequestContext,
    ) -> Result<WebhookEndpoint> {
        let url = match &input.url {
            Some(text) => Some(self.webhook_url(text).await?.as_str().to_owned()),
            None => None,
        };
        let events = input.events.as_deref().map(events).transpose()?;
        let about = match &input.description {
            Some(text) => Some(description(Some(text))?),
            None => None,
        };
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let before = self.managed_endpoint(&txn, principal, id).await?;
        let mut changed = Vec::new();
        if url.as_ref().is_some_and(|url| *url != before.url) {
            changed.push("url");
        }
        if events
            .as_ref()
            .is_some_and(|events| *events != before.events)
        {
            changed.push("events");
        }
        if input
            .enabled
            .is_some_and(|enabled| enabled != before.enabled)
        {
            changed.push("enabled");
        }
        if about
            .as_ref()
            .is_some_and(|about| *about != before.description)
        {
            changed.push("description");
        }
        let changes = EndpointChanges {
            url,
            description: about,
            events,
            enabled: input.enabled,
        };
        let endpoint = store::update(&txn, id, changes, now)
            .await?
            .ok_or(Error::NotFound("webhook endpoint"))?;
        if !changed.is_empty() {
            Audit::by(principal, request, now)
                .action(AuditAction::WebhookEndpointUpdated, endpoint.organization_id)
                .target(endpoint.id)
                .context(serde_json::json!({ "changed": changed, "url": endpoint.url, "enabled": endpoint.enabled }))
                .append(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(endpoint)
    }

    /// Replaces the signing secret (admin+); the old one keeps signing for 24 hours, so
    /// receivers can roll over without dropping a request.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn rotate_webhook_secret(
        &self,
        principal: &Principal,
        id: Uuid,
        request: &RequestContext,
    ) -> Result<CreatedEndpoint> {
        let secret = Roster::new_secret()?;
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        self.managed_endpoint(&txn, principal, id).await?;
        let endpoint = store::rotate(&txn, id, &secret, now + ROTATION_OVERLAP, now)
            .await?
            .ok_or(Error::NotFound("webhook endpoint"))?;
        Audit::by(principal, request, now)
            .action(AuditAction::WebhookSecretRotated, endpoint.organization_id)
            .target(endpoint.id)
            .context(serde_json::json!({ "url": endpoint.url }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(CreatedEndpoint {
            endpoint,
            secret: secret.expose(),
        })
    }

    /// Deletes an endpoint and its delivery log (admin+).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete_webhook_endpoint(
        &self,
        principal: &Principal,
        id: Uuid,
        request: &RequestContext,
    ) -> Result<Uuid> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let endpoint = self.managed_endpoint(&txn, principal, id).await?;
        store::delete(&txn, id).await?;
        Audit::by(principal, request, now)
            .action(
                AuditAction::WebhookEndpointDeleted,
                endpoint.organization_id,
            )
            .target(endpoint.id)
            .context(serde_json::json!({ "url": endpoint.url }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// The organization's endpoints (admin+).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn webhook_endpoints(
        &self,
        principal: &Principal,
        organization_id: Uuid,
    ) -> Result<Vec<WebhookEndpoint>> {
        let view = self
            .view_as(
                &self.db,
                principal,
                roster_persistence::organizations::OrganizationKey::Id(organization_id),
            )
            .await?
            .ok_or(Error::NotFound("organization"))?;
        require(view.membership.role, Action::ManageWebhooks)?;
        Ok(store::list(&self.db, organization_id).await?)
    }

    /// Reads what `id` belongs to for a caller allowed to manage its endpoints.
    async fn readable_endpoint(&self, principal: &Principal, id: Uuid) -> Result<WebhookEndpoint> {
        let Some((endpoint, _)) = store::find(&self.db, id).await? else {
            return Err(Error::NotFound("webhook endpoint"));
        };
        let view = self
            .view_as(
                &self.db,
                principal,
                roster_persistence::organizations::OrganizationKey::Id(endpoint.organization_id),
            )
            .await?
            .ok_or(Error::NotFound("webhook endpoint"))?;
        require(view.membership.role, Action::ManageWebhooks)?;
        Ok(endpoint)
    }

    /// One page of an endpoint's deliveries, newest first (admin+).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `BadInput` (first).
    pub async fn webhook_deliveries(
        &self,
        principal: &Principal,
        endpoint_id: Uuid,
        status: Option<DeliveryStatus>,
        first: Option<i32>,
        before: Option<Uuid>,
    ) -> Result<DeliveryPage> {
        let limit = page_size(first).map_err(|err| Error::bad_input("first", err))?;
        self.readable_endpoint(principal, endpoint_id).await?;
        let mut rows =
            deliveries::deliveries(&self.db, endpoint_id, status, before, limit + 1).await?;
        let has_next_page = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(DeliveryPage {
            deliveries: rows,
            has_next_page,
        })
    }

    /// How many deliveries an endpoint has, optionally of one status (admin+).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn webhook_delivery_count(
        &self,
        principal: &Principal,
        endpoint_id: Uuid,
        status: Option<DeliveryStatus>,
    ) -> Result<u64> {
        self.readable_endpoint(principal, endpoint_id).await?;
        Ok(deliveries::count_deliveries(&self.db, endpoint_id, status).await?)
    }

    /// The requests sent for one delivery, oldest first (admin+).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn webhook_attempts(
        &self,
        principal: &Principal,
        delivery: &WebhookDelivery,
    ) -> Result<Vec<AttemptLog>> {
        self.readable_endpoint(principal, delivery.endpoint_id)
            .await?;
        Ok(deliveries::attempts(&self.db, delivery.id).await?)
    }

    /// Queues a `webhook.test` event for one endpoint, whatever it subscribes to (admin+).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `BadInput` when the endpoint is disabled.
    pub async fn send_test_webhook(
        &self,
        principal: &Principal,
        id: Uuid,
    ) -> Result<WebhookDelivery> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let endpoint = self.managed_endpoint(&txn, principal, id).await?;
        if !endpoint.enabled {
            return Err(Error::bad_input(
                "id",
                "this endpoint is disabled: enable it first",
            ));
        }
        let data = serde_json::json!({
            "organizationId": endpoint.organization_id,
            "endpointId": endpoint.id,
            "message": "This is a test event from Roster.",
        });
        let ids = emit::emit_to(&txn, &[&endpoint], WebhookEvent::WebhookTest, &data, now).await?;
        let delivery = match ids.first() {
            Some(message_id) => deliveries::delivery(&txn, *message_id).await?,
            None => None,
        }
        .ok_or_else(|| Error::internal("the test delivery was not queued"))?;
        txn.commit().await?;
        self.outbox_signal.notify_one();
        Ok(delivery)
    }

    /// Sends a delivery again with its original `webhook-id` and body (admin+).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict` while a worker is sending it.
    pub async fn replay_webhook_delivery(
        &self,
        principal: &Principal,
        id: Uuid,
    ) -> Result<WebhookDelivery> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let Some(delivery) = deliveries::delivery(&txn, id).await? else {
            return Err(self.missing(&txn, principal, "webhook delivery").await);
        };
        let Some(organization_id) = delivery.organization_id else {
            return Err(self.missing(&txn, principal, "webhook delivery").await);
        };
        let view = self
            .locked_view_of(&txn, principal, organization_id, "webhook delivery")
            .await?;
        require(view.membership.role, Action::ManageWebhooks)?;
        if !deliveries::replay(&txn, id, now).await? {
            return Err(Error::Conflict {
                field: Some("id"),
                message: "this delivery is being sent right now; try again in a moment".into(),
            });
        }
        let delivery = deliveries::delivery(&txn, id)
            .await?
            .ok_or(Error::NotFound("webhook delivery"))?;
        txn.commit().await?;
        self.outbox_signal.notify_one();
        Ok(delivery)
    }

    /// Deletes webhook deliveries older than 30 days (the housekeeping job).
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn prune_webhook_deliveries(&self) -> Result<u64> {
        let cutoff = self.clock.now() - roster_domain::webhook::DELIVERY_RETENTION;
        let mut total = 0;
        loop {
            let deleted = deliveries::prune_batch(&self.db, cutoff, 1000).await?;
            total += deleted;
            if deleted < 1000 {
                return Ok(total);
            }
        }
    }
}

fn event_names_of(endpoint: &WebhookEndpoint) -> Vec<&'static str> {
    endpoint.events.iter().map(|event| event.as_str()).collect()
}
