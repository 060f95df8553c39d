//! Audit pages: newest first by the time-ordered id, keyset with a `before` cursor, and
//! the filters (actor as user or API key, action, project, `since` inclusive, `until`
//! exclusive).

use chrono::{DateTime, Duration, Utc};
use roster_domain::AuditAction;
use roster_persistence::Database;
use roster_persistence::audit::{self, AuditFilter, NewAuditEvent};
use uuid::Uuid;

use crate::support::{migrated, team};

struct Event {
    action: AuditAction,
    actor: Option<Uuid>,
    key: Option<Uuid>,
    project: Option<Uuid>,
    at: DateTime<Utc>,
}

async fn append(db: &Database, org: Uuid, event: &Event) -> Uuid {
    audit::append(
        db,
        NewAuditEvent {
            organization_id: Some(org),
            action: event.action,
            actor_user_id: event.actor,
            actor_api_key_id: event.key,
            actor_email: None,
            actor_label: None,
            target_id: None,
            project_id: event.project,
            ip: None,
            user_agent: None,
            context: serde_json::json!({}),
            occurred_at: event.at,
        },
    )
    .await
    .unwrap()
}

async fn ids(db: &Database, org: Uuid, filter: &AuditFilter) -> Vec<Uuid> {
    audit::page(db, org, filter, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.id)
        .collect()
}

#[tokio::test]
async fn filters_narrow_the_log_newest_first() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "team").await;
    let other = team(db, "other").await;
    let (alice, bob, key, project) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let start = Utc::now() - Duration::hours(1);
    let events = [
        (AuditAction::MemberInvited, Some(alice), None, None),
        (
            AuditAction::ProjectCreated,
            Some(alice),
            None,
            Some(project),
        ),
        (AuditAction::MemberInvited, Some(bob), None, None),
        (AuditAction::ProjectRenamed, None, Some(key), Some(project)),
        (AuditAction::MemberRemoved, Some(bob), None, None),
    ];
    let mut stored = Vec::new();
    for (minute, (action, actor, key, project)) in events.into_iter().enumerate() {
        let event = Event {
            action,
            actor,
            key,
            project,
            at: start + Duration::minutes(minute as i64),
        };
        stored.push(append(db, org.id, &event).await);
    }
    // Another organization's events never show.
    let foreign = Event {
        action: AuditAction::MemberInvited,
        actor: Some(alice),
        key: None,
        project: None,
        at: start,
    };
    append(db, other.id, &foreign).await;

    let newest_first = |indexes: &[usize]| indexes.iter().map(|&i| stored[i]).collect::<Vec<_>>();
    assert_eq!(
        ids(db, org.id, &AuditFilter::default()).await,
        newest_first(&[4, 3, 2, 1, 0])
    );
    let by_actor = |actor| AuditFilter {
        actor_id: Some(actor),
        ..AuditFilter::default()
    };
    assert_eq!(
        ids(db, org.id, &by_actor(alice)).await,
        newest_first(&[1, 0])
    );
    assert_eq!(ids(db, org.id, &by_actor(key)).await, newest_first(&[3]));
    let by_action = AuditFilter {
        action: Some(AuditAction::MemberInvited.as_str().into()),
        ..AuditFilter::default()
    };
    assert_eq!(ids(db, org.id, &by_action).await, newest_first(&[2, 0]));
    let by_project = AuditFilter {
        project_id: Some(project),
        ..AuditFilter::default()
    };
    assert_eq!(ids(db, org.id, &by_project).await, newest_first(&[3, 1]));
    // `since` includes its instant; `until` excludes its own.
    let window = AuditFilter {
        since: Some(start + Duration::minutes(1)),
        until: Some(start + Duration::minutes(3)),
        ..AuditFilter::default()
    };
    assert_eq!(ids(db, org.id, &window).await, newest_first(&[2, 1]));
    assert_eq!(audit::count(db, org.id, &window).await.unwrap(), 2);
    let combined = AuditFilter {
        actor_id: Some(bob),
        since: Some(start + Duration::minutes(3)),
        ..AuditFilter::default()
    };
    assert_eq!(ids(db, org.id, &combined).await, newest_first(&[4]));
}

#[tokio::test]
async fn the_before_cursor_pages_back_without_overlap() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "team").await;
    let mut stored = Vec::new();
    for _ in 0..7 {
        let event = Event {
            action: AuditAction::ProjectCreated,
            actor: None,
            key: None,
            project: None,
            at: Utc::now(),
        };
        stored.push(append(db, org.id, &event).await);
    }
    stored.reverse();
    let filter = AuditFilter::default();
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        // One more than the page size says whether another page follows.
        let mut page = audit::page(db, org.id, &filter, before, 3 + 1)
            .await
            .unwrap();
        let has_next = page.len() > 3;
        page.truncate(3);
        before = page.last().map(|event| event.id);
        seen.extend(page.into_iter().map(|event| event.id));
        if !has_next {
            break;
        }
    }
    assert_eq!(seen, stored);
}
