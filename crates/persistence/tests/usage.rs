//! Usage counters and idempotency keys: counters add up per period and metric without
//! touching other periods or organizations, a missing counter reads 0, a stored key keeps
//! its answer, an expired key can be replaced, pruning removes only old keys, and deleting
//! an organization takes its usage with it.

use chrono::{Duration, TimeZone, Utc};
use roster_persistence::organizations;
use roster_persistence::usage::{self, Counter, KeyUse};
use serde_json::json;

use crate::support::{migrated, now, team};

#[tokio::test]
async fn counters_add_up_per_organization_metric_and_period() {
    let db = migrated().await;
    let acme = team(&db.conn, "acme").await;
    let other = team(&db.conn, "other").await;
    let march = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let april = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
    assert_eq!(
        usage::used(&db.conn, acme.id, "analyses", march)
            .await
            .unwrap(),
        0
    );
    usage::add(&db.conn, acme.id, "analyses", march, 3, now())
        .await
        .unwrap();
    usage::add(&db.conn, acme.id, "analyses", march, 4, now())
        .await
        .unwrap();
    usage::add(&db.conn, acme.id, "analyses", april, 1, now())
        .await
        .unwrap();
    usage::add(&db.conn, acme.id, "exports", march, 2, now())
        .await
        .unwrap();
    usage::add(&db.conn, other.id, "analyses", march, 9, now())
        .await
        .unwrap();
    assert_eq!(
        usage::used(&db.conn, acme.id, "analyses", march)
            .await
            .unwrap(),
        7
    );
    assert_eq!(
        usage::used(&db.conn, acme.id, "analyses", april)
            .await
            .unwrap(),
        1
    );
    let mut counters = usage::counters(&db.conn, acme.id, &[march]).await.unwrap();
    counters.sort_by(|a, b| a.metric.cmp(&b.metric));
    assert_eq!(
        counters,
        [
            Counter {
                metric: "analyses".into(),
                period_start: march,
                used: 7
            },
            Counter {
                metric: "exports".into(),
                period_start: march,
                used: 2
            },
        ]
    );

    organizations::delete(&db.conn, acme.id).await.unwrap();
    assert_eq!(
        usage::used(&db.conn, acme.id, "analyses", march)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        usage::used(&db.conn, other.id, "analyses", march)
            .await
            .unwrap(),
        9
    );
}

#[tokio::test]
async fn keys_keep_their_answer_until_replaced_or_pruned() {
    let db = migrated().await;
    let acme = team(&db.conn, "acme").await;
    // Whole seconds: PostgreSQL keeps microseconds, so `now()` would not round-trip.
    let old = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let entry = |quantity, created_at| KeyUse {
        metric: "analyses".into(),
        quantity,
        answer: json!({ "used": quantity, "limit": 10, "periodEnd": null }),
        created_at,
    };
    assert_eq!(usage::key_use(&db.conn, acme.id, "k").await.unwrap(), None);
    usage::remember_key(&db.conn, acme.id, "k", entry(2, old))
        .await
        .unwrap();
    usage::remember_key(&db.conn, acme.id, "fresh", entry(5, now()))
        .await
        .unwrap();
    assert_eq!(
        usage::key_use(&db.conn, acme.id, "k").await.unwrap(),
        Some(entry(2, old))
    );
    // The service replaces an expired key in place.
    usage::remember_key(&db.conn, acme.id, "k", entry(3, now()))
        .await
        .unwrap();
    assert_eq!(
        usage::key_use(&db.conn, acme.id, "k")
            .await
            .unwrap()
            .map(|k| k.quantity),
        Some(3)
    );
    usage::remember_key(&db.conn, acme.id, "stale", entry(1, old))
        .await
        .unwrap();
    let pruned = usage::prune_keys(&db.conn, now() - Duration::hours(24))
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    assert_eq!(
        usage::key_use(&db.conn, acme.id, "stale").await.unwrap(),
        None
    );
    assert!(
        usage::key_use(&db.conn, acme.id, "fresh")
            .await
            .unwrap()
            .is_some()
    );
}
