//! Membership rules on top of the role table: nobody grants more than they have, only an
//! owner grants or takes away `OWNER` or touches an owner, and a team organization never
//! loses its last owner.

use crate::{Action, Role};

/// A membership change the rules refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MembershipRuleError {
    /// The actor's role is below what the change needs.
    #[error("this needs the {required} role or higher")]
    Forbidden { required: Role },
    /// The change would leave the organization without an owner.
    #[error("an organization needs at least one owner")]
    LastOwner,
}

fn require(actor: Role, action: Action) -> Result<(), MembershipRuleError> {
    if actor.may(action) {
        Ok(())
    } else {
        Err(MembershipRuleError::Forbidden {
            required: action.min_role(),
        })
    }
}

/// May `actor` invite someone as `role`? (Admin+, never above the actor's own role.)
///
/// # Errors
/// `Forbidden` naming the role needed.
pub fn check_invite(actor: Role, role: Role) -> Result<(), MembershipRuleError> {
    require(actor, Action::InviteMember)?;
    if role > actor {
        return Err(MembershipRuleError::Forbidden { required: role });
    }
    Ok(())
}

/// May `actor` change a member from `current` to `new`, with `owners` owners in the org?
///
/// # Errors
/// `Forbidden` below admin or when `OWNER` is involved and the actor is not an owner;
/// `LastOwner` when the last owner would be demoted.
pub fn check_role_change(
    actor: Role,
    current: Role,
    new: Role,
    owners: u64,
) -> Result<(), MembershipRuleError> {
    require(actor, Action::ChangeMemberRole)?;
    if (current == Role::Owner || new == Role::Owner) && actor != Role::Owner {
        return Err(MembershipRuleError::Forbidden {
            required: Role::Owner,
        });
    }
    if current == Role::Owner && new != Role::Owner && owners <= 1 {
        return Err(MembershipRuleError::LastOwner);
    }
    Ok(())
}

/// May `actor` remove a member whose role is `target`, with `owners` owners in the org?
///
/// # Errors
/// `Forbidden` below admin or for an owner target unless the actor is an owner;
/// `LastOwner` for the last owner.
pub fn check_removal(actor: Role, target: Role, owners: u64) -> Result<(), MembershipRuleError> {
    require(actor, Action::RemoveMember)?;
    if target == Role::Owner && actor != Role::Owner {
        return Err(MembershipRuleError::Forbidden {
            required: Role::Owner,
        });
    }
    check_departure(target, owners)
}

/// May a member with `role` leave (or be removed), with `owners` owners in the org?
///
/// # Errors
/// `LastOwner` when they are the last owner.
pub fn check_departure(role: Role, owners: u64) -> Result<(), MembershipRuleError> {
    if role == Role::Owner && owners <= 1 {
        return Err(MembershipRuleError::LastOwner);
    }
    Ok(())
}

/// The role an API key gets when its creator names none.
pub const DEFAULT_KEY_ROLE: Role = Role::Member;

/// May `actor` create (or regenerate) an API key carrying `key_role`? A key never acts
/// above the person who made it.
///
/// # Errors
/// `Forbidden` naming the key's role when it is above the actor's.
pub fn check_key_role(actor: Role, key_role: Role) -> Result<(), MembershipRuleError> {
    if key_role > actor {
        return Err(MembershipRuleError::Forbidden { required: key_role });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    #[test]
    fn keys_never_carry_a_role_above_their_creator() {
        assert_eq!(check_key_role(Member, Member), Ok(()));
        assert_eq!(check_key_role(Admin, Viewer), Ok(()));
        assert_eq!(
            check_key_role(Member, Admin),
            Err(MembershipRuleError::Forbidden { required: Admin })
        );
        assert_eq!(DEFAULT_KEY_ROLE, Member);
    }

    #[test]
    fn invites_need_admin_and_never_exceed_the_inviter() {
        assert_eq!(
            check_invite(Member, Viewer),
            Err(MembershipRuleError::Forbidden { required: Admin })
        );
        assert_eq!(check_invite(Admin, Admin), Ok(()));
        assert_eq!(
            check_invite(Admin, Owner),
            Err(MembershipRuleError::Forbidden { required: Owner })
        );
        assert_eq!(check_invite(Owner, Owner), Ok(()));
    }

    #[test]
    fn only_owners_grant_or_take_owner() {
        assert_eq!(check_role_change(Admin, Member, Admin, 1), Ok(()));
        assert_eq!(
            check_role_change(Admin, Member, Owner, 1),
            Err(MembershipRuleError::Forbidden { required: Owner })
        );
        assert_eq!(
            check_role_change(Admin, Owner, Admin, 2),
            Err(MembershipRuleError::Forbidden { required: Owner })
        );
        assert_eq!(
            check_role_change(Member, Viewer, Member, 1),
            Err(MembershipRuleError::Forbidden { required: Admin })
        );
        assert_eq!(check_role_change(Owner, Member, Owner, 1), Ok(()));
    }

    #[test]
    fn the_last_owner_cannot_be_demoted_removed_or_leave() {
        assert_eq!(
            check_role_change(Owner, Owner, Admin, 1),
            Err(MembershipRuleError::LastOwner)
        );
        assert_eq!(check_role_change(Owner, Owner, Admin, 2), Ok(()));
        assert_eq!(
            check_removal(Owner, Owner, 1),
            Err(MembershipRuleError::LastOwner)
        );
        assert_eq!(check_removal(Owner, Owner, 2), Ok(()));
        assert_eq!(
            check_removal(Admin, Owner, 2),
            Err(MembershipRuleError::Forbidden { required: Owner })
        );
        assert_eq!(check_removal(Admin, Member, 1), Ok(()));
        assert_eq!(
            check_departure(Owner, 1),
            Err(MembershipRuleError::LastOwner)
        );
        assert_eq!(check_departure(Member, 0), Ok(()));
    }
}
