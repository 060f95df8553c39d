//! Organization logos: admins set and remove them (audited as `organization.updated` with
//! `logo` among the changed fields, in the change's transaction), and anyone may read one,
//! because it is an image embedded in pages by its URL. The format and size rules are the
//! domain's (`NewLogo::parse`); callers hand a parsed logo in.

use roster_domain::{Action, AuditAction, Logo, NewLogo};
use roster_persistence::{begin_write, organization_logos};
use uuid::Uuid;

use crate::audit::Audit;
use crate::error::Result;
use crate::principal::{Principal, require};
use crate::{RequestContext, Roster};

impl Roster {
    /// Makes `logo` the organization's logo (admin or owner), replacing any earlier one.
    /// The same image again changes and records nothing. Returns the entity tag.
    ///
    /// # Errors
    /// `NotFound` for non-members (as for a missing organization), `Forbidden` below admin.
    pub async fn set_logo(
        &self,
        principal: &Principal,
        organization_id: Uuid,
        logo: &NewLogo,
        request: &RequestContext,
    ) -> Result<String> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let view = self.locked_view(&txn, principal, organization_id).await?;
        require(view.membership.role, Action::UpdateOrganization)?;
        let before = organization_logos::etag(&txn, organization_id).await?;
        if before.as_deref() == Some(logo.etag()) {
            return Ok(logo.etag().to_owned());
        }
        organization_logos::save(&txn, organization_id, logo, now).await?;
        Audit::by(principal, request, now)
            .action(AuditAction::OrganizationUpdated, organization_id)
            .target(organization_id)
            .context(serde_json::json!({
                "changed": ["logo"],
                "before": { "logo": before },
                "after": {
                    "logo": logo.etag(),
                    "contentType": logo.image_type().content_type(),
                    "bytes": logo.bytes().len(),
                },
            }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(logo.etag().to_owned())
    }

    /// Removes the organization's logo (admin or owner), so its avatar is the drawn one
    /// again. Removing a logo that is not there changes and records nothing.
    ///
    /// # Errors
    /// `NotFound` for non-members (as for a missing organization), `Forbidden` below admin.
    pub async fn remove_logo(
        &self,
        principal: &Principal,
        organization_id: Uuid,
        request: &RequestContext,
    ) -> Result<()> {
        let now = self.clock.now();
        let txn = begin_write(&self.db).await?;
        let view = self.locked_view(&txn, principal, organization_id).await?;
        require(view.membership.role, Action::UpdateOrganization)?;
        let Some(before) = organization_logos::etag(&txn, organization_id).await? else {
            return Ok(());
        };
        organization_logos::delete(&txn, organization_id).await?;
        Audit::by(principal, request, now)
            .action(AuditAction::OrganizationUpdated, organization_id)
            .target(organization_id)
            .context(serde_json::json!({
                "changed": ["logo"],
                "before": { "logo": before },
                "after": { "logo": null },
            }))
            .append(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The organization's logo with its bytes, for anyone (the URL is public, like an
    /// `<img>` source); `None` when there is none or no such organization.
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn logo(&self, organization_id: Uuid) -> Result<Option<Logo>> {
        Ok(organization_logos::find(&self.db, organization_id).await?)
    }

    /// The entity tag of the organization's logo, without reading the image: what the
    /// logo's URL is versioned by. Callers have already read the organization as the
    /// principal sees it.
    ///
    /// # Errors
    /// `Internal` on database failure.
    pub async fn logo_etag(&self, organization_id: Uuid) -> Result<Option<String>> {
        Ok(organization_logos::etag(&self.db, organization_id).await?)
    }
}
