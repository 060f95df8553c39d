//! `cargo xtask`: developer commands that need the workspace's code.
//!
//! - `migrate up|down [-n N]|status|fresh [--database-url URL]`
//! - `schema [--check]`: write (or check) `schema.graphql` at the repository root
//! - `token EMAIL [--database-url URL]`: print a session token for a local user
//! - `audit prune [--database-url URL]`: delete audit events past each org's retention
//! - `org-keys rotate [--database-url URL]`: make a new current organization-token key
//! - `bench [--members N] [--requests N] [--concurrency N]`: seed and measure over HTTP
//! - `tidy`: check the house rules (dependency table, `//!` headers, file length, comments)
//!
//! The database comes from `--database-url`, else `ROSTER_DATABASE_URL`, else the same
//! SQLite default as `cargo run`.

mod bench;
mod tidy;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use roster_migrations::{Migrator, MigratorTrait};

const USAGE: &str = "usage:
  cargo xtask migrate up|down [-n N]|status|fresh [--database-url URL]
  cargo xtask schema [--check]
  cargo xtask token EMAIL [--database-url URL]
  cargo xtask audit prune [--database-url URL]
  cargo xtask org-keys rotate [--database-url URL]
  cargo xtask bench [--members N] [--requests N] [--concurrency N] [--database-url URL]
  cargo xtask tidy";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let database_url = take_option(&mut args, "--database-url")?;
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["migrate", rest @ ..] => migrate(rest, database_url).await,
        ["schema"] => schema(false),
        ["schema", "--check"] => schema(true),
        ["token", email] => token(email, database_url).await,
        ["audit", "prune"] => audit_prune(database_url).await,
        ["org-keys", "rotate"] => rotate_org_keys(database_url).await,
        ["bench", rest @ ..] => bench(rest, database_url).await,
        ["tidy"] => tidy::run(&repository_root()),
        _ => bail!("{USAGE}"),
    }
}

fn take_option(args: &mut Vec<String>, name: &str) -> anyhow::Result<Option<String>> {
    let Some(position) = args.iter().position(|arg| arg == name) else {
        return Ok(None);
    };
    if position + 1 >= args.len() {
        bail!("{name} needs a value");
    }
    let value = args.remove(position + 1);
    args.remove(position);
    Ok(Some(value))
}

fn config(database_url: Option<String>) -> anyhow::Result<roster_gateway::Config> {
    let mut config = roster_gateway::Config::from_env()?;
    if let Some(url) = database_url {
        config.database.url = url.into();
    }
    Ok(config)
}

async fn migrate(args: &[&str], database_url: Option<String>) -> anyhow::Result<()> {
    let config = config(database_url)?;
    let db = sea_orm::Database::connect(config.database_url())
        .await
        .context("cannot connect to the database")?;
    match args {
        ["up"] => Migrator::up(&db, None).await?,
        ["down"] => Migrator::down(&db, Some(1)).await?,
        ["down", "-n", steps] => {
            Migrator::down(&db, Some(steps.parse().context("-n takes a number")?)).await?
        }
        ["status"] => {
            for migration in Migrator::get_migration_with_status(&db).await? {
                println!("{:?}\t{}", migration.status(), migration.name());
            }
        }
        ["fresh"] => Migrator::fresh(&db).await?,
        _ => bail!("{USAGE}"),
    }
    Ok(())
}

fn schema(check: bool) -> anyhow::Result<()> {
    let path = repository_root().join("schema.graphql");
    let sdl = roster_gateway::graphql::sdl();
    if check {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != sdl {
            bail!("schema.graphql is stale: run `cargo xtask schema` and commit the result");
        }
        println!("schema.graphql is current");
    } else {
        std::fs::write(&path, sdl).with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

async fn token(email: &str, database_url: Option<String>) -> anyhow::Result<()> {
    let config = config(database_url)?;
    let roster =
        roster_gateway::build_service(&config, Arc::new(roster_service::SystemClock)).await?;
    let signed_in = roster
        .issue_dev_token(email)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    println!("{}", signed_in.token.expose());
    Ok(())
}

async fn bench(args: &[&str], database_url: Option<String>) -> anyhow::Result<()> {
    let mut settings = bench::BenchArgs {
        database_url,
        members: 10_000,
        requests: 2_000,
        concurrency: 16,
    };
    for pair in args.chunks(2) {
        match pair {
            ["--members", value] => {
                settings.members = value.parse().context("--members takes a number")?
            }
            ["--requests", value] => {
                settings.requests = value.parse().context("--requests takes a number")?
            }
            ["--concurrency", value] => {
                settings.concurrency = value.parse().context("--concurrency takes a number")?;
            }
            _ => bail!("{USAGE}"),
        }
    }
    bench::run(settings).await
}

async fn audit_prune(database_url: Option<String>) -> anyhow::Result<()> {
    let config = config(database_url)?;
    let roster =
        roster_gateway::build_service(&config, Arc::new(roster_service::SystemClock)).await?;
    let deleted = roster
        .prune_audit_log()
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    println!("pruned {deleted} audit events past their organization's retention");
    Ok(())
}

async fn rotate_org_keys(database_url: Option<String>) -> anyhow::Result<()> {
    let config = config(database_url)?;
    let roster =
        roster_gateway::build_service(&config, Arc::new(roster_service::SystemClock)).await?;
    let kid = roster
        .rotate_signing_key()
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    println!(
        "organization tokens are now signed with key {kid}; older keys stay published until their tokens expire"
    );
    Ok(())
}

fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
}
