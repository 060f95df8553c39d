//! Members' notification preferences per organization: read (absent means the defaults)
//! and saved with one upsert, so concurrent saves of one member's choices never conflict.

use chrono::{DateTime, Utc};
use roster_domain::NotificationPreferences;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::entity::notification_preferences as preferences;
use crate::error::RepoResult;

/// The member's saved preferences, or `None` when they never changed the defaults.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    user_id: Uuid,
) -> RepoResult<Option<NotificationPreferences>> {
    Ok(preferences::Entity::find()
        .filter(preferences::Column::OrganizationId.eq(organization_id))
        .filter(preferences::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .map(|row| NotificationPreferences {
            usage_warnings: row.usage_warnings,
            weekly_summary: row.weekly_summary,
            security_alerts: row.security_alerts,
        }))
}

/// Saves the member's preferences (insert, or update the existing row).
///
/// # Errors
/// `RepoError` on database failure; `MissingReference` when the organization or user is
/// gone.
pub async fn save<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    user_id: Uuid,
    choices: NotificationPreferences,
    now: DateTime<Utc>,
) -> RepoResult<()> {
    let row = preferences::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        user_id: Set(user_id),
        usage_warnings: Set(choices.usage_warnings),
        weekly_summary: Set(choices.weekly_summary),
        security_alerts: Set(choices.security_alerts),
        updated_at: Set(now),
    };
    preferences::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                preferences::Column::OrganizationId,
                preferences::Column::UserId,
            ])
            .update_columns([
                preferences::Column::UsageWarnings,
                preferences::Column::WeeklySummary,
                preferences::Column::SecurityAlerts,
                preferences::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The addresses of the organization's owners and admins who keep usage warnings on (the
/// default), oldest membership first.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn usage_warning_recipients<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
) -> RepoResult<Vec<String>> {
    let admins = crate::memberships::admins(db, organization_id).await?;
    let opted_out: std::collections::HashSet<Uuid> = preferences::Entity::find()
        .filter(preferences::Column::OrganizationId.eq(organization_id))
        .filter(preferences::Column::UsageWarnings.eq(false))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.user_id)
        .collect();
    Ok(admins
        .into_iter()
        .filter(|(user_id, _)| !opted_out.contains(user_id))
        .map(|(_, email)| email)
        .collect())
}

/// A membership's saved choices, joined on (organization, user): memberships left-joined
/// with this give every member's choices, the defaults where the row is missing.
pub(crate) fn of_membership() -> sea_orm::RelationDef {
    use crate::entity::memberships;
    memberships::Entity::belongs_to(preferences::Entity)
        .from((
            memberships::Column::OrganizationId,
            memberships::Column::UserId,
        ))
        .to((
            preferences::Column::OrganizationId,
            preferences::Column::UserId,
        ))
        .into()
}

/// The user's preferences in every organization they belong to, the defaults where they
/// chose nothing: one statement (memberships left-joined with the saved choices).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn choices_of_user<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> RepoResult<Vec<NotificationPreferences>> {
    use sea_orm::{JoinType, QuerySelect};

    use crate::entity::memberships;

    let saved = of_membership();
    let rows: Vec<(Option<bool>, Option<bool>, Option<bool>)> = memberships::Entity::find()
        .select_only()
        .column(preferences::Column::UsageWarnings)
        .column(preferences::Column::WeeklySummary)
        .column(preferences::Column::SecurityAlerts)
        .join(JoinType::LeftJoin, saved)
        .filter(memberships::Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    let defaults = NotificationPreferences::default();
    Ok(rows
        .into_iter()
        .map(
            |(usage_warnings, weekly_summary, security_alerts)| NotificationPreferences {
                usage_warnings: usage_warnings.unwrap_or(defaults.usage_warnings),
                weekly_summary: weekly_summary.unwrap_or(defaults.weekly_summary),
                security_alerts: security_alerts.unwrap_or(defaults.security_alerts),
            },
        )
        .collect())
}
