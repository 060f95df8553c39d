//! The records use cases work with, as read back from storage. Inputs are parsed into
//! newtypes before they get here; stored values are trusted.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{OrganizationKind, Role};

/// A person who has signed in at least once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    /// Normalized (lowercase) address.
    pub email: String,
    pub display_name: Option<String>,
    pub personal_organization_id: Uuid,
    /// The organization the user last switched to (remembered across sessions).
    pub active_organization_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub kind: OrganizationKind,
    pub plan: String,
    /// Kept in the same transaction as every membership change, so reading it is free.
    pub member_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user's membership in an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

/// An organization seen through one member's eyes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationView {
    pub organization: Organization,
    pub membership: Membership,
}

/// A membership with its user, as listed in an organization's members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub membership: Membership,
    pub user: User,
}
