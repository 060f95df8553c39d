//! Notification preferences: `Organization.viewerNotificationPreferences` (the caller's
//! own) and `updateNotificationPreferences`. People only: API keys get `FORBIDDEN`.

use async_graphql::{Context, ID, Object};
use roster_domain::{NotificationPreferences, PreferenceChanges};

use super::error::ResultExt;
use super::{actor, parse_id, roster};

/// What a member wants mailed about an organization.
pub(super) struct NotificationPreferencesObject(pub(super) NotificationPreferences);

#[Object(name = "NotificationPreferences", serial)]
impl NotificationPreferencesObject {
    /// Mail when usage crosses 80 % and 100 % of a limit (default on).
    async fn usage_warnings(&self) -> bool {
        self.0.usage_warnings
    }
    /// A weekly digest of the organization's audit log (default off).
    async fn weekly_summary(&self) -> bool {
        self.0.weekly_summary
    }
    /// Mail on a sign-in from an address not seen for 90 days (default on).
    async fn security_alerts(&self) -> bool {
        self.0.security_alerts
    }
}

/// The caller's preferences for `organization_id`.
pub(super) async fn viewer_preferences(
    ctx: &Context<'_>,
    organization_id: uuid::Uuid,
) -> async_graphql::Result<NotificationPreferencesObject> {
    roster(ctx)?
        .notification_preferences(actor(ctx).await?, organization_id)
        .await
        .map(NotificationPreferencesObject)
        .gql(ctx)
}

/// Changing one's own notification preferences.
#[derive(Default)]
pub(super) struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Changes the caller's preferences for an organization; omitted ones stay as they are.
    async fn update_notification_preferences(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        usage_warnings: Option<bool>,
        weekly_summary: Option<bool>,
        security_alerts: Option<bool>,
    ) -> async_graphql::Result<NotificationPreferencesObject> {
        let organization_id = parse_id(ctx, "organizationId", &organization_id)?;
        let changes = PreferenceChanges {
            usage_warnings,
            weekly_summary,
            security_alerts,
        };
        roster(ctx)?
            .update_notification_preferences(actor(ctx).await?, organization_id, changes)
            .await
            .map(NotificationPreferencesObject)
            .gql(ctx)
    }
}
