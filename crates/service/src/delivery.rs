//! The outbox delivery worker. It claims due messages under a lease (so several `roster`
//! processes never send one message twice), commits the claim, sends through the mailer,
//! then records the attempt: sent, retry later with exponential backoff (transient SMTP
//! trouble), or failed for good (permanent errors, or too many attempts).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use roster_mailer::{Mail, Mailer, SendError};
use roster_persistence::outbox::{self, Attempt, ClaimedMessage};
use roster_persistence::{DatabaseConnection, begin_write};
use tokio::sync::{Notify, watch};

use crate::clock::Clock;
use crate::config::ServiceConfig;
use crate::error::Result;

/// How many messages one claim takes.
const BATCH: u64 = 16;
/// How long a claim keeps other workers away; longer than any SMTP timeout.
const LEASE: chrono::Duration = chrono::Duration::minutes(2);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60 * 60);

/// Delivers the outbox. Run one per process with `run`; `deliver_due` does one pass.
pub struct DeliveryWorker {
    db: DatabaseConnection,
    mailer: Arc<Mailer>,
    config: Arc<ServiceConfig>,
    clock: Arc<dyn Clock>,
    signal: Arc<Notify>,
}

impl DeliveryWorker {
    pub(crate) fn new(
        db: DatabaseConnection,
        mailer: Arc<Mailer>,
        config: Arc<ServiceConfig>,
        clock: Arc<dyn Clock>,
        signal: Arc<Notify>,
    ) -> DeliveryWorker {
        DeliveryWorker {
            db,
            mailer,
            config,
            clock,
            signal,
        }
    }

    /// Delivers until `shutdown` turns true, waking on new mail or every poll interval.
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
                () = tokio::time::sleep(self.config.delivery_poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("delivery worker stopped");
    }

    /// Claims and sends every message due now (up to one batch); returns how many were
    /// attempted.
    ///
    /// # Errors
    /// `Internal` when the database fails; send failures are recorded, not returned.
    pub async fn deliver_due(&self) -> Result<usize> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let claimed = outbox::claim_due(&txn, now, now + LEASE, BATCH).await?;
        txn.commit().await?;
        let count = claimed.len();
        for message in claimed {
            let attempt = self.attempt(&message).await;
            outbox::record_attempt(&self.db, message.id, attempt, self.clock.now()).await?;
        }
        Ok(count)
    }

    async fn attempt(&self, message: &ClaimedMessage) -> Attempt {
        let mail: Mail = match serde_json::from_value(message.payload.clone()) {
            Ok(mail) => mail,
            Err(err) => {
                tracing::error!(id = %message.id, kind = %message.kind, error = %err, "outbox payload unreadable");
                return Attempt::Failed {
                    error: "the stored message could not be read".to_owned(),
                };
            }
        };
        match self.mailer.send(&mail).await {
            Ok(()) => {
                tracing::info!(id = %message.id, kind = %message.kind, "mail sent");
                Attempt::Sent
            }
            Err(SendError::Permanent(error)) => {
                tracing::warn!(id = %message.id, kind = %message.kind, %error, "mail refused permanently");
                Attempt::Failed { error }
            }
            Err(SendError::Transient(error)) => {
                let attempts = message.attempts + 1;
                if attempts >= self.config.delivery_max_attempts {
                    tracing::warn!(id = %message.id, attempts, %error, "mail failed; giving up");
                    return Attempt::Failed { error };
                }
                let next_attempt_at = self.next_attempt(attempts);
                tracing::warn!(id = %message.id, attempts, %error, %next_attempt_at, "mail failed; will retry");
                Attempt::Retry {
                    error,
                    next_attempt_at,
                }
            }
        }
    }

    /// Exponential backoff: base, 2x base, 4x base, ... capped at an hour.
    fn next_attempt(&self, attempts: i32) -> DateTime<Utc> {
        let exponent = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(16);
        let delay = self
            .config
            .delivery_backoff
            .saturating_mul(2_u32.saturating_pow(exponent))
            .min(MAX_BACKOFF);
        self.clock.now() + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1))
    }
}
