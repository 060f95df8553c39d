//! `sign_in_addresses`: the client IPs each user signed in from, with when each was first
//! and last seen. A sign-in from an address missing here (or last seen more than 90 days
//! ago) is news worth a security alert. Housekeeping deletes addresses unseen for 90 days,
//! so the table holds at most 90 days of each user's history; it goes with the user.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{pk_uuid, string_len, timestamp_with_time_zone, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("sign_in_addresses")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    // The longest textual IPv6 address is 45 characters.
                    .col(string_len("ip", 64))
                    .col(timestamp_with_time_zone("first_seen_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("sign_in_addresses", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sign_in_addresses_user_ip")
                    .table("sign_in_addresses")
                    .col("user_id")
                    .col("ip")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sign_in_addresses_last_seen")
                    .table("sign_in_addresses")
                    .col("last_seen_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("sign_in_addresses").to_owned())
            .await
    }
}
