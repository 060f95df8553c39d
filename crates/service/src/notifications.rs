//! Members' notification preferences per organization: each member reads and changes only
//! their own. A preference is a personal choice, not a change to the organization, so it
//! is not audited.

use roster_domain::{NotificationPreferences, PreferenceChanges};
use roster_persistence::organizations::OrganizationKey;
use roster_persistence::{begin_write, notification_preferences};
use uuid::Uuid;

use crate::Roster;
use crate::error::{Error, Result};
use crate::principal::Principal;
use crate::sessions::Actor;

impl Roster {
    /// The caller's preferences for the organization (the defaults until they change one).
    ///
    /// # Errors
    /// `NotFound` when the caller is not a member.
    pub async fn notification_preferences(
        &self,
        actor: &Actor,
        organization_id: Uuid,
    ) -> Result<NotificationPreferences> {
        let principal = Principal::User(actor.clone());
        self.view_as(&self.db, &principal, OrganizationKey::Id(organization_id))
            .await?
            .ok_or(Error::NotFound("organization"))?;
        Ok(
            notification_preferences::find(&self.db, organization_id, actor.user.id)
                .await?
                .unwrap_or_default(),
        )
    }

    /// Changes some of the caller's preferences for the organization; the rest stay.
    ///
    /// # Errors
    /// `NotFound` when the caller is not a member.
    pub async fn update_notification_preferences(
        &self,
        actor: &Actor,
        organization_id: Uuid,
        changes: PreferenceChanges,
    ) -> Result<NotificationPreferences> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let principal = Principal::User(actor.clone());
        self.view_as(&txn, &principal, OrganizationKey::Id(organization_id))
            .await?
            .ok_or(Error::NotFound("organization"))?;
        let current = notification_preferences::find(&txn, organization_id, actor.user.id)
            .await?
            .unwrap_or_default();
        let chosen = current.with(changes);
        notification_preferences::save(&txn, organization_id, actor.user.id, chosen, now).await?;
        txn.commit().await?;
        Ok(chosen)
    }
}
