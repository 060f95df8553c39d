//! `notification_preferences`: what one member wants mailed about one organization (usage
//! warnings, a weekly summary, security alerts). A missing row means the defaults, so only
//! members who changed something have one; it goes with the organization or the user.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, pk_uuid, timestamp_with_time_zone, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("notification_preferences")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(uuid("user_id"))
                    .col(boolean("usage_warnings"))
                    .col(boolean("weekly_summary"))
                    .col(boolean("security_alerts"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("notification_preferences", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("notification_preferences", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_notification_preferences_org_user")
                    .table("notification_preferences")
                    .col("organization_id")
                    .col("user_id")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("notification_preferences").to_owned())
            .await
    }
}
