//! How many SQL statements the hot requests cost, counted by the real `roster` process on
//! its own `/metrics` (`roster_sql_statements_total`; a process of its own, so no other
//! test's statements mix in, and no background work: the delivery and pruning loops are
//! idled). A point lookup is one statement (session, user, membership and organization
//! together; or API key and organization), a members page two, and an organization token,
//! once its key is cached, adds none. Runs on SQLite, or PostgreSQL when `ROSTER_TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod process;

use process::{create_organization, gql, session, start};
use serde_json::{Value, json};

const QUIET: &[(&str, &str)] = &[
    ("ROSTER_DELIVERY_POLL_MS", "3600000"),
    ("ROSTER_AUDIT_PRUNE_INTERVAL_SECONDS", "86400"),
];

async fn counter(http: &reqwest::Client, graphql_url: &str) -> u64 {
    let url = graphql_url.replace("/graphql", "/metrics");
    let text = http.get(url).send().await.unwrap().text().await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("roster_sql_statements_total "))
        .unwrap_or_else(|| panic!("no statement counter in {text}"))
        .parse()
        .unwrap()
}

/// Statements `query` costs: the counter's move across it, less what a scrape costs.
async fn statements(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> (u64, Value) {
    let first = counter(http, url).await;
    let second = counter(http, url).await;
    let scrape = second - first;
    let body = gql(http, url, token, query, variables).await;
    assert!(body["errors"].is_null(), "{body}");
    let after = counter(http, url).await;
    (after - second - scrape, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_requests_cost_one_and_two_statements() {
    let db = test_support::TestDb::new().await.unwrap();
    let mailbox = tempfile::tempdir().unwrap();
    let (mut child, url) = start(&db.url, mailbox.path(), QUIET);
    let token = session(&db.url, mailbox.path(), "counted@example.com").await;
    let http = reqwest::Client::new();
    let org = create_organization(&http, &url, &token, "Counted").await;

    let (point, body) = statements(
        &http,
        &url,
        &token,
        "query($id: ID!) { organization(id: $id) { viewerRole } }",
        json!({ "id": org }),
    )
    .await;
    assert_eq!(body["data"]["organization"]["viewerRole"], "OWNER");
    assert_eq!(point, 1, "organization(id){{viewerRole}}");

    let (page, body) = statements(
        &http,
        &url,
        &token,
        "query($id: ID!) { organization(id: $id) { members(first: 50) { nodes { role user { email } } } } }",
        json!({ "id": org }),
    )
    .await;
    let nodes = &body["data"]["organization"]["members"]["nodes"];
    assert_eq!(nodes[0]["user"]["email"], "counted@example.com");
    assert_eq!(page, 2, "a members page");

    // An organization token: its key is read once, then kept for a few seconds.
    let body = gql(
        &http,
        &url,
        &token,
        "mutation($id: ID!) { mintOrganizationToken(organizationId: $id) { token } }",
        json!({ "id": org }),
    )
    .await;
    let org_token = body["data"]["mintOrganizationToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let read = "query($id: ID!) { organization(id: $id) { id } }";
    let (first, _) = statements(&http, &url, &org_token, read, json!({ "id": org })).await;
    let (again, body) = statements(&http, &url, &org_token, read, json!({ "id": org })).await;
    assert_eq!(body["data"]["organization"]["id"], org.as_str());
    assert_eq!(
        again, 1,
        "a cached key reads no row (first request: {first})"
    );
    assert!(first <= 2, "{first}");

    // An API key: key and its own organization in one statement, once its last use has
    // been noted (at most once a minute, so the first request may write it).
    let body = gql(
        &http,
        &url,
        &token,
        "mutation($o: ID!) { createProject(organizationId: $o, name: \"Counted\") { id } }",
        json!({ "o": org }),
    )
    .await;
    let project = body["data"]["createProject"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = gql(
        &http,
        &url,
        &token,
        "mutation($p: ID!) { createApiKey(projectId: $p, label: \"counted\") { secret } }",
        json!({ "p": project }),
    )
    .await;
    let secret = body["data"]["createApiKey"]["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let point = "query($id: ID!) { organization(id: $id) { viewerRole } }";
    let (first, _) = statements(&http, &url, &secret, point, json!({ "id": org })).await;
    let (again, body) = statements(&http, &url, &secret, point, json!({ "id": org })).await;
    assert!(
        body["data"]["organization"]["viewerRole"].is_string(),
        "{body}"
    );
    assert_eq!(again, 1, "an API key's point lookup (first: {first})");
    assert!(first <= 2, "{first}");

    child.kill().unwrap();
    child.wait().unwrap();
}
