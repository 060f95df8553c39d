//! Invitations: created, refreshed (new token and expiry), answered, listed per
//! organization (keyset) and per invitee. A partial unique index keeps one pending
//! invitation per (organization, email).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use roster_domain::{Invitation, InvitationStatus, Role, TokenHash, User};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::{invitations, organizations, users};
use crate::error::{RepoError, RepoResult};

/// An invitation about to be created.
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    pub organization_id: Uuid,
    pub email: &'a str,
    pub role: Role,
    pub token_hash: &'a TokenHash,
    pub invited_by: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// An invitation with what its pages and mails show.
#[derive(Debug, Clone)]
pub struct InvitationDetails {
    pub invitation: Invitation,
    pub organization_name: String,
    pub inviter: Option<User>,
}

fn to_domain(model: invitations::Model) -> RepoResult<Invitation> {
    let corrupt = |what: &str| {
        RepoError::Db(sea_orm::DbErr::Custom(format!(
            "invitation {} has an unknown {what}",
            model.id
        )))
    };
    Ok(Invitation {
        id: model.id,
        organization_id: model.organization_id,
        role: Role::parse(&model.role).map_err(|_| corrupt("role"))?,
        stored_status: InvitationStatus::parse(&model.status).ok_or_else(|| corrupt("status"))?,
        email: model.email,
        invited_by: model.invited_by_user_id,
        expires_at: model.expires_at,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

/// Creates a pending invitation.
///
/// # Errors
/// `RepoError::Conflict` when one is already pending for the address (the partial index).
pub async fn insert<C: ConnectionTrait>(db: &C, new: NewInvitation<'_>) -> RepoResult<Invitation> {
    let model = invitations::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(new.organization_id),
        email: Set(new.email.to_owned()),
        role: Set(new.role.as_str().to_owned()),
        status: Set(InvitationStatus::Pending.as_str().to_owned()),
        token_hash: Set(new.token_hash.as_str().to_owned()),
        invited_by_user_id: Set(new.invited_by),
        expires_at: Set(new.expires_at),
        created_at: Set(new.now),
        updated_at: Set(new.now),
        responded_at: Set(None),
    }
    .insert(db)
    .await?;
    to_domain(model)
}

/// Finds an invitation by id.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> RepoResult<Option<Invitation>> {
    invitations::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(to_domain)
        .transpose()
}

/// Finds an invitation by the hash of the token from its link.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find_by_token<C: ConnectionTrait>(
    db: &C,
    hash: &TokenHash,
) -> RepoResult<Option<Invitation>> {
    invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(hash.as_str()))
        .one(db)
        .await?
        .map(to_domain)
        .transpose()
}

/// The stored-pending invitation for `email` in `organization_id`, if any.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn find_pending<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    email: &str,
) -> RepoResult<Option<Invitation>> {
    invitations::Entity::find()
        .filter(invitations::Column::OrganizationId.eq(organization_id))
        .filter(invitations::Column::Email.eq(email))
        .filter(invitations::Column::Status.eq(InvitationStatus::Pending.as_str()))
        .one(db)
        .await?
        .map(to_domain)
        .transpose()
}

/// Gives a pending invitation a new token, expiry, role and inviter.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn refresh<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    hash: &TokenHash,
    role: Role,
    invited_by: Option<Uuid>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> RepoResult<Invitation> {
    let model = invitations::ActiveModel {
        id: Set(id),
        token_hash: Set(hash.as_str().to_owned()),
        role: Set(role.as_str().to_owned()),
        invited_by_user_id: Set(invited_by),
        expires_at: Set(expires_at),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    to_domain(model)
}

/// Moves a pending invitation to `status` (answered or revoked).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn set_status<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    status: InvitationStatus,
    now: DateTime<Utc>,
) -> RepoResult<Invitation> {
    let model = invitations::ActiveModel {
        id: Set(id),
        status: Set(status.as_str().to_owned()),
        updated_at: Set(now),
        responded_at: Set(Some(now)),
        ..Default::default()
    }
    .update(db)
    .await?;
    to_domain(model)
}

/// Adds the organization's name and the inviter's email to `invitations` (two batched
/// lookups whatever the number of invitations).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn with_details<C: ConnectionTrait>(
    db: &C,
    invitations: Vec<Invitation>,
) -> RepoResult<Vec<InvitationDetails>> {
    let organization_ids: Vec<Uuid> = invitations.iter().map(|i| i.organization_id).collect();
    let inviter_ids: Vec<Uuid> = invitations.iter().filter_map(|i| i.invited_by).collect();
    let names: HashMap<Uuid, String> = if organization_ids.is_empty() {
        HashMap::new()
    } else {
        organizations::Entity::find()
            .filter(organizations::Column::Id.is_in(organization_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|org| (org.id, org.name))
            .collect()
    };
    let inviters: HashMap<Uuid, User> = if inviter_ids.is_empty() {
        HashMap::new()
    } else {
        users::Entity::find()
            .filter(users::Column::Id.is_in(inviter_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|user| (user.id, crate::users::to_domain(user)))
            .collect()
    };
    Ok(invitations
        .into_iter()
        .map(|invitation| InvitationDetails {
            organization_name: names
                .get(&invitation.organization_id)
                .cloned()
                .unwrap_or_default(),
            inviter: invitation
                .invited_by
                .and_then(|id| inviters.get(&id).cloned()),
            invitation,
        })
        .collect())
}

/// Narrows an organization's invitation list by the status callers see.
fn status_filter(
    query: sea_orm::Select<invitations::Entity>,
    status: Option<InvitationStatus>,
    now: DateTime<Utc>,
) -> sea_orm::Select<invitations::Entity> {
    let pending = InvitationStatus::Pending.as_str();
    match status {
        None => query,
        Some(InvitationStatus::Pending) => query
            .filter(invitations::Column::Status.eq(pending))
            .filter(invitations::Column::ExpiresAt.gt(now)),
        Some(InvitationStatus::Expired) => query.filter(
            sea_orm::Condition::any()
                .add(invitations::Column::Status.eq(InvitationStatus::Expired.as_str()))
                .add(
                    sea_orm::Condition::all()
                        .add(invitations::Column::Status.eq(pending))
                        .add(invitations::Column::ExpiresAt.lte(now)),
                ),
        ),
        Some(other) => query.filter(invitations::Column::Status.eq(other.as_str())),
    }
}

/// One page of an organization's invitations, newest first (keyset on the id).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn page_for_organization<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    status: Option<InvitationStatus>,
    before: Option<Uuid>,
    limit: u64,
    now: DateTime<Utc>,
) -> RepoResult<Vec<Invitation>> {
    let mut query = status_filter(
        invitations::Entity::find().filter(invitations::Column::OrganizationId.eq(organization_id)),
        status,
        now,
    );
    if let Some(before) = before {
        query = query.filter(invitations::Column::Id.lt(before));
    }
    query
        .order_by_desc(invitations::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// How many of an organization's invitations match `status`.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn count_for_organization<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    status: Option<InvitationStatus>,
    now: DateTime<Utc>,
) -> RepoResult<u64> {
    Ok(status_filter(
        invitations::Entity::find().filter(invitations::Column::OrganizationId.eq(organization_id)),
        status,
        now,
    )
    .count(db)
    .await?)
}

/// The pending, unexpired invitations addressed to `email`, oldest first.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn pending_for_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
    now: DateTime<Utc>,
) -> RepoResult<Vec<Invitation>> {
    invitations::Entity::find()
        .filter(invitations::Column::Email.eq(email))
        .filter(invitations::Column::Status.eq(InvitationStatus::Pending.as_str()))
        .filter(invitations::Column::ExpiresAt.gt(now))
        .order_by_asc(invitations::Column::Id)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// How many pending, unexpired invitations are addressed to `email` (the badge).
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn count_pending_for_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
    now: DateTime<Utc>,
) -> RepoResult<u64> {
    Ok(invitations::Entity::find()
        .filter(invitations::Column::Email.eq(email))
        .filter(invitations::Column::Status.eq(InvitationStatus::Pending.as_str()))
        .filter(invitations::Column::ExpiresAt.gt(now))
        .count(db)
        .await?)
}
