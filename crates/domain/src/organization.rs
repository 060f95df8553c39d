//! Organization rules that need no database: the two kinds, the name, the retention
//! choices, and the checks a deletion must pass.

use std::fmt;

const MAX_NAME_CHARS: usize = 64;

/// `PERSONAL` (one per user, created on first sign-in) or `TEAM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrganizationKind {
    Personal,
    Team,
}

impl OrganizationKind {
    /// The stored spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationKind::Personal => "PERSONAL",
            OrganizationKind::Team => "TEAM",
        }
    }

    /// Parses the stored spelling; `None` for anything else.
    #[must_use]
    pub fn parse(value: &str) -> Option<OrganizationKind> {
        match value {
            "PERSONAL" => Some(OrganizationKind::Personal),
            "TEAM" => Some(OrganizationKind::Team),
            _ => None,
        }
    }
}

/// Why a string is not an organization name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgNameError {
    #[error("name must not be empty")]
    Empty,
    #[error("name must be at most {MAX_NAME_CHARS} characters")]
    TooLong,
    #[error("name must not contain control characters")]
    ControlCharacter,
    #[error("name must not contain invisible formatting characters (bidi overrides, zero-width)")]
    FormatCharacter,
}

/// An organization name: 1-64 characters after trimming, no control characters and no
/// Unicode format characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgName(String);

impl OrgName {
    /// Parses a name the caller typed.
    ///
    /// # Errors
    /// `OrgNameError` naming the broken rule.
    pub fn parse(input: &str) -> Result<OrgName, OrgNameError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(OrgNameError::Empty);
        }
        if trimmed.chars().count() > MAX_NAME_CHARS {
            return Err(OrgNameError::TooLong);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(OrgNameError::ControlCharacter);
        }
        if crate::text::has_format_character(trimmed) {
            return Err(OrgNameError::FormatCharacter);
        }
        Ok(OrgName(trimmed.to_owned()))
    }

    /// The name of a new user's personal organization.
    #[must_use]
    pub fn personal_for(local_part: &str) -> OrgName {
        let base: String = local_part.chars().take(MAX_NAME_CHARS - 11).collect();
        OrgName(format!("{base}'s personal"))
    }

    /// The name text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Rules an organization-level change can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrganizationRuleError {
    /// Personal organizations cannot be deleted, left, transferred or invited into.
    #[error("a personal organization cannot be {0}")]
    PersonalOrganization(&'static str),
    /// Deleting needs the exact name typed back.
    #[error("confirmName does not match the organization's name")]
    ConfirmNameMismatch,
}

/// Checks that an organization of `kind` named `name` may be deleted with `confirm_name`.
///
/// # Errors
/// `PersonalOrganization` for a personal org, `ConfirmNameMismatch` when the typed name
/// differs (exact match: deleting is not the place for fuzzy comparisons).
pub fn ensure_deletable(
    kind: OrganizationKind,
    name: &str,
    confirm_name: &str,
) -> Result<(), OrganizationRuleError> {
    if kind == OrganizationKind::Personal {
        return Err(OrganizationRuleError::PersonalOrganization("deleted"));
    }
    if confirm_name != name {
        return Err(OrganizationRuleError::ConfirmNameMismatch);
    }
    Ok(())
}

/// Checks that an organization of `kind` may be `what` (left, emptied, transferred,
/// given other roles, invited into): personal organizations belong to one person only.
///
/// # Errors
/// `PersonalOrganization` naming what was tried.
pub fn ensure_team(
    kind: OrganizationKind,
    what: &'static str,
) -> Result<(), OrganizationRuleError> {
    match kind {
        OrganizationKind::Team => Ok(()),
        OrganizationKind::Personal => Err(OrganizationRuleError::PersonalOrganization(what)),
    }
}

/// How long an organization keeps its audit events: forever, or 30, 60 or 90 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetentionDays(Option<u16>);

/// A retention other than never / 30 / 60 / 90 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("retention is null (never), 30, 60 or 90 days")]
pub struct RetentionError;

impl RetentionDays {
    /// The retentions an organization may choose (besides keeping events forever).
    pub const CHOICES: [u16; 3] = [30, 60, 90];

    /// Parses a requested retention; `None` keeps events forever.
    ///
    /// # Errors
    /// `RetentionError` for any other number of days.
    pub fn parse(days: Option<i32>) -> Result<RetentionDays, RetentionError> {
        match days {
            None => Ok(RetentionDays(None)),
            Some(days) => RetentionDays::CHOICES
                .into_iter()
                .find(|choice| i32::from(*choice) == days)
                .map(|choice| RetentionDays(Some(choice)))
                .ok_or(RetentionError),
        }
    }

    /// The days as stored; `None` for forever.
    #[must_use]
    pub fn days(self) -> Option<i32> {
        self.0.map(i32::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(OrgName::parse("  Acme ").unwrap().as_str(), "Acme");
        assert_eq!(OrgName::parse("   "), Err(OrgNameError::Empty));
        assert!(OrgName::parse(&"é".repeat(64)).is_ok());
        assert_eq!(OrgName::parse(&"é".repeat(65)), Err(OrgNameError::TooLong));
        assert_eq!(
            OrgName::parse("a\u{7}b"),
            Err(OrgNameError::ControlCharacter)
        );
        assert_eq!(OrgName::parse("a\nb"), Err(OrgNameError::ControlCharacter));
        assert!(OrgName::parse("<script>alert(1)</script>").is_ok());
    }

    #[test]
    fn names_refuse_invisible_format_characters() {
        for name in [
            "Acme\u{202E}gnp.exe",
            "Ac\u{200B}me",
            "\u{FEFF}Acme",
            "Ac\u{00AD}me",
        ] {
            assert_eq!(
                OrgName::parse(name),
                Err(OrgNameError::FormatCharacter),
                "{name:?}"
            );
        }
        assert!(OrgName::parse("Straße & Söhne").is_ok());
    }

    #[test]
    fn personal_names_fit_the_limit() {
        let name = OrgName::personal_for(&"x".repeat(64));
        assert!(OrgName::parse(name.as_str()).is_ok());
    }

    #[test]
    fn deletion_needs_a_team_org_and_the_exact_name() {
        assert_eq!(
            ensure_deletable(OrganizationKind::Personal, "Me", "Me"),
            Err(OrganizationRuleError::PersonalOrganization("deleted"))
        );
        assert_eq!(
            ensure_deletable(OrganizationKind::Team, "Acme", "acme"),
            Err(OrganizationRuleError::ConfirmNameMismatch)
        );
        assert_eq!(
            ensure_deletable(OrganizationKind::Team, "Acme", "Acme"),
            Ok(())
        );
    }

    #[test]
    fn only_team_organizations_pass_ensure_team() {
        assert_eq!(ensure_team(OrganizationKind::Team, "left"), Ok(()));
        assert_eq!(
            ensure_team(OrganizationKind::Personal, "left"),
            Err(OrganizationRuleError::PersonalOrganization("left"))
        );
    }

    #[test]
    fn retention_is_never_or_one_of_three_choices() {
        assert_eq!(
            RetentionDays::parse(None).map(RetentionDays::days),
            Ok(None)
        );
        for days in [30, 60, 90] {
            assert_eq!(
                RetentionDays::parse(Some(days)).map(RetentionDays::days),
                Ok(Some(days))
            );
        }
        for days in [0, 1, 29, 31, 89, 91, 365, -30] {
            assert_eq!(RetentionDays::parse(Some(days)), Err(RetentionError));
        }
    }

    #[test]
    fn kinds_round_trip() {
        for kind in [OrganizationKind::Personal, OrganizationKind::Team] {
            assert_eq!(OrganizationKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(OrganizationKind::parse("team"), None);
    }

    proptest! {
        #[test]
        fn parsed_names_have_no_controls_and_fit(input in "\\PC{0,80}|[\\x00-\\x1f a-z]{0,10}") {
            if let Ok(name) = OrgName::parse(&input) {
                prop_assert!(!name.as_str().chars().any(char::is_control));
                prop_assert!(!crate::text::has_format_character(name.as_str()));
                let count = name.as_str().chars().count();
                prop_assert!((1..=64).contains(&count));
                prop_assert_eq!(name.as_str().trim(), name.as_str());
            }
        }
    }
}
