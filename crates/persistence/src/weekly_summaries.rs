//! The weekly summary's storage: who is due a summary of a week, the conditional upsert
//! that claims one (member, organization, week) so that processes running the job at the
//! same time send one mail, and an organization's audit actions counted over a week in
//! one `GROUP BY` (no event rows are loaded).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Set,
};
use uuid::Uuid;

use crate::entity::{
    audit_events, memberships, notification_preferences as preferences, organizations, users,
    weekly_summaries,
};
use crate::error::RepoResult;

/// A member who wants the summary of an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub user_id: Uuid,
    pub email: String,
    pub organization_id: Uuid,
    pub organization_name: String,
}

/// Up to `limit` members who turned the weekly summary on and have not had the week
/// starting at `week_start` (or a later one) handled yet, oldest membership first. Members
/// who left are not listed: the membership is what joins the preference.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn due<C: ConnectionTrait>(
    db: &C,
    week_start: DateTime<Utc>,
    limit: u64,
) -> RepoResult<Vec<Recipient>> {
    let preference = crate::notification_preferences::of_membership();
    let handled = memberships::Entity::belongs_to(weekly_summaries::Entity)
        .from((
            memberships::Column::OrganizationId,
            memberships::Column::UserId,
        ))
        .to((
            weekly_summaries::Column::OrganizationId,
            weekly_summaries::Column::UserId,
        ))
        .into();
    let rows: Vec<(Uuid, String, Uuid, String)> = memberships::Entity::find()
        .select_only()
        .column(memberships::Column::UserId)
        .column(users::Column::Email)
        .column(memberships::Column::OrganizationId)
        .column(organizations::Column::Name)
        .join(JoinType::InnerJoin, memberships::Relation::User.def())
        .join(
            JoinType::InnerJoin,
            memberships::Relation::Organization.def(),
        )
        .join(JoinType::InnerJoin, preference)
        .join(JoinType::LeftJoin, handled)
        .filter(preferences::Column::WeeklySummary.eq(true))
        .filter(
            Condition::any()
                .add(weekly_summaries::Column::WeekStart.is_null())
                .add(weekly_summaries::Column::WeekStart.lt(week_start)),
        )
        .order_by_asc(memberships::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(user_id, email, organization_id, organization_name)| Recipient {
                user_id,
                email,
                organization_id,
                organization_name,
            },
        )
        .collect())
}

/// Claims the summary of the week starting at `week_start` for the member: `true` when
/// this call recorded it (insert, or move an older week forward), `false` when that week
/// or a later one was already handled. One statement (`INSERT ... ON CONFLICT DO UPDATE
/// ... WHERE`), so of several transactions claiming the same week exactly one gets `true`:
/// on PostgreSQL the others wait on the unique index and then see the week taken.
///
/// # Errors
/// `RepoError` on database failure; `MissingReference` when the user or organization is
/// gone.
pub async fn claim<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    organization_id: Uuid,
    week_start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> RepoResult<bool> {
    let row = weekly_summaries::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        organization_id: Set(organization_id),
        week_start: Set(week_start),
        handled_at: Set(now),
    };
    let changed = weekly_summaries::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                weekly_summaries::Column::UserId,
                weekly_summaries::Column::OrganizationId,
            ])
            .update_columns([
                weekly_summaries::Column::WeekStart,
                weekly_summaries::Column::HandledAt,
            ])
            .action_and_where(
                Expr::col((
                    weekly_summaries::Entity,
                    weekly_summaries::Column::WeekStart,
                ))
                .lt(week_start),
            )
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(changed == 1)
}

/// How many events of each action the organization's audit log holds from `since`
/// (inclusive) to `until` (exclusive): one aggregate statement.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn action_counts<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> RepoResult<Vec<(String, u64)>> {
    let rows: Vec<(String, i64)> = audit_events::Entity::find()
        .select_only()
        .column(audit_events::Column::Action)
        .column_as(Expr::col(audit_events::Column::Id).count(), "events")
        .filter(audit_events::Column::OrganizationId.eq(organization_id))
        .filter(audit_events::Column::OccurredAt.gte(since))
        .filter(audit_events::Column::OccurredAt.lt(until))
        .group_by(audit_events::Column::Action)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(action, events)| (action, u64::try_from(events).unwrap_or(0)))
        .collect())
}
