//! `signing_keys`: the Ed25519 keys that sign organization tokens. Generation 1 is created
//! by the first process that needs a key; a rotation inserts the next generation (the
//! primary key makes concurrent creations and rotations converge on one row) and retires
//! the older ones, which stay published until the tokens they signed have expired.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer, string, text, timestamp_with_time_zone, timestamp_with_time_zone_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("signing_keys")
                    .col(integer("generation").primary_key())
                    .col(string("kid").unique_key())
                    .col(text("private_key"))
                    .col(text("public_key"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("retired_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("signing_keys").to_owned())
            .await
    }
}
