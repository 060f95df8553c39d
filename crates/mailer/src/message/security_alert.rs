//! The security alert mail: a sign-in from an address the account has not used in 90
//! days, with when, from where, and what to do if it was not the account's owner.

use askama::Template;
use serde::{Deserialize, Serialize};

use super::Rendered;

/// A new sign-in to the recipient's account from an unfamiliar address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityAlert {
    pub to: String,
    pub link: String,
    /// When the sign-in happened, human-readable.
    pub when: String,
    pub ip: String,
    /// The browser's `User-Agent`, when it sent one.
    pub user_agent: Option<String>,
}

#[derive(Template)]
#[template(path = "security_alert.txt")]
struct Text<'a> {
    alert: &'a SecurityAlert,
}

#[derive(Template)]
#[template(path = "security_alert.html")]
struct Html<'a> {
    alert: &'a SecurityAlert,
}

pub(super) fn render(alert: &SecurityAlert) -> Result<Rendered, askama::Error> {
    Ok(Rendered {
        subject: format!("New sign-in to Roster from {}", alert.ip),
        text: Text { alert }.render()?,
        html: Html { alert }.render()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alert_says_when_where_and_what_to_do() {
        let alert = SecurityAlert {
            to: "ada@example.com".into(),
            link: "http://localhost:8080/graphql".into(),
            when: "2026-12-03 12:00 UTC".into(),
            ip: "203.0.113.7".into(),
            user_agent: Some("<script>Evil</script>".into()),
        };
        let rendered = render(&alert).unwrap();
        assert_eq!(rendered.subject, "New sign-in to Roster from 203.0.113.7");
        let text = &rendered.text;
        assert!(
            text.contains("on 2026-12-03 12:00 UTC from 203.0.113.7"),
            "{text}"
        );
        assert!(text.contains("using <script>Evil</script>"), "{text}");
        assert!(text.contains("If this wasn't you"), "{text}");
        assert!(text.contains("securityAlerts: false"), "{text}");
        assert!(text.lines().any(|l| l == "http://localhost:8080/graphql"));
        assert!(!rendered.html.contains("<script>"));
        let without_agent = SecurityAlert {
            user_agent: None,
            ..alert
        };
        let rendered = render(&without_agent).unwrap();
        assert!(!rendered.text.contains("using"), "{}", rendered.text);
    }
}
