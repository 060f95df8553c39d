//! What a mail looks like on arrival, read from the raw message the SMTP sink accepted:
//! a `Message-ID` named after its outbox message (so a retry keeps it), `Reply-To` the
//! inviter on invitations, roles in words, a viewport, and the link spelled out under
//! the button for mail clients that break buttons.

use sea_orm::{ConnectionTrait as _, DatabaseBackend, Statement};
use test_support::SinkMode;
use uuid::Uuid;

use crate::support::{MAIL_TIMEOUT, TestApp, eventually};

/// The outbox row ids addressed to `recipient`, oldest first.
async fn outbox_ids(app: &TestApp, recipient: &str) -> Vec<Uuid> {
    let backend = app.db.get_database_backend();
    let placeholder = if backend == DatabaseBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    app.db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!("SELECT id FROM outbox WHERE recipient = {placeholder} ORDER BY id"),
            [recipient.into()],
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get::<Uuid>("", "id").unwrap())
        .collect()
}

#[tokio::test]
async fn an_invitation_names_the_role_in_words_replies_to_the_inviter_and_spells_out_its_link() {
    let app = TestApp::spawn().await;
    let owner = app.sign_in("ada@example.com").await;
    let org = app.create_org(&owner, "Mail Co").await;
    let token = app
        .invite_and_get_token(&owner, &org, "eve@example.com", "ADMIN")
        .await;
    let mail = app.smtp.received_by("eve@example.com").pop().unwrap();
    assert_eq!(mail.header("Reply-To").as_deref(), Some("ada@example.com"));
    let decoded = mail.decoded();
    assert!(
        decoded.contains("ada@example.com invited you to join Mail Co as Admin."),
        "{decoded}"
    );
    assert!(decoded.contains("as <strong>Admin</strong>"), "{decoded}");
    assert!(!decoded.contains("ADMIN"), "{decoded}");
    let link = format!("{}/invitations/{token}", app.config.public_url());
    assert!(
        decoded.contains(&format!(
            "If the button does not work, copy this link into your browser:<br><span style=\"color: #222; word-break: break-all\">{link}</span>"
        )),
        "{decoded}"
    );
    assert!(
        decoded
            .contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"),
        "{decoded}"
    );

    // A sign-in link has the same fallback and viewport, and no Reply-To.
    app.mailed_sign_in_token("solo@example.com").await;
    let mail = app.smtp.received_by("solo@example.com").pop().unwrap();
    assert_eq!(mail.header("Reply-To"), None);
    let decoded = mail.decoded();
    assert!(
        decoded.contains("If the button does not work, copy this link"),
        "{decoded}"
    );
    assert!(decoded.contains("name=\"viewport\""), "{decoded}");
}

#[tokio::test]
async fn every_message_id_is_its_outbox_message_at_the_public_host_also_after_a_retry() {
    let app = TestApp::spawn().await;
    let host = "127.0.0.1";
    app.mailed_sign_in_token("first@example.com").await;
    let [id] = outbox_ids(&app, "first@example.com").await[..] else {
        panic!("one message");
    };
    let mail = app.smtp.received_by("first@example.com").pop().unwrap();
    assert_eq!(mail.header("Message-ID"), Some(format!("<{id}@{host}>")));

    // Refused once (421), then accepted: the retry carries the same id.
    app.smtp.set_mode(SinkMode::TempFail);
    let body = app
        .gql(
            None,
            "mutation { requestSignIn(email: \"retry@example.com\") }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(body["data"]["requestSignIn"], true);
    eventually("a failed first attempt", MAIL_TIMEOUT, || async {
        let rows = app.outbox_to("retry@example.com").await;
        (rows.first()?.attempts >= 1).then_some(())
    })
    .await;
    app.smtp.set_mode(SinkMode::Accept);
    let mails = app
        .smtp
        .wait_for("retry@example.com", 1, MAIL_TIMEOUT)
        .await
        .unwrap();
    let rows = app.settled_outbox_to("retry@example.com").await;
    assert!(rows[0].attempts >= 2, "{rows:?}");
    let [id] = outbox_ids(&app, "retry@example.com").await[..] else {
        panic!("one message");
    };
    assert_eq!(
        mails[0].header("Message-ID"),
        Some(format!("<{id}@{host}>"))
    );
}
