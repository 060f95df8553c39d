//! Metered usage end to end: `recordUsage` from an API key and from a member, the plan's
//! metered metrics in `Organization.usage`, hard limits (also under 20 concurrent records)
//! and soft ones, idempotency keys (also under 10 concurrent retries of one key), and a
//! new calendar month starting from zero.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use roster_domain::Role;
use roster_service::Clock;
use serde_json::{Value, json};

use crate::support::{SignedIn, TestApp, code};

const PLANS_FILE: &str = r#"
[[plan]]
id = "free"
name = "Starter"

[[plan.limit]]
metric = "analyses"
limit = 10
period = "month"

[[plan.limit]]
metric = "storage_bytes"
limit = 100
hard = false
"#;

const RECORD: &str = "mutation($m: String!, $q: Int!, $k: String!, $o: ID) {
    recordUsage(metric: $m, quantity: $q, idempotencyKey: $k, organizationId: $o) {
        metric used limit level periodEnd } }";

const METRICS: &str = "query($id: ID) { organization(id: $id) { usage {
    metrics { metric used limit level periodEnd } } } }";

/// A server on `PLANS_FILE`, with sessions that outlive the month a test skips.
pub(crate) async fn spawn() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.toml");
    std::fs::write(&path, PLANS_FILE).unwrap();
    let app = TestApp::spawn_with(&[
        ("ROSTER_PLANS_FILE", path.to_str().unwrap()),
        ("ROSTER_SESSION_TTL_DAYS", "120"),
    ])
    .await;
    (app, dir)
}

/// The first instant of the month after the one `now` is in.
fn next_month(now: DateTime<Utc>) -> DateTime<Utc> {
    let (year, month) = if now.month() == 12 {
        (now.year() + 1, 1)
    } else {
        (now.year(), now.month() + 1)
    };
    Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0).unwrap()
}

/// Moves the server's clock to one hour into the next month, so a test never straddles
/// a month's end by accident; returns the new month's end.
pub(crate) fn skip_to_next_month(app: &TestApp) -> DateTime<Utc> {
    let now = app.clock.now();
    app.clock
        .advance(next_month(now) - now + Duration::hours(1));
    next_month(app.clock.now())
}

/// An owner, a team organization on the free plan, and a member API key of it.
pub(crate) async fn org_with_key(app: &TestApp, email: &str) -> (SignedIn, String, String) {
    let owner = app.sign_in(email).await;
    let org = app.create_org(&owner, "Metered").await;
    let project = app.create_project(&owner, &org, "Backend").await;
    let (_, secret) = app.create_key(&owner, &project, None).await;
    (owner, org, secret)
}

pub(crate) async fn record(
    app: &TestApp,
    token: &str,
    org: Option<&str>,
    metric: &str,
    quantity: i64,
    key: &str,
) -> Value {
    app.gql(
        Some(token),
        RECORD,
        json!({ "m": metric, "q": quantity, "k": key, "o": org }),
    )
    .await
}

async fn metrics(app: &TestApp, owner: &SignedIn, org: &str) -> Value {
    let body = app
        .gql(Some(&owner.token), METRICS, json!({ "id": org }))
        .await;
    let metrics = body["data"]["organization"]["usage"]["metrics"].clone();
    assert!(metrics.is_array(), "{body}");
    metrics
}

fn used_of(metrics: &Value, metric: &str) -> u64 {
    metrics
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} in {metrics}"))["used"]
        .as_u64()
        .unwrap()
}

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn usage_is_recorded_against_the_plan_and_listed_per_metric() {
    let (app, _dir) = spawn().await;
    let month_end = skip_to_next_month(&app);
    let (owner, org, secret) = org_with_key(&app, "meter@example.com").await;
    let end = month_end.to_rfc3339();
    assert_eq!(
        metrics(&app, &owner, &org).await,
        json!([
            { "metric": "analyses", "used": 0, "limit": 10, "level": "OK", "periodEnd": end },
            { "metric": "storage_bytes", "used": 0, "limit": 100, "level": "OK", "periodEnd": null },
        ])
    );

    // An API key records for its own organization without naming it.
    let body = record(&app, &secret, None, "analyses", 8, "a-1").await;
    assert_eq!(
        body["data"]["recordUsage"],
        json!({ "metric": "analyses", "used": 8, "limit": 10, "level": "WARNING", "periodEnd": end }),
        "{body}"
    );
    // A user must name it; a member may record.
    let body = record(&app, &owner.token, None, "analyses", 1, "a-2").await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "organizationId"),
        "{body}"
    );
    let member = app.sign_in("member@example.com").await;
    app.add_member(&org, &member, Role::Member).await;
    let body = record(&app, &member.token, Some(&org), "analyses", 1, "a-2").await;
    assert_eq!(body["data"]["recordUsage"]["used"], 9, "{body}");
    assert_eq!(body["data"]["recordUsage"]["level"], "CRITICAL", "{body}");

    // Refusals record nothing.
    let viewer = app.sign_in("viewer@example.com").await;
    app.add_member(&org, &viewer, Role::Viewer).await;
    let body = record(&app, &viewer.token, Some(&org), "analyses", 1, "v-1").await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let stranger = app.sign_in("stranger@example.com").await;
    let body = record(&app, &stranger.token, Some(&org), "analyses", 1, "s-1").await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let body = record(&app, &secret, None, "exports", 1, "x-1").await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "metric"),
        "{body}"
    );
    let body = record(&app, &secret, None, "seats", 1, "x-2").await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "metric"),
        "{body}"
    );
    let body = record(&app, &secret, None, "analyses", 0, "x-3").await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "quantity"),
        "{body}"
    );
    let body = record(&app, &secret, None, "analyses", 1, " ").await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "idempotencyKey"),
        "{body}"
    );

    // A hard limit refuses what would pass it, and says how far usage is.
    let body = record(&app, &secret, None, "analyses", 2, "a-3").await;
    assert_eq!(code(&body), "QUOTA_EXCEEDED", "{body}");
    let extensions = &body["errors"][0]["extensions"];
    assert_eq!(
        (
            &extensions["metric"],
            &extensions["used"],
            &extensions["limit"]
        ),
        (&json!("analyses"), &json!(9), &json!(10)),
        "{body}"
    );
    let body = record(&app, &secret, None, "analyses", 1, "a-3").await;
    assert_eq!(body["data"]["recordUsage"]["level"], "EXCEEDED", "{body}");

    // A soft limit records past it and reports EXCEEDED; a metric without period adds up.
    let body = record(&app, &secret, None, "storage_bytes", 150, "b-1").await;
    assert_eq!(
        body["data"]["recordUsage"],
        json!({ "metric": "storage_bytes", "used": 150, "limit": 100, "level": "EXCEEDED", "periodEnd": null }),
        "{body}"
    );
    record(&app, &secret, None, "storage_bytes", 10, "b-2").await;
    let listed = metrics(&app, &owner, &org).await;
    assert_eq!(used_of(&listed, "analyses"), 10, "{listed}");
    assert_eq!(used_of(&listed, "storage_bytes"), 160, "{listed}");
    app.stop().await;
}

#[tokio::test]
async fn one_idempotency_key_counts_once_also_under_concurrent_retries() {
    let (app, _dir) = spawn().await;
    let (owner, org, secret) = org_with_key(&app, "retry@example.com").await;
    let retries = (0..10).map(|_| record(&app, &secret, None, "storage_bytes", 3, "job-7"));
    let answers = futures::future::join_all(retries).await;
    for body in &answers {
        assert_eq!(
            body["data"]["recordUsage"],
            json!({ "metric": "storage_bytes", "used": 3, "limit": 100, "level": "OK", "periodEnd": null }),
            "every retry gets the first answer: {body}"
        );
    }
    assert_eq!(
        used_of(&metrics(&app, &owner, &org).await, "storage_bytes"),
        3
    );

    // A later retry still answers the same, even after other records moved the counter.
    record(&app, &secret, None, "storage_bytes", 5, "job-8").await;
    let body = record(&app, &secret, None, "storage_bytes", 3, "job-7").await;
    assert_eq!(body["data"]["recordUsage"]["used"], 3, "{body}");
    // The key is the organization's: a member using it for something else is refused.
    let body = record(&app, &owner.token, Some(&org), "storage_bytes", 4, "job-7").await;
    assert_eq!(
        (code(&body), field(&body)),
        ("CONFLICT", "idempotencyKey"),
        "{body}"
    );
    assert_eq!(
        used_of(&metrics(&app, &owner, &org).await, "storage_bytes"),
        8
    );

    // After 24 hours the key no longer counts once: it records again.
    app.clock
        .advance(Duration::hours(24) + Duration::seconds(1));
    let body = record(&app, &secret, None, "storage_bytes", 3, "job-7").await;
    assert_eq!(body["data"]["recordUsage"]["used"], 11, "{body}");
    // Pruning then deletes only keys past their window.
    assert_eq!(
        app.roster().prune_usage_keys().await.unwrap(),
        1,
        "job-8 only"
    );
    let body = record(&app, &secret, None, "storage_bytes", 3, "job-7").await;
    assert_eq!(body["data"]["recordUsage"]["used"], 11, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn twenty_concurrent_records_at_a_hard_limit_record_exactly_the_allowed_amount() {
    let (app, _dir) = spawn().await;
    skip_to_next_month(&app);
    let (owner, org, secret) = org_with_key(&app, "race@example.com").await;
    let keys: Vec<String> = (0..20).map(|i| format!("run-{i}")).collect();
    let records = keys
        .iter()
        .map(|key| record(&app, &secret, None, "analyses", 1, key));
    let answers = futures::future::join_all(records).await;
    let recorded = answers
        .iter()
        .filter(|body| body["data"]["recordUsage"].is_object())
        .count();
    let refused = answers
        .iter()
        .filter(|body| code(body) == "QUOTA_EXCEEDED")
        .count();
    assert_eq!((recorded, refused), (10, 10), "{answers:?}");
    let mut used: Vec<u64> = answers
        .iter()
        .filter_map(|body| body["data"]["recordUsage"]["used"].as_u64())
        .collect();
    used.sort_unstable();
    assert_eq!(
        used,
        (1..=10).collect::<Vec<u64>>(),
        "each record saw its own total"
    );
    assert_eq!(used_of(&metrics(&app, &owner, &org).await, "analyses"), 10);
    app.stop().await;
}

#[tokio::test]
async fn a_new_month_starts_monthly_metrics_from_zero() {
    let (app, _dir) = spawn().await;
    skip_to_next_month(&app);
    let (owner, org, secret) = org_with_key(&app, "month@example.com").await;
    let body = record(&app, &secret, None, "analyses", 10, "m-1").await;
    assert_eq!(body["data"]["recordUsage"]["level"], "EXCEEDED", "{body}");
    record(&app, &secret, None, "storage_bytes", 40, "m-2").await;
    let body = record(&app, &secret, None, "analyses", 1, "m-3").await;
    assert_eq!(code(&body), "QUOTA_EXCEEDED", "{body}");

    let following_end = skip_to_next_month(&app);
    let listed = metrics(&app, &owner, &org).await;
    assert_eq!(used_of(&listed, "analyses"), 0, "{listed}");
    assert_eq!(
        listed[0]["periodEnd"],
        following_end.to_rfc3339(),
        "{listed}"
    );
    assert_eq!(
        used_of(&listed, "storage_bytes"),
        40,
        "a gauge never resets"
    );
    let body = record(&app, &secret, None, "analyses", 1, "m-3").await;
    assert_eq!(body["data"]["recordUsage"]["used"], 1, "{body}");
    app.stop().await;
}
