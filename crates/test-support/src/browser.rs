//! A headless Chromium driven through `chromedriver` over the W3C WebDriver protocol
//! (plain JSON over HTTP, so no WebDriver crate is needed). Tests that need it call
//! `Browser::start()`, which answers `None` (and says so) where no browser is installed,
//! unless `ROSTER_TEST_REQUIRE_BROWSER=1` makes that a failure (CI sets it).

use std::io::Write as _;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A browser session.
pub struct Browser {
    driver: String,
    session: String,
    http: reqwest::Client,
    child: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session; `None` when not installed.
    ///
    /// # Errors
    /// When the browser is installed but does not start.
    pub async fn start() -> anyhow::Result<Option<Browser>> {
        let installed =
            std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
        if !installed {
            if std::env::var("ROSTER_TEST_REQUIRE_BROWSER").is_ok_and(|value| value == "1") {
                bail!("ROSTER_TEST_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing");
            }
            let _ = writeln!(
                std::io::stderr(),
                "\n[test-support] browser test skipped: install Debian's chromium and chromium-driver to run it\n"
            );
            return Ok(None);
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start chromedriver")?;
        let driver = format!("http://127.0.0.1:{port}");
        // An error means a provider is installed already, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(response) = http.get(format!("{driver}/status")).send().await
                && response.status().is_success()
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(20) {
                bail!("chromedriver did not come up");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir()?;
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--window-size=1280,900".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            // Nothing but the server under test resolves: a page that reached for a CDN or
            // any other host fails in tests as it would on a machine with no internet.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
            "goog:loggingPrefs": { "browser": "ALL" }
        } } });
        let response: Value = http
            .post(format!("{driver}/session"))
            .json(&capabilities)
            .send()
            .await?
            .json()
            .await?;
        let session = response["value"]["sessionId"]
            .as_str()
            .with_context(|| format!("no session: {response}"))?
            .to_owned();
        Ok(Some(Browser {
            driver,
            session,
            http,
            child,
            _profile: profile,
        }))
    }

    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}/session/{}{path}", self.driver, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request.send().await?.json().await?;
        if response["value"]["error"].is_string() {
            bail!("webdriver: {}", response["value"]);
        }
        Ok(response["value"].clone())
    }

    /// Opens `url`.
    ///
    /// # Errors
    /// On WebDriver errors.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await?;
        Ok(())
    }

    async fn element(&self, css: &str) -> anyhow::Result<String> {
        let started = Instant::now();
        loop {
            match self
                .command(
                    reqwest::Method::POST,
                    "/element",
                    Some(json!({ "using": "css selector", "value": css })),
                )
                .await
            {
                Ok(found) => {
                    // The reference sits under the W3C web element key (the only field).
                    return found
                        .as_object()
                        .and_then(|object| object.values().next())
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .with_context(|| format!("element reference missing: {found}"));
                }
                Err(err) if started.elapsed() > Duration::from_secs(10) => return Err(err),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Clicks the element matching `css` (waiting for it to appear).
    ///
    /// # Errors
    /// When it never appears.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        let element = self.element(css).await?;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await?;
        Ok(())
    }

    /// The visible text of the element matching `css` (waiting for it to appear).
    ///
    /// # Errors
    /// When it never appears.
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        let element = self.element(css).await?;
        let text = self
            .command(
                reqwest::Method::GET,
                &format!("/element/{element}/text"),
                None,
            )
            .await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    /// Whether a JavaScript dialog (e.g. `alert`) is open.
    pub async fn alert_open(&self) -> bool {
        self.command(reqwest::Method::GET, "/alert/text", None)
            .await
            .is_ok()
    }

    /// Runs `script` (a function body; `return` gives the value) in the page.
    ///
    /// # Errors
    /// On WebDriver or script errors.
    pub async fn execute(&self, script: &str) -> anyhow::Result<Value> {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// The browser console's messages so far (Chromium's log: `level`, `message`), which
    /// include every request the page's Content-Security-Policy refused.
    ///
    /// # Errors
    /// On WebDriver errors.
    pub async fn console(&self) -> anyhow::Result<Vec<Value>> {
        let log = self
            .command(
                reqwest::Method::POST,
                "/se/log",
                Some(json!({ "type": "browser" })),
            )
            .await?;
        Ok(log.as_array().cloned().unwrap_or_default())
    }

    /// Saves a PNG of the window to `path` (creating its folder).
    ///
    /// # Errors
    /// On WebDriver or file errors.
    pub async fn screenshot(&self, path: &std::path::Path) -> anyhow::Result<()> {
        use base64::Engine as _;
        let encoded = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .context("screenshot is not base64")?;
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, png)?;
        Ok(())
    }

    /// The cookie `name`, as WebDriver reports it (`value`, `httpOnly`, `sameSite`, ...).
    ///
    /// # Errors
    /// When there is no such cookie.
    pub async fn cookie(&self, name: &str) -> anyhow::Result<Value> {
        self.command(reqwest::Method::GET, &format!("/cookie/{name}"), None)
            .await
    }
}

impl Browser {
    /// Ends the WebDriver session, so chromedriver closes Chromium (killing chromedriver
    /// alone would leave Chromium running, orphaned, with its profile in use). Plain
    /// blocking HTTP: it runs in `drop`, also when a test panics.
    fn end_session(&self) {
        use std::io::{Read, Write};
        let Some(address) = self.driver.strip_prefix("http://") else {
            return;
        };
        let Ok(mut stream) = std::net::TcpStream::connect(address) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.session
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            let _ = stream.read_to_end(&mut Vec::new());
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.end_session();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
