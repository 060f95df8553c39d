//! The `roster` binary. With no arguments (or `serve`): read `ROSTER_*`, start the server,
//! stop cleanly on SIGTERM/SIGINT. With any other subcommand: the command-line client of
//! `roster-cli`, exiting with its code.

use std::sync::Arc;

use roster_gateway::Config;
use roster_service::SystemClock;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's malloc: a request allocates and frees many small values
/// (rows, GraphQL values, futures), and glibc's malloc and free were a fifth of the server's
/// CPU on a members page (`perf` under `cargo xtask bench`). Its `override` feature makes
/// it the C `malloc` for the whole process, so SQLite (and sqlx copying each SQLite value
/// it reads) no longer goes through glibc: glibc's malloc was a tenth of a SQLite audit
/// page's CPU.
///
/// Rust's allocations reach it through `System`, which calls `malloc` for every alignment
/// up to 16: mimalloc's fast path. The crate's own `MiMalloc` sends each one through
/// `mi_malloc_aligned` instead, 58 instructions rather than 42, and a members page
/// allocates 1,100 times (callgrind). `serve` logs mimalloc's version, which also makes sure
/// the library is linked, and with it the `malloc` it replaces.
#[global_allocator]
static ALLOCATOR: std::alloc::System = std::alloc::System;

fn main() -> anyhow::Result<()> {
    match roster_cli::parse() {
        roster_cli::Invocation::Serve => serve(),
        roster_cli::Invocation::Client(cli) => std::process::exit(i32::from(roster_cli::run(cli))),
    }
}

#[tokio::main]
async fn serve() -> anyhow::Result<()> {
    let filter = match std::env::var("ROSTER_LOG") {
        Ok(directives) if !directives.trim().is_empty() => match EnvFilter::try_new(&directives) {
            Ok(filter) => filter,
            Err(err) => {
                eprintln!(
                    "ROSTER_LOG is invalid: {err} (e.g. `info` or `info,roster_service=debug`)"
                );
                std::process::exit(2);
            }
        },
        _ => EnvFilter::new("info,sqlx=warn,sqlx::postgres::notice=warn,sea_orm=warn"),
    };
    let json = std::env::var("ROSTER_LOG_FORMAT").is_ok_and(|format| format == "json");
    if json {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .json()
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(2);
        }
    };
    // Ctrl-C or SIGTERM while connecting (an unreachable database is retried) stops at once.
    let running = tokio::select! {
        started = roster_gateway::start(config, Arc::new(SystemClock)) => started?,
        () = shutdown_signal() => {
            tracing::info!("stopped during start-up");
            return Ok(());
        }
    };
    tracing::debug!(
        version = mimalloc::MiMalloc.version(),
        "allocator: mimalloc"
    );
    let public_url = running.roster.config().public_url();
    tracing::info!("GraphiQL at {public_url}/graphql, dev mailbox at {public_url}/dev/mailbox");
    running.wait(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
