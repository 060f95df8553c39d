//! `EmailAddress`: an address parsed once at the edge. Matching is case-insensitive (the
//! normalized form is lowercase); the accepted syntax is a subset of what lettre accepts,
//! so a parsed address always makes a valid mail header, and CR/LF can never get in.

use std::fmt;

/// The longest address we accept (RFC 5321 path limit minus the angle brackets).
const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

/// Why a string is not an email address. Messages are safe to show to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("email address is empty")]
    Empty,
    #[error("email address is longer than {MAX_LEN} characters")]
    TooLong,
    #[error("email address needs exactly one `@` between a name and a domain")]
    Shape,
    #[error("email address has a character that is not allowed before the `@`")]
    LocalPart,
    #[error("email address has an invalid domain")]
    Domain,
}

/// A syntactically valid email address, kept as typed (trimmed) with a lowercase key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress {
    normalized: String,
}

impl EmailAddress {
    /// Parses `input` (surrounding whitespace is ignored).
    ///
    /// # Errors
    /// `EmailError` naming the broken rule.
    pub fn parse(input: &str) -> Result<EmailAddress, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.len() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = trimmed.split_once('@').ok_or(EmailError::Shape)?;
        if local.is_empty() || domain.is_empty() || domain.contains('@') {
            return Err(EmailError::Shape);
        }
        if local.len() > MAX_LOCAL_LEN || !valid_local_part(local) {
            return Err(EmailError::LocalPart);
        }
        if !valid_domain(domain) {
            return Err(EmailError::Domain);
        }
        Ok(EmailAddress {
            normalized: trimmed.to_ascii_lowercase(),
        })
    }

    /// The lowercase form, used for storage, matching and sending.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.normalized
    }

    /// The part before the `@`, a reasonable default display name.
    #[must_use]
    pub fn local_part(&self) -> &str {
        self.normalized
            .split_once('@')
            .map_or(self.normalized.as_str(), |(local, _)| local)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized)
    }
}

/// RFC 5322 dot-atom text: the characters lettre's user regex allows, without leading,
/// trailing or doubled dots.
fn valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-.";
    local
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

/// A DNS name of at least two labels, each 1-63 letters, digits or inner hyphens.
fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn matching_is_case_insensitive_and_trims() {
        let a = EmailAddress::parse("  Ada.Lovelace@Example.COM ").unwrap();
        let b = EmailAddress::parse("ada.lovelace@example.com").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "ada.lovelace@example.com");
        assert_eq!(a.local_part(), "ada.lovelace");
    }

    #[test]
    fn accepts_common_addresses() {
        for ok in [
            "a@b.co",
            "first+tag@sub.example.org",
            "o'brien@example.ie",
            "x_y-z@a-b.io",
        ] {
            assert!(EmailAddress::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_broken_addresses_with_the_rule() {
        assert_eq!(EmailAddress::parse(""), Err(EmailError::Empty));
        assert_eq!(EmailAddress::parse("   "), Err(EmailError::Empty));
        assert_eq!(
            EmailAddress::parse("no-at.example.com"),
            Err(EmailError::Shape)
        );
        assert_eq!(EmailAddress::parse("a@b@c.com"), Err(EmailError::Shape));
        assert_eq!(EmailAddress::parse("@example.com"), Err(EmailError::Shape));
        assert_eq!(
            EmailAddress::parse("a b@example.com"),
            Err(EmailError::LocalPart)
        );
        assert_eq!(
            EmailAddress::parse(".a@example.com"),
            Err(EmailError::LocalPart)
        );
        assert_eq!(
            EmailAddress::parse("a..b@example.com"),
            Err(EmailError::LocalPart)
        );
        assert_eq!(EmailAddress::parse("a@localhost"), Err(EmailError::Domain));
        assert_eq!(EmailAddress::parse("a@-x.com"), Err(EmailError::Domain));
        assert_eq!(EmailAddress::parse("a@x..com"), Err(EmailError::Domain));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn header_injection_is_impossible() {
        for evil in [
            "a@example.com\r\nBcc: victim@example.com",
            "a\r\n@example.com",
            "a@exa\nmple.com",
            "a@example.com\0",
        ] {
            assert!(EmailAddress::parse(evil).is_err(), "{evil:?}");
        }
    }

    proptest! {
        #[test]
        fn parsed_addresses_never_hold_whitespace_or_controls(input in "\\PC{0,80}") {
            if let Ok(email) = EmailAddress::parse(&input) {
                prop_assert!(!email.as_str().chars().any(|c| c.is_whitespace() || c.is_control()));
                prop_assert_eq!(email.as_str().matches('@').count(), 1);
                prop_assert!(email.as_str().len() <= MAX_LEN);
            }
        }

        #[test]
        fn parsing_is_idempotent_and_case_blind(local in "[a-zA-Z0-9+_-]{1,20}", domain in "[a-zA-Z0-9]{1,10}\\.[a-zA-Z]{2,6}") {
            let input = format!("{local}@{domain}");
            let email = EmailAddress::parse(&input).unwrap();
            prop_assert_eq!(EmailAddress::parse(email.as_str()).unwrap(), email.clone());
            prop_assert_eq!(EmailAddress::parse(&input.to_uppercase()).unwrap(), email);
        }
    }
}
