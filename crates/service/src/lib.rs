//! Roster's use cases. Each command runs as one transaction: load (under the per-org lock
//! where an invariant spans rows), decide with the domain's rules, write through the
//! repositories, append the audit event and any outbox messages, commit. Nothing is sent
//! before commit; the delivery worker sends afterwards.
//!
//! This crate must not know about HTTP or GraphQL: callers hand it parsed-enough input and
//! a `RequestContext`, and get back domain types or an `Error` named after the broken rule.

mod audit;
mod audit_log;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod error;
mod housekeeping;
mod invitations;
mod logo;
mod members;
mod notifications;
mod org_tokens;
mod organizations;
mod paging;
mod plans;
pub mod policy;
mod principal;
mod projects;
mod random;
mod rate;
mod sessions;
mod sign_in_alerts;
mod sign_in_link;
mod usage;
mod webhooks;
mod weekly_summary;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use roster_mailer::Mailer;
use roster_persistence::Database;
use tokio::sync::Notify;

pub use audit_log::AuditPage;
pub use clock::{Clock, OffsetClock, SystemClock};
pub use config::{Config, ConfigError};
pub use delivery::webhook::install_tls_provider;
pub use delivery::{DeliveryWorker, WebhookCounters};
pub use error::{Error, Result};
pub use invitations::{Accepted, InvitationPage, InvitationRef, InvitationView};
pub use org_tokens::{OrgTokenGrant, OrganizationToken};
pub use organizations::{
    MemberFilter, MemberPage, OrganizationChanges, OrganizationKey, OrganizationPage,
};
pub use plans::{PlanPolicy, Usage, UsageMetric};
pub use policy::{Resource, SpendPolicy, Unlimited};
pub use principal::Principal;
pub use projects::{ApiKeyView, CreatedApiKey, ProjectPage};
pub use roster_mailer::{MailboxEntry, SavedMessage};
pub use roster_persistence::audit::AuditFilter;
pub use roster_persistence::outbox::{Delivery, UndeliveredMail};
pub use sessions::{Actor, SignedIn};
pub use sign_in_link::SignInLinkStatus;
pub use webhooks::{AttemptLog, CreatedEndpoint, DeliveryPage, EndpointInput, WebhookDelivery};

/// Where a request came from, recorded with every audit event it causes.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The service: every use case hangs off this handle. Cheap to clone.
#[derive(Clone)]
pub struct Roster {
    db: Database,
    config: Arc<Config>,
    /// `config.public_url()`, resolved once: every mailed link starts with it.
    public_url: Arc<str>,
    /// How many seats and projects each organization may hold.
    policy: Arc<dyn SpendPolicy>,
    clock: Arc<dyn Clock>,
    mailer: Arc<Mailer>,
    /// Wakes the local delivery worker right after a commit that queued mail.
    outbox_signal: Arc<Notify>,
    /// Webhook requests by outcome, counted by this process's delivery worker.
    webhook_counters: Arc<WebhookCounters>,
    /// Organization-token public keys recently read, by `kid`.
    verifying_keys: Arc<org_tokens::VerifyingKeys>,
}

impl Roster {
    /// Builds the service over an open, migrated database, with no spending limits.
    #[must_use]
    pub fn new(db: Database, config: Config, clock: Arc<dyn Clock>, mailer: Mailer) -> Roster {
        delivery::webhook::install_tls_provider();
        Roster {
            db,
            public_url: Arc::from(config.public_url()),
            config: Arc::new(config),
            policy: Arc::new(Unlimited),
            clock,
            mailer: Arc::new(mailer),
            outbox_signal: Arc::new(Notify::new()),
            webhook_counters: Arc::new(WebhookCounters::default()),
            verifying_keys: Arc::default(),
        }
    }

    /// The same service with `policy` deciding how much each organization may hold.
    #[must_use]
    pub fn with_policy(self, policy: Arc<dyn SpendPolicy>) -> Roster {
        Roster { policy, ..self }
    }

    /// The delivery worker for this service's outbox.
    #[must_use]
    pub fn delivery_worker(&self) -> DeliveryWorker {
        DeliveryWorker::new(
            self.db.clone(),
            Arc::clone(&self.mailer),
            Arc::clone(&self.config),
            Arc::clone(&self.clock),
            Arc::clone(&self.outbox_signal),
            Arc::clone(&self.webhook_counters),
        )
    }

    /// Webhook requests by outcome since start (for `/metrics`).
    #[must_use]
    pub fn webhook_counts(&self) -> [(&'static str, u64); 3] {
        self.webhook_counters.snapshot()
    }

    /// The base URL every link Roster hands out starts with.
    #[must_use]
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The configuration the service runs with.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whether the database answers and every migration is applied (for `/readyz`).
    ///
    /// # Errors
    /// `Error::Internal` when the database cannot be reached.
    pub async fn readiness(&self) -> Result<bool> {
        Ok(roster_persistence::migrations_pending(&self.db).await? == 0)
    }

    /// How many messages wait in the outbox (for `/metrics`).
    ///
    /// # Errors
    /// `Error::Internal` when the database cannot be reached.
    pub async fn outbox_depth(&self) -> Result<u64> {
        Ok(roster_persistence::outbox::queued_depth(&self.db).await?)
    }

    /// The dev mailbox's messages, newest first; `None` when mail goes over SMTP.
    ///
    /// # Errors
    /// `Error::Internal` when the folder cannot be read.
    pub async fn dev_mailbox(&self, limit: usize) -> Result<Option<Vec<MailboxEntry>>> {
        match self.mailer.dev_mailbox_folder() {
            Some(folder) => Ok(Some(
                roster_mailer::list_dev_mailbox(folder, limit)
                    .await
                    .map_err(Error::internal)?,
            )),
            None => Ok(None),
        }
    }

    /// One dev mailbox message with its bodies; `None` when mail goes over SMTP or there is
    /// no such message.
    ///
    /// # Errors
    /// `Error::Internal` when its files cannot be read.
    pub async fn dev_mailbox_message(&self, id: &str) -> Result<Option<SavedMessage>> {
        match self.mailer.dev_mailbox_folder() {
            Some(folder) => roster_mailer::read_dev_mailbox(folder, id)
                .await
                .map_err(Error::internal),
            None => Ok(None),
        }
    }

    /// The newest mails that failed for good or are waiting for a retry, with the last
    /// error (the dev mailbox shows them, so a missing mail explains itself).
    ///
    /// # Errors
    /// `Error::Internal` on database failure.
    pub async fn undelivered_mail(&self, limit: u64) -> Result<Vec<UndeliveredMail>> {
        Ok(roster_persistence::outbox::undelivered_mail(&self.db, limit).await?)
    }

    /// Reads (or creates once, shared by every process) the server's secret key.
    ///
    /// # Errors
    /// `Error::Internal` on database failure.
    pub async fn persisted_secret_key(&self) -> Result<String> {
        let candidate = random::token("rsk_")?;
        Ok(roster_persistence::secrets::get_or_create(
            &self.db,
            "secret_key",
            candidate.expose(),
            self.clock.now(),
        )
        .await?)
    }
}

/// How times read in mail and on pages: `2026-11-29 12:00 UTC`.
#[must_use]
pub fn format_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M UTC").to_string()
}
