//! Metered usage: `usage_counters` holds one row per organization, metric and period start
//! (the first of a month in UTC, or the epoch for a metric that never resets) with what was
//! used; `usage_idempotency` remembers each idempotency key an organization used, with the
//! answer it got, so a retry within 24 hours gets the same answer and counts once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, json_binary, string, timestamp_with_time_zone, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("usage_counters")
                    .col(uuid("organization_id"))
                    .col(string("metric"))
                    .col(timestamp_with_time_zone("period_start"))
                    .col(big_integer("used").check(Expr::col("used").gte(0)))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(
                        Index::create()
                            .col("organization_id")
                            .col("metric")
                            .col("period_start"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("usage_counters", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("usage_idempotency")
                    .col(uuid("organization_id"))
                    .col(string("key"))
                    .col(string("metric"))
                    .col(big_integer("quantity"))
                    .col(json_binary("answer"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("organization_id").col("key"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("usage_idempotency", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Pruning deletes keys by age across all organizations.
        manager
            .create_index(
                Index::create()
                    .name("ix_usage_idempotency_created_at")
                    .table("usage_idempotency")
                    .col("created_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("usage_idempotency").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("usage_counters").to_owned())
            .await
    }
}
