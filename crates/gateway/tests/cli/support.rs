//! The harness of `cli.rs`: a server in-process (its own database and SMTP sink) and one
//! person's `roster` (the real binary as a subprocess, with its own configuration folder).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use roster_gateway::{Config, Running};
use serde_json::Value;
use test_support::{SmtpSink, TestDb};

const MAIL_TIMEOUT: Duration = Duration::from_secs(20);

/// A server with its own database and SMTP sink.
pub(crate) struct Server {
    pub(crate) base: String,
    smtp: SmtpSink,
    running: Option<Running>,
    _db: TestDb,
}

impl Server {
    pub(crate) async fn start() -> Server {
        let db = TestDb::new().await.unwrap();
        let smtp = SmtpSink::start().unwrap();
        let vars = [
            ("ROSTER_LISTEN_ADDR", "127.0.0.1:0".to_owned()),
            ("ROSTER_DATABASE_URL", db.url.clone()),
            ("ROSTER_SMTP_URL", smtp.url.clone()),
            ("ROSTER_DELIVERY_POLL_MS", "50".to_owned()),
        ];
        let config = Config::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
        })
        .unwrap();
        let running = roster_gateway::start(config, Arc::new(roster_service::SystemClock))
            .await
            .unwrap();
        Server {
            base: format!("http://{}", running.addr),
            smtp,
            running: Some(running),
            _db: db,
        }
    }

    pub(crate) async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.unwrap();
        }
    }

    /// The newest link in mail to `to` whose text contains `part`, once `count` mails came.
    pub(crate) async fn link(&self, to: &str, count: usize, part: &str) -> String {
        let mails = self.smtp.wait_for(to, count, MAIL_TIMEOUT).await.unwrap();
        mails
            .iter()
            .rev()
            .flat_map(test_support::ReceivedMail::links)
            .find(|link| link.contains(part))
            .unwrap_or_else(|| panic!("no {part} link in mail to {to}"))
    }
}

/// What a run of the binary left.
#[derive(Debug)]
pub(crate) struct Out {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Out {
    pub(crate) fn ok(self) -> Out {
        assert_eq!(self.code, 0, "{self:#?}");
        self
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| panic!("{err}: {self:#?}"))
    }
}

/// One person's `roster`: their own configuration folder, pointed at one server.
pub(crate) struct Person {
    dir: tempfile::TempDir,
    server: String,
    email: String,
}

impl Person {
    pub(crate) fn new(server: &Server, email: &str) -> Person {
        Person {
            dir: tempfile::tempdir().unwrap(),
            server: server.base.clone(),
            email: email.to_owned(),
        }
    }

    pub(crate) fn credentials(&self) -> PathBuf {
        self.dir.path().join("credentials.toml")
    }

    pub(crate) fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
        command
            .env_clear()
            .env("ROSTER_CONFIG_DIR", self.dir.path())
            .env("ROSTER_SERVER", &self.server)
            .envs(env.iter().copied())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    pub(crate) async fn run_with(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Out {
        let mut child = self.command(args, env).spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        let stdin = stdin.to_owned();
        tokio::task::spawn_blocking(move || {
            let _ = input.write_all(stdin.as_bytes());
            drop(input);
            let output = child.wait_with_output().unwrap();
            Out {
                code: output.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            }
        })
        .await
        .unwrap()
    }

    pub(crate) async fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, &[], "").await
    }

    /// `roster login EMAIL`, pasting the mailed link when asked.
    pub(crate) async fn login(&self, server: &Server) -> Out {
        let before = server.smtp.received_by(&self.email).len();
        let mut child = self.command(&["login", &self.email], &[]).spawn().unwrap();
        let link = server
            .link(&self.email, before + 1, "/auth/verify?token=")
            .await;
        let mut input = child.stdin.take().unwrap();
        writeln!(input, "{link}").unwrap();
        drop(input);
        tokio::task::spawn_blocking(move || {
            let output = child.wait_with_output().unwrap();
            Out {
                code: output.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            }
        })
        .await
        .unwrap()
    }
}

#[cfg(unix)]
pub(crate) fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The line of `table` that contains `needle`.
pub(crate) fn line_with<'a>(table: &'a str, needle: &str) -> &'a str {
    table
        .lines()
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle} in\n{table}"))
}
