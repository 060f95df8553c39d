//! The one list of things Roster records in an organization's audit log. Every use case
//! names its event with a variant here, tests and tools read the same names, and webhook
//! subscriptions will be checked against this list.

use std::fmt;

/// What an audit event records. The stored (and GraphQL) spelling is `as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    OrganizationCreated,
    OrganizationUpdated,
    OrganizationDeleted,
    OrganizationAuditRetentionChanged,
    PlanChanged,
    UserSignedIn,
    MemberInvited,
    InvitationResent,
    InvitationRevoked,
    InvitationAccepted,
    InvitationDeclined,
    MemberRoleChanged,
    MemberRemoved,
    MemberLeft,
    OwnershipTransferred,
    ProjectCreated,
    ProjectRenamed,
    ProjectDeleted,
    ProjectSettingsChanged,
    ApiKeyCreated,
    ApiKeyRenamed,
    ApiKeyRegenerated,
    ApiKeyDeleted,
    WebhookEndpointCreated,
    WebhookEndpointUpdated,
    WebhookSecretRotated,
    WebhookEndpointDeleted,
}

/// A name that is not an audit action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit action `{0}`")]
pub struct AuditActionError(pub String);

impl AuditAction {
    /// Every action, grouped by what it is about.
    pub const ALL: [AuditAction; 27] = [
        AuditAction::OrganizationCreated,
        AuditAction::OrganizationUpdated,
        AuditAction::OrganizationDeleted,
        AuditAction::OrganizationAuditRetentionChanged,
        AuditAction::PlanChanged,
        AuditAction::UserSignedIn,
        AuditAction::MemberInvited,
        AuditAction::InvitationResent,
        AuditAction::InvitationRevoked,
        AuditAction::InvitationAccepted,
        AuditAction::InvitationDeclined,
        AuditAction::MemberRoleChanged,
        AuditAction::MemberRemoved,
        AuditAction::MemberLeft,
        AuditAction::OwnershipTransferred,
        AuditAction::ProjectCreated,
        AuditAction::ProjectRenamed,
        AuditAction::ProjectDeleted,
        AuditAction::ProjectSettingsChanged,
        AuditAction::ApiKeyCreated,
        AuditAction::ApiKeyRenamed,
        AuditAction::ApiKeyRegenerated,
        AuditAction::ApiKeyDeleted,
        AuditAction::WebhookEndpointCreated,
        AuditAction::WebhookEndpointUpdated,
        AuditAction::WebhookSecretRotated,
        AuditAction::WebhookEndpointDeleted,
    ];

    /// The stored spelling, `noun.verb_past`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::OrganizationCreated => "organization.created",
            AuditAction::OrganizationUpdated => "organization.updated",
            AuditAction::OrganizationDeleted => "organization.deleted",
            AuditAction::OrganizationAuditRetentionChanged => {
                "organization.audit_retention_changed"
            }
            AuditAction::PlanChanged => "plan.changed",
            AuditAction::UserSignedIn => "user.signed_in",
            AuditAction::MemberInvited => "member.invited",
            AuditAction::InvitationResent => "invitation.resent",
            AuditAction::InvitationRevoked => "invitation.revoked",
            AuditAction::InvitationAccepted => "invitation.accepted",
            AuditAction::InvitationDeclined => "invitation.declined",
            AuditAction::MemberRoleChanged => "member.role_changed",
            AuditAction::MemberRemoved => "member.removed",
            AuditAction::MemberLeft => "member.left",
            AuditAction::OwnershipTransferred => "ownership.transferred",
            AuditAction::ProjectCreated => "project.created",
            AuditAction::ProjectRenamed => "project.renamed",
            AuditAction::ProjectDeleted => "project.deleted",
            AuditAction::ProjectSettingsChanged => "project.settings_changed",
            AuditAction::ApiKeyCreated => "api_key.created",
            AuditAction::ApiKeyRenamed => "api_key.renamed",
            AuditAction::ApiKeyRegenerated => "api_key.regenerated",
            AuditAction::ApiKeyDeleted => "api_key.deleted",
            AuditAction::WebhookEndpointCreated => "webhook_endpoint.created",
            AuditAction::WebhookEndpointUpdated => "webhook_endpoint.updated",
            AuditAction::WebhookSecretRotated => "webhook_endpoint.secret_rotated",
            AuditAction::WebhookEndpointDeleted => "webhook_endpoint.deleted",
        }
    }

    /// Parses the stored spelling.
    ///
    /// # Errors
    /// `AuditActionError` for any other text.
    pub fn parse(value: &str) -> Result<AuditAction, AuditActionError> {
        AuditAction::ALL
            .into_iter()
            .find(|action| action.as_str() == value)
            .ok_or_else(|| AuditActionError(value.to_owned()))
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_and_names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Ok(action));
            assert!(seen.insert(action.as_str()), "{action} twice");
        }
        assert!(AuditAction::parse("member.exploded").is_err());
        assert!(AuditAction::parse("Member.Invited").is_err());
    }
}
