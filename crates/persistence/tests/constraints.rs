//! Constraint classification: unique violations become `RepoError::Conflict` and missing
//! foreign rows `RepoError::MissingReference`, the same on both backends, so the service
//! can name the rule that was broken.

use chrono::Duration;
use roster_domain::{InvitationStatus, Role, TokenHash};
use roster_persistence::RepoError;
use roster_persistence::invitations::{self, NewInvitation};
use roster_persistence::{memberships, organizations};
use uuid::Uuid;

use crate::support::{join, migrated, now, reload, team, user};

#[tokio::test]
async fn a_second_membership_for_the_same_user_is_a_conflict_and_the_counter_holds() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "team").await;
    let member = user(db, "m@example.com").await;
    join(db, &org, &member, Role::Member).await;
    let again = memberships::insert(db, org.id, member.id, Role::Admin, now()).await;
    assert!(matches!(again, Err(RepoError::Conflict(_))), "{again:?}");
    assert_eq!(reload(db, &org).await.member_count, 1);
}

#[tokio::test]
async fn a_taken_slug_is_a_conflict() {
    let db = migrated().await;
    let db = &db.conn;
    team(db, "acme").await;
    let again = organizations::insert(
        db,
        organizations::NewOrganization {
            id: Uuid::now_v7(),
            slug: "acme",
            name: "Acme again",
            kind: roster_domain::OrganizationKind::Team,
            now: now(),
        },
    )
    .await;
    assert!(matches!(again, Err(RepoError::Conflict(_))), "{again:?}");
}

#[tokio::test]
async fn one_pending_invitation_per_address_and_organization() {
    let db = migrated().await;
    let db = &db.conn;
    let org = team(db, "team").await;
    let other = team(db, "other").await;
    let invite = |organization_id, token: &'static str| {
        let hash = TokenHash::of(token);
        async move {
            invitations::insert(
                db,
                NewInvitation {
                    organization_id,
                    email: "guest@example.com",
                    role: Role::Member,
                    token_hash: &hash,
                    invited_by: None,
                    expires_at: now() + Duration::days(7),
                    now: now(),
                },
            )
            .await
        }
    };
    let first = invite(org.id, "t1").await.unwrap();
    let again = invite(org.id, "t2").await;
    assert!(matches!(again, Err(RepoError::Conflict(_))), "{again:?}");
    invite(other.id, "t3")
        .await
        .expect("another organization may invite the same address");
    // The index is partial: once answered, the address may be invited again.
    invitations::set_status(db, first.id, InvitationStatus::Declined, now())
        .await
        .unwrap();
    invite(org.id, "t4")
        .await
        .expect("a new invitation after the old one was answered");
}

#[tokio::test]
async fn a_membership_in_an_unknown_organization_is_a_missing_reference() {
    let db = migrated().await;
    let db = &db.conn;
    let member = user(db, "m@example.com").await;
    let orphan = memberships::insert(db, Uuid::now_v7(), member.id, Role::Member, now()).await;
    assert!(
        matches!(orphan, Err(RepoError::MissingReference(_))),
        "{orphan:?}"
    );
}
