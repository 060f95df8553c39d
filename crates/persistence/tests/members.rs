//! Member pages: keyset on the membership id (join order), one row more than asked to
//! learn whether another page follows, role and search filters, and the member counter.

use roster_domain::Role;
use roster_persistence::Database;
use roster_persistence::memberships::{self, MemberFilter};
use uuid::Uuid;

use crate::support::{join, migrated, reload, team, user};

/// Walks every page of `size` the way the API does (asking for `size + 1` rows) and
/// returns the emails of each page.
async fn walk(db: &Database, org: Uuid, filter: &MemberFilter, size: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let mut rows = memberships::page(db, org, filter, after, size as u64 + 1)
            .await
            .unwrap();
        let has_next = rows.len() > size;
        rows.truncate(size);
        after = rows.last().map(|member| member.membership.id);
        pages.push(rows.into_iter().map(|member| member.user.email).collect());
        if !has_next {
            return pages;
        }
        assert!(pages.len() < 100, "paging does not end");
    }
}

#[tokio::test]
async fn pages_walk_members_once_in_join_order_and_stop_at_an_exact_boundary() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "team").await;
    let other = team(db, "other").await;
    let mut emails = Vec::new();
    for index in 0..10 {
        let email = format!("m{index:02}@example.com");
        let member = user(db, &email).await;
        join(db, &org, &member, Role::Member).await;
        // Someone else's members never leak into this organization's pages.
        join(db, &other, &member, Role::Member).await;
        emails.push(email);
    }
    let stranger = user(db, "stranger@example.com").await;
    join(db, &other, &stranger, Role::Owner).await;

    let pages = walk(db, org.id, &MemberFilter::default(), 5).await;
    assert_eq!(
        pages.len(),
        2,
        "10 members in pages of 5 is two pages: {pages:?}"
    );
    assert_eq!(pages.concat(), emails);

    let pages = walk(db, org.id, &MemberFilter::default(), 3).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 3, 1]);
    assert_eq!(pages.concat(), emails);
}

#[tokio::test]
async fn the_after_cursor_is_exclusive_and_the_limit_is_exact() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "team").await;
    let mut ids = Vec::new();
    for index in 0..6 {
        let member = user(db, &format!("m{index}@example.com")).await;
        ids.push(join(db, &org, &member, Role::Viewer).await.id);
    }
    let filter = MemberFilter::default();
    let rows = memberships::page(db, org.id, &filter, Some(ids[2]), 2)
        .await
        .unwrap();
    let got: Vec<Uuid> = rows.iter().map(|member| member.membership.id).collect();
    assert_eq!(got, ids[3..5]);
    let rest = memberships::page(db, org.id, &filter, Some(ids[5]), 10)
        .await
        .unwrap();
    assert!(rest.is_empty(), "nothing after the last member");
}

#[tokio::test]
async fn the_role_filter_pages_only_that_role_in_join_order() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "team").await;
    let mut admins = Vec::new();
    for index in 0..9 {
        let email = format!("u{index}@example.com");
        let member = user(db, &email).await;
        let role = if index % 3 == 0 {
            admins.push(email);
            Role::Admin
        } else {
            Role::Member
        };
        join(db, &org, &member, role).await;
    }
    let filter = MemberFilter {
        role: Some(Role::Admin),
        search: None,
    };
    let pages = walk(db, org.id, &filter, 2).await;
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert_eq!(pages.concat(), admins);
    assert_eq!(memberships::count(db, org.id, &filter).await.unwrap(), 3);
}

#[tokio::test]
async fn search_is_case_insensitive_and_treats_like_wildcards_literally() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "team").await;
    for email in [
        "alice@example.com",
        "a_b@example.com",
        "axb@example.com",
        "per%cent@example.com",
        "percent@example.com",
        "back\\slash@example.com",
    ] {
        let member = user(db, email).await;
        join(db, &org, &member, Role::Member).await;
    }
    let search = |term: &str| MemberFilter {
        role: None,
        search: Some(term.to_owned()),
    };
    for (term, expected) in [
        ("ALICE", vec!["alice@example.com"]),
        ("a_b", vec!["a_b@example.com"]),
        ("_", vec!["a_b@example.com"]),
        ("%", vec!["per%cent@example.com"]),
        ("r%c", vec!["per%cent@example.com"]),
        ("\\", vec!["back\\slash@example.com"]),
        ("nobody", vec![]),
    ] {
        let filter = search(term);
        let found: Vec<String> = memberships::page(db, org.id, &filter, None, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|member| member.user.email)
            .collect();
        assert_eq!(found, expected, "search {term:?}");
        assert_eq!(
            memberships::count(db, org.id, &filter).await.unwrap(),
            expected.len() as u64,
            "count for {term:?}"
        );
    }
    let everyone = search("EXAMPLE.COM");
    assert_eq!(memberships::count(db, org.id, &everyone).await.unwrap(), 6);
}

#[tokio::test]
async fn the_member_counter_follows_inserts_and_deletes() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "team").await;
    assert_eq!(reload(db, &org).await.member_count, 0);
    let mut members = Vec::new();
    for index in 0..3 {
        let member = user(db, &format!("m{index}@example.com")).await;
        members.push(join(db, &org, &member, Role::Member).await);
    }
    assert_eq!(reload(db, &org).await.member_count, 3);
    memberships::delete(db, &members[1]).await.unwrap();
    assert_eq!(reload(db, &org).await.member_count, 2);
    // Deleting a membership that is already gone does not lower the counter again.
    memberships::delete(db, &members[1]).await.unwrap();
    assert_eq!(reload(db, &org).await.member_count, 2);
    assert_eq!(
        memberships::count(db, org.id, &MemberFilter::default())
            .await
            .unwrap(),
        2
    );
}
