//! The outbox's claim/lease mechanism: due messages are claimed once per lease, a claim
//! names its worker, only the owner may renew it or record an outcome, an expired lease can
//! be taken over (after which the first worker's renewal fails), superseding drops only
//! unclaimed mail, and kinds a worker does not know are left queued.

use chrono::Duration;
use roster_domain::{DeliveryStatus, MailKind, MessageKind};
use roster_persistence::outbox::{self, Attempt, Lease, NewMessage};
use roster_persistence::{Database, begin_write};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::support::{migrated, now};

const SIGN_IN: MessageKind = MessageKind::Mail(MailKind::SignIn);
const KINDS: [MessageKind; 2] = [SIGN_IN, MessageKind::Mail(MailKind::Invitation)];

async fn queue(db: &Database, recipient: &str, subject: Option<Uuid>) -> Uuid {
    outbox::enqueue(
        db,
        NewMessage {
            kind: SIGN_IN,
            organization_id: None,
            subject_id: subject,
            recipient: recipient.to_owned(),
            payload: serde_json::json!({ "to": recipient }),
            expires_at: Some(now() + Duration::minutes(15)),
        },
        now(),
    )
    .await
    .unwrap()
}

fn lease(owner: Uuid, seconds: i64) -> Lease {
    Lease {
        owner,
        until: now() + Duration::seconds(seconds),
    }
}

async fn claim(db: &Database, lease: Lease, limit: u64) -> Vec<Uuid> {
    let txn = begin_write(db).await.unwrap();
    let claimed = outbox::claim_due(&txn, &KINDS, now(), lease, limit)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    claimed.into_iter().map(|message| message.id).collect()
}

#[tokio::test]
async fn a_claim_takes_due_messages_once_until_its_lease_ends() {
    let db = migrated().await;
    let db = &db.conn;
    let first = queue(db, "a@example.com", None).await;
    let second = queue(db, "b@example.com", None).await;
    let (one, two) = (Uuid::now_v7(), Uuid::now_v7());
    assert_eq!(claim(db, lease(one, 60), 1).await, [first]);
    assert_eq!(
        claim(db, lease(two, 60), 10).await,
        [second],
        "the rest only"
    );
    assert!(claim(db, lease(two, 60), 10).await.is_empty(), "all leased");
}

#[tokio::test]
async fn only_the_owner_renews_and_records_and_a_taken_over_lease_stays_lost() {
    let db = migrated().await;
    let db = &db.conn;
    let id = queue(db, "slow@example.com", None).await;
    let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
    // The first worker's lease has already run out when the second one claims.
    assert_eq!(claim(db, lease(first, -1), 1).await, [id]);
    assert_eq!(
        claim(db, lease(second, 60), 1).await,
        [id],
        "expired lease taken over"
    );
    assert!(!outbox::renew(db, id, lease(first, 60)).await.unwrap());
    let sent = outbox::record_attempt(db, id, first, Attempt::Sent, now())
        .await
        .unwrap();
    assert!(!sent, "a worker that lost its lease records nothing");
    assert_eq!(outbox::status_counts(db).await.unwrap(), (1, 0, 0));

    assert!(outbox::renew(db, id, lease(second, 60)).await.unwrap());
    assert!(
        outbox::record_attempt(db, id, second, Attempt::Sent, now())
            .await
            .unwrap()
    );
    assert_eq!(outbox::status_counts(db).await.unwrap(), (0, 1, 0));
    // Settled: nobody renews or claims it again.
    assert!(!outbox::renew(db, id, lease(second, 60)).await.unwrap());
    assert!(claim(db, lease(first, 60), 10).await.is_empty());
}

#[tokio::test]
async fn a_retry_waits_for_its_time_and_a_failure_redacts_the_payload() {
    let db = migrated().await;
    let db = &db.conn;
    let id = queue(db, "retry@example.com", None).await;
    let worker = Uuid::now_v7();
    assert_eq!(claim(db, lease(worker, 60), 1).await, [id]);
    let retry = Attempt::Retry {
        error: "421 try later".into(),
        next_attempt_at: now() + Duration::minutes(5),
    };
    assert!(
        outbox::record_attempt(db, id, worker, retry, now())
            .await
            .unwrap()
    );
    assert!(
        claim(db, lease(worker, 60), 1).await.is_empty(),
        "not due yet"
    );

    let later = Lease {
        owner: worker,
        until: now() + Duration::minutes(10),
    };
    let txn = begin_write(db).await.unwrap();
    let claimed = outbox::claim_due(&txn, &KINDS, now() + Duration::minutes(6), later, 1)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 1);
    let failed = Attempt::Failed {
        error: "550 no such user".into(),
    };
    assert!(
        outbox::record_attempt(db, id, worker, failed, now())
            .await
            .unwrap()
    );
    assert_eq!(outbox::status_counts(db).await.unwrap(), (0, 0, 1));
    let payload = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT payload FROM outbox",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<serde_json::Value>("", "payload")
        .unwrap();
    assert_eq!(payload, serde_json::json!({ "redacted": true }));
}

#[tokio::test]
async fn superseding_drops_unclaimed_mail_only_and_deliveries_show_the_newest() {
    let db = migrated().await;
    let db = &db.conn;
    let subject = Uuid::now_v7();
    let claimed = queue(db, "x@example.com", Some(subject)).await;
    assert_eq!(claim(db, lease(Uuid::now_v7(), 60), 1).await, [claimed]);
    let unclaimed = queue(db, "x@example.com", Some(subject)).await;
    assert_eq!(
        outbox::supersede_queued(db, subject, now()).await.unwrap(),
        1
    );
    assert_eq!(outbox::status_counts(db).await.unwrap(), (1, 0, 0));
    let newest = queue(db, "x@example.com", Some(subject)).await;
    assert_ne!(newest, unclaimed);
    let deliveries = outbox::deliveries(db, &[subject]).await.unwrap();
    assert_eq!(deliveries[&subject].status, DeliveryStatus::Queued);
    assert_eq!(deliveries[&subject].attempts, 0);
}

#[tokio::test]
async fn kinds_a_worker_does_not_know_stay_queued_for_one_that_does() {
    let db = migrated().await;
    let db = &db.conn;
    let id = queue(db, "future@example.com", None).await;
    let backend = db.get_database_backend();
    db.execute_raw(sea_orm::Statement::from_string(
        backend,
        "UPDATE outbox SET kind = 'webhook_call'",
    ))
    .await
    .unwrap();
    assert!(claim(db, lease(Uuid::now_v7(), 60), 10).await.is_empty());
    assert_eq!(
        outbox::queued_depth(db).await.unwrap(),
        1,
        "{id} still waits"
    );
}
