//! `rate_events`: one row per use of a rate-limited action (a sign-in link from one client
//! address, an organization created by one user, an invitation mail to one address), keyed
//! by what is limited. Counting rows in the database, under a per-key lock, is what lets
//! several processes share every limit; old rows are pruned in the background.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{pk_uuid, string, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("rate_events")
                    .col(pk_uuid("id"))
                    .col(string("key"))
                    .col(timestamp_with_time_zone("occurred_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rate_events_key_time")
                    .table("rate_events")
                    .col("key")
                    .col("occurred_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rate_events_time")
                    .table("rate_events")
                    .col("occurred_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("rate_events").to_owned())
            .await
    }
}
