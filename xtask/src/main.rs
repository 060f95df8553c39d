//! `cargo xtask`: developer commands that need the workspace's code (arguments and
//! `--help` in `cli.rs`).
//!
//! - `migrate up|down [-n N] [--yes]|status|fresh [--yes] [--database-url URL]`
//! - `schema [--check]`: write (or check) `schema.graphql` at the repository root
//! - `token EMAIL [--database-url URL]`: print a session token for a local user
//! - `seed [OWNER_EMAIL] [--database-url URL]`: create the demo organization "Acme Rockets"
//! - `audit prune [--database-url URL]`: delete audit events past each org's retention
//! - `org-keys rotate [--database-url URL]`: make a new current organization-token key
//! - `bench [--members N] [--seconds S] [--concurrency C] [--backend sqlite|postgres|both]`:
//!   seed both databases, load the release `roster` from a separate process, compare with
//!   the driver's ceiling
//! - `tidy`: check the house rules (dependency table, `//!` headers, file length, comments)
//!
//! The database comes from `--database-url`, else `ROSTER_DATABASE_URL`, else the same
//! SQLite default as `cargo run`.

mod bench;
mod cli;
mod seed;
mod tidy;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::Parser as _;
use roster_migrations::{Migrator, MigratorTrait};

use cli::{AuditAction, Cli, Command, MigrateAction, OrgKeysAction};

/// The load generator (`bench-load`) allocates for every response it checks, on the cores
/// the measured server runs on: the same allocator as the server's keeps that share small.
/// As in `roster`, mimalloc is the C `malloc` (its `override` feature) and Rust reaches it
/// through `System`, on its fast path (see `crates/gateway/src/main.rs`).
#[global_allocator]
static ALLOCATOR: std::alloc::System = std::alloc::System;

fn main() -> anyhow::Result<()> {
    // mimalloc serves as `malloc` only if it is linked; naming it here makes sure it is.
    let _ = mimalloc::MiMalloc.version();
    let cli = Cli::parse();
    // The load generator runs on one thread: it shares two cores with the server and the
    // database, and a second worker thread only adds wake-ups between the two.
    let mut runtime = if matches!(cli.command, Command::BenchLoad) {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    runtime.enable_all().build()?.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let database_url = cli.database_url;
    match cli.command {
        Command::Migrate { action } => migrate(action, database_url).await,
        Command::Schema { check } => schema(check),
        Command::Token { email } => token(&email, database_url).await,
        Command::Seed { owner_email } => seed::run(&config(database_url)?, &owner_email).await,
        Command::Audit {
            action: AuditAction::Prune,
        } => audit_prune(database_url).await,
        Command::Bench {
            members,
            seconds,
            warmup,
            concurrency,
            backend,
            no_build,
            only,
        } => {
            bench::run(bench::BenchArgs {
                members,
                seconds,
                warmup,
                concurrency,
                backends: backend,
                admin_url: database_url.unwrap_or_else(|| bench::DEFAULT_ADMIN_URL.to_owned()),
                no_build,
                only,
            })
            .await
        }
        Command::BenchLoad => bench::load_main().await,
        Command::OrgKeys {
            action: OrgKeysAction::Rotate,
        } => rotate_org_keys(database_url).await,
        Command::Tidy => tidy::run(&repository_root()),
    }
}

fn config(database_url: Option<String>) -> anyhow::Result<roster_gateway::Config> {
    let mut config = roster_gateway::Config::from_env()?;
    if let Some(url) = database_url {
        config.database.url = url.into();
    }
    Ok(config)
}

async fn migrate(action: MigrateAction, database_url: Option<String>) -> anyhow::Result<()> {
    let config = config(database_url)?;
    let target = roster_gateway::app::database_target(config.database_url());
    let db = sea_orm::Database::connect(config.database_url())
        .await
        .with_context(|| format!("cannot connect to {target}"))?;
    let before = applied(&db).await?;
    match action {
        MigrateAction::Up => Migrator::up(&db, None).await?,
        MigrateAction::Down { steps, yes } => {
            let undone: Vec<&String> = before.iter().rev().take(steps as usize).collect();
            if undone.is_empty() {
                println!("nothing to roll back on {target}");
                return Ok(());
            }
            let names: Vec<&str> = undone.iter().map(|name| name.as_str()).collect();
            cli::confirm(
                yes,
                &format!(
                    "Roll back {} migration(s) on {target} ({}), dropping what they created?",
                    names.len(),
                    names.join(", ")
                ),
            )?;
            Migrator::down(&db, Some(steps)).await?;
        }
        MigrateAction::Status => {
            for migration in Migrator::get_migration_with_status(&db).await? {
                println!("{:?}\t{}", migration.status(), migration.name());
            }
            return Ok(());
        }
        MigrateAction::Fresh { yes } => {
            cli::confirm(
                yes,
                &format!("Drop every table on {target} and migrate from scratch?"),
            )?;
            Migrator::fresh(&db).await?;
            println!("dropped every table on {target}");
        }
    }
    let after = applied(&db).await?;
    for name in before.iter().filter(|name| !after.contains(name)) {
        println!("rolled back {name}");
    }
    for name in after.iter().filter(|name| !before.contains(name)) {
        println!("applied {name}");
    }
    if before == after {
        println!(
            "{target} is up to date ({} migrations applied)",
            after.len()
        );
    }
    Ok(())
}

/// The names of the applied migrations, oldest first.
async fn applied(db: &sea_orm::DatabaseConnection) -> anyhow::Result<Vec<String>> {
    Ok(Migrator::get_migration_with_status(db)
        .await?
        .into_iter()
        .filter(|migration| {
            matches!(
                migration.status(),
                roster_migrations::MigrationStatus::Applied
            )
        })
        .map(|migration| migration.name().to_owned())
        .collect())
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
