//! How arguments name things: an organization by id or slug, a member by id or email, a
//! mailed link or its bare token, and a `--since` as a time, a date or an age.

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::CliError;

/// An organization as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgRef {
    Id(String),
    Slug(String),
}

impl OrgRef {
    /// A UUID is an id; anything else a slug.
    ///
    /// # Errors
    /// When `text` is empty.
    pub fn parse(text: &str) -> Result<OrgRef, CliError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CliError::usage(
                "an organization is needed, not an empty string",
                "give its id or slug (`roster orgs list` shows them)",
            ));
        }
        Ok(match uuid::Uuid::parse_str(text) {
            Ok(id) => OrgRef::Id(id.to_string()),
            Err(_) => OrgRef::Slug(text.to_ascii_lowercase()),
        })
    }

    /// `(id, slug)` for the `organization(id:, slug:)` query: exactly one is set.
    #[must_use]
    pub fn query_args(&self) -> (Option<String>, Option<String>) {
        match self {
            OrgRef::Id(id) => (Some(id.clone()), None),
            OrgRef::Slug(slug) => (None, Some(slug.clone())),
        }
    }
}

impl std::fmt::Display for OrgRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OrgRef::Id(text) | OrgRef::Slug(text) => f.write_str(text),
        }
    }
}

/// A member as the user named them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    Id(String),
    Email(String),
}

impl UserRef {
    /// A UUID is a user id; something with `@` an email.
    ///
    /// # Errors
    /// When `text` is neither.
    pub fn parse(text: &str) -> Result<UserRef, CliError> {
        let text = text.trim();
        if let Ok(id) = uuid::Uuid::parse_str(text) {
            return Ok(UserRef::Id(id.to_string()));
        }
        if text.contains('@') {
            return Ok(UserRef::Email(text.to_owned()));
        }
        Err(CliError::usage(
            format!("`{text}` is neither an email nor a user id"),
            "`roster members list` shows both",
        ))
    }
}

/// The token in a mailed link (`...?token=rsi_...`, or `.../invitations/rsv_...`), or
/// `text` itself when it is a bare token.
///
/// # Errors
/// When nothing token-like is left.
pub fn token_from_link(text: &str) -> Result<String, CliError> {
    let text = text.trim();
    let token = if text.contains("://") {
        reqwest::Url::parse(text)
            .ok()
            .and_then(|url| {
                let query = url
                    .query_pairs()
                    .find(|(name, _)| name == "token")
                    .map(|(_, value)| value.into_owned());
                // Invitation links carry the token as the last path segment.
                query.or_else(|| {
                    url.path_segments()?
                        .next_back()
                        .filter(|last| last.starts_with("rs") && last.contains('_'))
                        .map(str::to_owned)
                })
            })
            .unwrap_or_default()
    } else {
        text.to_owned()
    };
    if token.is_empty() || token.chars().any(char::is_whitespace) {
        return Err(CliError::usage(
            "that is neither a link with `?token=` nor a token",
            "paste the whole link from the mail, or the part after `token=`",
        ));
    }
    Ok(token)
}

/// An invitation as the user named it: its id, or a link or token from the mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvitationRef {
    Id(String),
    Token(String),
}

impl InvitationRef {
    /// # Errors
    /// When `text` is none of the three.
    pub fn parse(text: &str) -> Result<InvitationRef, CliError> {
        match uuid::Uuid::parse_str(text.trim()) {
            Ok(id) => Ok(InvitationRef::Id(id.to_string())),
            Err(_) => token_from_link(text).map(InvitationRef::Token),
        }
    }

    /// `(id, token)` for `acceptInvitation` / `declineInvitation`.
    #[must_use]
    pub fn args(&self) -> (Option<String>, Option<String>) {
        match self {
            InvitationRef::Id(id) => (Some(id.clone()), None),
            InvitationRef::Token(token) => (None, Some(token.clone())),
        }
    }
}

/// `--since`: RFC 3339 (`2026-12-01T09:00:00Z`), a date (midnight UTC), or an age before
/// `now` (`90s`, `15m`, `2h`, `7d`, `2w`).
///
/// # Errors
/// When `text` is none of those.
pub fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, CliError> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        && let Some(midnight) = date.and_hms_opt(0, 0, 0)
    {
        return Ok(midnight.and_utc());
    }
    let bad = || {
        CliError::usage(
            format!("--since `{text}` is not a time"),
            "give 2026-12-01T09:00:00Z, 2026-12-01, or an age like 90s, 15m, 2h, 7d",
        )
    };
    let split = text.len().saturating_sub(1);
    let (number, unit) = (text.get(..split).ok_or_else(bad)?, text.get(split..));
    let amount: i64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        Some("s") => 1,
        Some("m") => 60,
        Some("h") => 3600,
        Some("d") => 86_400,
        Some("w") => 604_800,
        _ => return Err(bad()),
    };
    amount
        .checked_mul(seconds)
        .and_then(chrono::TimeDelta::try_seconds)
        .and_then(|age| now.checked_sub_signed(age))
        .filter(|_| amount >= 0)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    #[test]
    fn an_org_is_named_by_id_or_slug() {
        let id = "0193a0c4-7c3e-7000-8000-0000000000AB";
        assert_eq!(
            OrgRef::parse(id).unwrap(),
            OrgRef::Id(id.to_ascii_lowercase())
        );
        assert_eq!(
            OrgRef::parse(" Acme-Labs ").unwrap(),
            OrgRef::Slug("acme-labs".into())
        );
        assert_eq!(
            OrgRef::parse("acme").unwrap().query_args(),
            (None, Some("acme".into()))
        );
        assert!(OrgRef::parse("  ").is_err());
    }

    #[test]
    fn a_member_is_named_by_id_or_email() {
        assert_eq!(
            UserRef::parse("ada@example.com").unwrap(),
            UserRef::Email("ada@example.com".into())
        );
        assert!(matches!(
            UserRef::parse("0193a0c4-7c3e-7000-8000-0000000000ab").unwrap(),
            UserRef::Id(_)
        ));
        assert!(UserRef::parse("ada").is_err());
    }

    #[test]
    fn a_link_or_its_bare_token_is_accepted() {
        assert_eq!(
            token_from_link("http://localhost:8080/auth/verify?token=rsi_abc\n").unwrap(),
            "rsi_abc"
        );
        assert_eq!(token_from_link("  rsi_abc ").unwrap(), "rsi_abc");
        assert!(token_from_link("http://localhost:8080/auth/verify").is_err());
        assert!(token_from_link("").is_err());
        assert_eq!(
            InvitationRef::parse("https://r.example/invitations/rsv_1").unwrap(),
            InvitationRef::Token("rsv_1".into())
        );
        assert!(InvitationRef::parse("https://r.example/invitations/").is_err());
    }

    #[test]
    fn since_takes_a_time_a_date_or_an_age() {
        let now = DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |text: &str| parse_since(text, now).map(|at| at.to_rfc3339());
        assert_eq!(at("15m").unwrap(), "2026-12-03T11:45:00+00:00");
        assert_eq!(at("2d").unwrap(), "2026-12-01T12:00:00+00:00");
        assert_eq!(at("2026-12-01").unwrap(), "2026-12-01T00:00:00+00:00");
        assert_eq!(
            at("2026-12-01T09:00:00+01:00").unwrap(),
            "2026-12-01T08:00:00+00:00"
        );
        for bad in ["", "m", "15", "15y", "-3h", "99999999999999999w", "ü"] {
            assert!(at(bad).is_err(), "{bad}");
        }
    }
}
