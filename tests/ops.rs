//! Health, readiness, metrics, request ids and graceful shutdown.

use sea_orm::{ConnectionTrait as _, DatabaseBackend, Statement};
use serde_json::json;

use crate::support::{TestApp, eventually};

/// `ROSTER_DATABASE_MAX_CONNECTIONS=1`: one connection for single statements and one for
/// transactions serve sign-in, an invitation answered and eight members pages in flight at
/// once. A use case that needed a second connection of one pool while holding the first
/// would wait for itself until the pool's 30 s timeout, and fail here. On PostgreSQL the
/// server is seen to hold no more than those two.
#[tokio::test]
async fn one_connection_per_database_pool_serves_concurrent_requests() {
    let app = TestApp::spawn_with(&[("ROSTER_DATABASE_MAX_CONNECTIONS", "1")]).await;
    let owner = app.sign_in("owner@example.com").await;
    let org = app.create_org(&owner, "Acme").await;
    let member = app.sign_in("member@example.com").await;
    app.join(&owner, &org, &member, "MEMBER").await;
    let query = "query($id: ID) { organization(id: $id) { viewerRole \
                 members(first: 10) { totalCount nodes { role user { email } } } } }";
    let pages = (0..8).map(|_| app.gql(Some(&owner.token), query, json!({ "id": org })));
    for body in futures::future::join_all(pages).await {
        let organization = &body["data"]["organization"];
        assert_eq!(organization["viewerRole"], "OWNER", "{body}");
        assert_eq!(organization["members"]["totalCount"], 2, "{body}");
    }
    if app.db.get_database_backend() == DatabaseBackend::Postgres {
        // Everything on this database but the fixture's own two pools: the server's.
        let row = app
            .db
            .orm()
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                "SELECT count(*) AS open FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            ))
            .await
            .unwrap()
            .unwrap();
        let open: i64 = row.try_get("", "open").unwrap();
        // The fixture's statement pool has read the outbox on one connection.
        assert!(open <= 3, "{open} other connections are open");
    }
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let health = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = app
        .http
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");

    app.gql(None, "{ __typename }", json!({})).await;
    // Methods a client invents are counted under one label, not one series each.
    for invented in ["BREW", "WHEN", "PROPFIND"] {
        let method = reqwest::Method::from_bytes(invented.as_bytes()).unwrap();
        let response = app
            .http
            .request(method, format!("{}/graphql", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{invented}");
    }
    let metrics = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains(
            "roster_http_requests_total{route=\"/graphql\",method=\"POST\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("roster_http_request_duration_seconds_bucket{route=\"/graphql\""));
    assert!(
        text.contains(
            "roster_http_requests_total{route=\"/graphql\",method=\"OTHER\",status=\"405\"} 3"
        ),
        "{text}"
    );
    assert!(
        !text.contains("BREW") && !text.contains("PROPFIND"),
        "{text}"
    );
    assert!(text.contains("roster_outbox_depth "));
}

/// `roster_sql_statements_total` on `/metrics`: a counter (with HELP and TYPE) of the SQL
/// statements the process ran, which grows with a request that reads the database.
#[tokio::test]
async fn metrics_count_sql_statements() {
    let app = TestApp::spawn().await;
    let user = app.sign_in("counted@example.com").await;
    let statements = || async {
        let text = app
            .http
            .get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            text.contains("# TYPE roster_sql_statements_total counter\n"),
            "{text}"
        );
        text.lines()
            .find_map(|line| line.strip_prefix("roster_sql_statements_total "))
            .unwrap_or_else(|| panic!("no counter in {text}"))
            .parse::<u64>()
            .unwrap()
    };
    let before = statements().await;
    let body = app
        .gql(
            Some(&user.token),
            "{ viewer { user { email } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["viewer"]["user"]["email"],
        "counted@example.com"
    );
    let after = statements().await;
    assert!(after > before, "{before} -> {after}");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
}

#[tokio::test]
async fn shutdown_drains_and_stops_the_worker() {
    let app = TestApp::spawn().await;
    let user = app.sign_in("stop@example.com").await;
    let base = app.base.clone();
    let http = app.http.clone();
    assert!(!user.token.is_empty());
    app.stop().await;
    assert!(
        http.get(format!("{base}/healthz")).send().await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn without_smtp_mail_lands_in_the_dev_mailbox_page() {
    let folder = tempfile_dir();
    let app = TestApp::spawn_with(&[
        ("ROSTER_SMTP_URL", ""),
        ("ROSTER_DEV_MAILBOX_DIR", folder.as_str()),
    ])
    .await;
    app.gql(
        None,
        "mutation { requestSignIn(email: \"newcomer@example.com\") }",
        json!({}),
    )
    .await;
    let link = eventually(
        "mail in the dev mailbox",
        std::time::Duration::from_secs(20),
        || async {
            let page = app.page("/dev/mailbox").await;
            let marker = "<a class=\"open\" href=\"";
            let start = page.find(marker)?;
            let rest = &page[start + marker.len()..];
            Some(rest[..rest.find('"').unwrap()].to_owned())
        },
    )
    .await;
    assert!(
        link.starts_with(&format!(
            "{}/auth/verify?token=rsi_",
            app.config.public_url()
        )),
        "{link}"
    );
    let page = app.http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(std::fs::read_dir(&folder).unwrap().any(|entry| {
        entry
            .unwrap()
            .path()
            .extension()
            .is_some_and(|ext| ext == "eml")
    }));
    assert!(app.smtp.received().is_empty(), "nothing went over SMTP");
    let _ = std::fs::remove_dir_all(&folder);
}

#[tokio::test]
async fn the_dev_token_command_issues_a_working_session_without_any_http_route() {
    let app = TestApp::spawn().await;
    // What `cargo xtask token EMAIL` runs, with database access only.
    let signed_in = app
        .roster()
        .issue_dev_token("Dev@Example.com")
        .await
        .unwrap();
    let body = app
        .gql(
            Some(signed_in.token.expose()),
            "{ viewer { user { email } activeOrganization { kind } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["viewer"]["user"]["email"], "dev@example.com",
        "{body}"
    );
    assert_eq!(
        body["data"]["viewer"]["activeOrganization"]["kind"],
        "PERSONAL"
    );
}

fn tempfile_dir() -> String {
    let dir =
        std::env::temp_dir().join(format!("roster-mailbox-{}", uuid::Uuid::now_v7().simple()));
    dir.display().to_string()
}
