//! `Organization.logoUrl` and `avatarUrl`: the uploaded logo's URL (versioned by its entity
//! tag), else the drawn avatar's. Both need only the logo's entity tag, never its bytes,
//! and a request reads it once per organization however many of the two fields it selects.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Context;
use roster_domain::logo::url_version;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::error::ResultExt;
use super::roster;

/// The URL of a logo with entity tag `etag`: versioned, so caches never show an old one.
pub(crate) fn logo_url(public_url: &str, organization_id: Uuid, etag: &str) -> String {
    format!(
        "{public_url}/organizations/{organization_id}/logo?v={}",
        url_version(etag)
    )
}

/// The entity tags one request has read, per organization (request data). Fields resolved
/// at the same time wait for the one read in flight.
#[derive(Default)]
pub(crate) struct LogoEtags(Mutex<HashMap<Uuid, Arc<OnceCell<Option<String>>>>>);

impl LogoEtags {
    fn cell(&self, organization_id: Uuid) -> Arc<OnceCell<Option<String>>> {
        let mut cells = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(cells.entry(organization_id).or_default())
    }
}

/// The logo's entity tag, read at most once per request and organization.
async fn etag(ctx: &Context<'_>, organization_id: Uuid) -> async_graphql::Result<Option<String>> {
    let roster = roster(ctx)?;
    let read = || async { roster.logo_etag(organization_id).await.gql(ctx) };
    match ctx.data_opt::<LogoEtags>() {
        Some(etags) => etags
            .cell(organization_id)
            .get_or_try_init(read)
            .await
            .cloned(),
        None => read().await,
    }
}

/// `Organization.logoUrl`: null without an uploaded logo.
pub(super) async fn logo(
    ctx: &Context<'_>,
    organization_id: Uuid,
) -> async_graphql::Result<Option<String>> {
    let public_url = roster(ctx)?.public_url();
    Ok(etag(ctx, organization_id)
        .await?
        .map(|etag| logo_url(public_url, organization_id, &etag)))
}

/// `Organization.avatarUrl`: the logo, else the avatar Roster draws from the id.
pub(super) async fn avatar(
    ctx: &Context<'_>,
    organization_id: Uuid,
) -> async_graphql::Result<String> {
    match logo(ctx, organization_id).await? {
        Some(url) => Ok(url),
        None => Ok(format!(
            "{}/avatars/{organization_id}.svg",
            roster(ctx)?.public_url()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logo_urls_carry_the_version() {
        let id = Uuid::nil();
        assert_eq!(
            logo_url("https://roster.test", id, "0123456789abcdef0123"),
            format!("https://roster.test/organizations/{id}/logo?v=0123456789ab")
        );
    }
}
