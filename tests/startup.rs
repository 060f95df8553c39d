//! Start-up faults say what is wrong and where: an unreachable database is named (never
//! its password), retried visibly and interruptible at once; an SQLite file that cannot be
//! opened and a dev mailbox folder that cannot be written are named; an invalid log filter
//! stops the binary with a message. Also: `/metrics` behind its optional token.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use roster_gateway::Config;
use roster_service::OffsetClock;

use crate::support::TestApp;

/// The `roster` binary `cargo test --workspace` built beside this test binary.
pub(crate) fn roster_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let binary = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("roster");
    assert!(
        binary.exists(),
        "{} is missing: run `cargo test --workspace` (it builds the binary)",
        binary.display()
    );
    binary
}

fn config(pairs: &[(&str, &str)]) -> Config {
    Config::from_lookup(|name| {
        pairs
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    })
    .unwrap()
}

async fn start_error(config: Config) -> String {
    match roster_gateway::start(config, std::sync::Arc::new(OffsetClock::default())).await {
        Ok(_) => panic!("start-up should have failed"),
        Err(err) => format!("{err:#}"),
    }
}

#[tokio::test]
async fn an_sqlite_file_that_cannot_be_opened_is_named() {
    let error = start_error(config(&[
        ("ROSTER_LISTEN_ADDR", "127.0.0.1:0"),
        (
            "ROSTER_DATABASE_URL",
            "sqlite:///nonexistent-roster-folder/roster.db?mode=rwc",
        ),
    ]))
    .await;
    assert!(
        error.contains("/nonexistent-roster-folder/roster.db"),
        "{error}"
    );
}

#[tokio::test]
async fn a_dev_mailbox_folder_that_cannot_be_written_is_named() {
    let folder = tempfile::tempdir().unwrap();
    // A folder inside a regular file can never be created.
    let blocker = folder.path().join("a-file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let mailbox = blocker.join("mailbox");
    let database = format!("sqlite://{}?mode=rwc", folder.path().join("r.db").display());
    let error = start_error(config(&[
        ("ROSTER_LISTEN_ADDR", "127.0.0.1:0"),
        ("ROSTER_DATABASE_URL", &database),
        ("ROSTER_DEV_MAILBOX_DIR", mailbox.to_str().unwrap()),
    ]))
    .await;
    assert!(error.contains("not writable"), "{error}");
    assert!(error.contains(mailbox.to_str().unwrap()), "{error}");
}

#[tokio::test]
async fn an_unreachable_database_is_named_retried_and_ctrl_c_stops_start_up_at_once() {
    let mut child = Command::new(roster_binary())
        .env_clear()
        .env("ROSTER_LISTEN_ADDR", "127.0.0.1:0")
        .env(
            "ROSTER_DATABASE_URL",
            "postgres://roster:hunter2@127.0.0.1:1/roster",
        )
        .env("ROSTER_SMTP_URL", "smtp://127.0.0.1:1")
        .env("ROSTER_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, received) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let started = Instant::now();
    while !seen
        .iter()
        .any(|line: &String| line.contains("retrying in"))
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no retry message: {seen:#?}"
        );
        if let Ok(line) = received.recv_timeout(Duration::from_millis(200)) {
            seen.push(line);
        }
    }
    let log = seen.join("\n");
    assert!(
        log.contains("connecting to PostgreSQL at 127.0.0.1:1"),
        "{log}"
    );
    assert!(!log.contains("hunter2"), "the password leaked: {log}");

    let interrupted = Instant::now();
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.success(), "{exit:?}");
            break;
        }
        assert!(
            interrupted.elapsed() < Duration::from_secs(3),
            "Ctrl-C did not stop start-up"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn an_invalid_log_filter_stops_the_binary_with_a_message() {
    let output = Command::new(roster_binary())
        .env_clear()
        .env("ROSTER_LISTEN_ADDR", "127.0.0.1:0")
        .env("ROSTER_LOG", "roster=loudest")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ROSTER_LOG is invalid"), "{stderr}");
}

#[tokio::test]
async fn metrics_answer_only_the_configured_token() {
    let app = TestApp::spawn_with(&[("ROSTER_METRICS_TOKEN", "metrics-s3cret")]).await;
    let url = format!("{}/metrics", app.base);
    let anonymous = app.http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = app
        .http
        .get(&url)
        .bearer_auth("metrics-guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = app
        .http
        .get(&url)
        .bearer_auth("metrics-s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(right.text().await.unwrap().contains("outbox"));
}
