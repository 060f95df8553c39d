//! `cargo xtask bench`: starts a real `roster` (SQLite in a temporary folder, or the
//! PostgreSQL named by `--database-url`), seeds one organization with many members, and
//! measures GraphQL requests over HTTP at a fixed concurrency. It prints numbers; it never
//! judges them (performance goals are read by people, not asserted by tests).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use sea_orm::{ConnectionTrait, DatabaseBackend};
use serde_json::{Value, json};

/// Bench settings from the command line.
pub(crate) struct BenchArgs {
    pub database_url: Option<String>,
    pub members: u64,
    pub requests: usize,
    pub concurrency: usize,
}

pub(crate) async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let database_url = args.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            folder.path().join("bench.db").display()
        )
    });
    let mailbox = folder.path().join("mailbox").display().to_string();
    let vars = [
        ("ROSTER_LISTEN_ADDR", "127.0.0.1:0".to_owned()),
        ("ROSTER_DATABASE_URL", database_url.clone()),
        ("ROSTER_DEV_MAILBOX_DIR", mailbox),
        ("ROSTER_QUERY_MAX_COMPLEXITY", "100000".to_owned()),
    ];
    let config = roster_gateway::Config::from_lookup(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    })?;
    let running = roster_gateway::start(config, Arc::new(roster_service::SystemClock)).await?;
    let base = format!("http://{}/graphql", running.addr);
    let token = running
        .roster
        .issue_dev_token(&format!(
            "bench-{}@example.com",
            uuid::Uuid::now_v7().simple()
        ))
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?
        .token
        .expose()
        .to_owned();
    let http = reqwest::Client::new();
    let created = post(
        &http,
        &base,
        &token,
        "mutation { createOrganization(name: \"Bench\") { id } }",
        json!({}),
    )
    .await?;
    let org = created["data"]["createOrganization"]["id"]
        .as_str()
        .with_context(|| format!("cannot create the org: {created}"))?
        .to_owned();

    let db = sea_orm::Database::connect(database_url.as_str()).await?;
    let started = Instant::now();
    seed(&db, &org, args.members).await?;
    println!(
        "seeded {} members and {} audit events in {:.1}s ({})",
        args.members,
        args.members,
        started.elapsed().as_secs_f64(),
        if db.get_database_backend() == DatabaseBackend::Postgres {
            "postgres"
        } else {
            "sqlite"
        }
    );

    let last_page = post(
        &http,
        &base,
        &token,
        "query($id: ID, $f: Int) { organization(id: $id) { members(first: $f) { pageInfo { endCursor } } } }",
        json!({ "id": org, "f": 100 }),
    )
    .await?;
    let cursor = last_page["data"]["organization"]["members"]["pageInfo"]["endCursor"].clone();
    let scenarios: [(&str, &str, Value); 5] = [
        (
            "organization + role check",
            "query($id: ID) { organization(id: $id) { memberCount viewerRole } }",
            json!({ "id": org }),
        ),
        (
            "members page (100, users joined)",
            "query($id: ID) { organization(id: $id) { members(first: 100) { nodes { role user { email } } } } }",
            json!({ "id": org }),
        ),
        (
            "members page after a cursor",
            "query($id: ID, $a: String) { organization(id: $id) { members(first: 100, after: $a) { nodes { role user { email } } } } }",
            json!({ "id": org, "a": cursor }),
        ),
        (
            "members by role (20)",
            "query($id: ID) { organization(id: $id) { members(first: 20, role: ADMIN) { nodes { user { email } } } } }",
            json!({ "id": org }),
        ),
        (
            "audit log filtered (50)",
            "query($id: ID) { organization(id: $id) { auditLog(first: 50, filter: { action: \"member.invited\" }) { nodes { action occurredAt } } } }",
            json!({ "id": org }),
        ),
    ];
    println!(
        "\n{:<36} {:>8} {:>9} {:>9} {:>9} {:>9}",
        "scenario", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"
    );
    for (name, query, variables) in scenarios {
        let result = measure(
            &http,
            &base,
            &token,
            query,
            &variables,
            args.requests,
            args.concurrency,
        )
        .await?;
        println!(
            "{name:<36} {:>8.0} {:>9.2} {:>9.2} {:>9.2} {:>9}",
            result.throughput, result.p50, result.p95, result.p99, result.errors
        );
    }
    println!(
        "\n{} requests per scenario at concurrency {}",
        args.requests, args.concurrency
    );
    running.stop().await?;
    if let Some(url) = args.database_url {
        println!("note: the bench data stays in {url}");
    }
    Ok(())
}

struct Measured {
    throughput: f64,
    p50: f64,
    p95: f64,
    p99: f64,
    errors: usize,
}

async fn measure(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    variables: &Value,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<Measured> {
    // Warm up connections and caches.
    for _ in 0..concurrency.min(requests) {
        post(http, base, token, query, variables.clone()).await?;
    }
    let started = Instant::now();
    let per_worker = requests.div_ceil(concurrency.max(1));
    let workers = (0..concurrency.max(1)).map(|_| async {
        let mut latencies = Vec::with_capacity(per_worker);
        let mut errors = 0;
        for _ in 0..per_worker {
            let sent = Instant::now();
            match post(http, base, token, query, variables.clone()).await {
                Ok(body) if body["errors"].is_null() => {}
                _ => errors += 1,
            }
            latencies.push(sent.elapsed());
        }
        (latencies, errors)
    });
    let results = futures::future::join_all(workers).await;
    let elapsed = started.elapsed();
    let mut latencies: Vec<Duration> = Vec::new();
    let mut errors = 0;
    for (worker_latencies, worker_errors) in results {
        latencies.extend(worker_latencies);
        errors += worker_errors;
    }
    latencies.sort_unstable();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies
            .get(index)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Ok(Measured {
        throughput: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(0.50),
        p95: percentile(0.95),
        p99: percentile(0.99),
        errors,
    })
}

async fn post(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    Ok(http
        .post(base)
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?
        .json()
        .await?)
}

/// Seeds `members` users (each with a personal org) as members of `org`, plus as many
/// audit events, in a few set-based statements.
async fn seed(db: &sea_orm::DatabaseConnection, org: &str, members: u64) -> anyhow::Result<()> {
    let run = uuid::Uuid::now_v7().simple().to_string();
    let prefix = &run[..8];
    let statements = match db.get_database_backend() {
        DatabaseBackend::Postgres => vec![
            format!("INSERT INTO organizations (id, slug, name, kind, plan, member_count, created_at, updated_at)
               SELECT gen_random_uuid(), 'b{prefix}-' || i, 'Bench ' || i, 'PERSONAL', 'free', 1, now(), now() FROM generate_series(1, {members}) AS i"),
            format!("INSERT INTO users (id, email, personal_organization_id, created_at)
               SELECT gen_random_uuid(), 'b{prefix}-' || split_part(slug, '-', 2) || '@example.com', id, now() FROM organizations WHERE slug LIKE 'b{prefix}-%'"),
            format!("INSERT INTO memberships (id, organization_id, user_id, role, created_at)
               SELECT gen_random_uuid(), '{org}', id, CASE WHEN random() < 0.02 THEN 'ADMIN' ELSE 'MEMBER' END, now() FROM users WHERE email LIKE 'b{prefix}-%'"),
            format!("INSERT INTO audit_events (id, organization_id, action, context, occurred_at)
               SELECT gen_random_uuid(), '{org}', CASE WHEN i % 10 = 0 THEN 'member.invited' ELSE 'project.created' END, '{{}}'::jsonb, now() - (i || ' seconds')::interval FROM generate_series(1, {members}) AS i"),
            format!("UPDATE organizations SET member_count = member_count + {members} WHERE id = '{org}'"),
            "ANALYZE".to_owned(),
        ],
        _ => {
            let org_hex = uuid::Uuid::parse_str(org)?.simple().to_string();
            let series = format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {members})");
            vec![
                format!("{series} INSERT INTO organizations (id, slug, name, kind, plan, member_count, created_at, updated_at)
                   SELECT randomblob(16), 'b{prefix}-' || i, 'Bench ' || i, 'PERSONAL', 'free', 1, strftime('%Y-%m-%dT%H:%M:%S+00:00'), strftime('%Y-%m-%dT%H:%M:%S+00:00') FROM n"),
                format!("INSERT INTO users (id, email, personal_organization_id, created_at)
                   SELECT randomblob(16), slug || '@example.com', id, strftime('%Y-%m-%dT%H:%M:%S+00:00') FROM organizations WHERE slug LIKE 'b{prefix}-%'"),
                format!("INSERT INTO memberships (id, organization_id, user_id, role, created_at)
                   SELECT randomblob(16), X'{org_hex}', id, CASE WHEN abs(random()) % 50 = 0 THEN 'ADMIN' ELSE 'MEMBER' END, strftime('%Y-%m-%dT%H:%M:%S+00:00') FROM users WHERE email LIKE 'b{prefix}-%'"),
                format!("{series} INSERT INTO audit_events (id, organization_id, action, context, occurred_at)
                   SELECT randomblob(16), X'{org_hex}', CASE WHEN i % 10 = 0 THEN 'member.invited' ELSE 'project.created' END, '{{}}', strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-' || i || ' seconds') FROM n"),
                format!("UPDATE organizations SET member_count = member_count + {members} WHERE id = X'{org_hex}'"),
                "ANALYZE".to_owned(),
            ]
        }
    };
    for statement in statements {
        db.execute_unprepared(&statement).await.with_context(|| {
            format!(
                "seeding failed at: {}",
                statement.lines().next().unwrap_or_default()
            )
        })?;
    }
    if members == 0 {
        bail!("--members must be at least 1");
    }
    Ok(())
}
