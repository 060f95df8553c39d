//! The spending policy hook: use cases that add a seat or a project ask the installed
//! `SpendPolicy` under the organization's lock, and a refusal names the metric, what is
//! used and the limit. Seats are members plus pending invitations.

use std::sync::Arc;

use roster_domain::{MailKind, Organization, Role};
use roster_service::{Error, InvitationRef, Resource, SpendPolicy};

use crate::support::{actor, request, service};

/// Two seats and one project for every organization.
struct Small;

impl SpendPolicy for Small {
    fn limit(&self, _organization: &Organization, resource: Resource) -> Option<u64> {
        Some(match resource {
            Resource::Seat => 2,
            Resource::Project => 1,
        })
    }
}

fn quota(result: Result<impl std::fmt::Debug, Error>) -> (String, u64, u64) {
    match result {
        Err(Error::QuotaExceeded {
            metric,
            used,
            limit,
        }) => (metric, used, limit),
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
}

#[tokio::test]
async fn seats_and_projects_stop_at_the_policys_limit() {
    let mut service = service().await;
    service.roster = service.roster.clone().with_policy(Arc::new(Small));
    let roster = &service.roster;
    let owner = service.sign_in("owner@example.com").await;
    let org = roster
        .create_organization(actor(&owner), "Small", None, &request())
        .await
        .unwrap()
        .organization
        .id;

    // The owner holds one seat; one pending invitation takes the second.
    roster
        .invite_member(&owner, org, "first@example.com", Role::Member, &request())
        .await
        .unwrap();
    let refused = roster
        .invite_member(&owner, org, "second@example.com", Role::Member, &request())
        .await;
    assert_eq!(quota(refused), ("seats".to_owned(), 2, 2));
    // Accepting keeps the seat its invitation held.
    let link = service
        .queued_link("first@example.com", MailKind::Invitation)
        .await;
    let token = link.rsplit('/').next().unwrap();
    roster
        .accept_invitation(None, InvitationRef::Token(token), &request())
        .await
        .unwrap();

    roster
        .create_project(&owner, org, "Only", &request())
        .await
        .unwrap();
    let refused = roster
        .create_project(&owner, org, "Second", &request())
        .await;
    assert_eq!(quota(refused), ("projects".to_owned(), 1, 1));
}
