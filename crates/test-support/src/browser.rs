//! A headless Chromium driven through `chromedriver` with `fantoccini` (a maintained W3C
//! WebDriver client, over plain HTTP to 127.0.0.1: no TLS stack). Tests that need it call
//! `Browser::start()`, which answers `None` (and says so) where no browser is installed,
//! unless `ROSTER_TEST_REQUIRE_BROWSER=1` makes that a failure (CI sets it).

use std::io::Write as _;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A browser session.
pub struct Browser {
    client: Client,
    /// chromedriver's address (`127.0.0.1:port`) and our session there, to end it in `drop`.
    driver: String,
    session: String,
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
        let mut child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start chromedriver")?;
        let driver = format!("127.0.0.1:{port}");
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
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
            "goog:loggingPrefs": { "browser": "ALL" }
        });
        let Value::Object(capabilities) = capabilities else {
            bail!("capabilities are an object");
        };
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        // chromedriver takes a moment to listen: retry the session until it answers.
        let started = Instant::now();
        let client = loop {
            match builder.connect(&format!("http://{driver}")).await {
                Ok(client) => break client,
                Err(err) if started.elapsed() > Duration::from_secs(20) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    bail!("chromedriver did not start a session: {err}");
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let session = match client.session_id().await {
            Ok(Some(session)) => session,
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("chromedriver gave no session id");
            }
        };
        Ok(Some(Browser {
            client,
            driver,
            session,
            child,
            _profile: profile,
        }))
    }

    /// Opens `url`.
    ///
    /// # Errors
    /// On WebDriver errors.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        Ok(self.client.goto(url).await?)
    }

    /// The element matching `css`, waiting up to 10 s for it to appear.
    async fn element(&self, css: &str) -> anyhow::Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("no element matches {css}"))
    }

    /// Clicks the element matching `css` (waiting for it to appear).
    ///
    /// # Errors
    /// When it never appears.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        Ok(self.element(css).await?.click().await?)
    }

    /// The visible text of the element matching `css` (waiting for it to appear).
    ///
    /// # Errors
    /// When it never appears.
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        Ok(self.element(css).await?.text().await?)
    }

    /// Types `text` into the field matching `css` (waiting for it to appear).
    ///
    /// # Errors
    /// When it never appears.
    pub async fn type_into(&self, css: &str, text: &str) -> anyhow::Result<()> {
        Ok(self.element(css).await?.send_keys(text).await?)
    }

    /// Whether a JavaScript dialog (e.g. `alert`) is open.
    pub async fn alert_open(&self) -> bool {
        self.client.get_alert_text().await.is_ok()
    }

    /// Runs `script` (a function body; `return` gives the value) in the page.
    ///
    /// # Errors
    /// On WebDriver or script errors.
    pub async fn execute(&self, script: &str) -> anyhow::Result<Value> {
        Ok(self.client.execute(script, Vec::new()).await?)
    }

    /// Switches into the frame matching `css` (`None`: back to the top page).
    ///
    /// # Errors
    /// On WebDriver errors.
    pub async fn enter_frame(&self, css: Option<&str>) -> anyhow::Result<()> {
        match css {
            Some(css) => self.element(css).await?.enter_frame().await?,
            None => self.client.enter_parent_frame().await?,
        }
        Ok(())
    }

    /// The browser console's messages so far (Chromium's log: `level`, `message`), which
    /// include every request and inline style or script the page's Content-Security-Policy
    /// refused. chromedriver's log endpoint is not W3C, so it goes as a custom command.
    ///
    /// # Errors
    /// On WebDriver errors.
    pub async fn console(&self) -> anyhow::Result<Vec<Value>> {
        let log = self.client.issue_cmd(BrowserLog).await?;
        Ok(log.as_array().cloned().unwrap_or_default())
    }

    /// Saves a PNG of the window to `path` (creating its folder).
    ///
    /// # Errors
    /// On WebDriver or file errors.
    pub async fn screenshot(&self, path: &std::path::Path) -> anyhow::Result<()> {
        let png = self.client.screenshot().await?;
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, png)?;
        Ok(())
    }

    /// The cookie `name` as JSON (`value`, `httpOnly`, `sameSite`, `secure`).
    ///
    /// # Errors
    /// When there is no such cookie.
    pub async fn cookie(&self, name: &str) -> anyhow::Result<Value> {
        let cookie = self.client.get_named_cookie(name).await?;
        Ok(json!({
            "value": cookie.value(),
            "httpOnly": cookie.http_only().unwrap_or(false),
            "secure": cookie.secure().unwrap_or(false),
            "sameSite": cookie.same_site().map(|same_site| same_site.to_string()),
        }))
    }
}

/// `POST /session/{id}/se/log {"type": "browser"}`: chromedriver's console log.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

impl Browser {
    /// Ends the WebDriver session, so chromedriver closes Chromium (killing chromedriver
    /// alone would leave Chromium running, orphaned, with its profile in use). Plain
    /// blocking HTTP: it runs in `drop`, also when a test panics, when fantoccini's own
    /// async close can no longer be awaited.
    fn end_session(&self) {
        use std::io::Read;
        let Ok(mut stream) = std::net::TcpStream::connect(&self.driver) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.session, self.driver
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
