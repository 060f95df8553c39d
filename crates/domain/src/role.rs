//! The role ranking (`VIEWER < MEMBER < ADMIN < OWNER`) and the table that gives every
//! action its minimum role. The service asks this table on every call; the gateway lists
//! `permissions` so a UI can pre-gate its buttons.

use std::fmt;

/// A member's role in an organization. The derived order is the ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads everything in the organization.
    Viewer,
    /// Works on projects and API keys.
    Member,
    /// Manages members, invitations and settings.
    Admin,
    /// Owns the organization: billing, ownership transfer, deletion.
    Owner,
}

/// A role name that is not one of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct RoleError(pub String);

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Member, Role::Admin, Role::Owner];

    /// The stored (and GraphQL) spelling: `VIEWER`, `MEMBER`, `ADMIN`, `OWNER`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "VIEWER",
            Role::Member => "MEMBER",
            Role::Admin => "ADMIN",
            Role::Owner => "OWNER",
        }
    }

    /// Parses the stored spelling.
    ///
    /// # Errors
    /// `RoleError` for anything but the four names.
    pub fn parse(value: &str) -> Result<Role, RoleError> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == value)
            .ok_or_else(|| RoleError(value.to_owned()))
    }

    /// The role in words, for people: `Viewer`, `Member`, `Admin`, `Owner`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Role::Viewer => "Viewer",
            Role::Member => "Member",
            Role::Admin => "Admin",
            Role::Owner => "Owner",
        }
    }

    /// One line on what the role may do, for invitation pages and mail.
    #[must_use]
    pub fn summary(self) -> &'static str {
        match self {
            Role::Viewer => "can see the organization, its members, projects and audit log",
            Role::Member => "can also create projects and API keys and record usage",
            Role::Admin => {
                "can also invite and remove members, change roles, and manage settings and webhooks"
            }
            Role::Owner => {
                "can also change the plan, transfer ownership and delete the organization"
            }
        }
    }

    /// Whether this role may perform `action` (its rank is at least `action.min_role()`).
    #[must_use]
    pub fn may(self, action: Action) -> bool {
        self >= action.min_role()
    }

    /// The names of every action this role may perform, in table order.
    #[must_use]
    pub fn permissions(self) -> Vec<&'static str> {
        Action::ALL
            .into_iter()
            .filter(|action| self.may(*action))
            .map(Action::as_str)
            .collect()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a caller can do inside an organization that needs a minimum role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ReadOrganization,
    CreateProject,
    RenameProject,
    UpdateProjectSettings,
    CreateApiKey,
    RenameApiKey,
    RegenerateApiKey,
    RecordUsage,
    DeleteProject,
    DeleteApiKey,
    InviteMember,
    ManageInvitations,
    ChangeMemberRole,
    RemoveMember,
    UpdateOrganization,
    ManageWebhooks,
    ChangePlan,
    TransferOwnership,
    DeleteOrganization,
}

impl Action {
    /// Every action, from the viewer's reads up to the owner's deletion.
    pub const ALL: [Action; 19] = [
        Action::ReadOrganization,
        Action::CreateProject,
        Action::RenameProject,
        Action::UpdateProjectSettings,
        Action::CreateApiKey,
        Action::RenameApiKey,
        Action::RegenerateApiKey,
        Action::RecordUsage,
        Action::DeleteProject,
        Action::DeleteApiKey,
        Action::InviteMember,
        Action::ManageInvitations,
        Action::ChangeMemberRole,
        Action::RemoveMember,
        Action::UpdateOrganization,
        Action::ManageWebhooks,
        Action::ChangePlan,
        Action::TransferOwnership,
        Action::DeleteOrganization,
    ];

    /// The lowest role allowed to perform this action.
    #[must_use]
    pub fn min_role(self) -> Role {
        match self {
            Action::ReadOrganization => Role::Viewer,
            Action::CreateProject
            | Action::RenameProject
            | Action::UpdateProjectSettings
            | Action::CreateApiKey
            | Action::RenameApiKey
            | Action::RegenerateApiKey
            | Action::RecordUsage => Role::Member,
            Action::DeleteProject
            | Action::DeleteApiKey
            | Action::InviteMember
            | Action::ManageInvitations
            | Action::ChangeMemberRole
            | Action::RemoveMember
            | Action::UpdateOrganization
            | Action::ManageWebhooks => Role::Admin,
            Action::ChangePlan | Action::TransferOwnership | Action::DeleteOrganization => {
                Role::Owner
            }
        }
    }

    /// The permission name clients see in `viewerPermissions`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ReadOrganization => "organization:read",
            Action::CreateProject => "project:create",
            Action::RenameProject => "project:rename",
            Action::UpdateProjectSettings => "project:update_settings",
            Action::CreateApiKey => "api_key:create",
            Action::RenameApiKey => "api_key:rename",
            Action::RegenerateApiKey => "api_key:regenerate",
            Action::RecordUsage => "usage:record",
            Action::DeleteProject => "project:delete",
            Action::DeleteApiKey => "api_key:delete",
            Action::InviteMember => "member:invite",
            Action::ManageInvitations => "invitation:manage",
            Action::ChangeMemberRole => "member:change_role",
            Action::RemoveMember => "member:remove",
            Action::UpdateOrganization => "organization:update",
            Action::ManageWebhooks => "webhook:manage",
            Action::ChangePlan => "organization:change_plan",
            Action::TransferOwnership => "organization:transfer_ownership",
            Action::DeleteOrganization => "organization:delete",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ranked_viewer_member_admin_owner() {
        assert!(Role::Viewer < Role::Member);
        assert!(Role::Member < Role::Admin);
        assert!(Role::Admin < Role::Owner);
    }

    #[test]
    fn role_names_round_trip_and_unknown_names_fail() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("owner").is_err());
        for role in Role::ALL {
            assert!(role.label().eq_ignore_ascii_case(role.as_str()));
            assert!(role.summary().starts_with("can "));
        }
        assert!(Role::parse("SUPERUSER").is_err());
    }

    /// The action -> minimum-role table, row by row, written out independently of `min_role`.
    #[test]
    fn every_action_has_the_minimum_role_of_the_spec_table() {
        use Action::*;
        let table = [
            (ReadOrganization, Role::Viewer),
            (CreateProject, Role::Member),
            (RenameProject, Role::Member),
            (UpdateProjectSettings, Role::Member),
            (CreateApiKey, Role::Member),
            (RenameApiKey, Role::Member),
            (RegenerateApiKey, Role::Member),
            (RecordUsage, Role::Member),
            (DeleteProject, Role::Admin),
            (DeleteApiKey, Role::Admin),
            (InviteMember, Role::Admin),
            (ManageInvitations, Role::Admin),
            (ChangeMemberRole, Role::Admin),
            (RemoveMember, Role::Admin),
            (UpdateOrganization, Role::Admin),
            (ManageWebhooks, Role::Admin),
            (ChangePlan, Role::Owner),
            (TransferOwnership, Role::Owner),
            (DeleteOrganization, Role::Owner),
        ];
        assert_eq!(table.len(), Action::ALL.len());
        for (action, min) in table {
            assert_eq!(action.min_role(), min, "{action:?}");
            for role in Role::ALL {
                assert_eq!(role.may(action), role >= min, "{role} {action:?}");
            }
        }
    }

    #[test]
    fn permissions_grow_with_the_role() {
        let viewer = Role::Viewer.permissions();
        assert_eq!(viewer, vec!["organization:read"]);
        assert!(Role::Member.permissions().contains(&"project:create"));
        assert!(!Role::Member.permissions().contains(&"member:invite"));
        assert!(Role::Admin.permissions().contains(&"member:invite"));
        assert!(!Role::Admin.permissions().contains(&"organization:delete"));
        assert_eq!(Role::Owner.permissions().len(), Action::ALL.len());
    }
}
