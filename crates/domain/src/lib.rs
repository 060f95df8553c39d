//! Roster's pure rules: the value types that parse user input (`EmailAddress`, `Slug`,
//! `OrgName`), the role ranking and the action -> minimum-role table, organization rules
//! and secret-token hashing.
//!
//! This crate must not know about databases, mail transports, HTTP or GraphQL. It never
//! reads a clock or a random number generator: callers pass `now` and random bytes in.

pub mod email;
pub mod invitation;
pub mod membership;
pub mod model;
pub mod organization;
pub mod project;
pub mod role;
pub mod slug;
mod text;
pub mod token;

pub use email::{EmailAddress, EmailError};
pub use invitation::{Invitation, InvitationError, InvitationStatus};
pub use membership::MembershipRuleError;
pub use model::{
    ApiKey, AuditEvent, Member, Membership, Organization, OrganizationView, Project, User,
};
pub use organization::{OrgName, OrgNameError, OrganizationKind, OrganizationRuleError};
pub use project::{ApiKeyLabel, NameError, ProjectName};
pub use role::{Action, Role, RoleError};
pub use slug::{Slug, SlugError};
pub use token::{SecretToken, TokenHash};
