//! Projects and their API keys: names and labels that parse, and how a key is shown
//! after creation (a recognisable prefix and its last four characters, never the secret).

use std::fmt;

const MAX_CHARS: usize = 64;

/// Why a string is not a project name or key label.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {MAX_CHARS} characters")]
    TooLong,
    #[error("must not contain control characters")]
    ControlCharacter,
    #[error("must not contain invisible formatting characters (bidi overrides, zero-width)")]
    FormatCharacter,
}

fn parse_name(input: &str) -> Result<String, NameError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(NameError::Empty);
    }
    if trimmed.chars().count() > MAX_CHARS {
        return Err(NameError::TooLong);
    }
    if trimmed.chars().any(char::is_control) {
        return Err(NameError::ControlCharacter);
    }
    if crate::text::has_format_character(trimmed) {
        return Err(NameError::FormatCharacter);
    }
    Ok(trimmed.to_owned())
}

/// A project name: 1-64 characters after trimming, no control characters and no Unicode
/// format characters. Unique within its organization by `normalized()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectName(String);

impl ProjectName {
    /// Parses a name the caller typed.
    ///
    /// # Errors
    /// `NameError` naming the broken rule.
    pub fn parse(input: &str) -> Result<ProjectName, NameError> {
        parse_name(input).map(ProjectName)
    }

    /// The name as typed (trimmed).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uniqueness key: the full Unicode case folding of the name (`Straße` and
    /// `STRASSE` share one key, as do `ΣΑΣ` and `σας`). Lowercasing alone keeps `ß` apart
    /// from `ss` and final sigma apart from sigma, so two names that differ only in case
    /// could both be taken.
    #[must_use]
    pub fn normalized(&self) -> String {
        caseless::default_case_fold_str(&self.0)
    }
}

impl fmt::Display for ProjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An API key's label: 1-64 characters after trimming, no control characters and no
/// Unicode format characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyLabel(String);

impl ApiKeyLabel {
    /// Parses a label the caller typed.
    ///
    /// # Errors
    /// `NameError` naming the broken rule.
    pub fn parse(input: &str) -> Result<ApiKeyLabel, NameError> {
        parse_name(input).map(ApiKeyLabel)
    }

    /// The label text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The prefix every API key secret starts with.
pub const API_KEY_PREFIX: &str = "rk_";

/// The last four characters of a secret, kept to show it masked.
#[must_use]
pub fn last4(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// How a key is shown after creation: `rk_…a1b2`.
#[must_use]
pub fn masked(last4: &str) -> String {
    format!("{API_KEY_PREFIX}…{last4}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn project_names_are_trimmed_bounded_and_compared_case_insensitively() {
        let name = ProjectName::parse("  Website ").unwrap();
        assert_eq!(name.as_str(), "Website");
        assert_eq!(
            name.normalized(),
            ProjectName::parse("WEBSITE").unwrap().normalized()
        );
        assert_eq!(ProjectName::parse("É").unwrap().normalized(), "é");
        assert_eq!(ProjectName::parse(" "), Err(NameError::Empty));
        assert_eq!(ProjectName::parse(&"x".repeat(65)), Err(NameError::TooLong));
        assert!(ProjectName::parse(&"x".repeat(64)).is_ok());
        assert_eq!(ProjectName::parse("a\tb"), Err(NameError::ControlCharacter));
        assert_eq!(ApiKeyLabel::parse(""), Err(NameError::Empty));
    }

    #[test]
    fn project_names_compare_by_full_case_folding() {
        let key = |name: &str| ProjectName::parse(name).unwrap().normalized();
        assert_eq!(key("Straße"), key("STRASSE"));
        assert_eq!(key("Straße"), key("strasse"));
        assert_eq!(key("ΣΑΣ"), key("σας"));
        assert_eq!(key("ﬁle"), key("FILE"));
        assert_eq!(key("Website"), "website");
        assert_ne!(key("Strase"), key("Straße"));
    }

    #[test]
    fn names_and_labels_refuse_invisible_format_characters() {
        for name in [
            "Web\u{202E}site",
            "Web\u{200D}site",
            "\u{2066}Web",
            "Web\u{00AD}site",
        ] {
            assert_eq!(
                ProjectName::parse(name),
                Err(NameError::FormatCharacter),
                "{name:?}"
            );
            assert_eq!(
                ApiKeyLabel::parse(name),
                Err(NameError::FormatCharacter),
                "{name:?}"
            );
        }
    }

    #[test]
    fn keys_are_masked_to_prefix_and_last_four() {
        let secret = "rk_0123456789abcdef";
        assert_eq!(last4(secret), "cdef");
        assert_eq!(masked(&last4(secret)), "rk_…cdef");
        assert_eq!(last4("ab"), "ab");
    }

    proptest! {
        #[test]
        fn parsed_project_names_fit_and_have_no_controls(input in "\\PC{0,80}") {
            if let Ok(name) = ProjectName::parse(&input) {
                prop_assert!((1..=64).contains(&name.as_str().chars().count()));
                prop_assert!(!name.as_str().chars().any(char::is_control));
            }
        }
    }
}
