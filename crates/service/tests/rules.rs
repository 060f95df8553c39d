//! Rules the use cases enforce: the last owner stays, a personal organization cannot be
//! left or invited into, and an invitation accepted by its token makes a member.

use roster_domain::{MailKind, Role};
use roster_service::{Error, InvitationRef};

use crate::support::{actor, request, service};

#[tokio::test]
async fn the_last_owner_cannot_leave_but_can_once_another_owner_exists() {
    let service = service().await;
    let owner = service.sign_in("owner@example.com").await;
    let org = service
        .roster
        .create_organization(actor(&owner), "Team", None, &request())
        .await
        .unwrap();
    let org_id = org.organization.id;
    let refused = service
        .roster
        .leave_organization(actor(&owner), org_id, &request())
        .await;
    assert!(matches!(refused, Err(Error::LastOwner)), "{refused:?}");

    // A second owner, invited and accepted by token, makes leaving possible.
    service
        .roster
        .invite_member(
            &owner,
            org_id,
            "second@example.com",
            Role::Owner,
            &request(),
        )
        .await
        .unwrap();
    let link = service
        .queued_link("second@example.com", MailKind::Invitation)
        .await;
    let token = link.rsplit('/').next().unwrap();
    service
        .roster
        .accept_invitation(None, InvitationRef::Token(token), &request())
        .await
        .unwrap();
    service
        .roster
        .leave_organization(actor(&owner), org_id, &request())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_personal_organization_cannot_be_left_or_invited_into() {
    let service = service().await;
    let owner = service.sign_in("owner@example.com").await;
    let personal = actor(&owner).user.personal_organization_id;
    let left = service
        .roster
        .leave_organization(actor(&owner), personal, &request())
        .await;
    assert!(
        matches!(left, Err(Error::PersonalOrganization(_))),
        "{left:?}"
    );
    let invited = service
        .roster
        .invite_member(
            &owner,
            personal,
            "friend@example.com",
            Role::Member,
            &request(),
        )
        .await;
    assert!(
        matches!(invited, Err(Error::PersonalOrganization(_))),
        "{invited:?}"
    );
}

#[tokio::test]
async fn accepting_by_token_signed_out_creates_the_member_and_a_session_once() {
    let service = service().await;
    let owner = service.sign_in("owner@example.com").await;
    let org = service
        .roster
        .create_organization(actor(&owner), "Team", None, &request())
        .await
        .unwrap();
    service
        .roster
        .invite_member(
            &owner,
            org.organization.id,
            "New@Example.com",
            Role::Admin,
            &request(),
        )
        .await
        .unwrap();
    let link = service
        .queued_link("new@example.com", MailKind::Invitation)
        .await;
    let token = link.rsplit('/').next().unwrap();
    let accepted = service
        .roster
        .accept_invitation(None, InvitationRef::Token(token), &request())
        .await
        .unwrap();
    assert_eq!(accepted.member.membership.role, Role::Admin);
    assert_eq!(accepted.member.user.email, "new@example.com");
    assert_eq!(accepted.organization.organization.id, org.organization.id);
    assert_eq!(accepted.organization.organization.member_count, 2);
    let session = accepted.session.expect("the link signed the invitee in");
    assert_eq!(session.user.email, "new@example.com");

    let again = service
        .roster
        .accept_invitation(None, InvitationRef::Token(token), &request())
        .await;
    assert!(
        matches!(again, Err(Error::InvitationNotPending)),
        "{again:?}"
    );
}
