//! The outbox delivery worker: one claim/lease/retry mechanism for every kind of message,
//! with a sender per channel (`delivery/mail.rs`, `delivery/webhook.rs`). Mail retries
//! with capped exponential backoff; webhooks on the Standard Webhooks schedule.
//!
//! A pass claims a small batch of due messages under a lease that names this worker, then
//! for each message: renews the lease (and thereby re-checks that this worker still owns
//! it), fails it without sending if it stopped mattering (its link expired), hands it to
//! its channel's sender, and records the outcome. Transient failures retry with capped
//! exponential backoff until the message expires; permanent ones fail it at once. Because
//! every send happens right after a successful renewal, and a send takes less than a lease,
//! a slow peer never makes two processes send one message.

mod mail;
pub(crate) mod webhook;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use roster_domain::{Channel, MailKind, MessageKind};
use roster_mailer::Mailer;
use roster_persistence::outbox::{self, Attempt, ClaimedMessage, Lease};
use roster_persistence::{Database, begin_write};
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use crate::clock::Clock;
use crate::config::Config;
use crate::error::Result;

/// The longest a single send may take (SMTP gives up after 15 s). A lease shorter than
/// this still never lets two workers send one message (each send follows a renewal and
/// its outcome is recorded only by the lease's owner), but it would invite needless
/// re-claims; the default lease is 2 minutes.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);
/// The most messages one claim takes.
const MAX_BATCH: u64 = 8;
/// The longest wait between two attempts at one message.
const MAX_BACKOFF: Duration = Duration::from_secs(10 * 60);

/// Every kind this version can deliver; others are left to processes that know them.
const KINDS: [MessageKind; 7] = [
    MessageKind::Mail(MailKind::SignIn),
    MessageKind::Mail(MailKind::Invitation),
    MessageKind::Mail(MailKind::UsageWarning),
    MessageKind::Mail(MailKind::WebhookDisabled),
    MessageKind::Webhook,
    MessageKind::Mail(MailKind::WeeklySummary),
    MessageKind::Mail(MailKind::SecurityAlert),
];

/// Webhook requests by outcome since the process started (for `/metrics`).
#[derive(Debug, Default)]
pub struct WebhookCounters {
    delivered: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
}

impl WebhookCounters {
    fn count(&self, outcome: &Outcome) {
        let counter = match outcome {
            Outcome::Sent => &self.delivered,
            Outcome::Transient(_) => &self.retried,
            Outcome::Permanent(_) => &self.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// `(outcome, count)`: `delivered` (2xx), `retryable` (another answer, a timeout, a
    /// connection error), `final` (410, a refused address, a deleted or disabled endpoint).
    #[must_use]
    pub fn snapshot(&self) -> [(&'static str, u64); 3] {
        [
            ("delivered", self.delivered.load(Ordering::Relaxed)),
            ("retryable", self.retried.load(Ordering::Relaxed)),
            ("final", self.failed.load(Ordering::Relaxed)),
        ]
    }
}

/// What a sender made of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Sent,
    /// Worth retrying later (connection trouble, a 4xx answer).
    Transient(String),
    /// Retrying will not help (a 5xx answer, an unusable message).
    Permanent(String),
}

/// Delivers the outbox. Run one per process with `run`; `deliver_due` does one pass.
pub struct DeliveryWorker {
    db: Database,
    mail: mail::MailSender,
    webhook: webhook::WebhookSender,
    counters: Arc<WebhookCounters>,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
    signal: Arc<Notify>,
    /// Names this worker's leases.
    id: Uuid,
}

impl DeliveryWorker {
    pub(crate) fn new(
        db: Database,
        mailer: Arc<Mailer>,
        config: Arc<Config>,
        clock: Arc<dyn Clock>,
        signal: Arc<Notify>,
        counters: Arc<WebhookCounters>,
    ) -> DeliveryWorker {
        DeliveryWorker {
            webhook: webhook::WebhookSender::new(
                db.clone(),
                Arc::clone(&config),
                Arc::clone(&clock),
            ),
            counters,
            db,
            mail: mail::MailSender::new(mailer, config.public_url()),
            config,
            clock,
            signal,
            id: Uuid::now_v7(),
        }
    }

    /// Delivers until `shutdown` turns true, waking on new messages or every poll interval.
    /// A pass in progress finishes before the worker stops.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("delivery worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            let delivered = match self.deliver_due().await {
                Ok(count) => count,
                Err(err) => {
                    tracing::error!(error = %err, source = ?std::error::Error::source(&err), "delivery pass failed");
                    0
                }
            };
            if delivered > 0 {
                continue;
            }
            tokio::select! {
                () = self.signal.notified() => {}
                () = tokio::time::sleep(self.config.mail.delivery_poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("delivery worker stopped");
    }

    /// Claims and handles every message due now (up to one batch); returns how many were
    /// claimed.
    ///
    /// # Errors
    /// `Internal` when the database fails; send failures are recorded, not returned.
    pub async fn deliver_due(&self) -> Result<usize> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let claimed = outbox::claim_due(&txn, &KINDS, now, self.lease(now), self.batch()).await?;
        txn.commit().await?;
        let count = claimed.len();
        for message in claimed {
            self.handle(&message).await?;
        }
        Ok(count)
    }

    fn lease(&self, now: DateTime<Utc>) -> Lease {
        let lease = chrono::Duration::from_std(self.config.mail.delivery_lease)
            .unwrap_or(chrono::Duration::minutes(2));
        Lease {
            owner: self.id,
            until: now + lease,
        }
    }

    /// Claims only what can be sent within one lease, so the claim's tail does not sit
    /// expired while its head is being sent (at least one, at most `MAX_BATCH`).
    fn batch(&self) -> u64 {
        let fits = self.config.mail.delivery_lease.as_millis() / SEND_TIMEOUT.as_millis();
        u64::try_from(fits).unwrap_or(MAX_BATCH).clamp(1, MAX_BATCH)
    }

    async fn handle(&self, message: &ClaimedMessage) -> Result<()> {
        let now = self.clock.now();
        if !outbox::renew(&self.db, message.id, self.lease(now)).await? {
            tracing::info!(id = %message.id, kind = %message.kind, "lease lost before sending; another worker has the message");
            return Ok(());
        }
        let attempt = if message.expires_at.is_some_and(|expires| expires <= now) {
            tracing::warn!(id = %message.id, kind = %message.kind, attempts = message.attempts, "message expired before it could be delivered");
            Attempt::Failed {
                error: "expired before it could be delivered".to_owned(),
            }
        } else {
            let outcome = match message.kind.channel() {
                Channel::Mail => self.mail.send(message).await,
                Channel::Webhook => {
                    let outcome = self.webhook.send(message).await;
                    self.counters.count(&outcome);
                    outcome
                }
            };
            self.settle(message, outcome)
        };
        let recorded =
            outbox::record_attempt(&self.db, message.id, self.id, attempt, self.clock.now())
                .await?;
        if !recorded {
            tracing::warn!(id = %message.id, "lease lost while sending; the attempt was not recorded");
        }
        Ok(())
    }

    /// Turns a sender's outcome into what the outbox records: transient failures retry
    /// with backoff until the message would expire before its next attempt.
    fn settle(&self, message: &ClaimedMessage, outcome: Outcome) -> Attempt {
        match outcome {
            Outcome::Sent => {
                tracing::info!(id = %message.id, kind = %message.kind, "message delivered");
                Attempt::Sent
            }
            Outcome::Permanent(error) => {
                tracing::warn!(id = %message.id, kind = %message.kind, %error, "message refused permanently");
                Attempt::Failed { error }
            }
            Outcome::Transient(error) => {
                let attempts = message.attempts.saturating_add(1);
                let Some(wait) = self.backoff(message.kind.channel(), attempts) else {
                    tracing::warn!(id = %message.id, attempts, %error, "delivery failed; the retry schedule is spent");
                    return Attempt::Failed { error };
                };
                let next_attempt_at = self.clock.now() + wait;
                if message
                    .expires_at
                    .is_some_and(|expires| next_attempt_at >= expires)
                {
                    tracing::warn!(id = %message.id, attempts, %error, "delivery failed; the message expires before another attempt");
                    return Attempt::Failed { error };
                }
                tracing::warn!(id = %message.id, attempts, %error, %next_attempt_at, "delivery failed; will retry");
                Attempt::Retry {
                    error,
                    next_attempt_at,
                }
            }
        }
    }

    /// The wait after `attempts` failures: for mail, base, 2x base, 4x base, ... capped;
    /// for webhooks, the Standard Webhooks schedule with a little jitter, then `None`.
    fn backoff(&self, channel: Channel, attempts: i32) -> Option<chrono::Duration> {
        let delay = match channel {
            Channel::Mail => {
                let exponent = u32::try_from(attempts.saturating_sub(1))
                    .unwrap_or(0)
                    .min(16);
                self.config
                    .mail
                    .delivery_backoff
                    .saturating_mul(2_u32.saturating_pow(exponent))
                    .min(MAX_BACKOFF)
            }
            Channel::Webhook => roster_domain::webhook::retry_after(
                u32::try_from(attempts).unwrap_or(u32::MAX),
                crate::random::jitter(),
            )?,
        };
        Some(chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::minutes(10)))
    }
}
