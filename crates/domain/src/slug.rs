//! `Slug`: the globally unique, URL-safe handle of an organization. `[a-z0-9-]`, 3-40
//! characters, no leading or trailing hyphen, not a reserved word; derived from the name
//! when the caller gives none.

use std::fmt;

const MIN_LEN: usize = 3;
const MAX_LEN: usize = 40;

/// Words that would clash with routes, product pages or staff impersonation.
pub const RESERVED: &[&str] = &[
    "about",
    "account",
    "admin",
    "api",
    "app",
    "assets",
    "auth",
    "billing",
    "blog",
    "dashboard",
    "dev",
    "docs",
    "graphql",
    "healthz",
    "help",
    "invitations",
    "login",
    "logout",
    "me",
    "metrics",
    "new",
    "org",
    "organizations",
    "readyz",
    "root",
    "roster",
    "settings",
    "signin",
    "signout",
    "signup",
    "static",
    "status",
    "support",
    "system",
    "www",
];

/// Why a string is not a slug. Messages are safe to show to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("slug must be {MIN_LEN} to {MAX_LEN} characters long")]
    Length,
    #[error("slug may only contain lowercase letters, digits and hyphens")]
    Characters,
    #[error("slug may not start or end with a hyphen")]
    EdgeHyphen,
    #[error("slug `{0}` is reserved")]
    Reserved(String),
}

/// A valid organization slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    /// Parses a slug the caller typed. Nothing is normalized: `Acme` is refused rather
    /// than silently lowercased, so the caller sees the slug it will get.
    ///
    /// # Errors
    /// `SlugError` naming the broken rule.
    pub fn parse(input: &str) -> Result<Slug, SlugError> {
        let len = input.chars().count();
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(SlugError::Length);
        }
        if !input
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(SlugError::Characters);
        }
        if input.starts_with('-') || input.ends_with('-') {
            return Err(SlugError::EdgeHyphen);
        }
        if RESERVED.contains(&input) {
            return Err(SlugError::Reserved(input.to_owned()));
        }
        Ok(Slug(input.to_owned()))
    }

    /// Derives a slug from an organization name: ASCII letters and digits kept and
    /// lowercased, every other run of characters becomes one hyphen. Names that leave
    /// too little (or a reserved word) are padded with `-org`.
    #[must_use]
    pub fn derive(name: &str) -> Slug {
        let mut slug = String::with_capacity(MAX_LEN);
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let mut slug = truncate(&slug, MAX_LEN).trim_end_matches('-').to_owned();
        if slug.len() < MIN_LEN || RESERVED.contains(&slug.as_str()) {
            slug = if slug.is_empty() {
                "team".to_owned()
            } else {
                format!("{slug}-org")
            };
        }
        Slug(slug)
    }

    /// This slug with `-suffix` appended, shortened so the result is still at most 40
    /// characters. Used to find a free slug when the derived one is taken.
    #[must_use]
    pub fn with_suffix(&self, suffix: &str) -> Slug {
        let room = MAX_LEN.saturating_sub(suffix.len() + 1);
        let base = truncate(&self.0, room);
        Slug(format!("{}-{suffix}", base.trim_end_matches('-')))
    }

    /// The slug text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn truncate(value: &str, max: usize) -> String {
    value.chars().take(max).collect::<String>()
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_valid_slugs() {
        for ok in ["acme", "a-b", "abc123", "x-y-z-1", &"a".repeat(40)] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_each_broken_rule() {
        assert_eq!(Slug::parse("ab"), Err(SlugError::Length));
        assert_eq!(Slug::parse(&"a".repeat(41)), Err(SlugError::Length));
        assert_eq!(Slug::parse("Acme"), Err(SlugError::Characters));
        assert_eq!(Slug::parse("ac me"), Err(SlugError::Characters));
        assert_eq!(Slug::parse("acmé"), Err(SlugError::Characters));
        assert_eq!(Slug::parse("-acme"), Err(SlugError::EdgeHyphen));
        assert_eq!(Slug::parse("acme-"), Err(SlugError::EdgeHyphen));
        for reserved in [
            "api",
            "admin",
            "graphql",
            "auth",
            "invitations",
            "settings",
            "new",
        ] {
            assert_eq!(
                Slug::parse(reserved),
                Err(SlugError::Reserved(reserved.into()))
            );
        }
    }

    #[test]
    fn derives_from_names() {
        assert_eq!(Slug::derive("Acme Corp").as_str(), "acme-corp");
        assert_eq!(Slug::derive("  Ünïcode & Co!! ").as_str(), "n-code-co");
        assert_eq!(Slug::derive("AB").as_str(), "ab-org");
        assert_eq!(Slug::derive("日本").as_str(), "team");
        assert_eq!(Slug::derive("Admin").as_str(), "admin-org");
        assert_eq!(Slug::derive(&"Long ".repeat(20)).as_str().len(), 39);
    }

    #[test]
    fn suffixes_keep_the_length_limit() {
        let long = Slug::derive(&"a".repeat(60));
        let suffixed = long.with_suffix("x1y2");
        assert!(Slug::parse(suffixed.as_str()).is_ok());
        assert!(suffixed.as_str().ends_with("-x1y2"));
    }

    proptest! {
        #[test]
        fn derived_slugs_always_parse(name in "\\PC{0,100}") {
            let slug = Slug::derive(&name);
            prop_assert!(Slug::parse(slug.as_str()).is_ok(), "{:?} -> {:?}", name, slug);
            let suffixed = slug.with_suffix("a1b2");
            prop_assert!(Slug::parse(suffixed.as_str()).is_ok(), "{:?}", suffixed);
        }

        #[test]
        fn parsed_slugs_only_hold_allowed_characters(input in "\\PC{0,50}") {
            if let Ok(slug) = Slug::parse(&input) {
                prop_assert!(slug.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            }
        }
    }
}
