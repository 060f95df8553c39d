//! Roster's pure rules: the value types that parse user input (`EmailAddress`, `Slug`,
//! `OrgName`), the role ranking and the action -> minimum-role table, organization,
//! invitation and paging rules, plans, usage levels and usage periods, accepted logo images, the
//! audit actions and outbox message kinds, webhook events, signatures and address rules,
//! organization tokens (claims and compact JWS), and secret-token hashing.
//!
//! This crate must not know about databases, mail transports, HTTP or GraphQL. It never
//! reads a clock or a random number generator: callers pass `now` and random bytes in.

pub mod audit_action;
pub mod avatar;
pub mod delivery;
pub mod email;
pub mod invitation;
pub mod logo;
pub mod membership;
pub mod model;
pub mod notifications;
pub mod org_token;
pub mod organization;
pub mod paging;
pub mod plan;
pub mod project;
pub mod rate;
pub mod role;
pub mod settings;
pub mod slug;
mod text;
pub mod token;
pub mod usage;
pub mod webhook;

pub use audit_action::{AuditAction, AuditActionError};
pub use delivery::{Channel, DeliveryStatus, MailKind, MessageKind, UnknownName};
pub use email::{EmailAddress, EmailError};
pub use invitation::{Invitation, InvitationError, InvitationStatus, Reinvite};
pub use logo::{Logo, LogoError, LogoType, NewLogo};
pub use membership::MembershipRuleError;
pub use model::{
    ApiKey, AuditEvent, Member, Membership, Organization, OrganizationView, Project, User,
    UserSummary,
};
pub use notifications::{NotificationPreferences, PreferenceChanges};
pub use organization::{
    OrgName, OrgNameError, OrganizationKind, OrganizationRuleError, RetentionDays, RetentionError,
};
pub use plan::{InvalidPlans, Plan, PlanError, PlanLimit, Plans, UsageLevel, UsagePeriod};
pub use project::{ApiKeyLabel, NameError, ProjectName};
pub use rate::{RateLimit, RetryAfter};
pub use role::{Action, Role, RoleError};
pub use settings::{Settings, SettingsError};
pub use slug::{Slug, SlugError};
pub use token::{SecretToken, TokenHash};
pub use webhook::{
    SigningSecrets, WebhookEndpoint, WebhookEvent, WebhookSecret, WebhookUrl, WebhookUrlError,
};
