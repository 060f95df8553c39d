//! The `roster` command-line client: every subcommand of the `roster` binary except
//! serving. It speaks GraphQL over HTTP to any Roster server (typed operations from
//! `graphql/*.graphql`, checked against `schema.graphql` at build time) and knows no
//! server code. The binary calls [`parse`] first: no arguments (or `serve`) is the
//! server's; anything else is [`run`] here.

pub mod args;
pub mod client;
mod commands;
pub mod context;
pub mod credentials;
pub mod error;
pub mod output;
mod queries;
pub mod refs;

use clap::Parser as _;

pub use args::Cli;
pub use error::{CliError, ErrorKind};

/// What the command line asks for.
#[derive(Debug)]
pub enum Invocation {
    /// No arguments, or `roster serve`: run the server.
    Serve,
    /// A client command.
    Client(Cli),
}

/// Parses the process's arguments; on a mistake (or `--help`, `--version`) clap prints and
/// exits (code 2 for mistakes).
#[must_use]
pub fn parse() -> Invocation {
    if std::env::args_os().len() <= 1 {
        return Invocation::Serve;
    }
    let cli = Cli::parse();
    match cli.command {
        None => {
            let mut command = <Cli as clap::CommandFactory>::command();
            command
                .error(
                    clap::error::ErrorKind::MissingSubcommand,
                    "options need a command (run `roster` with no arguments to serve)",
                )
                .exit()
        }
        Some(args::Command::Serve) => Invocation::Serve,
        Some(_) => Invocation::Client(cli),
    }
}

/// Runs a client command and returns the process exit code (0, or the error's kind; the
/// error is printed on standard error).
#[must_use]
pub fn run(cli: Cli) -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start: {err}");
            return ErrorKind::Other.exit_code();
        }
    };
    let result = runtime.block_on(async {
        let mut ctx = context::Context::load(&cli.global)?;
        match &cli.command {
            Some(command) => commands::dispatch(&mut ctx, command).await,
            None => Ok(()),
        }
    });
    match result {
        Ok(()) => 0,
        Err(err) => {
            eprint!("{}", err.render());
            err.kind.exit_code()
        }
    }
}
