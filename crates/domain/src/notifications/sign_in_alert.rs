//! The security alert's rules: a sign-in is news when the user has signed in before and
//! the address it comes from was not seen within 90 days; the user gets the mail unless
//! they turned security alerts off in every organization they belong to.

use chrono::{DateTime, Duration, Utc};

use super::NotificationPreferences;

/// How long a sign-in address is remembered; housekeeping forgets it after that.
pub const SIGN_IN_ADDRESS_MEMORY: Duration = Duration::days(90);

/// Whether a sign-in at `now` is from an unfamiliar address: not the user's first sign-in
/// (a new account has nothing to compare with), and from an address never seen, or last
/// seen more than 90 days before `now`.
#[must_use]
pub fn is_unfamiliar_sign_in(
    first_sign_in: bool,
    address_last_seen: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    !first_sign_in && address_last_seen.is_none_or(|seen| is_forgotten(seen, now))
}

/// Whether an address last seen at `last_seen` is forgotten at `now` (older than 90 days).
#[must_use]
pub fn is_forgotten(last_seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - last_seen > SIGN_IN_ADDRESS_MEMORY
}

/// Whether a user with `choices` (one per organization they belong to, defaults where
/// they chose nothing) wants security alerts: unless every one of them turns alerts off.
/// Someone in no organization keeps the default, on.
#[must_use]
pub fn wants_security_alerts(choices: &[NotificationPreferences]) -> bool {
    choices.is_empty() || choices.iter().any(|choice| choice.security_alerts)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_first_sign_in_is_never_news() {
        assert!(!is_unfamiliar_sign_in(true, None, now()));
        assert!(!is_unfamiliar_sign_in(
            true,
            Some(now() - Duration::days(400)),
            now()
        ));
    }

    #[test]
    fn a_new_address_is_news_and_a_recent_one_is_not() {
        assert!(is_unfamiliar_sign_in(false, None, now()));
        assert!(!is_unfamiliar_sign_in(false, Some(now()), now()));
        assert!(!is_unfamiliar_sign_in(
            false,
            Some(now() - Duration::days(30)),
            now()
        ));
    }

    #[test]
    fn ninety_days_is_the_edge() {
        let exactly = now() - SIGN_IN_ADDRESS_MEMORY;
        assert!(!is_unfamiliar_sign_in(false, Some(exactly), now()));
        assert!(!is_forgotten(exactly, now()));
        let older = exactly - Duration::seconds(1);
        assert!(is_unfamiliar_sign_in(false, Some(older), now()));
        assert!(is_forgotten(older, now()));
    }

    #[test]
    fn alerts_go_out_unless_every_organization_turns_them_off() {
        let on = NotificationPreferences::default();
        let off = NotificationPreferences {
            security_alerts: false,
            ..on
        };
        assert!(wants_security_alerts(&[]));
        assert!(wants_security_alerts(&[on]));
        assert!(wants_security_alerts(&[off, on, off]));
        assert!(!wants_security_alerts(&[off]));
        assert!(!wants_security_alerts(&[off, off]));
    }
}
