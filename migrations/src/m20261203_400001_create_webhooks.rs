//! Webhooks: `webhook_endpoints` holds each organization's receivers (URL, subscribed
//! events, the signing secret and, for 24 hours after a rotation, the previous one, and
//! since when every delivery has failed); `webhook_attempts` is the delivery log, one row
//! per request sent for an outbox message (response status, the start of the body, the
//! error). Messages themselves are outbox rows whose subject is the endpoint.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer_null, json_binary, pk_uuid, string, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("webhook_endpoints")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(text("url"))
                    .col(text_null("description"))
                    .col(json_binary("events"))
                    .col(boolean("enabled"))
                    .col(text_null("disabled_reason"))
                    .col(string("secret"))
                    .col(string("previous_secret").null())
                    .col(timestamp_with_time_zone_null("previous_secret_expires_at"))
                    .col(timestamp_with_time_zone_null("failing_since"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("webhook_endpoints", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_endpoints_organization")
                    .table("webhook_endpoints")
                    .col("organization_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_attempts")
                    .col(pk_uuid("id"))
                    .col(uuid("message_id"))
                    .col(timestamp_with_time_zone("attempted_at"))
                    .col(integer_null("response_status"))
                    .col(text_null("response_body"))
                    .col(text_null("error"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("webhook_attempts", "message_id")
                            .to("outbox", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_attempts_message")
                    .table("webhook_attempts")
                    .col("message_id")
                    .to_owned(),
            )
            .await?;
        // An endpoint's delivery log pages its messages newest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_subject_id_id")
                    .table("outbox")
                    .col("subject_id")
                    .col("id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_outbox_subject_id_id")
                    .table("outbox")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("webhook_attempts").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("webhook_endpoints").to_owned())
            .await
    }
}
