//! `organization_logos`: at most one uploaded logo per organization (PNG, JPEG or WebP, at
//! most 512 KiB), kept in the database beside everything else the organization owns and
//! deleted with it. `etag` is the SHA-256 of the bytes, so the logo's URL and its HTTP
//! caching can be answered from one short column without reading the image.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{blob, pk_uuid, string, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("organization_logos")
                    .col(pk_uuid("organization_id"))
                    .col(
                        string("content_type").check(Expr::col("content_type").is_in([
                            "image/png",
                            "image/jpeg",
                            "image/webp",
                        ])),
                    )
                    // `length` counts bytes of a blob on SQLite and of a bytea on PostgreSQL.
                    .col(blob("bytes").check(Expr::cust("length(bytes) BETWEEN 1 AND 524288")))
                    .col(string("etag"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("organization_logos", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("organization_logos").to_owned())
            .await
    }
}
