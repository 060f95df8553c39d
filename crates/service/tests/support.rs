//! A `Roster` on a fresh migrated database, and sign-in through the real mailed link.

use std::sync::Arc;

use roster_domain::MailKind;
use roster_mailer::{Mail, Mailer};
use roster_persistence::Database;
use roster_service::{Actor, Config, OffsetClock, Principal, RequestContext, Roster};
use sea_orm::{ConnectionTrait as _, DatabaseBackend, Statement};
use tempfile::TempDir;
use test_support::TestDb;

pub struct Service {
    pub roster: Roster,
    /// A second pool on the same database, for reading the outbox.
    pub db: Database,
    _mailbox: TempDir,
    // Dropped last: the database outlives both pools.
    _test_db: TestDb,
}

pub async fn service() -> Service {
    let test_db = TestDb::new().await.unwrap();
    let db = roster_persistence::connect(&test_db.url).await.unwrap();
    roster_persistence::migrate(&db).await.unwrap();
    let mailbox = tempfile::tempdir().unwrap();
    let mailer =
        Mailer::dev_mailbox(mailbox.path().to_path_buf(), "Roster <roster@example.com>").unwrap();
    let mut config = Config::default();
    config.http.public_url = Some("http://roster.test".into());
    let roster = Roster::new(db.clone(), config, Arc::new(OffsetClock::default()), mailer);
    Service {
        roster,
        db,
        _mailbox: mailbox,
        _test_db: test_db,
    }
}

pub fn request() -> RequestContext {
    RequestContext::default()
}

impl Service {
    /// The link of the newest `kind` message queued for `recipient`.
    pub async fn queued_link(&self, recipient: &str, kind: MailKind) -> String {
        let kind = kind.as_str();
        let backend = self.db.get_database_backend();
        let sql = if backend == DatabaseBackend::Postgres {
            "SELECT payload FROM outbox WHERE recipient = $1 AND kind = $2 ORDER BY id DESC"
        } else {
            "SELECT payload FROM outbox WHERE recipient = ? AND kind = ? ORDER BY id DESC"
        };
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [recipient.into(), kind.into()],
            ))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no {kind} mail queued for {recipient}"));
        let payload: serde_json::Value = row.try_get("", "payload").unwrap();
        let mail: Mail = serde_json::from_value(payload).unwrap();
        mail.link().to_owned()
    }

    /// Signs `email` in with the token from the queued sign-in mail.
    pub async fn sign_in(&self, email: &str) -> Principal {
        self.roster
            .request_sign_in(email, &request())
            .await
            .unwrap();
        let link = self.queued_link(email, MailKind::SignIn).await;
        let token = link.split("token=").nth(1).unwrap();
        let signed_in = self
            .roster
            .complete_sign_in(token, &request())
            .await
            .unwrap();
        self.roster
            .authenticate(signed_in.token.expose())
            .await
            .unwrap()
            .expect("a fresh session authenticates")
    }
}

/// The person behind a principal.
pub fn actor(principal: &Principal) -> &Actor {
    principal.as_user().unwrap()
}
