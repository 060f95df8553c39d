//! The `roster` under test: the release binary as a child process on a free port, its CPU
//! time from `/proc/<pid>/stat`, its statement counter from `/metrics`, and (when started
//! with `capture`) the statements it logs at TRACE under `roster_sql`.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::Value;

/// A running `roster`.
pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
    logged: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `binary` on `database_url` and waits for `/readyz`. With `capture`, every SQL
    /// statement is logged (JSON lines on stdout) for `take_statements`.
    pub(crate) async fn start(
        binary: &Path,
        database_url: &str,
        folder: &Path,
        capture: bool,
    ) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut command = Command::new(binary);
        command
            .env("ROSTER_LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("ROSTER_DATABASE_URL", database_url)
            .env("ROSTER_DEV_MAILBOX_DIR", folder.join("mailbox"))
            // Background workers stay quiet, so the statement counts are the requests'.
            .env("ROSTER_DELIVERY_POLL_MS", "3600000")
            .env("ROSTER_AUDIT_PRUNE_INTERVAL_SECONDS", "86400")
            .env("ROSTER_QUERY_MAX_COMPLEXITY", "100000")
            .env(
                "ROSTER_LOG",
                if capture {
                    "warn,roster_sql=trace"
                } else {
                    "warn"
                },
            )
            .env("ROSTER_LOG_FORMAT", "json")
            .stdin(Stdio::null())
            .stdout(if capture {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stderr(Stdio::inherit());
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let logged = Arc::new(Mutex::new(Vec::new()));
        if let Some(stdout) = child.stdout.take() {
            let logged = Arc::clone(&logged);
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Ok(mut logged) = logged.lock() {
                        logged.push(line);
                    }
                }
            });
        }
        let mut server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            logged,
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!("roster exited during start-up: {status}");
            }
            let ready = http.get(format!("{}/readyz", server.base)).send().await;
            if ready.is_ok_and(|response| response.status().is_success()) {
                break;
            }
            if Instant::now() > deadline {
                server.stop();
                bail!("roster was not ready within two minutes");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Let start-up work (the first housekeeping pass) finish before anything is counted.
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok(server)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The statements logged since the last call, in order.
    pub(crate) fn take_statements(&self) -> Vec<String> {
        let lines = self
            .logged
            .lock()
            .map(|mut logged| std::mem::take(&mut *logged))
            .unwrap_or_default();
        lines
            .iter()
            .filter_map(|line| logged_statement(line))
            .collect()
    }

    /// `roster_sql_statements_total` now.
    pub(crate) async fn sql_statements(&self, http: &reqwest::Client) -> anyhow::Result<u64> {
        let text = http
            .get(format!("{}/metrics", self.base))
            .send()
            .await?
            .text()
            .await?;
        counter(&text, "roster_sql_statements_total")
            .context("no roster_sql_statements_total on /metrics")
    }

    /// Stops the server (SIGTERM, then a kill after ten seconds).
    pub(crate) fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.stop();
        }
    }
}

/// The statement text of a JSON log line from the `roster_sql` target.
pub(crate) fn logged_statement(line: &str) -> Option<String> {
    let event: Value = serde_json::from_str(line).ok()?;
    if event["target"] != "roster_sql" {
        return None;
    }
    Some(event["fields"]["message"].as_str()?.to_owned())
}

/// The value of an unlabelled counter in a Prometheus text exposition.
pub(crate) fn counter(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

/// CPU time (user + system) used so far by process `pid`, from `/proc/<pid>/stat`.
pub(crate) fn cpu_time(pid: u32, ticks_per_second: u64) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read /proc/{pid}/stat"))?;
    let ticks = cpu_ticks(&stat).context("malformed /proc stat")?;
    Ok(Duration::from_secs_f64(
        ticks as f64 / ticks_per_second as f64,
    ))
}

/// utime + stime (fields 14 and 15) of a `/proc/<pid>/stat` line; the command name (field
/// 2) is in parentheses and may hold spaces, so fields are counted after its `)`.
pub(crate) fn cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second (`getconf CLK_TCK`, else the usual 100).
pub(crate) fn ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .filter(|&ticks| ticks > 0)
        .unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_utime_plus_stime_after_the_command_name() {
        let stat =
            "4242 (tokio (x) y) S 1 4242 4242 0 -1 4194560 5000 0 3 0 150 27 0 0 20 0 9 0 100 0";
        assert_eq!(cpu_ticks(stat), Some(177));
        assert_eq!(cpu_ticks("4242 (roster) S 1"), None);
        assert_eq!(cpu_ticks("garbage"), None);
        let own = std::fs::read_to_string("/proc/self/stat").unwrap();
        assert!(cpu_ticks(&own).is_some());
    }

    #[test]
    fn counters_are_read_from_the_exposition() {
        let text = "# HELP roster_sql_statements_total SQL.\n# TYPE roster_sql_statements_total counter\nroster_sql_statements_total 1234\nroster_sql_statements_total_other 9\n";
        assert_eq!(counter(text, "roster_sql_statements_total"), Some(1234));
        assert_eq!(counter(text, "roster_outbox_depth"), None);
    }

    #[test]
    fn statements_come_only_from_the_roster_sql_target() {
        let line = r#"{"timestamp":"2026-12-03T18:00:00Z","level":"TRACE","fields":{"message":"SELECT 1 WHERE \"a\" = 'b'","elapsed_us":3,"failed":false},"target":"roster_sql"}"#;
        assert_eq!(
            logged_statement(line).as_deref(),
            Some("SELECT 1 WHERE \"a\" = 'b'")
        );
        let other = r#"{"level":"WARN","fields":{"message":"hi"},"target":"roster_gateway"}"#;
        assert_eq!(logged_statement(other), None);
        assert_eq!(logged_statement("not json"), None);
    }
}
