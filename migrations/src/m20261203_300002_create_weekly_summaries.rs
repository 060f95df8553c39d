//! `weekly_summaries`: for each (user, organization) the last week whose summary was
//! handled (mailed, or skipped because nothing happened). The unique index is what makes
//! the summary go out at most once per week per member when several processes run the job
//! at the same time: a process claims a week with one conditional upsert, in the
//! transaction that queues the mail. It goes with the organization or the user.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{pk_uuid, timestamp_with_time_zone, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("weekly_summaries")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(uuid("organization_id"))
                    .col(timestamp_with_time_zone("week_start"))
                    .col(timestamp_with_time_zone("handled_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("weekly_summaries", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("weekly_summaries", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_weekly_summaries_user_org")
                    .table("weekly_summaries")
                    .col("user_id")
                    .col("organization_id")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("weekly_summaries").to_owned())
            .await
    }
}
