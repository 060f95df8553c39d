//! What became of a sign-in link, read without spending it, so the page behind the link can
//! say in plain words why it no longer works (expired, used, unknown) before or after a
//! failed attempt. It tells nothing about the address the link was for.

use roster_domain::TokenHash;
use roster_persistence::sign_in_tokens;

use crate::{Result, Roster};

/// Where a sign-in link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInLinkStatus {
    /// Unused and within its lifetime: pressing Sign in will work.
    Usable,
    /// Its lifetime is over.
    Expired,
    /// It signed someone in already.
    Used,
    /// No link has this token (mistyped, cut short, or from another server).
    Unknown,
}

impl Roster {
    /// Where the sign-in link with `token` stands; spends nothing.
    ///
    /// # Errors
    /// `Error::Internal` on database failure.
    pub async fn sign_in_link_status(&self, token: &str) -> Result<SignInLinkStatus> {
        let Some(stored) = sign_in_tokens::find(&self.db, &TokenHash::of(token)).await? else {
            return Ok(SignInLinkStatus::Unknown);
        };
        Ok(if stored.used_at.is_some() {
            SignInLinkStatus::Used
        } else if stored.expires_at <= self.clock.now() {
            SignInLinkStatus::Expired
        } else {
            SignInLinkStatus::Usable
        })
    }
}
