//! Start-up faults say what is wrong and where: an SQLite file that cannot be opened and a
//! dev mailbox folder that cannot be written are named (the binary's own faults, an
//! unreachable database and an invalid log filter, are tested in the gateway crate, which
//! builds the binary). Also: `/metrics` behind its optional token.

use roster_gateway::Config;
use roster_service::OffsetClock;

use crate::support::TestApp;

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
