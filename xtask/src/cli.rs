//! `cargo xtask`'s arguments (clap), with `--help` for the command and each subcommand,
//! and the confirmation destructive migrations ask for.

use std::io::{BufRead, IsTerminal, Write};

use clap::{Parser, Subcommand};

/// Developer commands for Roster: migrations, the schema, local tokens and demo data,
/// benchmarks and the house rules.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, about)]
pub(crate) struct Cli {
    /// The database to use; else `ROSTER_DATABASE_URL`, else the SQLite default of
    /// `cargo run`.
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) database_url: Option<String>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Apply, roll back or list database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Write schema.graphql at the repository root from the running schema.
    Schema {
        /// Fail (exit 1) if schema.graphql is stale instead of writing it.
        #[arg(long)]
        check: bool,
    },
    /// Print a session token for a local user (created, with a personal organization, if
    /// new): paste it as `Authorization: Bearer ...` in GraphiQL.
    Token {
        /// The user's email address.
        email: String,
    },
    /// Create the demo organization "Acme Rockets" (members, an invitation, projects, a
    /// key, usage) through the use cases, and print a token and a query to try.
    Seed {
        /// Its owner.
        #[arg(default_value = crate::seed::DEFAULT_OWNER)]
        owner_email: String,
    },
    /// Audit log maintenance.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Organization-token signing keys.
    OrgKeys {
        #[command(subcommand)]
        action: OrgKeysAction,
    },
    /// Seed a 100,000-member organization on SQLite and PostgreSQL, start the release
    /// `roster` on each, load it from a separate process and print req/s, p50/p99, server
    /// CPU and SQL statements per request, and the driver's ceiling for each scenario.
    Bench {
        /// Members in the seeded organization (also the number of audit events).
        #[arg(long, default_value_t = 100_000)]
        members: usize,
        /// Measured seconds per scenario (and for its ceiling).
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Warm-up seconds before each measurement.
        #[arg(long, default_value_t = 2.0)]
        warmup: f64,
        /// Connections (requests in flight) of the load and of the ceiling's pool.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Which databases to measure (PostgreSQL: a fresh database beside
        /// `--database-url`, default postgres://postgres@127.0.0.1:5432/test, dropped after).
        #[arg(long, value_enum, default_value_t = crate::bench::Backends::Both)]
        backend: crate::bench::Backends,
        /// Use the release binaries as they are instead of building them first.
        #[arg(long)]
        no_build: bool,
        /// Measure only the scenarios whose name contains this text (e.g. `members page`), or
        /// one of several separated by commas (`audit,mix`): to profile one of them.
        #[arg(long)]
        only: Option<String>,
    },
    /// The bench's load generator (a JSON spec on stdin, a JSON report on stdout).
    #[command(hide = true)]
    BenchLoad,
    /// Check the house rules: crate dependencies against ARCHITECTURE.md, `//!` headers,
    /// file length, comments. Prints file:line findings; exits 1 on any.
    Tidy,
}

#[derive(Debug, Subcommand)]
pub(crate) enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the newest migrations (asks first).
    Down {
        /// How many to roll back.
        #[arg(short = 'n', default_value_t = 1)]
        steps: u32,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
    /// List every migration with whether it is applied.
    Status,
    /// Drop every table and apply all migrations from scratch (asks first).
    Fresh {
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum OrgKeysAction {
    /// Make a new current key; the old one stays published until its tokens have expired.
    Rotate,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuditAction {
    /// Delete audit events past each organization's retention now.
    Prune,
}

/// Asks `question` on the terminal unless `yes`; without a terminal it refuses (scripts
/// pass `--yes`).
pub(crate) fn confirm(yes: bool, question: &str) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("{question}\nrefusing without a terminal to ask on: pass --yes");
    }
    ask(
        question,
        &mut std::io::stdin().lock(),
        &mut std::io::stderr(),
    )
}

fn ask(question: &str, input: &mut impl BufRead, output: &mut impl Write) -> anyhow::Result<()> {
    write!(output, "{question} Type `yes` to go on: ")?;
    output.flush()?;
    let mut answer = String::new();
    input.read_line(&mut answer)?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        anyhow::bail!("stopped: nothing was changed")
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed_and_every_level_has_help() {
        Cli::command().debug_assert();
        for args in [
            vec!["xtask", "--help"],
            vec!["xtask", "migrate", "--help"],
            vec!["xtask", "migrate", "fresh", "--help"],
            vec!["xtask", "bench", "--help"],
        ] {
            let err = Cli::try_parse_from(&args).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp, "{args:?}");
            assert_eq!(err.exit_code(), 0);
        }
        let parsed = Cli::try_parse_from(["xtask", "migrate", "down", "-n", "2", "--yes"]).unwrap();
        assert!(matches!(
            parsed.command,
            Command::Migrate {
                action: MigrateAction::Down {
                    steps: 2,
                    yes: true
                }
            }
        ));
        assert!(Cli::try_parse_from(["xtask", "migrate", "sideways"]).is_err());
    }

    #[test]
    fn destructive_commands_go_on_only_after_yes() {
        let mut said = Vec::new();
        assert!(ask("Drop?", &mut "yes\n".as_bytes(), &mut said).is_ok());
        assert!(String::from_utf8_lossy(&said).contains("Drop?"));
        for answer in ["no\n", "\n", "y\n", ""] {
            assert!(ask("Drop?", &mut answer.as_bytes(), &mut Vec::new()).is_err());
        }
        assert!(confirm(true, "Drop?").is_ok());
    }
}
