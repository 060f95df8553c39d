//! `TestApp`: one server per test with its own database, SMTP sink and movable clock, plus
//! helpers that sign users in through the real mailed link.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use roster_domain::{AuditAction, Role};
use roster_gateway::{Config, Running};
use roster_persistence::Database;
use roster_service::OffsetClock;
use sea_orm::{ConnectionTrait as _, DatabaseBackend, Statement};
use serde_json::{Value, json};
use test_support::{SmtpSink, TestDb};
use uuid::Uuid;

/// How long tests wait for mail before failing.
pub const MAIL_TIMEOUT: Duration = Duration::from_secs(20);

/// Polls `check` until it yields `Some` and returns that value, or panics naming `what`
/// once `timeout` has passed. The one way tests wait for something asynchronous (the
/// delivery worker, a background job): bounded, and never a fixed sleep.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            started.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One outbox row as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub kind: String,
    pub status: String,
    pub attempts: i32,
}

impl OutboxRow {
    /// Sent or given up: the worker will not touch it again.
    pub fn settled(&self) -> bool {
        self.status != "QUEUED"
    }
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub smtp: SmtpSink,
    pub clock: Arc<OffsetClock>,
    pub config: Config,
    /// A direct connection for fixtures and for asserting on stored rows.
    pub db: Database,
    running: Option<Running>,
    // Dropped last: the database outlives the server's pool.
    _test_db: TestDb,
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub user_id: String,
    pub email: String,
    pub personal_org_id: String,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(&[]).await
    }

    /// Starts a server with extra `ROSTER_*` variables.
    pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
        let test_db = TestDb::new().await.expect("test database");
        let smtp = SmtpSink::start().expect("smtp sink");
        // Port 0: the server binds a free port itself and puts it into mailed links.
        let mut vars: Vec<(String, String)> = vec![
            ("ROSTER_LISTEN_ADDR".into(), "127.0.0.1:0".into()),
            ("ROSTER_DATABASE_URL".into(), test_db.url.clone()),
            ("ROSTER_SMTP_URL".into(), smtp.url.clone()),
            ("ROSTER_DELIVERY_POLL_MS".into(), "50".into()),
            ("ROSTER_DELIVERY_BACKOFF_MS".into(), "100".into()),
        ];
        for (name, value) in extra {
            vars.retain(|(existing, _)| existing != name);
            vars.push(((*name).to_owned(), (*value).to_owned()));
        }
        let config = Config::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        })
        .expect("config");
        if std::env::var("TEST_LOG").is_ok() {
            let _ = tracing_subscriber_init();
        }
        let clock = Arc::new(OffsetClock::default());
        let running = roster_gateway::start(config, clock.clone())
            .await
            .expect("server starts");
        // The configuration as the server runs it: its real address and public URL.
        let config = running.roster.config().clone();
        let db = roster_persistence::connect(&test_db.url)
            .await
            .expect("fixture connection");
        TestApp {
            base: format!("http://{}", running.addr),
            http: reqwest::Client::new(),
            smtp,
            clock,
            config,
            db,
            running: Some(running),
            _test_db: test_db,
        }
    }

    /// The body of `GET path` on this server (an HTML page, usually).
    pub async fn page(&self, path: &str) -> String {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A second roster "process" on the same database and clock, behind the same public
    /// URL; stop it with `Running::stop`.
    pub async fn second_server(&self) -> Running {
        let mut config = self.config.clone();
        config.http.public_url = Some(self.config.public_url());
        config.http.listen_addr = "127.0.0.1:0".parse().unwrap();
        roster_gateway::start(config, self.clock.clone())
            .await
            .expect("second server starts")
    }

    /// The running server's service (for jobs a test triggers directly, like pruning).
    pub fn roster(&self) -> &roster_service::Roster {
        &self.running.as_ref().expect("running").roster
    }

    /// Creates a project in `org` as `user`; returns its id.
    pub async fn create_project(&self, user: &SignedIn, org: &str, name: &str) -> String {
        let body = self
            .gql(
                Some(&user.token),
                "mutation($o: ID!, $n: String!) { createProject(organizationId: $o, name: $n) { id } }",
                json!({ "o": org, "n": name }),
            )
            .await;
        body["data"]["createProject"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("create project: {body}"))
            .to_owned()
    }

    /// Creates an API key; returns (key id, secret).
    pub async fn create_key(
        &self,
        user: &SignedIn,
        project: &str,
        role: Option<&str>,
    ) -> (String, String) {
        let body = self
            .gql(
                Some(&user.token),
                "mutation($p: ID!, $r: Role) { createApiKey(projectId: $p, label: \"ci\", role: $r) { secret apiKey { id } } }",
                json!({ "p": project, "r": role }),
            )
            .await;
        let created = &body["data"]["createApiKey"];
        (
            created["apiKey"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("create key: {body}"))
                .to_owned(),
            created["secret"].as_str().unwrap().to_owned(),
        )
    }

    /// Stops the server gracefully (drain, stop the worker).
    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("clean shutdown");
        }
    }

    /// POSTs a GraphQL operation and returns the JSON body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        response.json().await.expect("json body")
    }

    /// Asks for a sign-in link and returns the token from the mail that arrives.
    pub async fn mailed_sign_in_token(&self, email: &str) -> String {
        let before = self.smtp.received_by(email).len();
        let body = self
            .gql(
                None,
                "mutation($e: String!) { requestSignIn(email: $e) }",
                json!({ "e": email }),
            )
            .await;
        assert_eq!(body["data"]["requestSignIn"], true, "{body}");
        let mails = self
            .smtp
            .wait_for(email, before + 1, MAIL_TIMEOUT)
            .await
            .expect("sign-in mail");
        let link = mails[before]
            .links()
            .into_iter()
            .find(|link| link.contains("/auth/verify?token="))
            .unwrap_or_else(|| panic!("link alone on a line in:\n{}", mails[before].raw));
        assert!(link.starts_with(&self.config.public_url()), "{link}");
        link.split("token=").nth(1).expect("token").to_owned()
    }

    /// Signs `email` in through the mailed link.
    pub async fn sign_in(&self, email: &str) -> SignedIn {
        let token = self.mailed_sign_in_token(email).await;
        let body = self
            .gql(
                None,
                "mutation($t: String!) { completeSignIn(token: $t) { token user { id email } activeOrganization { id kind } } }",
                json!({ "t": token }),
            )
            .await;
        let session = &body["data"]["completeSignIn"];
        assert!(session.is_object(), "{body} for token {token:?}");
        SignedIn {
            token: session["token"].as_str().unwrap().to_owned(),
            user_id: session["user"]["id"].as_str().unwrap().to_owned(),
            email: session["user"]["email"].as_str().unwrap().to_owned(),
            personal_org_id: session["activeOrganization"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        }
    }

    /// Creates a team organization as `user` and returns its id.
    pub async fn create_org(&self, user: &SignedIn, name: &str) -> String {
        let body = self
            .gql(
                Some(&user.token),
                "mutation($n: String!) { createOrganization(name: $n) { id } }",
                json!({ "n": name }),
            )
            .await;
        body["data"]["createOrganization"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("create org: {body}"))
            .to_owned()
    }

    /// Fixture: adds `user` to `org` with `role` directly in the database. (Invitations,
    /// the real way in, come with the membership issue.)
    pub async fn add_member(&self, org: &str, user: &SignedIn, role: Role) {
        roster_persistence::memberships::insert(
            &self.db,
            Uuid::parse_str(org).unwrap(),
            Uuid::parse_str(&user.user_id).unwrap(),
            role,
            chrono_now(),
        )
        .await
        .expect("add member");
    }

    /// Fixture: puts `org` on the `enterprise` plan (no limits) directly in the database,
    /// for tests about something else that hold more than the free plan allows.
    pub async fn unlimited(&self, org: &str) {
        roster_persistence::organizations::set_plan(
            &self.db,
            Uuid::parse_str(org).unwrap(),
            "enterprise",
            chrono_now(),
        )
        .await
        .expect("set plan");
    }

    /// The outbox rows addressed to `recipient`, oldest first. Raw SQL on the fixture
    /// connection: a test that proves "no mail" asserts that nothing was queued, which
    /// holds at once after the response, instead of sleeping and hoping the worker ran.
    pub async fn outbox_to(&self, recipient: &str) -> Vec<OutboxRow> {
        let backend = self.db.get_database_backend();
        let placeholder = if backend == DatabaseBackend::Postgres {
            "$1"
        } else {
            "?"
        };
        let sql = format!(
            "SELECT kind, status, attempts FROM outbox WHERE recipient = {placeholder} ORDER BY id"
        );
        self.db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [recipient.into()],
            ))
            .await
            .expect("outbox rows")
            .into_iter()
            .map(|row| OutboxRow {
                kind: row.try_get("", "kind").expect("kind"),
                status: row.try_get("", "status").expect("status"),
                attempts: row.try_get("", "attempts").expect("attempts"),
            })
            .collect()
    }

    /// Waits until every outbox row addressed to `recipient` is settled (sent or failed)
    /// and returns them; after that the SMTP sink holds everything that will ever arrive.
    pub async fn settled_outbox_to(&self, recipient: &str) -> Vec<OutboxRow> {
        eventually(
            &format!("the outbox rows to {recipient} to settle"),
            MAIL_TIMEOUT,
            || async {
                let rows = self.outbox_to(recipient).await;
                rows.iter().all(OutboxRow::settled).then_some(rows)
            },
        )
        .await
    }

    /// The audit actions stored for `org`, oldest first.
    pub async fn audit_actions(&self, org: &str) -> Vec<AuditAction> {
        let backend = self.db.get_database_backend();
        let sql = if backend == sea_orm::DatabaseBackend::Postgres {
            "SELECT action FROM audit_events WHERE organization_id = $1 ORDER BY id"
        } else {
            "SELECT action FROM audit_events WHERE organization_id = ? ORDER BY id"
        };
        let rows = self
            .db
            .query_all_raw(sea_orm::Statement::from_sql_and_values(
                backend,
                sql,
                [Uuid::parse_str(org).unwrap().into()],
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|row| {
                let action: String = row.try_get("", "action").unwrap();
                AuditAction::parse(&action).unwrap()
            })
            .collect()
    }
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn tracing_subscriber_init() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tracing_subscriber::fmt()
        .with_env_filter("info,sqlx=warn")
        .with_test_writer()
        .try_init()
}

/// `errors[0].extensions.code`, or "" when the response has no error.
pub fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

/// The GraphQL selection tests use for invitations.
pub const INVITATION_FIELDS: &str = "id email role status organizationName invitedBy { email } expiresAt delivery { status attempts lastError }";

impl TestApp {
    /// `inviteMember` as `inviter`; returns the whole response body.
    pub async fn invite(&self, inviter: &SignedIn, org: &str, email: &str, role: &str) -> Value {
        self.gql(
            Some(&inviter.token),
            &format!("mutation($o: ID!, $e: String!, $r: Role!) {{ inviteMember(organizationId: $o, email: $e, role: $r) {{ {INVITATION_FIELDS} }} }}"),
            json!({ "o": org, "e": email, "r": role }),
        )
        .await
    }

    /// Invites `email` and returns the token from the invitation mail that arrives.
    pub async fn invite_and_get_token(
        &self,
        inviter: &SignedIn,
        org: &str,
        email: &str,
        role: &str,
    ) -> String {
        let before = self.smtp.received_by(email).len();
        let body = self.invite(inviter, org, email, role).await;
        assert!(body["data"]["inviteMember"]["id"].is_string(), "{body}");
        let mails = self
            .smtp
            .wait_for(email, before + 1, MAIL_TIMEOUT)
            .await
            .expect("invitation mail");
        invitation_token(&mails[before])
    }

    /// Invites `email` (signed in already) and has them accept by token.
    pub async fn join(&self, inviter: &SignedIn, org: &str, member: &SignedIn, role: &str) {
        let token = self
            .invite_and_get_token(inviter, org, &member.email, role)
            .await;
        let body = self
            .gql(
                Some(&member.token),
                "mutation($t: String) { acceptInvitation(token: $t) { member { role } } }",
                json!({ "t": token }),
            )
            .await;
        assert_eq!(
            body["data"]["acceptInvitation"]["member"]["role"], role,
            "{body}"
        );
    }
}

/// The token from an invitation mail's link (which stands alone on its line).
pub fn invitation_token(mail: &test_support::ReceivedMail) -> String {
    let link = mail
        .links()
        .into_iter()
        .find(|link| link.contains("/invitations/"))
        .unwrap_or_else(|| panic!("no invitation link in:\n{}", mail.decoded()));
    link.rsplit('/').next().unwrap().to_owned()
}
