//! The storage behind the two notification mails: the weekly summary's due list, its
//! once-per-week claim (also under concurrent claims) and its one-statement action counts;
//! the sign-in addresses with their last sighting, upsert and pruning; and a user's
//! preferences across all their organizations.

use chrono::{Duration, TimeZone, Utc};
use roster_domain::{AuditAction, NotificationPreferences, Role};
use roster_persistence::audit::{self, NewAuditEvent};
use roster_persistence::{
    begin_write, memberships, notification_preferences, sign_in_addresses, weekly_summaries,
};
use uuid::Uuid;

use crate::support::{join, migrated, now, team, user};

fn opted_in() -> NotificationPreferences {
    NotificationPreferences {
        weekly_summary: true,
        ..NotificationPreferences::default()
    }
}

#[tokio::test]
async fn only_opted_in_members_not_yet_summarized_are_due() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "acme").await;
    let (ada, bob, cyd) = (
        user(db, "ada@example.com").await,
        user(db, "bob@example.com").await,
        user(db, "cyd@example.com").await,
    );
    for person in [&ada, &bob, &cyd] {
        join(db, &org, person, Role::Member).await;
    }
    let dee = user(db, "dee@example.com").await;
    let membership = join(db, &org, &dee, Role::Member).await;
    for person in [&ada, &dee] {
        notification_preferences::save(db, org.id, person.id, opted_in(), now())
            .await
            .unwrap();
    }
    // Dee opted in and then left: her choice stays, but she is no member to mail.
    memberships::delete(db, &membership).await.unwrap();
    notification_preferences::save(
        db,
        org.id,
        bob.id,
        NotificationPreferences::default(),
        now(),
    )
    .await
    .unwrap();
    // Cyd never chose: the default is no summary.
    let week = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
    let due = weekly_summaries::due(db, week, 10).await.unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0].email, "ada@example.com");
    assert_eq!(due[0].organization_id, org.id);
    assert_eq!(due[0].organization_name, "acme");

    assert!(
        weekly_summaries::claim(db, ada.id, org.id, week, now())
            .await
            .unwrap()
    );
    assert!(
        weekly_summaries::due(db, week, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The same week again, or an earlier one, is not claimed a second time.
    assert!(
        !weekly_summaries::claim(db, ada.id, org.id, week, now())
            .await
            .unwrap()
    );
    let earlier = week - Duration::days(7);
    assert!(
        !weekly_summaries::claim(db, ada.id, org.id, earlier, now())
            .await
            .unwrap()
    );
    // The next week is due again and claimed once.
    let next = week + Duration::days(7);
    assert_eq!(weekly_summaries::due(db, next, 10).await.unwrap().len(), 1);
    assert!(
        weekly_summaries::claim(db, ada.id, org.id, next, now())
            .await
            .unwrap()
    );
    assert!(
        !weekly_summaries::claim(db, ada.id, org.id, next, now())
            .await
            .unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_claims_of_one_week_exactly_one_wins() {
    let db = migrated().await;
    let conn = &db.conn;
    let org = team(conn, "race").await;
    let ada = user(conn, "ada@example.com").await;
    join(conn, &org, &ada, Role::Member).await;
    let week = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
    let (user_id, organization_id) = (ada.id, org.id);
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let conn = conn.clone();
        attempts.spawn(async move {
            let txn = begin_write(&conn).await.unwrap();
            let won = weekly_summaries::claim(&txn, user_id, organization_id, week, now())
                .await
                .unwrap();
            txn.commit().await.unwrap();
            won
        });
    }
    let outcomes = attempts.join_all().await;
    assert_eq!(
        outcomes.iter().filter(|won| **won).count(),
        1,
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn action_counts_group_one_organization_within_the_week() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "acme").await;
    let other = team(db, "other").await;
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
    let end = start + Duration::days(7);
    let events = [
        (org.id, AuditAction::ProjectCreated, start),
        (
            org.id,
            AuditAction::ProjectCreated,
            end - Duration::seconds(1),
        ),
        (
            org.id,
            AuditAction::ApiKeyCreated,
            start + Duration::days(3),
        ),
        // Outside the week: just before, and at the (exclusive) end.
        (
            org.id,
            AuditAction::ProjectCreated,
            start - Duration::seconds(1),
        ),
        (org.id, AuditAction::ApiKeyCreated, end),
        // Another organization.
        (
            other.id,
            AuditAction::ProjectCreated,
            start + Duration::days(1),
        ),
    ];
    for (organization_id, action, at) in events {
        audit::append(
            db,
            NewAuditEvent {
                organization_id: Some(organization_id),
                action,
                actor_user_id: None,
                actor_api_key_id: None,
                actor_email: None,
                actor_label: None,
                target_id: None,
                project_id: None,
                ip: None,
                user_agent: None,
                context: serde_json::json!({}),
                occurred_at: at,
            },
        )
        .await
        .unwrap();
    }
    let mut counts = weekly_summaries::action_counts(db, org.id, start, end)
        .await
        .unwrap();
    counts.sort();
    assert_eq!(
        counts,
        vec![
            ("api_key.created".to_owned(), 1),
            ("project.created".to_owned(), 2)
        ]
    );
}

#[tokio::test]
async fn sign_in_addresses_are_upserted_and_pruned_by_last_sighting() {
    let db = migrated().await;
    let db = &db.conn;
    let ada = user(db, "ada@example.com").await;
    let first = Utc.with_ymd_and_hms(2026, 8, 1, 12, 0, 0).unwrap();
    assert_eq!(
        sign_in_addresses::last_seen(db, ada.id, "203.0.113.7")
            .await
            .unwrap(),
        None
    );
    sign_in_addresses::record(db, ada.id, "203.0.113.7", first)
        .await
        .unwrap();
    sign_in_addresses::record(db, ada.id, "2001:db8::1", first)
        .await
        .unwrap();
    let later = first + Duration::days(60);
    sign_in_addresses::record(db, ada.id, "203.0.113.7", later)
        .await
        .unwrap();
    assert_eq!(
        sign_in_addresses::last_seen(db, ada.id, "203.0.113.7")
            .await
            .unwrap(),
        Some(later)
    );
    assert_eq!(
        sign_in_addresses::last_seen(db, ada.id, "2001:db8::1")
            .await
            .unwrap(),
        Some(first)
    );
    // Addresses last seen before the cutoff go; the refreshed one stays.
    let pruned = sign_in_addresses::prune(db, first + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    assert_eq!(
        sign_in_addresses::last_seen(db, ada.id, "2001:db8::1")
            .await
            .unwrap(),
        None
    );
    assert!(
        sign_in_addresses::last_seen(db, ada.id, "203.0.113.7")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_users_choices_cover_every_membership_with_defaults() {
    let db = migrated().await;
    let db = &db.conn;
    let ada = user(db, "ada@example.com").await;
    let org = team(db, "acme").await;
    join(db, &org, &ada, Role::Member).await;
    let off = NotificationPreferences {
        security_alerts: false,
        ..NotificationPreferences::default()
    };
    notification_preferences::save(db, org.id, ada.id, off, now())
        .await
        .unwrap();
    let mut choices = notification_preferences::choices_of_user(db, ada.id)
        .await
        .unwrap();
    choices.sort_by_key(|choice| choice.security_alerts);
    // The personal organization keeps the defaults; the team one has the saved choice.
    assert_eq!(choices, vec![off, NotificationPreferences::default()]);
    assert!(
        notification_preferences::choices_of_user(db, Uuid::now_v7())
            .await
            .unwrap()
            .is_empty()
    );
}
