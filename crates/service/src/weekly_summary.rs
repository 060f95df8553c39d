//! The weekly summary job (a housekeeping pass): every member who turned `weeklySummary`
//! on for an organization gets, once per week, the organization's last full week (Monday
//! to Sunday, UTC) of audit log in numbers. Weeks in which nothing happened are marked
//! handled but not mailed.
//!
//! Several processes may run the job at the same time: each (member, organization, week)
//! is claimed by one conditional upsert in the very transaction that queues its mail, so
//! exactly one of them queues it. The job is not audited: it changes nothing anyone
//! could undo, and the outbox is its record.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Duration, Utc};
use roster_domain::notifications::{SummaryWeek, WeeklyDigest};
use roster_mailer::{ActionCount, Mail, WeeklySummary};
use roster_persistence::weekly_summaries::{self, Recipient};
use roster_persistence::{RepoError, begin_write};

use crate::Roster;
use crate::error::Result;

/// How many due members one listing fetches.
const BATCH: u64 = 200;

/// How long a queued summary stays worth sending: until the next one is due.
const SUMMARY_LIFETIME: Duration = Duration::days(7);

impl Roster {
    /// Queues the summary of the last full week for every member who wants one and has not
    /// had that week's yet; returns how many mails were queued.
    ///
    /// # Errors
    /// `Internal` on database failure (members already handled stay handled; the rest
    /// are picked up by the next run).
    pub async fn send_weekly_summaries(&self) -> Result<u64> {
        let now = self.clock.now();
        let week = SummaryWeek::before(now);
        // A finished week's numbers do not change, so each organization is counted once.
        let mut digests: HashMap<uuid::Uuid, WeeklyDigest> = HashMap::new();
        let mut queued = 0;
        loop {
            let due = weekly_summaries::due(&self.db, week.start, BATCH).await?;
            let mut claimed_any = false;
            for recipient in &due {
                let digest = match digests.entry(recipient.organization_id) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(slot) => {
                        let counts = weekly_summaries::action_counts(
                            &self.db,
                            recipient.organization_id,
                            week.start,
                            week.end,
                        )
                        .await?;
                        slot.insert(WeeklyDigest::from_counts(counts))
                    }
                };
                match self.summarize_for(recipient, week, digest, now).await? {
                    Claim::Lost => {}
                    Claim::Quiet => claimed_any = true,
                    Claim::Queued => {
                        claimed_any = true;
                        queued += 1;
                    }
                }
            }
            // Everyone listed is handled now, by this process or another one, so the next
            // listing moves on; a batch with no claim at all means the rest is others' work.
            if !claimed_any || (due.len() as u64) < BATCH {
                break;
            }
        }
        if queued > 0 {
            self.outbox_signal.notify_one();
        }
        Ok(queued)
    }

    /// Claims `week` for `recipient` and queues the mail in the same transaction.
    async fn summarize_for(
        &self,
        recipient: &Recipient,
        week: SummaryWeek,
        digest: &WeeklyDigest,
        now: DateTime<Utc>,
    ) -> Result<Claim> {
        let txn = begin_write(&self.db).await?;
        let claimed = weekly_summaries::claim(
            &txn,
            recipient.user_id,
            recipient.organization_id,
            week.start,
            now,
        )
        .await;
        match claimed {
            Ok(true) => {}
            // Handled elsewhere, or the member or organization is gone since the listing.
            Ok(false) | Err(RepoError::MissingReference(_)) => return Ok(Claim::Lost),
            Err(err) => return Err(err.into()),
        }
        if digest.is_empty() {
            txn.commit().await?;
            return Ok(Claim::Quiet);
        }
        let day = |time: DateTime<Utc>| time.format("%a %Y-%m-%d").to_string();
        let mail = Mail::WeeklySummary(WeeklySummary {
            to: recipient.email.clone(),
            link: format!("{}/graphql", self.public_url),
            organization: recipient.organization_name.clone(),
            organization_id: recipient.organization_id.to_string(),
            first_day: day(week.start),
            last_day: day(week.last_day()),
            new_members: digest.new_members,
            projects_created: digest.projects_created,
            api_keys_created: digest.api_keys_created,
            total_events: digest.total_events,
            top_actions: digest
                .top_actions
                .iter()
                .map(|(action, count)| ActionCount {
                    action: action.clone(),
                    count: *count,
                })
                .collect(),
        });
        self.enqueue(
            &txn,
            &mail,
            Some(recipient.organization_id),
            None,
            Some(now + SUMMARY_LIFETIME),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(Claim::Queued)
    }
}

/// What one member's claim came to.
enum Claim {
    /// Another process had the week (or the member is gone).
    Lost,
    /// Claimed; nothing happened that week, so nothing is mailed.
    Quiet,
    /// Claimed and mailed.
    Queued,
}
