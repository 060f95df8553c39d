//! The weekly summary mail: one organization's week in numbers, from its audit log, with
//! how to stop the mail.

use askama::Template;
use serde::{Deserialize, Serialize};

use super::Rendered;

/// A member's weekly digest of an organization's audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklySummary {
    pub to: String,
    pub link: String,
    pub organization: String,
    /// Named in the mutation that turns the mail off.
    pub organization_id: String,
    /// The first and the last day covered, human-readable (`Mon 2026-11-23`).
    pub first_day: String,
    pub last_day: String,
    pub new_members: u64,
    pub projects_created: u64,
    pub api_keys_created: u64,
    pub total_events: u64,
    /// The most frequent actions, most frequent first.
    pub top_actions: Vec<ActionCount>,
}

/// How often one audit action happened in the week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCount {
    pub action: String,
    pub count: u64,
}

#[derive(Template)]
#[template(path = "weekly_summary.txt")]
struct Text<'a> {
    summary: &'a WeeklySummary,
}

#[derive(Template)]
#[template(path = "weekly_summary.html")]
struct Html<'a> {
    summary: &'a WeeklySummary,
}

pub(super) fn render(summary: &WeeklySummary) -> Result<Rendered, askama::Error> {
    Ok(Rendered {
        subject: format!(
            "Your week in {}: {} to {}",
            summary.organization, summary.first_day, summary.last_day
        ),
        text: Text { summary }.render()?,
        html: Html { summary }.render()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mail;

    fn summary() -> WeeklySummary {
        WeeklySummary {
            to: "ada@example.com".into(),
            link: "http://localhost:8080/graphql".into(),
            organization: "<b>Acme</b>".into(),
            organization_id: "0193a0a0-0000-7000-8000-000000000001".into(),
            first_day: "Mon 2026-11-23".into(),
            last_day: "Sun 2026-11-29".into(),
            new_members: 2,
            projects_created: 3,
            api_keys_created: 1,
            total_events: 11,
            top_actions: vec![
                ActionCount {
                    action: "project.created".into(),
                    count: 3,
                },
                ActionCount {
                    action: "member.invited".into(),
                    count: 2,
                },
            ],
        }
    }

    #[test]
    fn the_summary_shows_the_period_the_numbers_and_how_to_stop_it() {
        let mail = Mail::WeeklySummary(summary());
        let rendered = render(&summary()).unwrap();
        assert_eq!(
            rendered.subject,
            "Your week in <b>Acme</b>: Mon 2026-11-23 to Sun 2026-11-29"
        );
        let text = &rendered.text;
        for line in [
            "New members: 2",
            "Projects created: 3",
            "API keys created: 1",
            "All events: 11",
            "  project.created: 3",
            "  member.invited: 2",
            "http://localhost:8080/graphql",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} in:\n{text}");
        }
        assert!(
            text.contains("from Mon 2026-11-23 to Sun 2026-11-29"),
            "{text}"
        );
        assert!(text.contains("updateNotificationPreferences(organizationId: \"0193a0a0-0000-7000-8000-000000000001\", weeklySummary: false)"), "{text}");
        assert!(!rendered.html.contains("<b>Acme</b>"));
        assert!(rendered.html.contains("weeklySummary"));
        assert_eq!(mail.recipient(), "ada@example.com");
        assert_eq!(mail.link(), "http://localhost:8080/graphql");
    }
}
