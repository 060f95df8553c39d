//! Security alerts: every sign-in records the client address it came from, and a sign-in
//! from an address the user has not used in 90 days (never on their first sign-in) mails
//! them, in the sign-in's transaction, unless they turned security alerts off in every
//! organization they belong to. Housekeeping forgets addresses unseen for 90 days.

use chrono::{DateTime, Duration, Utc};
use roster_domain::User;
use roster_domain::notifications::{
    SIGN_IN_ADDRESS_MEMORY, is_unfamiliar_sign_in, wants_security_alerts,
};
use roster_mailer::{Mail, SecurityAlert};
use roster_persistence::{notification_preferences, sign_in_addresses};
use sea_orm::ConnectionTrait;

use crate::error::Result;
use crate::{RequestContext, Roster, format_time};

/// How long a queued alert stays worth sending.
const ALERT_LIFETIME: Duration = Duration::days(7);

impl Roster {
    /// Records that `user` signed in from the request's address at `now`, and queues a
    /// security alert when that address is news; returns whether one was queued. Runs in
    /// the sign-in's transaction after `user_for_email` took the per-address lock, so
    /// concurrent sign-ins of one user decide one after the other.
    pub(crate) async fn note_sign_in<C: ConnectionTrait>(
        &self,
        txn: &C,
        user: &User,
        first_sign_in: bool,
        request: &RequestContext,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let Some(ip) = request.ip.as_deref() else {
            return Ok(false);
        };
        let last_seen = sign_in_addresses::last_seen(txn, user.id, ip).await?;
        sign_in_addresses::record(txn, user.id, ip, now).await?;
        if !is_unfamiliar_sign_in(first_sign_in, last_seen, now) {
            return Ok(false);
        }
        let choices = notification_preferences::choices_of_user(txn, user.id).await?;
        if !wants_security_alerts(&choices) {
            return Ok(false);
        }
        let mail = Mail::SecurityAlert(SecurityAlert {
            to: user.email.clone(),
            link: format!("{}/graphql", self.public_url),
            when: format_time(now),
            ip: ip.to_owned(),
            user_agent: request.user_agent.clone(),
        });
        self.enqueue(txn, &mail, None, None, Some(now + ALERT_LIFETIME), now)
            .await?;
        Ok(true)
    }

    /// Deletes sign-in addresses unseen for 90 days (the housekeeping job); returns how
    /// many.
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn prune_sign_in_addresses(&self) -> Result<u64> {
        let cutoff = self.clock.now() - SIGN_IN_ADDRESS_MEMORY;
        Ok(sign_in_addresses::prune(&self.db, cutoff).await?)
    }
}
