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

/// What other members see of a user: who they are, not where they were last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: Uuid,
    /// Normalized (lowercase) address.
    pub email: String,
    pub display_name: Option<String>,
}

impl From<&User> for UserSummary {
    fn from(user: &User) -> Self {
        UserSummary {
            id: user.id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
        }
    }
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
    /// Days audit events are kept; `None` keeps them forever.
    pub audit_retention_days: Option<i32>,
    /// Where billing mail goes (owners choose it).
    pub billing_email: Option<String>,
    /// Defaults for new projects, as stored JSON object text (see `Settings`).
    pub settings: String,
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
    pub user: UserSummary,
}

/// A project: owned by exactly one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// Overrides of the organization's settings, as stored JSON object text.
    pub settings: String,
}

/// An API key as stored: never the secret, only what identifies and shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: Uuid,
    pub project_id: Uuid,
    pub organization_id: Uuid,
    pub label: String,
    pub role: Role,
    pub last4: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// One entry of an organization's audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: Uuid,
    pub organization_id: Option<Uuid>,
    pub action: String,
    pub actor_user_id: Option<Uuid>,
    pub actor_api_key_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub actor_label: Option<String>,
    pub target_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Free-form details as JSON text.
    pub context: String,
    pub occurred_at: DateTime<Utc>,
}
