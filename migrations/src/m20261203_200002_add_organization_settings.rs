//! Organization settings: a billing email (owners choose it; billing mail goes there) and a
//! JSON object of defaults for new projects, plus each project's own overrides. Settings are
//! stored as JSON text, `{}` until set.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_null, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for (table, column) in [
            ("organizations", string_null("billing_email")),
            ("organizations", text("settings").default("{}").to_owned()),
            ("projects", text("settings").default("{}").to_owned()),
        ] {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            ("projects", "settings"),
            ("organizations", "settings"),
            ("organizations", "billing_email"),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
