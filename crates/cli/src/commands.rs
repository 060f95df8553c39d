//! One function per subcommand, each taking the `Context` (server, credential, active
//! organization) and printing a table or, with `--json`, the server's data.

mod audit;
mod auth;
mod invitations;
mod members;
mod orgs;
mod projects;

use crate::args::Command;
use crate::context::Context;
use crate::error::CliError;

/// Runs `command` (every subcommand but `serve`).
pub(crate) async fn dispatch(ctx: &mut Context, command: &Command) -> Result<(), CliError> {
    match command {
        Command::Serve => Err(CliError::local("`serve` is the server's, not the client's")),
        Command::Login(login) => auth::login(ctx, login).await,
        Command::Logout => auth::logout(ctx).await,
        Command::Whoami => auth::whoami(ctx).await,
        Command::Orgs(orgs) => orgs::run(ctx, orgs).await,
        Command::Members(members) => members::run(ctx, members).await,
        Command::Invitations(invitations) => invitations::run(ctx, invitations).await,
        Command::Projects(projects) => projects::run_projects(ctx, projects).await,
        Command::Keys(keys) => projects::run_keys(ctx, keys).await,
        Command::Audit(audit) => audit::run(ctx, audit).await,
    }
}
