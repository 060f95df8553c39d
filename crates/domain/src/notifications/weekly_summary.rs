//! The weekly summary's rules: which week a summary sent at `now` covers (the last full
//! week, Monday 00:00 UTC to Monday 00:00 UTC, so every process and every run within the
//! week agree on it), and the numbers it shows, from the organization's audit actions
//! counted over that week.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};

use crate::AuditAction;

/// How many of the most frequent actions a summary lists.
pub const TOP_ACTIONS: usize = 5;

/// The week a summary covers: `start` (a Monday, 00:00 UTC) inclusive to `end` (seven days
/// later) exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryWeek {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl SummaryWeek {
    /// The last full week before `now`: the one that ended at the latest Monday 00:00 UTC
    /// at or before `now`.
    #[must_use]
    pub fn before(now: DateTime<Utc>) -> SummaryWeek {
        let since_monday = i64::from(now.weekday().num_days_from_monday());
        let end = (now.date_naive() - Duration::days(since_monday))
            .and_time(NaiveTime::MIN)
            .and_utc();
        SummaryWeek {
            start: end - Duration::days(7),
            end,
        }
    }

    /// The last day the week covers (the Sunday before `end`).
    #[must_use]
    pub fn last_day(self) -> DateTime<Utc> {
        self.end - Duration::days(1)
    }
}

/// What a weekly summary reports about one organization's week.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklyDigest {
    /// Invitations accepted: the way people join a team organization.
    pub new_members: u64,
    pub projects_created: u64,
    pub api_keys_created: u64,
    /// Every event of the week.
    pub total_events: u64,
    /// The most frequent actions with their counts, most frequent first (ties by name),
    /// at most `TOP_ACTIONS`.
    pub top_actions: Vec<(String, u64)>,
}

impl WeeklyDigest {
    /// The digest of a week whose audit log held `counts` (action spelling, events).
    #[must_use]
    pub fn from_counts(counts: impl IntoIterator<Item = (String, u64)>) -> WeeklyDigest {
        let mut merged: Vec<(String, u64)> = Vec::new();
        for (action, count) in counts {
            match merged.iter_mut().find(|(known, _)| *known == action) {
                Some((_, total)) => *total = total.saturating_add(count),
                None => merged.push((action, count)),
            }
        }
        merged.retain(|(_, count)| *count > 0);
        let count_of = |action: AuditAction| {
            merged
                .iter()
                .find(|(known, _)| known == action.as_str())
                .map_or(0, |(_, count)| *count)
        };
        let digest = WeeklyDigest {
            new_members: count_of(AuditAction::InvitationAccepted),
            projects_created: count_of(AuditAction::ProjectCreated),
            api_keys_created: count_of(AuditAction::ApiKeyCreated),
            total_events: merged
                .iter()
                .fold(0, |sum, (_, count)| sum.saturating_add(*count)),
            top_actions: Vec::new(),
        };
        merged.sort_by(|(a, a_count), (b, b_count)| b_count.cmp(a_count).then_with(|| a.cmp(b)));
        merged.truncate(TOP_ACTIONS);
        WeeklyDigest {
            top_actions: merged,
            ..digest
        }
    }

    /// Whether nothing happened: such a week is not mailed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.total_events == 0
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
    }

    #[test]
    fn the_week_is_the_last_full_monday_to_monday_before_now() {
        // 2026-12-03 is a Thursday.
        let week = SummaryWeek::before(at(2026, 12, 3, 15, 30, 0));
        assert_eq!(week.start, at(2026, 11, 23, 0, 0, 0));
        assert_eq!(week.end, at(2026, 11, 30, 0, 0, 0));
        assert_eq!(week.last_day(), at(2026, 11, 29, 0, 0, 0));
        // Monday at midnight exactly: the week that just ended.
        assert_eq!(SummaryWeek::before(at(2026, 11, 30, 0, 0, 0)), week);
        // A second before: still the week before that one.
        let earlier = SummaryWeek::before(at(2026, 11, 29, 23, 59, 59));
        assert_eq!(earlier.end, at(2026, 11, 23, 0, 0, 0));
        // Across a year's end.
        let new_year = SummaryWeek::before(at(2027, 1, 1, 8, 0, 0));
        assert_eq!(new_year.start, at(2026, 12, 21, 0, 0, 0));
        assert_eq!(new_year.end, at(2026, 12, 28, 0, 0, 0));
    }

    #[test]
    fn seven_days_later_is_always_the_next_week() {
        let mut now = at(2026, 11, 30, 0, 0, 0);
        for _ in 0..(7 * 24) {
            let week = SummaryWeek::before(now);
            let next = SummaryWeek::before(now + Duration::days(7));
            assert_eq!(next.start, week.end, "at {now}");
            // An event at `now` falls in the week summarized seven days later.
            assert!(next.start <= now && now < next.end, "at {now}");
            now += Duration::hours(1);
        }
    }

    #[test]
    fn the_digest_counts_members_projects_and_keys_and_ranks_actions() {
        let digest = WeeklyDigest::from_counts([
            ("user.signed_in".to_owned(), 9),
            ("project.created".to_owned(), 2),
            ("api_key.created".to_owned(), 3),
            ("invitation.accepted".to_owned(), 1),
            ("member.invited".to_owned(), 3),
            ("project.renamed".to_owned(), 1),
            ("project.deleted".to_owned(), 0),
        ]);
        assert_eq!(digest.new_members, 1);
        assert_eq!(digest.projects_created, 2);
        assert_eq!(digest.api_keys_created, 3);
        assert_eq!(digest.total_events, 19);
        assert_eq!(
            digest.top_actions,
            vec![
                ("user.signed_in".to_owned(), 9),
                ("api_key.created".to_owned(), 3),
                ("member.invited".to_owned(), 3),
                ("project.created".to_owned(), 2),
                ("invitation.accepted".to_owned(), 1),
            ]
        );
        assert!(!digest.is_empty());
    }

    #[test]
    fn a_quiet_week_is_empty_and_repeated_actions_add_up() {
        assert!(WeeklyDigest::from_counts([]).is_empty());
        assert!(WeeklyDigest::from_counts([("project.created".to_owned(), 0)]).is_empty());
        let digest = WeeklyDigest::from_counts([
            ("project.created".to_owned(), 1),
            ("project.created".to_owned(), 2),
        ]);
        assert_eq!(digest.projects_created, 3);
        assert_eq!(digest.top_actions, vec![("project.created".to_owned(), 3)]);
    }
}
