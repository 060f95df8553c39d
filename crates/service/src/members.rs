//! Managing members: change a role, remove a member, leave, transfer ownership. Each runs
//! under the organization's lock (`FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite),
//! so the owner count read before the write cannot change underneath: a team organization
//! never ends up without an owner, however many such requests race.

use roster_domain::membership::{check_departure, check_removal, check_role_change};
use roster_domain::organization::ensure_team;
use roster_domain::{Action, AuditAction, Member, OrganizationView, Role};
use roster_persistence::{begin_write, memberships, users};
use uuid::Uuid;

use crate::audit::Audit;
use crate::error::{Error, Result};
use crate::principal::{Principal, require};
use crate::sessions::Actor;
use crate::{RequestContext, Roster};

impl Roster {
    /// Changes a member's role (admin+; only owners grant or take `OWNER`).
    ///
    /// # Errors
    /// `NotFound` (org or member), `Forbidden`, `LastOwner`, `PersonalOrganization`.
    pub async fn change_member_role(
        &self,
        principal: &Principal,
        organization_id: Uuid,
        user_id: Uuid,
        role: Role,
        request: &RequestContext,
    ) -> Result<Member> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let view = self.locked_view(&txn, principal, organization_id).await?;
        let target = memberships::find(&txn, organization_id, user_id)
            .await?
            .ok_or(Error::NotFound("member"))?;
        let owners = memberships::count_owners(&txn, organization_id).await?;
        check_role_change(view.membership.role, target.role, role, owners)?;
        if target.role != role {
            ensure_team(view.organization.kind, "given other roles")?;
        }
        let updated = memberships::update_role(&txn, target.id, role).await?;
        let user = users::find(&txn, user_id)
            .await?
            .ok_or(Error::NotFound("member"))?;
        Audit::by(principal, request, now)
            .action(AuditAction::MemberRoleChanged, organization_id)
            .target(user_id)
            .context(serde_json::json!({ "email": user.email, "from": target.role.as_str(), "to": role.as_str() }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(Member {
            membership: updated,
            user: (&user).into(),
        })
    }

    /// Removes a member (admin+; only owners remove owners). What they created stays.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `LastOwner`, `PersonalOrganization`.
    pub async fn remove_member(
        &self,
        principal: &Principal,
        organization_id: Uuid,
        user_id: Uuid,
        request: &RequestContext,
    ) -> Result<Uuid> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let view = self.locked_view(&txn, principal, organization_id).await?;
        let target = memberships::find(&txn, organization_id, user_id)
            .await?
            .ok_or(Error::NotFound("member"))?;
        let owners = memberships::count_owners(&txn, organization_id).await?;
        check_removal(view.membership.role, target.role, owners)?;
        ensure_team(view.organization.kind, "left or emptied")?;
        memberships::delete(&txn, &target).await?;
        let email = users::find(&txn, user_id).await?.map(|user| user.email);
        Audit::by(principal, request, now)
            .action(AuditAction::MemberRemoved, organization_id)
            .target(user_id)
            .context(serde_json::json!({ "email": email, "role": target.role.as_str() }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(user_id)
    }

    /// The caller leaves the organization.
    ///
    /// # Errors
    /// `NotFound`, `LastOwner`, `PersonalOrganization`.
    pub async fn leave_organization(
        &self,
        actor: &Actor,
        organization_id: Uuid,
        request: &RequestContext,
    ) -> Result<Uuid> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let view = self
            .locked_view(&txn, &Principal::User(actor.clone()), organization_id)
            .await?;
        ensure_team(view.organization.kind, "left")?;
        let owners = memberships::count_owners(&txn, organization_id).await?;
        check_departure(view.membership.role, owners)?;
        memberships::delete(&txn, &view.membership).await?;
        Audit::by_user(&actor.user, request, now)
            .action(AuditAction::MemberLeft, organization_id)
            .target(actor.user.id)
            .context(serde_json::json!({ "role": view.membership.role.as_str() }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(organization_id)
    }

    /// Makes `user_id` (a member) an owner and the caller an admin, atomically.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` unless owner, `PersonalOrganization`, `BadInput` for self.
    pub async fn transfer_ownership(
        &self,
        actor: &Actor,
        organization_id: Uuid,
        user_id: Uuid,
        request: &RequestContext,
    ) -> Result<OrganizationView> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let view = self
            .locked_view(&txn, &Principal::User(actor.clone()), organization_id)
            .await?;
        require(view.membership.role, Action::TransferOwnership)?;
        ensure_team(view.organization.kind, "transferred")?;
        if user_id == actor.user.id {
            return Err(Error::bad_input(
                "userId",
                "you already own this organization",
            ));
        }
        let target = memberships::find(&txn, organization_id, user_id)
            .await?
            .ok_or(Error::NotFound("member"))?;
        memberships::update_role(&txn, target.id, Role::Owner).await?;
        let demoted = memberships::update_role(&txn, view.membership.id, Role::Admin).await?;
        Audit::by_user(&actor.user, request, now)
            .action(AuditAction::OwnershipTransferred, organization_id)
            .target(user_id)
            .context(serde_json::json!({ "previousRole": target.role.as_str() }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(OrganizationView {
            organization: view.organization,
            membership: demoted,
        })
    }
}
