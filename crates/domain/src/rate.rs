//! Sliding-window rate limits: at most `limit` uses in any `window`. The caller counts the
//! uses in the window ending now (and finds the oldest); this decides, and says how long
//! until the oldest use leaves the window, so a refusal can tell the client when to retry.

use chrono::{DateTime, Utc};

/// At most `limit` uses per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u64,
    pub window: chrono::Duration,
}

/// A use the limit refuses: retry after this many seconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many requests: try again in {0} seconds")]
pub struct RetryAfter(pub i64);

impl RateLimit {
    /// `limit` uses per `window`.
    #[must_use]
    pub fn new(limit: u64, window: chrono::Duration) -> RateLimit {
        RateLimit { limit, window }
    }

    /// Where the window that ends at `now` starts (uses after it count).
    #[must_use]
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.window
    }

    /// May one more use happen at `now`, with `used` uses in the window, the oldest at
    /// `oldest`?
    ///
    /// # Errors
    /// `RetryAfter` when the window is full: the seconds until its oldest use leaves it.
    pub fn check(
        &self,
        used: u64,
        oldest: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), RetryAfter> {
        if used < self.limit {
            return Ok(());
        }
        let frees_at = oldest.map_or(now + self.window, |oldest| oldest + self.window);
        let wait = (frees_at - now).num_seconds();
        Err(RetryAfter(wait.max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn uses_below_the_limit_pass_and_a_full_window_says_when_it_frees() {
        let now = Utc::now();
        let hourly = RateLimit::new(3, Duration::hours(1));
        assert_eq!(hourly.check(0, None, now), Ok(()));
        assert_eq!(
            hourly.check(2, Some(now - Duration::minutes(5)), now),
            Ok(())
        );
        assert_eq!(
            hourly.check(3, Some(now - Duration::minutes(45)), now),
            Err(RetryAfter(15 * 60))
        );
        // The oldest use leaves the window in under a second: still at least one second.
        assert_eq!(
            hourly.check(
                3,
                Some(now - Duration::hours(1) + Duration::milliseconds(10)),
                now
            ),
            Err(RetryAfter(1))
        );
        assert_eq!(hourly.window_start(now), now - Duration::hours(1));
    }

    #[test]
    fn a_zero_limit_refuses_everything() {
        let now = Utc::now();
        let closed = RateLimit::new(0, Duration::minutes(1));
        assert_eq!(closed.check(0, None, now), Err(RetryAfter(60)));
    }
}
