//! The `roster` binary's own start-up faults, run as a real process: an unreachable
//! database is named (never its password), retried visibly, and Ctrl-C stops start-up at
//! once; an invalid log filter or plans file stops it with a message (naming the line)
//! and exit code 2.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn roster_binary() -> &'static str {
    env!("CARGO_BIN_EXE_roster")
}

#[test]
fn an_unreachable_database_is_named_retried_and_ctrl_c_stops_start_up_at_once() {
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

#[test]
fn an_invalid_log_filter_stops_the_binary_with_a_message() {
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

#[test]
fn an_invalid_plans_file_stops_start_up_naming_the_line() {
    let path = std::env::temp_dir().join(format!("roster-plans-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        "[[plan]]\nid = \"free\"\nname = \"Free\"\n\n[[plan.limit]]\nmetric = \"analyses\"\nlimit = 100\nperiod = \"week\"\nhard = true\n",
    )
    .unwrap();
    let mut child = Command::new(roster_binary())
        .env_clear()
        .env("ROSTER_LISTEN_ADDR", "127.0.0.1:0")
        .env("ROSTER_DATABASE_URL", "sqlite::memory:")
        .env("ROSTER_PLANS_FILE", &path)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Poll with a bound: a server that wrongly starts must fail the test, not hang it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("roster started with an invalid plans file");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = child.wait_with_output().unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ROSTER_PLANS_FILE is invalid"), "{stderr}");
    assert!(stderr.contains("line 8:"), "{stderr}");
}
