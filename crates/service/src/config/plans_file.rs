//! The plans file (`ROSTER_PLANS_FILE`): TOML that replaces the built-in plans and declares
//! the product's metered metrics. Every refusal names the line, so an operator can fix a
//! file that stops start-up without guessing.
//!
//! ```toml
//! [[plan]]
//! id = "free"
//! name = "Free"
//!
//! [[plan.limit]]
//! metric = "seats"
//! limit = 5
//!
//! [[plan.limit]]
//! metric = "analyses"
//! limit = 100
//! period = "month"   # or "none" (a gauge); default "none"
//! hard = true        # false: only warn; default true
//! ```
//! A limit without `limit` is unlimited, and so is a metric the plan does not list.

use std::ops::Range;
use std::path::Path;

use roster_domain::{Plan, PlanLimit, Plans, UsagePeriod};
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    plan: Vec<Spanned<RawPlan>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    id: String,
    name: String,
    #[serde(default)]
    limit: Vec<Spanned<RawLimit>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    metric: String,
    limit: Option<u64>,
    #[serde(default)]
    period: RawPeriod,
    #[serde(default = "hard_by_default")]
    hard: bool,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawPeriod {
    #[default]
    None,
    Month,
}

fn hard_by_default() -> bool {
    true
}

/// Reads and checks the plans file at `path`.
///
/// # Errors
/// A message naming the file and, when it is about the content, the line.
pub(super) fn read(path: &Path) -> Result<Plans, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    parse(&text).map_err(|reason| format!("{}: {reason}", path.display()))
}

/// Parses and checks the text of a plans file.
///
/// # Errors
/// A message starting with `line N:` (or saying what is missing from the whole file).
pub(super) fn parse(text: &str) -> Result<Plans, String> {
    let file: File = toml::from_str(text).map_err(|err| {
        let reason = err.message().trim_end().to_owned();
        match err.span() {
            Some(span) => format!("line {}: {reason}", line_of(text, &span)),
            None => reason,
        }
    })?;
    let spans: Vec<(Range<usize>, Vec<Range<usize>>)> = file
        .plan
        .iter()
        .map(|plan| {
            let limits = plan.get_ref().limit.iter().map(Spanned::span).collect();
            (plan.span(), limits)
        })
        .collect();
    let plans = file
        .plan
        .into_iter()
        .map(|plan| {
            let plan = plan.into_inner();
            Plan {
                id: plan.id,
                name: plan.name,
                limits: plan
                    .limit
                    .into_iter()
                    .map(|limit| {
                        let limit = limit.into_inner();
                        PlanLimit {
                            metric: limit.metric,
                            limit: limit.limit,
                            period: match limit.period {
                                RawPeriod::None => UsagePeriod::None,
                                RawPeriod::Month => UsagePeriod::Month,
                            },
                            hard: limit.hard,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    Plans::new(plans).map_err(|invalid| {
        let span = invalid.plan.and_then(|plan| {
            let (plan_span, limit_spans) = spans.get(plan)?;
            match invalid.limit {
                Some(limit) => limit_spans.get(limit).cloned(),
                None => Some(plan_span.clone()),
            }
        });
        match span {
            Some(span) => format!("line {}: {}", line_of(text, &span), invalid.error),
            None => invalid.error.to_string(),
        }
    })
}

/// The 1-based line `span` starts on.
fn line_of(text: &str, span: &Range<usize>) -> usize {
    let start = span.start.min(text.len());
    text.as_bytes()[..start]
        .iter()
        .filter(|&&byte| byte == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_domain::OrganizationKind;

    const EXAMPLE: &str = r#"
[[plan]]
id = "free"
name = "Free"

[[plan.limit]]
metric = "seats"
limit = 2

[[plan.limit]]
metric = "analyses"
limit = 100
period = "month"

[[plan]]
id = "scale"
name = "Scale"

[[plan.limit]]
metric = "storage_bytes"
limit = 1000000
hard = false
"#;

    #[test]
    fn a_valid_file_replaces_the_builtin_plans() {
        let plans = parse(EXAMPLE).unwrap();
        let ids: Vec<&str> = plans.all().iter().map(|plan| plan.id.as_str()).collect();
        assert_eq!(ids, ["free", "scale"]);
        let team = OrganizationKind::Team;
        assert_eq!(plans.held_limit(team, "free", "seats"), Some(2));
        assert_eq!(plans.held_limit(team, "free", "projects"), None);
        let free = plans.find("free").unwrap();
        assert_eq!(
            free.limits[1],
            PlanLimit {
                metric: "analyses".into(),
                limit: Some(100),
                period: UsagePeriod::Month,
                hard: true,
            }
        );
        let storage = &plans.find("scale").unwrap().limits[0];
        assert_eq!((storage.period, storage.hard), (UsagePeriod::None, false));
    }

    #[test]
    fn syntax_and_type_errors_name_the_line() {
        let cases = [
            (EXAMPLE.replace("limit = 100", "limit = -1"), 12),
            (
                EXAMPLE.replace(r#"period = "month""#, r#"period = "week""#),
                13,
            ),
            (EXAMPLE.replace("hard = false", "hard = maybe"), 22),
            (EXAMPLE.replace(r#"name = "Scale""#, "nmae = 3"), 17),
        ];
        for (text, line) in cases {
            let err = parse(&text).unwrap_err();
            assert!(err.starts_with(&format!("line {line}:")), "{err}");
        }
    }

    #[test]
    fn rule_errors_name_the_line_of_the_plan_or_limit() {
        let held = EXAMPLE.replace("limit = 2", "limit = 2\nperiod = \"month\"");
        let err = parse(&held).unwrap_err();
        assert!(err.starts_with("line 6:"), "{err}");
        assert!(err.contains("seats"), "{err}");
        let duplicate = EXAMPLE.replace(r#"id = "scale""#, r#"id = "free""#);
        let err = parse(&duplicate).unwrap_err();
        assert!(err.starts_with("line 15:"), "{err}");
        let err = parse(&EXAMPLE.replace(r#"id = "free""#, r#"id = "basic""#)).unwrap_err();
        assert!(err.contains("`free`"), "{err}");
    }

    #[test]
    fn config_reads_the_file_named_by_roster_plans_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plans.toml");
        let lookup = |name: &str| (name == "ROSTER_PLANS_FILE").then(|| path.display().to_string());
        std::fs::write(&path, EXAMPLE).unwrap();
        let config = super::super::Config::from_lookup(lookup).unwrap();
        assert_eq!(config.plans, parse(EXAMPLE).unwrap());
        std::fs::write(&path, EXAMPLE.replace("limit = 2", "limit = \"two\"")).unwrap();
        let err = super::super::Config::from_lookup(lookup).unwrap_err();
        assert_eq!(err.name, "ROSTER_PLANS_FILE");
        assert!(err.reason.contains("line 8:"), "{}", err.reason);
        assert_eq!(super::super::Config::default().plans, Plans::builtin());
    }

    /// The README's example is a working plans file.
    #[test]
    fn the_readme_example_parses() {
        let readme = include_str!("../../../../README.md");
        let section = readme.split("### Plans").nth(1).unwrap();
        let example = section.split("```toml").nth(1).unwrap();
        let example = example.split("```").next().unwrap();
        let plans = parse(example).unwrap();
        let team = OrganizationKind::Team;
        assert_eq!(plans.held_limit(team, "free", "projects"), Some(3));
        assert_eq!(plans.held_limit(team, "scale", "seats"), None);
    }

    #[test]
    fn an_unreadable_file_says_which() {
        let err = read(Path::new("/nonexistent/plans.toml")).unwrap_err();
        assert!(err.contains("/nonexistent/plans.toml"), "{err}");
    }
}
