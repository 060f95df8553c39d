//! The hot path's one statement: a session's caller together with the organization asked
//! about. It must agree with the two lookups it replaces (`sessions::find_active` and
//! `organizations::find_for_member`) in every case: member, non-member, missing
//! organization, by id and by slug, expired and unknown sessions.

use chrono::Duration;
use roster_domain::{Role, TokenHash};
use roster_persistence::callers::session_with_organization;
use roster_persistence::organizations::{self, OrganizationKey};
use roster_persistence::{sessions, users};
use uuid::Uuid;

use crate::support::{join, migrated, now, team, user};

#[tokio::test]
async fn one_statement_finds_the_caller_and_the_organization_as_they_see_it() {
    let db = migrated().await;
    let db = &db.conn;
    let ada = user(db, "ada@example.com").await;
    let bob = user(db, "bob@example.com").await;
    let acme = team(db, "acme").await;
    let membership = join(db, &acme, &ada, Role::Admin).await;
    join(db, &acme, &bob, Role::Viewer).await;
    let hash = TokenHash::of("rss_ada-session");
    let session_id = sessions::insert(db, ada.id, &hash, now(), now() + Duration::days(1))
        .await
        .unwrap();

    for key in [OrganizationKey::Id(acme.id), OrganizationKey::Slug("acme")] {
        let caller = session_with_organization(db, &hash, now(), key)
            .await
            .unwrap()
            .expect("the session is active");
        assert_eq!(caller.session_id, session_id);
        let stored = users::find(db, ada.id).await.unwrap().unwrap();
        assert_eq!(caller.user, stored);
        let view = caller.view.expect("ada is a member of acme");
        let expected = organizations::find_for_member(db, key, ada.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.membership, expected.membership);
        assert_eq!(view.membership.id, membership.id);
        assert_eq!(view.membership.role, Role::Admin);
        assert_eq!(view.organization, expected.organization);
        assert_eq!(view.organization.member_count, 2);
    }

    // Someone else's organization and a missing one look the same: the caller, no view.
    let other = team(db, "other").await;
    for key in [
        OrganizationKey::Id(other.id),
        OrganizationKey::Slug("other"),
        OrganizationKey::Id(Uuid::now_v7()),
        OrganizationKey::Slug("missing"),
    ] {
        let caller = session_with_organization(db, &hash, now(), key)
            .await
            .unwrap()
            .expect("the session is active");
        assert_eq!(caller.user.id, ada.id);
        assert!(caller.view.is_none(), "{key:?} must not be visible");
    }

    // An expired or unknown session is no caller at all.
    let at_expiry = now() + Duration::days(2);
    let key = OrganizationKey::Id(acme.id);
    assert!(
        session_with_organization(db, &hash, at_expiry, key)
            .await
            .unwrap()
            .is_none()
    );
    let unknown = TokenHash::of("rss_unknown");
    assert!(
        session_with_organization(db, &unknown, now(), key)
            .await
            .unwrap()
            .is_none()
    );
}
