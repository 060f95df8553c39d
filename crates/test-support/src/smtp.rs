//! `SmtpSink`: a real SMTP server (mailin-embedded) on a random local port that stores
//! every message it accepts. Its mode can be switched to answer like a server in trouble:
//! `TempFail` (421, lettre treats it as transient), `Reject` (550, permanent) or `Slow`
//! (accepts, but only after a delay, like an overloaded peer).

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use mailin_embedded::{Handler, Response, Server, response};

/// How the sink answers new messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkMode {
    Accept,
    TempFail,
    Reject,
    /// Accepts each message after holding it for this long.
    Slow(Duration),
}

/// One message the sink accepted.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body).
    pub raw: String,
}

impl ReceivedMail {
    /// The message with quoted-printable parts decoded.
    #[must_use]
    pub fn decoded(&self) -> String {
        crate::quoted_printable::decode(&self.raw)
    }

    /// Every `http(s)://` link that stands alone on a line of the decoded message.
    #[must_use]
    pub fn links(&self) -> Vec<String> {
        self.decoded()
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with("http://") || line.starts_with("https://"))
            .map(str::to_owned)
            .collect()
    }

    /// The value of header `name` (first occurrence).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.raw
            .lines()
            .take_while(|line| !line.is_empty())
            .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
            .map(|line| line[prefix.len()..].trim().to_owned())
    }
}

#[derive(Default)]
struct Shared {
    mode: Option<SinkMode>,
    received: Vec<ReceivedMail>,
    rejected: usize,
}

#[derive(Clone)]
struct SinkHandler {
    shared: Arc<Mutex<Shared>>,
    current: Option<ReceivedMail>,
}

impl SinkHandler {
    fn mode(&self) -> SinkMode {
        self.shared
            .lock()
            .map(|shared| shared.mode.unwrap_or(SinkMode::Accept))
            .unwrap_or(SinkMode::Accept)
    }
}

impl Handler for SinkHandler {
    fn mail(&mut self, _ip: std::net::IpAddr, _domain: &str, from: &str) -> Response {
        match self.mode() {
            SinkMode::Accept | SinkMode::Slow(_) => {
                self.current = Some(ReceivedMail {
                    from: from.to_owned(),
                    to: Vec::new(),
                    raw: String::new(),
                });
                response::OK
            }
            SinkMode::TempFail => {
                if let Ok(mut shared) = self.shared.lock() {
                    shared.rejected += 1;
                }
                response::NO_SERVICE
            }
            SinkMode::Reject => {
                if let Ok(mut shared) = self.shared.lock() {
                    shared.rejected += 1;
                }
                response::NO_MAILBOX
            }
        }
    }

    fn rcpt(&mut self, to: &str) -> Response {
        if let Some(current) = &mut self.current {
            current.to.push(to.to_owned());
        }
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(current) = &mut self.current {
            current.raw.push_str(&String::from_utf8_lossy(buf));
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let SinkMode::Slow(delay) = self.mode() {
            std::thread::sleep(delay);
        }
        if let Some(current) = self.current.take()
            && let Ok(mut shared) = self.shared.lock()
        {
            shared.received.push(current);
        }
        response::OK
    }
}

/// The running sink.
#[derive(Clone)]
pub struct SmtpSink {
    /// `smtp://127.0.0.1:PORT`, for `ROSTER_SMTP_URL`.
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl SmtpSink {
    /// Starts a sink on a random port (its threads live until the test process exits).
    ///
    /// # Errors
    /// When no port can be bound.
    pub fn start() -> anyhow::Result<SmtpSink> {
        let listener = TcpListener::bind("127.0.0.1:0").context("cannot bind the SMTP sink")?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let mut server = Server::new(SinkHandler {
            shared: Arc::clone(&shared),
            current: None,
        });
        // At least as many threads as lettre's pool may open connections.
        server.with_num_threads(12).with_tcp_listener(listener);
        std::thread::spawn(move || {
            if let Err(err) = server.serve() {
                let _ = std::io::Write::write_all(
                    &mut std::io::stderr(),
                    format!("SMTP sink stopped: {err}\n").as_bytes(),
                );
            }
        });
        Ok(SmtpSink {
            url: format!("smtp://127.0.0.1:{port}"),
            shared,
        })
    }

    /// Switches how new messages are answered.
    pub fn set_mode(&self, mode: SinkMode) {
        if let Ok(mut shared) = self.shared.lock() {
            shared.mode = Some(mode);
        }
    }

    /// Everything accepted so far.
    #[must_use]
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.shared
            .lock()
            .map(|shared| shared.received.clone())
            .unwrap_or_default()
    }

    /// How many messages were refused (421 or 550) so far.
    #[must_use]
    pub fn refused(&self) -> usize {
        self.shared
            .lock()
            .map(|shared| shared.rejected)
            .unwrap_or(0)
    }

    /// Messages to `to` accepted so far.
    #[must_use]
    pub fn received_by(&self, to: &str) -> Vec<ReceivedMail> {
        let wanted = to.to_ascii_lowercase();
        self.received()
            .into_iter()
            .filter(|mail| {
                mail.to
                    .iter()
                    .any(|rcpt| rcpt.to_ascii_lowercase() == wanted)
            })
            .collect()
    }

    /// Waits (bounded by `timeout`) until `to` has received at least `count` messages.
    ///
    /// # Errors
    /// When the messages do not arrive in time.
    pub async fn wait_for(
        &self,
        to: &str,
        count: usize,
        timeout: Duration,
    ) -> anyhow::Result<Vec<ReceivedMail>> {
        let started = Instant::now();
        loop {
            let mails = self.received_by(to);
            if mails.len() >= count {
                return Ok(mails);
            }
            if started.elapsed() > timeout {
                anyhow::bail!(
                    "expected {count} mail(s) to {to} within {timeout:?}, got {}",
                    mails.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
