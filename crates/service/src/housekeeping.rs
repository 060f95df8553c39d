//! The background housekeeping job: every interval, each process deletes what no rule
//! needs any more (audit events past their organization's retention, rate-limit uses
//! older than any window, usage idempotency keys past 24 hours, webhook deliveries past
//! 30 days, sign-in addresses unseen for 90 days) and queues the weekly summaries that are
//! due. Deletes are idempotent and
//! each summary is claimed once across processes, so one job per process is harmless.

use tokio::sync::watch;

use crate::Roster;

impl Roster {
    /// Runs the housekeeping passes every `every` until `shutdown` turns true. A failing
    /// pass is logged and retried at the next interval; the others still run.
    pub async fn run_housekeeping(
        self,
        every: std::time::Duration,
        mut shutdown: watch::Receiver<bool>,
    ) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            let passes = [
                ("audit retention", self.prune_audit_log().await),
                ("rate-limit uses", self.prune_rate_events().await),
                ("usage idempotency keys", self.prune_usage_keys().await),
                ("webhook deliveries", self.prune_webhook_deliveries().await),
                ("sign-in addresses", self.prune_sign_in_addresses().await),
                ("weekly summaries", self.send_weekly_summaries().await),
            ];
            for (pass, outcome) in passes {
                if let Err(err) = outcome {
                    tracing::error!(pass, error = %err, source = ?std::error::Error::source(&err), "housekeeping pass failed");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
