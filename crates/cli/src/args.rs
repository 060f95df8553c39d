//! The command line, as clap parses it: global options (server, organization, token,
//! `--json`) and one subcommand per resource. `roster` with no subcommand serves, which the
//! binary decides before anything here runs a request.

use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Roster: organizations, invitations, roles, API keys and an audit log.

With no arguments, `roster` runs the server (configured by ROSTER_* variables, see the README).
With a command, it is a client of any Roster server over GraphQL.";

const AFTER_HELP: &str = "Getting started:
  roster login --server https://roster.example.com you@example.com
  roster orgs create \"Acme\" && roster orgs switch acme
  roster members invite ada@example.com --role admin
  roster audit --follow

Credentials live in $ROSTER_CONFIG_DIR/credentials.toml (else $XDG_CONFIG_HOME/roster,
else ~/.config/roster), readable only by you; one profile per server.

Exit codes:
  0 ok                  4 FORBIDDEN              7 RATE_LIMITED
  1 other or INTERNAL   5 NOT_FOUND              8 cannot reach the server
  2 usage               6 refused input or rule (BAD_USER_INPUT, CONFLICT, LAST_OWNER, ...)
  3 UNAUTHENTICATED (run `roster login`)";

/// `roster [OPTIONS] [COMMAND]`.
#[derive(Debug, Parser)]
#[command(name = "roster", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every client command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The Roster server (default: the one you last logged in to, else http://127.0.0.1:8080).
    #[arg(long, global = true, env = "ROSTER_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// The organization (id or slug) for this call, instead of the one `orgs switch` stored.
    #[arg(long, global = true, env = "ROSTER_ORG", value_name = "ORG")]
    pub org: Option<String>,
    /// A session token or API key for this call, instead of the stored one.
    #[arg(
        long,
        global = true,
        env = "ROSTER_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Print the server's answer as JSON (for scripts) instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the same as no arguments).
    Serve,
    /// Sign in: mails you a link; paste the link (or its token) when asked.
    Login(Login),
    /// Sign out: ends the session on the server and forgets it here.
    Logout,
    /// Who the stored credential belongs to, and the active organization.
    Whoami,
    /// Your organizations.
    #[command(subcommand)]
    Orgs(Orgs),
    /// Members of the active organization.
    #[command(subcommand)]
    Members(Members),
    /// Invitations of the active organization, and your own.
    #[command(subcommand)]
    Invitations(Invitations),
    /// Projects of the active organization.
    #[command(subcommand)]
    Projects(Projects),
    /// API keys of the active organization's projects.
    #[command(subcommand)]
    Keys(Keys),
    /// The active organization's audit log, newest last.
    Audit(Audit),
}

#[derive(Debug, Args)]
#[command(
    after_help = "With --token TOKEN (or ROSTER_TOKEN) instead of EMAIL, stores that \
session token or API key after checking it."
)]
pub struct Login {
    /// Your email address: a sign-in link is mailed to it.
    pub email: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Orgs {
    /// The organizations you belong to (`*` marks the active one).
    List,
    /// One organization (default: the active one).
    Show { org: Option<String> },
    /// Creates a team organization that you own.
    Create {
        name: String,
        /// The slug in URLs (default: derived from the name).
        #[arg(long)]
        slug: Option<String>,
    },
    /// Makes ORG (id or slug) the active organization for this server's credential.
    Switch { org: String },
    /// Leaves ORG (id or slug).
    Leave { org: String },
    /// Renames the active organization (or --org), or changes its slug.
    #[command(arg_required_else_help = true)]
    Rename {
        /// The new name.
        name: Option<String>,
        /// The new slug.
        #[arg(long)]
        slug: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum Members {
    /// Members in the order they joined.
    List {
        #[arg(long, value_enum, ignore_case = true)]
        role: Option<RoleArg>,
        /// Matches email or display name.
        #[arg(long)]
        search: Option<String>,
    },
    /// Invites EMAIL (admins; never above your own role).
    Invite {
        email: String,
        #[arg(long, value_enum, ignore_case = true, default_value = "member")]
        role: RoleArg,
    },
    /// Changes the role of USER (email or user id).
    Role {
        user: String,
        #[arg(value_enum, ignore_case = true)]
        role: RoleArg,
    },
    /// Removes USER (email or user id).
    Remove { user: String },
}

#[derive(Debug, Subcommand)]
pub enum Invitations {
    /// The organization's invitations, newest first (admins), or with --mine yours.
    List {
        /// Only this status (default: pending).
        #[arg(long, value_enum, ignore_case = true, default_value = "pending")]
        status: StatusArg,
        /// Invitations addressed to you, from any organization.
        #[arg(long)]
        mine: bool,
    },
    /// Sends invitation ID again, with a new link and expiry.
    Resend { id: String },
    /// Revokes pending invitation ID.
    Revoke { id: String },
    /// Accepts an invitation: its id (see `list --mine`), the mailed link, or its token.
    Accept { invitation: String },
    /// Declines an invitation: its id, the mailed link, or its token.
    Decline { invitation: String },
}

#[derive(Debug, Subcommand)]
pub enum Projects {
    /// The projects, oldest first.
    List,
    /// Creates a project.
    Create { name: String },
    /// Renames PROJECT (id or name).
    Rename { project: String, name: String },
    /// Deletes PROJECT (id or name) and its keys (admins).
    Delete {
        project: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum Keys {
    /// The keys, masked (of one project with --project).
    List {
        #[arg(long)]
        project: Option<String>,
    },
    /// Creates a key in PROJECT; its secret is printed once.
    Create {
        /// The project (id or name).
        #[arg(long)]
        project: String,
        /// What the key is for, e.g. `ci`.
        label: String,
        /// The key's role (default member; at most yours).
        #[arg(long, value_enum, ignore_case = true)]
        role: Option<RoleArg>,
    },
    /// Renames KEY (id, or a label unique in the organization).
    Rename { key: String, label: String },
    /// Replaces KEY's secret (the old one stops working); the new one is printed once.
    Regenerate { key: String },
    /// Deletes KEY (admins); it stops working at once.
    Delete { key: String },
}

#[derive(Debug, Args)]
pub struct Audit {
    /// Only this action, e.g. `member.invited`.
    #[arg(long)]
    pub action: Option<String>,
    /// Only events since then: RFC 3339, a date (2026-12-01), or an age (90s, 15m, 2h, 7d).
    #[arg(long)]
    pub since: Option<String>,
    /// How many of the newest events to show.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub limit: u16,
    /// Keep printing new events as they happen (every 2 s) until Ctrl-C.
    #[arg(long, short)]
    pub follow: bool,
}

/// A role on the command line, in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "lower")]
pub enum RoleArg {
    Viewer,
    Member,
    Admin,
    Owner,
}

impl RoleArg {
    /// The schema's name for it.
    #[must_use]
    pub fn schema_name(self) -> &'static str {
        match self {
            RoleArg::Viewer => "VIEWER",
            RoleArg::Member => "MEMBER",
            RoleArg::Admin => "ADMIN",
            RoleArg::Owner => "OWNER",
        }
    }
}

/// An invitation status filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "lower")]
pub enum StatusArg {
    Pending,
    Accepted,
    Declined,
    Revoked,
    Expired,
    All,
}

impl StatusArg {
    /// The schema's name, or `None` for every status.
    #[must_use]
    pub fn schema_name(self) -> Option<&'static str> {
        match self {
            StatusArg::Pending => Some("PENDING"),
            StatusArg::Accepted => Some("ACCEPTED"),
            StatusArg::Declined => Some("DECLINED"),
            StatusArg::Revoked => Some("REVOKED"),
            StatusArg::Expired => Some("EXPIRED"),
            StatusArg::All => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_consistent() {
        // Duplicate flags, bad defaults and the like panic here rather than at a user.
        Cli::command().debug_assert();
    }

    #[test]
    fn help_says_that_no_arguments_serve_and_lists_the_exit_codes() {
        let help = Cli::command().render_long_help().to_string();
        assert!(
            help.contains("With no arguments, `roster` runs the server"),
            "{help}"
        );
        for command in [
            "login",
            "orgs",
            "members",
            "invitations",
            "projects",
            "keys",
            "audit",
        ] {
            assert!(help.contains(command), "{command} missing from {help}");
        }
        assert!(help.contains("3 UNAUTHENTICATED"), "{help}");
    }

    #[test]
    fn roles_parse_in_any_case_and_flags_go_anywhere() {
        let cli = Cli::try_parse_from([
            "roster",
            "members",
            "invite",
            "ada@example.com",
            "--role",
            "ADMIN",
            "--org",
            "acme",
            "--json",
        ])
        .unwrap();
        assert!(cli.global.json);
        assert_eq!(cli.global.org.as_deref(), Some("acme"));
        assert!(matches!(
            cli.command,
            Some(Command::Members(Members::Invite {
                role: RoleArg::Admin,
                ..
            }))
        ));
        assert!(
            Cli::try_parse_from(["roster", "members", "invite", "a@b.c", "--role", "boss"])
                .is_err()
        );
    }
}
