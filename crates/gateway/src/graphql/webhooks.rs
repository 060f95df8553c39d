//! Webhook endpoints, their delivery log and the mutations that manage them (admin).

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use roster_domain::WebhookEndpoint;
use roster_service::{AttemptLog, CreatedEndpoint, EndpointInput, WebhookDelivery};
use uuid::Uuid;

use super::error::ResultExt;
use super::invitation_types::DeliveryStatus;
use super::paging::{self, parse_cursor};
use super::{origin, parse_id, principal, roster};

/// An organization's webhook receiver. Its secret is shown only by create and rotate.
pub(super) struct WebhookEndpointObject(pub WebhookEndpoint);

#[Object(name = "WebhookEndpoint", serial)]
impl WebhookEndpointObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The events sent to this endpoint.
    async fn events(&self) -> Vec<&'static str> {
        self.0.events.iter().map(|event| event.as_str()).collect()
    }
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Why Roster switched the endpoint off (`410 Gone`, days of failures), if it did.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The delivery log, newest first.
    #[graphql(complexity = "paging::complexity(first, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<DeliveryStatus>,
    ) -> async_graphql::Result<paging::Page<WebhookDeliveryObject, DeliveryTotal>> {
        let after = parse_cursor(ctx, after.as_deref())?;
        let status = status.map(roster_domain::DeliveryStatus::from);
        let page = roster(ctx)?
            .webhook_deliveries(principal(ctx).await?, self.0.id, status, first, after)
            .await
            .gql(ctx)?;
        Ok(paging::connection(
            after,
            page.has_next_page,
            DeliveryTotal {
                endpoint_id: self.0.id,
                status,
            },
            page.deliveries,
            |delivery| (delivery.id, WebhookDeliveryObject(delivery)),
        ))
    }
}

/// `totalCount` of a delivery log listing.
pub(super) struct DeliveryTotal {
    endpoint_id: Uuid,
    status: Option<roster_domain::DeliveryStatus>,
}

#[Object]
impl DeliveryTotal {
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        roster(ctx)?
            .webhook_delivery_count(principal(ctx).await?, self.endpoint_id, self.status)
            .await
            .gql(ctx)
    }
}

impl From<DeliveryStatus> for roster_domain::DeliveryStatus {
    fn from(status: DeliveryStatus) -> Self {
        match status {
            DeliveryStatus::Queued => roster_domain::DeliveryStatus::Queued,
            DeliveryStatus::Sent => roster_domain::DeliveryStatus::Sent,
            DeliveryStatus::Failed => roster_domain::DeliveryStatus::Failed,
        }
    }
}

/// An endpoint with its signing secret, shown once.
pub(super) struct CreatedWebhookEndpointObject(CreatedEndpoint);

#[Object(name = "CreatedWebhookEndpoint", serial)]
impl CreatedWebhookEndpointObject {
    async fn endpoint(&self) -> WebhookEndpointObject {
        WebhookEndpointObject(self.0.endpoint.clone())
    }
    /// `whsec_...`: verify `webhook-signature` with it. Shown only now.
    async fn secret(&self) -> &str {
        &self.0.secret
    }
}

/// One event for one endpoint, and how its delivery went.
pub(super) struct WebhookDeliveryObject(WebhookDelivery);

#[Object(name = "WebhookDelivery", serial)]
impl WebhookDeliveryObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// The `webhook-id` header: the same on every attempt and replay.
    async fn message_id(&self) -> &str {
        &self.0.message_id
    }
    async fn status(&self) -> DeliveryStatus {
        self.0.status.into()
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// The newest attempt's HTTP status, if the endpoint answered.
    async fn response_status(&self) -> Option<i32> {
        self.0.response_status
    }
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the next attempt is due, while one is.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_attempt_at
    }
    /// Every request sent for this delivery, oldest first.
    async fn attempt_log(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<WebhookAttemptObject>> {
        Ok(roster(ctx)?
            .webhook_attempts(principal(ctx).await?, &self.0)
            .await
            .gql(ctx)?
            .into_iter()
            .map(WebhookAttemptObject)
            .collect())
    }
}

/// One request sent for a delivery.
pub(super) struct WebhookAttemptObject(AttemptLog);

#[Object(name = "WebhookAttempt", serial)]
impl WebhookAttemptObject {
    async fn attempted_at(&self) -> DateTime<Utc> {
        self.0.attempted_at
    }
    async fn response_status(&self) -> Option<i32> {
        self.0.response_status
    }
    /// The first 1 KiB of the response body.
    async fn response_body(&self) -> Option<&str> {
        self.0.response_body.as_deref()
    }
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
}

/// Webhook mutations.
#[derive(Default)]
pub(super) struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint (admin) for `events`; the secret is in this answer only.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        url: String,
        events: Vec<String>,
        description: Option<String>,
    ) -> async_graphql::Result<CreatedWebhookEndpointObject> {
        let organization_id = parse_id(ctx, "organizationId", &organization_id)?;
        let created = roster(ctx)?
            .create_webhook_endpoint(
                principal(ctx).await?,
                organization_id,
                &url,
                &events,
                description.as_deref(),
                origin(ctx)?,
            )
            .await
            .gql(ctx)?;
        Ok(CreatedWebhookEndpointObject(created))
    }

    /// Changes an endpoint (admin); `enabled: true` switches a disabled one back on.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
        url: Option<String>,
        events: Option<Vec<String>>,
        enabled: Option<bool>,
        description: Option<String>,
    ) -> async_graphql::Result<WebhookEndpointObject> {
        let id = parse_id(ctx, "id", &id)?;
        let input = EndpointInput {
            url,
            events,
            enabled,
            description,
        };
        let endpoint = roster(ctx)?
            .update_webhook_endpoint(principal(ctx).await?, id, input, origin(ctx)?)
            .await
            .gql(ctx)?;
        Ok(WebhookEndpointObject(endpoint))
    }

    /// A new signing secret (admin); the old one also signs for the next 24 hours.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<CreatedWebhookEndpointObject> {
        let id = parse_id(ctx, "id", &id)?;
        let rotated = roster(ctx)?
            .rotate_webhook_secret(principal(ctx).await?, id, origin(ctx)?)
            .await
            .gql(ctx)?;
        Ok(CreatedWebhookEndpointObject(rotated))
    }

    /// Deletes an endpoint and its delivery log (admin). Returns its id.
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ID> {
        let id = parse_id(ctx, "id", &id)?;
        let deleted = roster(ctx)?
            .delete_webhook_endpoint(principal(ctx).await?, id, origin(ctx)?)
            .await
            .gql(ctx)?;
        Ok(ID(deleted.to_string()))
    }

    /// Sends a `webhook.test` event to the endpoint now (admin).
    async fn send_test_webhook(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookDeliveryObject> {
        let id = parse_id(ctx, "id", &id)?;
        let delivery = roster(ctx)?
            .send_test_webhook(principal(ctx).await?, id)
            .await
            .gql(ctx)?;
        Ok(WebhookDeliveryObject(delivery))
    }

    /// Sends a delivery again, with the same `webhook-id` and body (admin).
    async fn replay_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookDeliveryObject> {
        let id = parse_id(ctx, "id", &id)?;
        let delivery = roster(ctx)?
            .replay_webhook_delivery(principal(ctx).await?, id)
            .await
            .gql(ctx)?;
        Ok(WebhookDeliveryObject(delivery))
    }
}

/// `Organization.webhooks`.
pub(super) async fn endpoints(
    ctx: &Context<'_>,
    organization_id: Uuid,
) -> async_graphql::Result<Vec<WebhookEndpointObject>> {
    Ok(roster(ctx)?
        .webhook_endpoints(principal(ctx).await?, organization_id)
        .await
        .gql(ctx)?
        .into_iter()
        .map(WebhookEndpointObject)
        .collect())
}
