//! The outbox becomes a general queue with safer leases: `lease_owner` names the worker
//! holding a claim, so a worker can re-check (and renew) its claim right before each send
//! and never send a message another worker took over; `expires_at` says when a message
//! stops mattering (its link expired), so transient failures retry until then instead of
//! giving up after a fixed number of attempts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{timestamp_with_time_zone_null, uuid_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table("outbox")
                    .add_column(uuid_null("lease_owner"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("outbox")
                    .add_column(timestamp_with_time_zone_null("expires_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("outbox")
                    .drop_column("expires_at")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("outbox")
                    .drop_column("lease_owner")
                    .to_owned(),
            )
            .await
    }
}
