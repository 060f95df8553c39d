//! Invitations: one row per invited address and organization, with a partial unique index
//! so that at most one invitation per (organization, normalized email) is pending.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    pk_uuid, string, string_uniq, timestamp_with_time_zone, timestamp_with_time_zone_null, uuid,
    uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("invitations")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(string("email"))
                    .col(
                        string("role")
                            .check(Expr::col("role").is_in(["VIEWER", "MEMBER", "ADMIN", "OWNER"])),
                    )
                    .col(
                        string("status").check(
                            Expr::col("status")
                                .is_in(["PENDING", "ACCEPTED", "DECLINED", "REVOKED", "EXPIRED"]),
                        ),
                    )
                    .col(string_uniq("token_hash"))
                    .col(uuid_null("invited_by_user_id"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("responded_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("invitations", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("invitations", "invited_by_user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The database's own guarantee of one pending invitation per address and org.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_invitations_pending ON invitations (organization_id, email) WHERE status = 'PENDING'",
        )
        .await?;
        // The invitee's badge and list.
        db.execute_unprepared(
            "CREATE INDEX ix_invitations_email_status ON invitations (email, status)",
        )
        .await?;
        // An organization's invitations, paged, with and without the status filter.
        db.execute_unprepared(
            "CREATE INDEX ix_invitations_org_status_id ON invitations (organization_id, status, id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_invitations_org_id ON invitations (organization_id, id)",
        )
        .await?;
        // The per-organization invitation rate limit counts recent invitation mail.
        db.execute_unprepared(
            "CREATE INDEX ix_outbox_org_kind_created ON outbox (organization_id, kind, created_at)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_outbox_org_kind_created")
                    .table("outbox")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("invitations").if_exists().to_owned())
            .await
    }
}
