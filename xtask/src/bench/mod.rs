//! `cargo xtask bench`: seeds a large organization on SQLite and PostgreSQL, starts the
//! release `roster` on each, drives it from a separate load-generator process
//! (`xtask bench-load`) at a fixed concurrency, and prints per scenario: req/s, p50/p99,
//! server CPU per request (`/proc`), SQL statements per request (`/metrics`), and the
//! ceiling (the scenario's captured statements replayed through the driver) with Roster's
//! share of it. It prints numbers; it never judges them.

mod ceiling;
mod load;
mod scenarios;
mod seed;
mod server;
mod verify;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

pub(crate) use load::main as load_main;
use scenarios::Scenario;
use server::Server;

/// Which databases to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Backends {
    Sqlite,
    Postgres,
    Both,
}

/// Bench settings from the command line.
#[derive(Debug, Clone)]
pub(crate) struct BenchArgs {
    pub(crate) members: usize,
    pub(crate) seconds: f64,
    pub(crate) warmup: f64,
    pub(crate) concurrency: usize,
    pub(crate) backends: Backends,
    /// PostgreSQL admin URL: a fresh database is created (and dropped) beside it.
    pub(crate) admin_url: String,
    pub(crate) no_build: bool,
    /// Only the scenarios whose name contains this.
    pub(crate) only: Option<String>,
}

/// The default PostgreSQL admin connection.
pub(crate) const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// One scenario's numbers.
struct Row {
    name: &'static str,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    cpu_ms: f64,
    /// The load generator's CPU per request: taken from the same cores as the server's.
    client_cpu_ms: f64,
    sql: f64,
    ceiling: f64,
    failures: u64,
    first_failure: Option<String>,
}

pub(crate) async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let release = release_dir()?;
    if !args.no_build {
        eprintln!("building the release roster and xtask ...");
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--release", "-p", "roster-gateway", "-p", "xtask"])
            .status()?;
        if !status.success() {
            bail!("cargo build --release failed");
        }
    }
    if cfg!(debug_assertions) {
        // Seeding, replaying and the load generator run optimized too.
        let status = Command::new(release.join("xtask"))
            .args(["bench", "--no-build"])
            .args(["--members", &args.members.to_string()])
            .args(["--seconds", &args.seconds.to_string()])
            .args(["--warmup", &args.warmup.to_string()])
            .args(["--concurrency", &args.concurrency.to_string()])
            .args(["--backend", backend_name(args.backends)])
            .args(["--database-url", &args.admin_url])
            .args(args.only.iter().flat_map(|only| ["--only", only.as_str()]))
            .status()
            .context("cannot start the release xtask")?;
        if !status.success() {
            bail!("the bench failed");
        }
        return Ok(());
    }
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .unwrap_or_default();
    println!(
        "Roster bench, {} UTC, commit {}: {} members, {} s per scenario after {} s warm-up, {} connections",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        commit.trim(),
        args.members,
        args.seconds,
        args.warmup,
        args.concurrency
    );
    if matches!(args.backends, Backends::Sqlite | Backends::Both) {
        let folder = tempfile::tempdir()?;
        let url = format!(
            "sqlite://{}?mode=rwc",
            folder.path().join("bench.db").display()
        );
        let measured = run_on(&args, &release, &url, folder.path()).await?;
        print_table("SQLite", &measured);
    }
    if matches!(args.backends, Backends::Postgres | Backends::Both) {
        let folder = tempfile::tempdir()?;
        let admin = sea_orm::Database::connect(args.admin_url.as_str())
            .await
            .context("cannot reach PostgreSQL (pass --database-url ADMIN_URL)")?;
        let random = uuid::Uuid::now_v7().simple().to_string();
        let name = format!("roster_bench_{}", &random[random.len() - 8..]);
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        let url = with_database(&args.admin_url, &name)?;
        let result = run_on(&args, &release, &url, folder.path()).await;
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
        print_table("PostgreSQL", &result?);
    }
    Ok(())
}

/// One backend's numbers.
struct Measured {
    rows: Vec<Row>,
    /// Organization tokens checked per second by README's `jsonwebtoken` example.
    verifications: verify::Verifications,
}

/// Seeds `url`, captures each scenario's statements, measures Roster, then the ceiling.
async fn run_on(
    args: &BenchArgs,
    release: &Path,
    url: &str,
    folder: &Path,
) -> anyhow::Result<Measured> {
    let owner_email = "bench-owner@example.com";
    let (owner, token) = sign_in(url, folder, owner_email).await?;
    let db = sea_orm::Database::connect(url).await?;
    let started = Instant::now();
    let seeded = seed::seed(&db, owner, owner_email, args.members).await?;
    db.close().await?;
    eprintln!(
        "seeded {} members, {} audit events, {} small organizations in {:.1} s",
        args.members,
        args.members,
        seed::SMALL_ORGS,
        started.elapsed().as_secs_f64()
    );
    let mut scenarios = scenarios::all(&seeded, args.members);
    if let Some(only) = &args.only {
        scenarios.retain(|scenario| only.split(',').any(|part| scenario.name.contains(part)));
    }
    let http = reqwest::Client::new();
    let graphql = |base: &str| format!("{base}/graphql");

    // One request of each scenario with every statement logged.
    let mut captured: Vec<Vec<Vec<String>>> = Vec::new();
    let mut capture = Server::start(&release.join("roster"), url, folder, true).await?;
    for scenario in &scenarios {
        let mut per_request = Vec::new();
        for request in &scenario.requests {
            // Until two requests in a row run the same number of statements, so nothing
            // from start-up or a background pass is taken for the request's own.
            let mut previous: Option<Vec<String>> = None;
            for _ in 0..5 {
                capture.take_statements();
                let body = http
                    .post(graphql(&capture.base))
                    .bearer_auth(&token)
                    .json(&json!({ "query": request.query, "variables": request.variables }))
                    .send()
                    .await?
                    .bytes()
                    .await?;
                if let Err(why) = scenarios::validate(&body, &request.checks) {
                    bail!("{}: {why}", scenario.name);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                let statements = capture.take_statements();
                if previous
                    .as_ref()
                    .is_some_and(|previous| previous.len() == statements.len())
                {
                    previous = Some(statements);
                    break;
                }
                previous = Some(statements);
            }
            let statements = previous.unwrap_or_default();
            eprintln!("{} runs {} statements:", scenario.name, statements.len());
            for statement in &statements {
                eprintln!("  {statement}");
            }
            per_request.push(statements);
        }
        captured.push(per_request);
    }
    capture.stop();

    let server = Server::start(&release.join("roster"), url, folder, false).await?;
    let ticks = server::ticks_per_second();
    let mut rows = Vec::new();
    for scenario in &scenarios {
        let cpu_before = server::cpu_time(server.pid(), ticks)?;
        let sql_before = server.sql_statements(&http).await?;
        let load = run_load(release, args, &graphql(&server.base), &token, scenario)?;
        let cpu_after = server::cpu_time(server.pid(), ticks)?;
        let sql_after = server.sql_statements(&http).await?;
        let total = load["total"].as_u64().unwrap_or(0).max(1) as f64;
        rows.push(Row {
            name: scenario.name,
            rps: load["rps"].as_f64().unwrap_or(0.0),
            p50_ms: load["p50_ms"].as_f64().unwrap_or(0.0),
            p99_ms: load["p99_ms"].as_f64().unwrap_or(0.0),
            cpu_ms: (cpu_after - cpu_before).as_secs_f64() * 1000.0 / total,
            client_cpu_ms: load["cpu_ms"].as_f64().unwrap_or(0.0) / total,
            // Less the one statement the second scrape itself runs (the outbox depth).
            sql: sql_after.saturating_sub(sql_before + 1) as f64 / total,
            ceiling: 0.0,
            failures: load["failures"].as_u64().unwrap_or(0),
            first_failure: load["first_failure"].as_str().map(str::to_owned),
        });
        eprintln!("measured {}", scenario.name);
    }
    let verifications = verify::measure(
        &http,
        &server.base,
        &token,
        seeded.organization,
        args.seconds.min(5.0),
    )
    .await
    .context("verifying organization tokens")?;
    drop(server);

    let size = u32::try_from(args.concurrency)?;
    let db = ceiling::connect(url, size).await?;
    for (row, statements) in rows.iter_mut().zip(&captured) {
        row.ceiling = ceiling::replay(
            &db,
            statements,
            args.concurrency,
            Duration::from_secs_f64(args.warmup),
            Duration::from_secs_f64(args.seconds),
        )
        .await
        .with_context(|| format!("the ceiling of {}", row.name))?;
        eprintln!("replayed {}", row.name);
    }
    db.close().await;
    Ok(Measured {
        rows,
        verifications,
    })
}

/// Migrates `url` and signs the bench user in the way `cargo xtask token` does.
async fn sign_in(url: &str, folder: &Path, email: &str) -> anyhow::Result<(uuid::Uuid, String)> {
    let vars = [
        ("ROSTER_DATABASE_URL", url.to_owned()),
        (
            "ROSTER_DEV_MAILBOX_DIR",
            folder.join("mailbox").display().to_string(),
        ),
    ];
    let config = roster_gateway::Config::from_lookup(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    })?;
    let roster =
        roster_gateway::build_service(&config, Arc::new(roster_service::SystemClock)).await?;
    let signed_in = roster
        .issue_dev_token(email)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    Ok((signed_in.user.id, signed_in.token.expose().to_owned()))
}

/// Runs `xtask bench-load` for one scenario and returns its JSON report.
fn run_load(
    release: &Path,
    args: &BenchArgs,
    url: &str,
    token: &str,
    scenario: &Scenario,
) -> anyhow::Result<Value> {
    let spec = json!({
        "url": url,
        "token": token,
        "concurrency": args.concurrency,
        "warmup": args.warmup,
        "seconds": args.seconds,
        "requests": scenario.requests.iter().map(scenarios::to_json).collect::<Vec<_>>(),
    });
    let mut child = Command::new(release.join("xtask"))
        .arg("bench-load")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start xtask bench-load")?;
    child
        .stdin
        .take()
        .context("no stdin")?
        .write_all(spec.to_string().as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!("bench-load failed for {}", scenario.name);
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

fn print_table(backend: &str, measured: &Measured) {
    let rows = &measured.rows;
    println!("\n{backend}");
    println!(
        "| {:<20} | {:>8} | {:>7} | {:>7} | {:>10} | {:>15} | {:>7} | {:>13} | {:>7} | {:>8} |",
        "scenario",
        "req/s",
        "p50 ms",
        "p99 ms",
        "CPU ms/req",
        "load CPU ms/req",
        "SQL/req",
        "ceiling req/s",
        "ratio",
        "failures"
    );
    println!(
        "|{:-<22}|{:->10}|{:->9}|{:->9}|{:->12}|{:->17}|{:->9}|{:->15}|{:->9}|{:->10}|",
        "", ":", ":", ":", ":", ":", ":", ":", ":", ":"
    );
    for row in rows {
        let ratio = if row.ceiling > 0.0 {
            row.rps / row.ceiling
        } else {
            0.0
        };
        println!(
            "| {:<20} | {:>8.0} | {:>7.2} | {:>7.2} | {:>10.3} | {:>15.3} | {:>7.2} | {:>13.0} | {:>6.2}x | {:>8} |",
            row.name,
            row.rps,
            row.p50_ms,
            row.p99_ms,
            row.cpu_ms,
            row.client_cpu_ms,
            row.sql,
            row.ceiling,
            ratio,
            row.failures
        );
    }
    for row in rows {
        if let Some(why) = &row.first_failure {
            println!("first failure of {}: {why}", row.name);
        }
    }
    println!(
        "organization tokens checked by README's jsonwebtoken example, one thread: {:.0}/s \
         verifying every signature, {:.0}/s with its cache of verified tokens (each of {} \
         tokens presented again and again)",
        measured.verifications.signature_each,
        measured.verifications.cached,
        verify::TOKENS,
    );
}

fn backend_name(backends: Backends) -> &'static str {
    match backends {
        Backends::Sqlite => "sqlite",
        Backends::Postgres => "postgres",
        Backends::Both => "both",
    }
}

/// `target/release` beside the running xtask (`target/debug/xtask` or the release one).
fn release_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile = exe.parent().context("no folder")?;
    Ok(profile
        .parent()
        .context("no target folder")?
        .join("release"))
}

/// `admin` (a `postgres://` URL) pointing at database `name` instead.
fn with_database(admin: &str, name: &str) -> anyhow::Result<String> {
    let scheme_end = admin.find("://").context("not a URL")? + 3;
    let (base, query) = admin
        .split_once('?')
        .map_or((admin, None), |(b, q)| (b, Some(q)));
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |at| scheme_end + at);
    let mut url = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bench_database_sits_beside_the_admin_one() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "b").unwrap(),
            "postgres://postgres@127.0.0.1:5432/b"
        );
        assert_eq!(
            with_database("postgres://u:p@h/x?sslmode=disable", "b").unwrap(),
            "postgres://u:p@h/b?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "b").unwrap(),
            "postgres://h:5432/b"
        );
        assert!(with_database("nonsense", "b").is_err());
    }
}
