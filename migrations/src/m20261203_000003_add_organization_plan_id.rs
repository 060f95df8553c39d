//! `organizations.plan_id`: the organization's plan, free of the `CHECK` that limited the
//! first `plan` column to free/pro/enterprise. Plans are configuration now (an operator's
//! plans file may name any), so the ids are checked against the configured plans when they
//! are set, not by the schema.
//!
//! Why a new column instead of dropping the `CHECK`: SQLite cannot drop a constraint, and
//! rebuilding `organizations` (copy, drop, rename) would drop the parent of every
//! organization-owned table, whose `ON DELETE CASCADE` foreign keys would empty them unless
//! foreign keys were switched off, which a pooled, transactional migration cannot do
//! reliably. The old `plan` column stays (frozen, default `free`) and is no longer read.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("organizations")
                    .add_column(string("plan_id").default("free"))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE organizations SET plan_id = plan")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("organizations")
                    .drop_column("plan_id")
                    .to_owned(),
            )
            .await
    }
}
