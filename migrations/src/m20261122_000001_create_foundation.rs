//! The foundation schema: users, organizations, memberships, sign-in tokens, sessions,
//! audit events, the outbox and the server's persisted secrets.
//!
//! Integrity is the database's job as much as the code's: unique memberships and token
//! hashes, foreign keys with the cascades that deleting an organization needs (its
//! memberships, audit events and outbox rows go with it), and `CHECK`s on every enumerated
//! column.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer, integer_null, json_binary, pk_uuid, string, string_null, string_uniq, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 8] = [
    "outbox",
    "audit_events",
    "sessions",
    "sign_in_tokens",
    "memberships",
    "users",
    "organizations",
    "server_secrets",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("organizations")
                    .col(pk_uuid("id"))
                    .col(string_uniq("slug"))
                    .col(string("name"))
                    .col(string("kind").check(Expr::col("kind").is_in(["PERSONAL", "TEAM"])))
                    .col(
                        string("plan")
                            .default("free")
                            .check(Expr::col("plan").is_in(["free", "pro", "enterprise"])),
                    )
                    .col(
                        integer_null("audit_retention_days")
                            .check(Expr::col("audit_retention_days").is_in([30, 60, 90])),
                    )
                    .col(
                        integer("member_count")
                            .default(0)
                            .check(Expr::col("member_count").gte(0)),
                    )
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_uuid("id"))
                    .col(string_uniq("email"))
                    .col(string_null("display_name"))
                    .col(uuid("personal_organization_id").unique_key())
                    .col(uuid_null("active_organization_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("users", "personal_organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("users", "active_organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("memberships")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(uuid("user_id"))
                    .col(
                        string("role")
                            .check(Expr::col("role").is_in(["VIEWER", "MEMBER", "ADMIN", "OWNER"])),
                    )
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("memberships", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("memberships", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One membership per (org, user); it also serves the per-request role lookup.
        index(
            manager,
            "memberships",
            "ux_memberships_org_user",
            &["organization_id", "user_id"],
            true,
        )
        .await?;
        // Keyset pages of members, with and without the role filter.
        index(
            manager,
            "memberships",
            "ix_memberships_org_id",
            &["organization_id", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "memberships",
            "ix_memberships_org_role_id",
            &["organization_id", "role", "id"],
            false,
        )
        .await?;
        // The viewer's organizations, paged.
        index(
            manager,
            "memberships",
            "ix_memberships_user_id",
            &["user_id", "id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("sign_in_tokens")
                    .col(pk_uuid("id"))
                    .col(string("email"))
                    .col(string_uniq("token_hash"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        // The per-address rate limit counts recent tokens.
        index(
            manager,
            "sign_in_tokens",
            "ix_sign_in_tokens_email_created",
            &["email", "created_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_uniq("token_hash"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("sessions", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "sessions", "ix_sessions_user", &["user_id"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_events")
                    .col(pk_uuid("id"))
                    .col(uuid_null("organization_id"))
                    .col(string("action"))
                    .col(uuid_null("actor_user_id"))
                    .col(uuid_null("actor_api_key_id"))
                    .col(string_null("actor_email"))
                    .col(uuid_null("target_id"))
                    .col(uuid_null("project_id"))
                    .col(string_null("ip"))
                    .col(text_null("user_agent"))
                    .col(json_binary("context"))
                    .col(timestamp_with_time_zone("occurred_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("audit_events", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Newest-first keyset pages per org; ids are UUIDv7, so id order is time order.
        index(
            manager,
            "audit_events",
            "ix_audit_org_id",
            &["organization_id", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "audit_events",
            "ix_audit_org_action_id",
            &["organization_id", "action", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "audit_events",
            "ix_audit_org_actor_id",
            &["organization_id", "actor_user_id", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "audit_events",
            "ix_audit_org_project_id",
            &["organization_id", "project_id", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "audit_events",
            "ix_audit_org_occurred",
            &["organization_id", "occurred_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("outbox")
                    .col(pk_uuid("id"))
                    .col(string("kind"))
                    .col(uuid_null("organization_id"))
                    .col(uuid_null("subject_id"))
                    .col(string("recipient"))
                    .col(json_binary("payload"))
                    .col(
                        string("status")
                            .check(Expr::col("status").is_in(["QUEUED", "SENT", "FAILED"])),
                    )
                    .col(integer("attempts").default(0))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("outbox", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The worker's claim scans only queued rows, oldest due first.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_outbox_due ON outbox (next_attempt_at) WHERE status = 'QUEUED'",
            )
            .await?;
        index(
            manager,
            "outbox",
            "ix_outbox_subject",
            &["subject_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("server_secrets")
                    .col(string("name").primary_key())
                    .col(string("value"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn index(
    manager: &SchemaManager<'_>,
    table: &'static str,
    name: &'static str,
    columns: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(*column);
    }
    if unique {
        statement.unique();
    }
    manager.create_index(statement.to_owned()).await
}
