//! What a member wants mailed about an organization. Members who never chose get the
//! defaults: usage warnings on, the weekly summary off, security alerts on. The rules of
//! the two mails behind the last two live beside: `weekly_summary` (which week, which
//! numbers) and `sign_in_alert` (which sign-ins are news, and who wants to hear).

pub mod sign_in_alert;
pub mod weekly_summary;

pub use sign_in_alert::{
    SIGN_IN_ADDRESS_MEMORY, is_forgotten, is_unfamiliar_sign_in, wants_security_alerts,
};
pub use weekly_summary::{SummaryWeek, WeeklyDigest};

/// One member's mail choices for one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotificationPreferences {
    /// Mail when the organization's usage crosses 80 % and 100 % of a limit.
    pub usage_warnings: bool,
    /// A weekly digest of the organization's audit log.
    pub weekly_summary: bool,
    /// Mail on a sign-in from an address not seen for 90 days.
    pub security_alerts: bool,
}

impl Default for NotificationPreferences {
    fn default() -> Self {
        NotificationPreferences {
            usage_warnings: true,
            weekly_summary: false,
            security_alerts: true,
        }
    }
}

/// A change to some preferences; `None` keeps the current choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PreferenceChanges {
    pub usage_warnings: Option<bool>,
    pub weekly_summary: Option<bool>,
    pub security_alerts: Option<bool>,
}

impl NotificationPreferences {
    /// These preferences with `changes` applied.
    #[must_use]
    pub fn with(self, changes: PreferenceChanges) -> NotificationPreferences {
        NotificationPreferences {
            usage_warnings: changes.usage_warnings.unwrap_or(self.usage_warnings),
            weekly_summary: changes.weekly_summary.unwrap_or(self.weekly_summary),
            security_alerts: changes.security_alerts.unwrap_or(self.security_alerts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_warn_and_alert_but_send_no_summary() {
        let defaults = NotificationPreferences::default();
        assert!(defaults.usage_warnings && defaults.security_alerts);
        assert!(!defaults.weekly_summary);
    }

    #[test]
    fn a_change_touches_only_what_it_names() {
        let changed = NotificationPreferences::default().with(PreferenceChanges {
            weekly_summary: Some(true),
            ..PreferenceChanges::default()
        });
        assert_eq!(
            changed,
            NotificationPreferences {
                usage_warnings: true,
                weekly_summary: true,
                security_alerts: true,
            }
        );
        assert_eq!(changed.with(PreferenceChanges::default()), changed);
    }
}
