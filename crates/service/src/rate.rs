//! Rate limits shared by every process: each use is a row in `rate_events`, counted in a
//! sliding window under a lock on its key, inside the use case's transaction (a use case
//! that fails spends nothing). Keys name what is limited: a client address, a user, an
//! invitee's address.

use chrono::{DateTime, Utc};
use roster_domain::RateLimit;
use roster_persistence::{lock_key, rate_events};
use sea_orm::ConnectionTrait;

use crate::Roster;
use crate::error::{Error, Result};

/// The longest window any limit uses; older uses are pruned.
pub(crate) const LONGEST_WINDOW: chrono::Duration = chrono::Duration::days(1);

impl Roster {
    /// Records one use of `key`, or refuses with `RateLimited` (and when to retry) when
    /// `limit` is reached.
    pub(crate) async fn spend_rate<C: ConnectionTrait>(
        &self,
        txn: &C,
        key: &str,
        limit: RateLimit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        lock_key(txn, &format!("rate:{key}")).await?;
        let (used, oldest) = rate_events::window(txn, key, limit.window_start(now)).await?;
        limit
            .check(used, oldest, now)
            .map_err(|retry| Error::RateLimited {
                retry_after_seconds: retry.0,
            })?;
        rate_events::record(txn, key, now).await?;
        Ok(())
    }

    /// Deletes uses older than any window (the housekeeping job).
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn prune_rate_events(&self) -> Result<u64> {
        let cutoff = self.clock.now() - LONGEST_WINDOW - chrono::Duration::hours(1);
        Ok(rate_events::prune(&self.db, cutoff).await?)
    }
}
