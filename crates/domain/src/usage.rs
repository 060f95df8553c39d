//! Metered usage: which counter a record adds to (the calendar month in UTC, or one
//! counter for ever for a gauge), when that counter resets, how an idempotency key is
//! spelled, and how long a key keeps counting once.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};

use crate::plan::UsagePeriod;

/// How long a used idempotency key answers with its first result instead of counting
/// again. Older keys no longer count and may be pruned.
pub const IDEMPOTENCY_WINDOW: Duration = Duration::hours(24);

/// The longest idempotency key accepted, in bytes; keys are usually UUIDs or request ids.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// Why an idempotency key or a quantity was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageInputError {
    #[error("the idempotency key must be 1 to 255 bytes, not blank")]
    BadKey,
    #[error("the quantity must be at least 1")]
    BadQuantity,
}

/// Checks an idempotency key: not blank and at most `MAX_IDEMPOTENCY_KEY` bytes.
///
/// # Errors
/// `UsageInputError::BadKey`.
pub fn check_key(key: &str) -> Result<(), UsageInputError> {
    if key.trim().is_empty() || key.len() > MAX_IDEMPOTENCY_KEY {
        return Err(UsageInputError::BadKey);
    }
    Ok(())
}

/// A quantity to record: at least 1 (usage only grows; a counter is never lowered).
///
/// # Errors
/// `UsageInputError::BadQuantity` for 0 or a negative number.
pub fn quantity(value: i64) -> Result<u64, UsageInputError> {
    u64::try_from(value)
        .ok()
        .filter(|q| *q >= 1)
        .ok_or(UsageInputError::BadQuantity)
}

/// Whether a key first used at `created_at` still answers with its first result at `now`.
#[must_use]
pub fn key_is_fresh(created_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - created_at < IDEMPOTENCY_WINDOW
}

/// The start of the counter a record at `now` adds to: the first day of the month, 00:00
/// UTC, for monthly metrics; the Unix epoch for a metric that never resets, so a gauge has
/// one counter.
#[must_use]
pub fn period_start(period: UsagePeriod, now: DateTime<Utc>) -> DateTime<Utc> {
    match period {
        UsagePeriod::Month => month_start(now.year(), now.month()),
        UsagePeriod::None => DateTime::UNIX_EPOCH,
    }
}

/// When the counter a record at `now` adds to resets: the first day of the next month,
/// 00:00 UTC (January after December); `None` for a metric that never resets.
#[must_use]
pub fn period_end(period: UsagePeriod, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match period {
        UsagePeriod::Month if now.month() == 12 => Some(month_start(now.year() + 1, 1)),
        UsagePeriod::Month => Some(month_start(now.year(), now.month() + 1)),
        UsagePeriod::None => None,
    }
}

/// 00:00 UTC on the first of `month`. Every (year, month) chrono can represent has a
/// first day, so the fallback (the epoch) is never reached for real timestamps.
fn month_start(year: i32, month: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// The shares of a limit whose crossing is worth a mail: a warning, then the limit itself.
pub const WARNING_THRESHOLDS: [u8; 2] = [80, 100];

/// The highest warning threshold (percent of `limit`) that going from `before` to `after`
/// crosses, if any. Counters only rise within a period, so a threshold is crossed once per
/// period: not again on the next increment, again once the period starts over at zero.
#[must_use]
pub fn crossed_threshold(before: u64, after: u64, limit: Option<u64>) -> Option<u8> {
    let limit = u128::from(limit?);
    if limit == 0 {
        return None;
    }
    WARNING_THRESHOLDS.into_iter().rev().find(|percent| {
        let line = limit * u128::from(*percent);
        u128::from(before) * 100 < line && u128::from(after) * 100 >= line
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_threshold_is_crossed_once_on_the_way_up() {
        assert_eq!(crossed_threshold(0, 79, Some(100)), None);
        assert_eq!(crossed_threshold(79, 80, Some(100)), Some(80));
        assert_eq!(
            crossed_threshold(80, 95, Some(100)),
            None,
            "already past 80"
        );
        assert_eq!(crossed_threshold(95, 100, Some(100)), Some(100));
        assert_eq!(crossed_threshold(100, 150, Some(100)), None);
        assert_eq!(
            crossed_threshold(10, 120, Some(100)),
            Some(100),
            "the highest one"
        );
        assert_eq!(crossed_threshold(3, 4, Some(5)), Some(80));
        assert_eq!(crossed_threshold(0, 1_000, None), None, "unlimited");
        assert_eq!(crossed_threshold(0, 5, Some(0)), None);
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_month_runs_from_its_first_day_to_the_next_months_in_utc() {
        let now = at("2026-03-15T12:34:56Z");
        assert_eq!(
            period_start(UsagePeriod::Month, now),
            at("2026-03-01T00:00:00Z")
        );
        assert_eq!(
            period_end(UsagePeriod::Month, now),
            Some(at("2026-04-01T00:00:00Z"))
        );
    }

    #[test]
    fn the_edges_of_a_month_belong_to_the_right_period() {
        let first = at("2026-03-01T00:00:00Z");
        assert_eq!(period_start(UsagePeriod::Month, first), first);
        let last = at("2026-02-28T23:59:59.999Z");
        assert_eq!(
            period_start(UsagePeriod::Month, last),
            at("2026-02-01T00:00:00Z")
        );
        assert_eq!(period_end(UsagePeriod::Month, last), Some(first));
        // A local evening that is already the next month in UTC counts in UTC.
        let offset = DateTime::parse_from_rfc3339("2026-03-31T20:00:00-05:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            period_start(UsagePeriod::Month, offset),
            at("2026-04-01T00:00:00Z")
        );
    }

    #[test]
    fn december_ends_in_january_of_the_next_year() {
        let now = at("2026-12-31T23:59:59Z");
        assert_eq!(
            period_start(UsagePeriod::Month, now),
            at("2026-12-01T00:00:00Z")
        );
        assert_eq!(
            period_end(UsagePeriod::Month, now),
            Some(at("2027-01-01T00:00:00Z"))
        );
    }

    #[test]
    fn a_metric_without_period_has_one_counter_that_never_resets() {
        let early = at("2026-01-05T00:00:00Z");
        let late = at("2031-07-20T00:00:00Z");
        assert_eq!(
            period_start(UsagePeriod::None, early),
            period_start(UsagePeriod::None, late)
        );
        assert_eq!(period_end(UsagePeriod::None, late), None);
    }

    #[test]
    fn a_key_counts_once_for_24_hours_and_not_after() {
        let used = at("2026-03-15T12:00:00Z");
        assert!(key_is_fresh(used, used));
        assert!(key_is_fresh(used, at("2026-03-16T11:59:59Z")));
        assert!(!key_is_fresh(used, at("2026-03-16T12:00:00Z")));
    }

    #[test]
    fn keys_and_quantities_are_checked() {
        assert_eq!(check_key("req-1"), Ok(()));
        assert_eq!(check_key(""), Err(UsageInputError::BadKey));
        assert_eq!(check_key("   "), Err(UsageInputError::BadKey));
        assert_eq!(check_key(&"k".repeat(255)), Ok(()));
        assert_eq!(check_key(&"k".repeat(256)), Err(UsageInputError::BadKey));
        assert_eq!(quantity(1), Ok(1));
        assert_eq!(quantity(0), Err(UsageInputError::BadQuantity));
        assert_eq!(quantity(-3), Err(UsageInputError::BadQuantity));
    }
}
