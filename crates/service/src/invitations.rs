//! Invitation use cases, in three files: `invite.rs` (an admin invites, refreshes, resends,
//! revokes), `answer.rs` (the invitee accepts or declines, by id when signed in or by the
//! mailed link, which also signs them in) and `listing.rs` (the reads: preview by token,
//! the invitee's pending list, an organization's invitations). Every change runs under the
//! organization's lock, so concurrent invites and accepts serialize.

mod answer;
mod invite;
mod listing;

use roster_domain::{Invitation, InvitationStatus, Member, OrganizationView, User};
use roster_persistence::outbox::Delivery;
use uuid::Uuid;

use crate::sessions::SignedIn;

/// How an invitee points at an invitation.
#[derive(Debug, Clone, Copy)]
pub enum InvitationRef<'a> {
    Id(Uuid),
    Token(&'a str),
}

/// An invitation with the details its readers see.
#[derive(Debug, Clone)]
pub struct InvitationView {
    pub invitation: Invitation,
    pub status: InvitationStatus,
    pub organization_name: String,
    pub inviter: Option<User>,
    /// The newest mail's delivery state (admins' view); `None` when none was queued.
    pub delivery: Option<Delivery>,
}

impl InvitationView {
    /// The view the invitee gets: whether their mail went out, but never the mail server's
    /// error text, which is for the organization's admins.
    #[must_use]
    pub fn for_invitee(mut self) -> InvitationView {
        if let Some(delivery) = &mut self.delivery {
            delivery.last_error = None;
        }
        self
    }
}

/// A page of an organization's invitations (newest first).
#[derive(Debug, Clone)]
pub struct InvitationPage {
    pub invitations: Vec<InvitationView>,
    pub has_next_page: bool,
}

/// What accepting gives back.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub member: Member,
    pub organization: OrganizationView,
    /// Set when the invitee was signed out: following the link signed them in.
    pub session: Option<SignedIn>,
}
