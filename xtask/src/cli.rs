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
    /// Start a release-like `roster`, seed an organization and measure requests over HTTP.
    Bench {
        /// Members in the seeded organization.
        #[arg(long, default_value_t = 10_000)]
        members: u64,
        /// Requests per scenario.
        #[arg(long, default_value_t = 2_000)]
        requests: usize,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
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
