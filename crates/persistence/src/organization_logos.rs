//! Organization logos: saved with one upsert (a new logo replaces the old one), read whole
//! to serve the image, or read as the entity tag alone, which is all a logo's URL and a
//! conditional request need (the image itself may be half a megabyte).

use chrono::{DateTime, Utc};
use roster_domain::{Logo, LogoType, NewLogo};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

use crate::entity::organization_logos as logos;
use crate::error::{RepoError, RepoResult};

/// Stores `logo` as the organization's logo, replacing any earlier one.
///
/// # Errors
/// `RepoError` on database failure; `MissingReference` when the organization is gone.
pub async fn save<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    logo: &NewLogo,
    now: DateTime<Utc>,
) -> RepoResult<()> {
    let row = logos::ActiveModel {
        organization_id: Set(organization_id),
        content_type: Set(logo.image_type().content_type().to_owned()),
        bytes: Set(logo.bytes().to_vec()),
        etag: Set(logo.etag().to_owned()),
        updated_at: Set(now),
    };
    logos::Entity::insert(row)
        .on_conflict(
            OnConflict::column(logos::Column::OrganizationId)
                .update_columns([
                    logos::Column::ContentType,
                    logos::Column::Bytes,
                    logos::Column::Etag,
                    logos::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The organization's logo with its bytes, or `None` when it has none.
///
/// # Errors
/// `RepoError::Db` on database failure or a stored type no longer accepted.
pub async fn find<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> RepoResult<Option<Logo>> {
    let Some(row) = logos::Entity::find_by_id(organization_id).one(db).await? else {
        return Ok(None);
    };
    let image_type = LogoType::from_content_type(&row.content_type).ok_or_else(|| {
        RepoError::Db(sea_orm::DbErr::Custom(format!(
            "the logo of organization {organization_id} has unknown type {}",
            row.content_type
        )))
    })?;
    Ok(Some(Logo {
        image_type,
        bytes: row.bytes,
        etag: row.etag,
        updated_at: row.updated_at,
    }))
}

/// The entity tag of the organization's logo (the bytes are not read), or `None`.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn etag<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> RepoResult<Option<String>> {
    Ok(logos::Entity::find_by_id(organization_id)
        .select_only()
        .column(logos::Column::Etag)
        .into_tuple::<String>()
        .one(db)
        .await?)
}

/// Removes the organization's logo; whether there was one.
///
/// # Errors
/// `RepoError::Db` on database failure.
pub async fn delete<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> RepoResult<bool> {
    let result = logos::Entity::delete_many()
        .filter(logos::Column::OrganizationId.eq(organization_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}
