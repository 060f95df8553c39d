//! The hot path's one statement per credential: a session's caller, or an API key, together
//! with the organization asked about. Each must agree with the lookups it replaces
//! (`sessions::find_active` and `organizations::find_for_member`; `api_keys::find_by_secret`
//! and `organizations::find`) in every case: member or own organization, someone else's,
//! missing, by id and by slug, expired and unknown credentials.

use chrono::Duration;
use roster_domain::{ProjectName, Role, TokenHash};
use roster_persistence::api_keys::{self, NewApiKey};
use roster_persistence::callers::{api_key_with_organization, session_with_organization};
use roster_persistence::organizations::{self, OrganizationKey};
use roster_persistence::{projects, sessions, users};
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

#[tokio::test]
async fn one_statement_finds_an_api_key_and_only_its_own_organization() {
    let db = migrated().await;
    let db = &db.conn;
    let ada = user(db, "ada@example.com").await;
    let acme = team(db, "acme").await;
    join(db, &acme, &ada, Role::Owner).await;
    let other = team(db, "other").await;
    let name = ProjectName::parse("api").unwrap();
    let project = projects::insert(db, acme.id, &name, Some(ada.id), now())
        .await
        .unwrap();
    let hash = TokenHash::of("rsk_acme-key");
    let stored = api_keys::insert(
        db,
        NewApiKey {
            project_id: project.id,
            organization_id: acme.id,
            label: "ci",
            role: Role::Viewer,
            secret_hash: &hash,
            last4: "-key",
            created_by: Some(ada.id),
            now: now(),
        },
    )
    .await
    .unwrap();

    for key in [OrganizationKey::Id(acme.id), OrganizationKey::Slug("acme")] {
        let caller = api_key_with_organization(db, &hash, key)
            .await
            .unwrap()
            .expect("the key exists");
        assert_eq!(caller.key, stored);
        assert_eq!(caller.key.role, Role::Viewer);
        let expected = organizations::find(db, OrganizationKey::Id(acme.id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(caller.organization, Some(expected));
    }

    // Another organization and a missing one look the same: the key, no organization.
    for key in [
        OrganizationKey::Id(other.id),
        OrganizationKey::Slug("other"),
        OrganizationKey::Id(Uuid::now_v7()),
        OrganizationKey::Slug("missing"),
    ] {
        let caller = api_key_with_organization(db, &hash, key)
            .await
            .unwrap()
            .expect("the key exists");
        assert_eq!(caller.key.id, stored.id);
        assert!(caller.organization.is_none(), "{key:?} must not be visible");
    }

    // An unknown secret, or one whose key was deleted, is no caller at all.
    let key = OrganizationKey::Id(acme.id);
    let unknown = TokenHash::of("rsk_unknown");
    assert!(
        api_key_with_organization(db, &unknown, key)
            .await
            .unwrap()
            .is_none()
    );
    api_keys::delete(db, stored.id).await.unwrap();
    assert!(
        api_key_with_organization(db, &hash, key)
            .await
            .unwrap()
            .is_none()
    );
}
