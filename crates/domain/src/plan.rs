//! Plans and quotas: what an organization's plan lets it hold (seats, projects) or spend
//! per period (the product's metered metrics), and how full a limit is (`UsageLevel`).
//! Plans are configuration: `Plans::builtin` holds the defaults, and an operator's plans
//! file replaces them (the service reads it; this module only checks the result).

use std::fmt;

use crate::organization::OrganizationKind;

/// The metric name of seats: members plus pending invitations.
pub const SEATS: &str = "seats";
/// The metric name of projects.
pub const PROJECTS: &str = "projects";
/// The plan every new organization starts on, so every set of plans must have it.
pub const DEFAULT_PLAN: &str = "free";
/// A personal organization holds its owner only, whatever its plan says.
pub const PERSONAL_SEATS: u64 = 1;

/// Over which period a limit counts: `None` for things held (seats, a gauge), `Month` for
/// things spent, reset at the start of each calendar month (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UsagePeriod {
    None,
    Month,
}

impl UsagePeriod {
    /// The spelling in plans files.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            UsagePeriod::None => "none",
            UsagePeriod::Month => "month",
        }
    }
}

/// One limit of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLimit {
    /// `seats`, `projects`, or a metered metric of the product (`analyses`).
    pub metric: String,
    /// The most that may be held or spent per period; `None` is unlimited.
    pub limit: Option<u64>,
    pub period: UsagePeriod,
    /// A hard limit refuses what would pass it; a soft one only warns.
    pub hard: bool,
}

/// A plan: an id organizations store, a name for people, and its limits. A metric the
/// plan does not list is unlimited on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub limits: Vec<PlanLimit>,
}

impl Plan {
    /// The limit on `metric`, `None` when the plan sets none (unlimited).
    #[must_use]
    pub fn limit_of(&self, metric: &str) -> Option<u64> {
        self.limits
            .iter()
            .find(|limit| limit.metric == metric)
            .and_then(|limit| limit.limit)
    }
}

/// Why a set of plans cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("plan id `{0}` must be 1 to 32 characters of a-z, 0-9, `-` or `_`")]
    BadPlanId(String),
    #[error("plan `{0}` needs a name")]
    EmptyName(String),
    #[error("metric `{0}` must be 1 to 64 characters of a-z, 0-9 or `_`")]
    BadMetric(String),
    #[error("plan `{0}` is declared twice")]
    DuplicatePlan(String),
    #[error("plan `{plan}` lists metric `{metric}` twice")]
    DuplicateMetric { plan: String, metric: String },
    #[error("`{0}` is held, not spent: its period must be `none` and its limit hard")]
    HeldMetric(String),
    #[error("there must be a plan `free`: new organizations start on it")]
    NoDefaultPlan,
}

/// A refused set of plans: the reason, and where (the index of the plan and of its limit)
/// so a plans file can name the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct InvalidPlans {
    pub error: PlanError,
    /// Which plan, by position; `None` when the set as a whole is wrong.
    pub plan: Option<usize>,
    /// Which limit of that plan, by position.
    pub limit: Option<usize>,
}

/// The plans an operator offers, in the order a pricing page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plans(Vec<Plan>);

impl Plans {
    /// Checks a set of plans: well-formed ids and metric names, no duplicates, seats and
    /// projects only as hard limits on what is held, and a `free` plan.
    ///
    /// # Errors
    /// The first problem found, with its position.
    pub fn new(plans: Vec<Plan>) -> Result<Plans, InvalidPlans> {
        for (index, plan) in plans.iter().enumerate() {
            let at = |limit, error| InvalidPlans {
                error,
                plan: Some(index),
                limit,
            };
            check_plan(plan).map_err(|(limit, error)| at(limit, error))?;
            if plans[..index].iter().any(|earlier| earlier.id == plan.id) {
                return Err(at(None, PlanError::DuplicatePlan(plan.id.clone())));
            }
        }
        if !plans.iter().any(|plan| plan.id == DEFAULT_PLAN) {
            return Err(InvalidPlans {
                error: PlanError::NoDefaultPlan,
                plan: None,
                limit: None,
            });
        }
        Ok(Plans(plans))
    }

    /// The built-in plans: free (5 seats, 3 projects), pro (50 / 50), enterprise (no
    /// limits).
    #[must_use]
    pub fn builtin() -> Plans {
        let held = |metric: &str, limit: u64| PlanLimit {
            metric: metric.to_owned(),
            limit: Some(limit),
            period: UsagePeriod::None,
            hard: true,
        };
        let plan = |id: &str, name: &str, limits: Vec<PlanLimit>| Plan {
            id: id.to_owned(),
            name: name.to_owned(),
            limits,
        };
        Plans(vec![
            plan("free", "Free", vec![held(SEATS, 5), held(PROJECTS, 3)]),
            plan("pro", "Pro", vec![held(SEATS, 50), held(PROJECTS, 50)]),
            plan("enterprise", "Enterprise", Vec::new()),
        ])
    }

    /// Every plan, in order.
    #[must_use]
    pub fn all(&self) -> &[Plan] {
        &self.0
    }

    /// The plan `id`, if offered.
    #[must_use]
    pub fn find(&self, id: &str) -> Option<&Plan> {
        self.0.iter().find(|plan| plan.id == id)
    }

    /// The plan an organization storing `id` is held to: that plan, or `free` when the
    /// operator has since removed it (failing closed rather than unlimited). `None` only
    /// if neither exists, which the constructors rule out.
    #[must_use]
    pub fn effective(&self, id: &str) -> Option<&Plan> {
        self.find(id).or_else(|| self.find(DEFAULT_PLAN))
    }

    /// How many units of the held metric `metric` an organization of `kind` on plan `id`
    /// may hold; `None` is unlimited. A personal organization has one seat whatever its
    /// plan.
    #[must_use]
    pub fn held_limit(&self, kind: OrganizationKind, id: &str, metric: &str) -> Option<u64> {
        if kind == OrganizationKind::Personal && metric == SEATS {
            return Some(PERSONAL_SEATS);
        }
        self.effective(id).and_then(|plan| plan.limit_of(metric))
    }
}

impl Default for Plans {
    fn default() -> Self {
        Plans::builtin()
    }
}

/// Checks one plan on its own; a refusal says which limit (by position) when it is one.
fn check_plan(plan: &Plan) -> Result<(), (Option<usize>, PlanError)> {
    let id_ok = (1..=32).contains(&plan.id.len())
        && plan
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !id_ok {
        return Err((None, PlanError::BadPlanId(plan.id.clone())));
    }
    if plan.name.trim().is_empty() {
        return Err((None, PlanError::EmptyName(plan.id.clone())));
    }
    for (index, limit) in plan.limits.iter().enumerate() {
        let metric_ok = (1..=64).contains(&limit.metric.len())
            && limit
                .metric
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !metric_ok {
            return Err((Some(index), PlanError::BadMetric(limit.metric.clone())));
        }
        if plan.limits[..index]
            .iter()
            .any(|earlier| earlier.metric == limit.metric)
        {
            return Err((
                Some(index),
                PlanError::DuplicateMetric {
                    plan: plan.id.clone(),
                    metric: limit.metric.clone(),
                },
            ));
        }
        let held = limit.metric == SEATS || limit.metric == PROJECTS;
        if held && (limit.period != UsagePeriod::None || !limit.hard) {
            return Err((Some(index), PlanError::HeldMetric(limit.metric.clone())));
        }
    }
    Ok(())
}

/// How full a limit is: `Warning` from 80 %, `Critical` from 90 %, `Exceeded` from 100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UsageLevel {
    Ok,
    Warning,
    Critical,
    Exceeded,
}

impl UsageLevel {
    /// The level of `used` against `limit` (`None`: unlimited, always `Ok`). Exact integer
    /// arithmetic, so 80 of 100 is `Warning` and 79 is not. A limit of 0 is exceeded from
    /// the start: nothing may be held.
    #[must_use]
    pub fn of(used: u64, limit: Option<u64>) -> UsageLevel {
        let Some(limit) = limit else {
            return UsageLevel::Ok;
        };
        let used = u128::from(used) * 100;
        let limit = u128::from(limit);
        if used >= limit * 100 {
            UsageLevel::Exceeded
        } else if used >= limit * 90 {
            UsageLevel::Critical
        } else if used >= limit * 80 {
            UsageLevel::Warning
        } else {
            UsageLevel::Ok
        }
    }

    /// The GraphQL spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            UsageLevel::Ok => "OK",
            UsageLevel::Warning => "WARNING",
            UsageLevel::Critical => "CRITICAL",
            UsageLevel::Exceeded => "EXCEEDED",
        }
    }
}

impl fmt::Display for UsageLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_change_exactly_at_80_90_and_100_percent() {
        let limit = Some(100);
        assert_eq!(UsageLevel::of(0, limit), UsageLevel::Ok);
        assert_eq!(UsageLevel::of(79, limit), UsageLevel::Ok);
        assert_eq!(UsageLevel::of(80, limit), UsageLevel::Warning);
        assert_eq!(UsageLevel::of(89, limit), UsageLevel::Warning);
        assert_eq!(UsageLevel::of(90, limit), UsageLevel::Critical);
        assert_eq!(UsageLevel::of(99, limit), UsageLevel::Critical);
        assert_eq!(UsageLevel::of(100, limit), UsageLevel::Exceeded);
        assert_eq!(UsageLevel::of(250, limit), UsageLevel::Exceeded);
    }

    #[test]
    fn levels_on_small_limits_do_not_round_up() {
        // 4 of 5 seats is exactly 80 %; 3 of 5 is 60 %.
        assert_eq!(UsageLevel::of(3, Some(5)), UsageLevel::Ok);
        assert_eq!(UsageLevel::of(4, Some(5)), UsageLevel::Warning);
        assert_eq!(UsageLevel::of(5, Some(5)), UsageLevel::Exceeded);
        // 2 of 3 projects is 66 %, not yet a warning.
        assert_eq!(UsageLevel::of(2, Some(3)), UsageLevel::Ok);
        // 9 of 10 is exactly 90 %.
        assert_eq!(UsageLevel::of(9, Some(10)), UsageLevel::Critical);
        assert_eq!(UsageLevel::of(0, Some(0)), UsageLevel::Exceeded);
    }

    #[test]
    fn unlimited_is_always_ok_and_huge_numbers_do_not_overflow() {
        assert_eq!(UsageLevel::of(u64::MAX, None), UsageLevel::Ok);
        assert_eq!(
            UsageLevel::of(u64::MAX, Some(u64::MAX)),
            UsageLevel::Exceeded
        );
        assert_eq!(
            UsageLevel::of(u64::MAX - 1, Some(u64::MAX)),
            UsageLevel::Critical
        );
    }

    #[test]
    fn builtin_plans_match_the_documented_defaults() {
        let plans = Plans::builtin();
        let team = OrganizationKind::Team;
        assert_eq!(plans.held_limit(team, "free", SEATS), Some(5));
        assert_eq!(plans.held_limit(team, "free", PROJECTS), Some(3));
        assert_eq!(plans.held_limit(team, "pro", SEATS), Some(50));
        assert_eq!(plans.held_limit(team, "pro", PROJECTS), Some(50));
        assert_eq!(plans.held_limit(team, "enterprise", SEATS), None);
        assert_eq!(plans.held_limit(team, "enterprise", PROJECTS), None);
        assert_eq!(Plans::new(plans.all().to_vec()), Ok(plans));
    }

    #[test]
    fn a_personal_organization_has_one_seat_whatever_the_plan() {
        let plans = Plans::builtin();
        for plan in ["free", "pro", "enterprise"] {
            assert_eq!(
                plans.held_limit(OrganizationKind::Personal, plan, SEATS),
                Some(1)
            );
        }
        assert_eq!(
            plans.held_limit(OrganizationKind::Personal, "enterprise", PROJECTS),
            None
        );
    }

    #[test]
    fn a_plan_no_longer_offered_is_held_to_free() {
        let plans = Plans::builtin();
        assert_eq!(
            plans.effective("gold").map(|plan| plan.id.as_str()),
            Some("free")
        );
        assert_eq!(
            plans.held_limit(OrganizationKind::Team, "gold", SEATS),
            Some(5)
        );
    }

    fn plan(id: &str, limits: Vec<PlanLimit>) -> Plan {
        Plan {
            id: id.to_owned(),
            name: id.to_uppercase(),
            limits,
        }
    }

    fn limit(metric: &str, period: UsagePeriod, hard: bool) -> PlanLimit {
        PlanLimit {
            metric: metric.to_owned(),
            limit: Some(10),
            period,
            hard,
        }
    }

    /// Only the reason, for comparing.
    fn reason(plans: Vec<Plan>) -> Result<(), PlanError> {
        Plans::new(plans).map(drop).map_err(|invalid| invalid.error)
    }

    #[test]
    fn refusals_say_which_plan_and_limit() {
        let err = Plans::new(vec![
            plan("free", Vec::new()),
            plan(
                "pro",
                vec![
                    limit("analyses", UsagePeriod::Month, true),
                    limit(SEATS, UsagePeriod::Month, true),
                ],
            ),
        ])
        .unwrap_err();
        assert_eq!((err.plan, err.limit), (Some(1), Some(1)));
        let err = Plans::new(vec![plan("pro", Vec::new())]).unwrap_err();
        assert_eq!((err.plan, err.limit), (None, None));
    }

    #[test]
    fn bad_plan_sets_are_refused_with_their_reason() {
        let free = || plan("free", Vec::new());
        assert_eq!(reason(vec![]), Err(PlanError::NoDefaultPlan));
        assert_eq!(
            reason(vec![plan("pro", Vec::new())]),
            Err(PlanError::NoDefaultPlan)
        );
        assert_eq!(
            reason(vec![free(), free()]),
            Err(PlanError::DuplicatePlan("free".into()))
        );
        assert_eq!(
            reason(vec![free(), plan("Pro Plan", Vec::new())]),
            Err(PlanError::BadPlanId("Pro Plan".into()))
        );
        assert_eq!(
            reason(vec![plan(
                "free",
                vec![limit("Analyses", UsagePeriod::Month, true)]
            )]),
            Err(PlanError::BadMetric("Analyses".into()))
        );
        assert_eq!(
            reason(vec![plan(
                "free",
                vec![
                    limit("analyses", UsagePeriod::Month, true),
                    limit("analyses", UsagePeriod::None, false)
                ]
            )]),
            Err(PlanError::DuplicateMetric {
                plan: "free".into(),
                metric: "analyses".into()
            })
        );
        for bad in [
            limit(SEATS, UsagePeriod::Month, true),
            limit(PROJECTS, UsagePeriod::None, false),
        ] {
            assert!(matches!(
                reason(vec![plan("free", vec![bad])]),
                Err(PlanError::HeldMetric(_))
            ));
        }
        let mut unnamed = free();
        unnamed.name = "  ".into();
        assert_eq!(
            reason(vec![unnamed]),
            Err(PlanError::EmptyName("free".into()))
        );
        assert!(
            reason(vec![
                free(),
                plan(
                    "team-2",
                    vec![limit("storage_bytes", UsagePeriod::None, false)]
                )
            ])
            .is_ok()
        );
    }
}
