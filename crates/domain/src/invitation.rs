//! Invitation rules: the status machine `PENDING -> ACCEPTED | DECLINED | REVOKED | EXPIRED`,
//! expiry (an invitation is expired from the instant `now >= expires_at`), and who may
//! accept (only the invited address).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{EmailAddress, RetryAfter, Role};

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Declined,
    Revoked,
    Expired,
}

impl InvitationStatus {
    /// The stored (and GraphQL) spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "PENDING",
            InvitationStatus::Accepted => "ACCEPTED",
            InvitationStatus::Declined => "DECLINED",
            InvitationStatus::Revoked => "REVOKED",
            InvitationStatus::Expired => "EXPIRED",
        }
    }

    /// Parses the stored spelling.
    #[must_use]
    pub fn parse(value: &str) -> Option<InvitationStatus> {
        [
            InvitationStatus::Pending,
            InvitationStatus::Accepted,
            InvitationStatus::Declined,
            InvitationStatus::Revoked,
            InvitationStatus::Expired,
        ]
        .into_iter()
        .find(|status| status.as_str() == value)
    }
}

/// Why an invitation cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvitationError {
    #[error("this invitation is no longer pending")]
    NotPending,
    #[error("this invitation has expired")]
    Expired,
    #[error("this invitation was sent to a different email address")]
    EmailMismatch,
}

/// An invitation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: Uuid,
    pub organization_id: Uuid,
    /// Normalized (lowercase) address.
    pub email: String,
    pub role: Role,
    /// The stored status; see `status_at` for what callers should see.
    pub stored_status: InvitationStatus,
    pub invited_by: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Invitation {
    /// The status at `now`: a pending invitation past its expiry is `Expired`.
    #[must_use]
    pub fn status_at(&self, now: DateTime<Utc>) -> InvitationStatus {
        if self.stored_status == InvitationStatus::Pending && now >= self.expires_at {
            InvitationStatus::Expired
        } else {
            self.stored_status
        }
    }

    /// Checks that the invitation can still be answered (accepted, declined, revoked).
    ///
    /// # Errors
    /// `NotPending` once answered or revoked, `Expired` from `expires_at` on.
    pub fn ensure_pending(&self, now: DateTime<Utc>) -> Result<(), InvitationError> {
        match self.status_at(now) {
            InvitationStatus::Pending => Ok(()),
            InvitationStatus::Expired => Err(InvitationError::Expired),
            InvitationStatus::Accepted | InvitationStatus::Declined | InvitationStatus::Revoked => {
                Err(InvitationError::NotPending)
            }
        }
    }

    /// Checks that `email` may accept: the invitation is pending and addressed to it.
    ///
    /// # Errors
    /// As `ensure_pending`, plus `EmailMismatch` for any other address.
    pub fn ensure_acceptable_by(
        &self,
        email: &EmailAddress,
        now: DateTime<Utc>,
    ) -> Result<(), InvitationError> {
        if email.as_str() != self.email {
            return Err(InvitationError::EmailMismatch);
        }
        self.ensure_pending(now)
    }
}

/// What inviting an address that already has a pending invitation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reinvite {
    /// Sent a moment ago with the same role: answer with it, mail nothing (double clicks
    /// and racing requests send one mail).
    Unchanged,
    /// Give it a new token and expiry (and the new role) and mail it again.
    Refresh,
}

impl Invitation {
    /// Checks that the invitation may be mailed again at `now`: its last mail (sent when
    /// it was created or refreshed) is at least `cooldown` old.
    ///
    /// # Errors
    /// `RetryAfter` with the seconds left of the cooldown.
    pub fn ensure_resendable(
        &self,
        now: DateTime<Utc>,
        cooldown: chrono::Duration,
    ) -> Result<(), RetryAfter> {
        let wait = self.updated_at + cooldown - now;
        if wait > chrono::Duration::zero() {
            return Err(RetryAfter(wait.num_seconds().max(1)));
        }
        Ok(())
    }

    /// Decides a re-invite of this invitation's address as `role` at `now`, where
    /// `cooldown` is how long a just-sent invitation is answered unchanged.
    #[must_use]
    pub fn reinvite(&self, role: Role, now: DateTime<Utc>, cooldown: chrono::Duration) -> Reinvite {
        let recent = now - self.updated_at < cooldown;
        if recent && self.role == role && self.status_at(now) == InvitationStatus::Pending {
            Reinvite::Unchanged
        } else {
            Reinvite::Refresh
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn invitation(status: InvitationStatus, expires_at: DateTime<Utc>) -> Invitation {
        Invitation {
            id: Uuid::nil(),
            organization_id: Uuid::nil(),
            email: "ada@example.com".into(),
            role: Role::Member,
            stored_status: status,
            invited_by: None,
            expires_at,
            created_at: expires_at - Duration::days(7),
            updated_at: expires_at - Duration::days(7),
        }
    }

    #[test]
    fn expiry_starts_exactly_at_expires_at() {
        let now = Utc::now();
        let pending = invitation(InvitationStatus::Pending, now);
        assert_eq!(
            pending.status_at(now - Duration::milliseconds(1)),
            InvitationStatus::Pending
        );
        assert_eq!(pending.status_at(now), InvitationStatus::Expired);
        assert_eq!(pending.ensure_pending(now), Err(InvitationError::Expired));
    }

    #[test]
    fn answered_invitations_are_not_pending_even_after_expiry() {
        let now = Utc::now();
        for status in [
            InvitationStatus::Accepted,
            InvitationStatus::Declined,
            InvitationStatus::Revoked,
        ] {
            let answered = invitation(status, now - Duration::days(1));
            assert_eq!(answered.status_at(now), status);
            assert_eq!(
                answered.ensure_pending(now),
                Err(InvitationError::NotPending)
            );
        }
    }

    #[test]
    fn only_the_invited_address_may_accept_case_insensitively() {
        let now = Utc::now();
        let pending = invitation(InvitationStatus::Pending, now + Duration::days(1));
        let same = EmailAddress::parse("ADA@example.com").unwrap();
        let other = EmailAddress::parse("eve@example.com").unwrap();
        assert_eq!(pending.ensure_acceptable_by(&same, now), Ok(()));
        assert_eq!(
            pending.ensure_acceptable_by(&other, now),
            Err(InvitationError::EmailMismatch)
        );
    }

    #[test]
    fn a_reinvite_within_the_cooldown_with_the_same_role_changes_nothing() {
        let now = Utc::now();
        let mut pending = invitation(InvitationStatus::Pending, now + Duration::days(7));
        pending.updated_at = now - Duration::seconds(30);
        let cooldown = Duration::seconds(60);
        assert_eq!(
            pending.reinvite(Role::Member, now, cooldown),
            Reinvite::Unchanged
        );
        assert_eq!(
            pending.reinvite(Role::Admin, now, cooldown),
            Reinvite::Refresh
        );
        pending.updated_at = now - Duration::seconds(60);
        assert_eq!(
            pending.reinvite(Role::Member, now, cooldown),
            Reinvite::Refresh
        );
        let mut expired = invitation(InvitationStatus::Pending, now);
        expired.updated_at = now - Duration::seconds(1);
        assert_eq!(
            expired.reinvite(Role::Member, now, cooldown),
            Reinvite::Refresh
        );
    }

    #[test]
    fn a_resend_waits_for_the_cooldown_after_the_last_mail() {
        let now = Utc::now();
        let mut pending = invitation(InvitationStatus::Pending, now + Duration::days(7));
        pending.updated_at = now - Duration::seconds(20);
        let cooldown = Duration::seconds(60);
        assert_eq!(
            pending.ensure_resendable(now, cooldown),
            Err(RetryAfter(40))
        );
        pending.updated_at = now - Duration::seconds(60);
        assert_eq!(pending.ensure_resendable(now, cooldown), Ok(()));
    }

    #[test]
    fn statuses_round_trip() {
        for status in ["PENDING", "ACCEPTED", "DECLINED", "REVOKED", "EXPIRED"] {
            assert_eq!(
                InvitationStatus::parse(status).map(InvitationStatus::as_str),
                Some(status)
            );
        }
        assert_eq!(InvitationStatus::parse("pending"), None);
    }
}
