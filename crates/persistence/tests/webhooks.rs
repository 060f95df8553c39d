//! The webhook delivery log: an endpoint's deliveries page newest first and filter by
//! status; a replay queues a settled delivery again (not one a worker holds); settled
//! deliveries go after 30 days with their attempts while queued ones stay; an
//! organization's deletion detaches its queued messages with the endpoint's address and
//! secrets, so they survive the cascade.

use chrono::Duration;
use roster_domain::{DeliveryStatus, MessageKind, WebhookEvent, WebhookSecret};
use roster_persistence::outbox::{self, Attempt, Lease, NewMessage};
use roster_persistence::webhook_deliveries::{self as deliveries, AttemptLog};
use roster_persistence::webhooks::{self, NewEndpoint};
use roster_persistence::{Database, begin_write, organizations};
use uuid::Uuid;

use crate::support::{migrated, now, team};

async fn endpoint(db: &Database, organization_id: Uuid) -> Uuid {
    webhooks::insert(
        db,
        NewEndpoint {
            organization_id,
            url: "https://hooks.example.com/roster".to_owned(),
            description: None,
            events: vec![WebhookEvent::ProjectCreated],
            secret: WebhookSecret::from_random([3; 32]),
        },
        now(),
    )
    .await
    .unwrap()
    .id
}

async fn message(
    db: &Database,
    organization_id: Uuid,
    endpoint_id: Uuid,
    at: chrono::DateTime<chrono::Utc>,
) -> Uuid {
    outbox::enqueue(
        db,
        NewMessage {
            kind: MessageKind::Webhook,
            organization_id: Some(organization_id),
            subject_id: Some(endpoint_id),
            recipient: "https://hooks.example.com/roster".to_owned(),
            payload: serde_json::json!({
                "endpointId": endpoint_id,
                "messageId": format!("msg_{}", Uuid::now_v7().simple()),
                "type": "project.created",
                "body": "{}",
            }),
            expires_at: None,
        },
        at,
    )
    .await
    .unwrap()
}

/// Claims everything due and records `attempt` for `id` as its worker.
async fn settle(db: &Database, id: Uuid, attempt: Attempt) {
    let worker = Uuid::now_v7();
    let txn = begin_write(db).await.unwrap();
    let lease = Lease {
        owner: worker,
        until: now() + Duration::minutes(1),
    };
    outbox::claim_due(&txn, &[MessageKind::Webhook], now(), lease, 100)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert!(
        outbox::record_attempt(db, id, worker, attempt, now())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn deliveries_page_newest_first_filter_by_status_and_keep_their_payload() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "hooked").await;
    let hook = endpoint(db, org.id).await;
    let first = message(db, org.id, hook, now()).await;
    let second = message(db, org.id, hook, now()).await;
    let third = message(db, org.id, hook, now()).await;
    settle(db, first, Attempt::Sent).await;
    deliveries::log_attempt(
        db,
        first,
        AttemptLog {
            attempted_at: now(),
            response_status: Some(204),
            response_body: None,
            error: None,
        },
    )
    .await
    .unwrap();

    let page = deliveries::deliveries(db, hook, None, None, 2)
        .await
        .unwrap();
    let ids: Vec<Uuid> = page.iter().map(|delivery| delivery.id).collect();
    assert_eq!(ids, [third, second], "newest first");
    let rest = deliveries::deliveries(db, hook, None, Some(second), 2)
        .await
        .unwrap();
    assert_eq!(rest.iter().map(|d| d.id).collect::<Vec<_>>(), [first]);
    assert_eq!(rest[0].status, DeliveryStatus::Sent);
    assert_eq!(rest[0].response_status, Some(204));
    assert!(
        rest[0].message_id.starts_with("msg_"),
        "payload kept once sent"
    );
    let sent = deliveries::deliveries(db, hook, Some(DeliveryStatus::Sent), None, 10)
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        deliveries::count_deliveries(db, hook, Some(DeliveryStatus::Queued))
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn a_replay_requeues_a_settled_delivery_but_not_one_being_sent() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "replayed").await;
    let hook = endpoint(db, org.id).await;
    let done = message(db, org.id, hook, now()).await;
    settle(
        db,
        done,
        Attempt::Failed {
            error: "410".into(),
        },
    )
    .await;
    assert!(deliveries::replay(db, done, now()).await.unwrap());
    let again = deliveries::delivery(db, done).await.unwrap().unwrap();
    assert_eq!(again.status, DeliveryStatus::Queued);

    let held = message(db, org.id, hook, now()).await;
    let txn = begin_write(db).await.unwrap();
    let lease = Lease {
        owner: Uuid::now_v7(),
        until: now() + Duration::minutes(1),
    };
    outbox::claim_due(&txn, &[MessageKind::Webhook], now(), lease, 100)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert!(
        !deliveries::replay(db, held, now()).await.unwrap(),
        "a worker holds it"
    );
}

#[tokio::test]
async fn settled_deliveries_are_pruned_after_30_days_with_their_attempts() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "pruned").await;
    let hook = endpoint(db, org.id).await;
    let old = message(db, org.id, hook, now() - Duration::days(31)).await;
    settle(db, old, Attempt::Sent).await;
    deliveries::log_attempt(
        db,
        old,
        AttemptLog {
            attempted_at: now(),
            response_status: Some(200),
            response_body: Some("ok".into()),
            error: None,
        },
    )
    .await
    .unwrap();
    let old_queued = message(db, org.id, hook, now() - Duration::days(31)).await;
    let recent = message(db, org.id, hook, now()).await;
    settle(db, recent, Attempt::Sent).await;

    let cutoff = now() - roster_domain::webhook::DELIVERY_RETENTION;
    assert_eq!(deliveries::prune_batch(db, cutoff, 1000).await.unwrap(), 1);
    assert!(deliveries::delivery(db, old).await.unwrap().is_none());
    assert!(deliveries::attempts(db, old).await.unwrap().is_empty());
    assert!(
        deliveries::delivery(db, old_queued)
            .await
            .unwrap()
            .is_some(),
        "still due"
    );
    assert!(deliveries::delivery(db, recent).await.unwrap().is_some());
}

#[tokio::test]
async fn deleting_an_organization_keeps_its_detached_queued_messages() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "doomed").await;
    let hook = endpoint(db, org.id).await;
    let queued = message(db, org.id, hook, now()).await;
    let txn = begin_write(db).await.unwrap();
    assert_eq!(
        webhooks::detach_queued(&txn, org.id, now()).await.unwrap(),
        1
    );
    organizations::delete(&txn, org.id).await.unwrap();
    txn.commit().await.unwrap();
    let payload = deliveries::delivery_payload(db, queued)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(payload["url"], "https://hooks.example.com/roster");
    assert!(
        payload["secrets"][0]
            .as_str()
            .unwrap()
            .starts_with("whsec_")
    );
    assert!(
        webhooks::find(db, hook).await.unwrap().is_none(),
        "the endpoint went"
    );
}
