//! Projects (unique names per organization, case-insensitively), per-project API keys
//! (stored as hashes), and the audit log's record of API-key actors.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    pk_uuid, string, string_null, string_uniq, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("projects")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(string("name"))
                    .col(string("name_normalized"))
                    .col(uuid_null("created_by_user_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("projects", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("projects", "created_by_user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Names are unique within an organization, case-insensitively.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_projects_org_name ON projects (organization_id, name_normalized)",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_projects_org_id ON projects (organization_id, id)")
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("api_keys")
                    .col(pk_uuid("id"))
                    .col(uuid("project_id"))
                    .col(uuid("organization_id"))
                    .col(string("label"))
                    .col(
                        string("role")
                            .check(Expr::col("role").is_in(["VIEWER", "MEMBER", "ADMIN", "OWNER"])),
                    )
                    .col(string_uniq("secret_hash"))
                    .col(string("last4"))
                    .col(uuid_null("created_by_user_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("api_keys", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("api_keys", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("api_keys", "created_by_user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("CREATE INDEX ix_api_keys_project ON api_keys (project_id, id)")
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table("audit_events")
                    .add_column(string_null("actor_label"))
                    .to_owned(),
            )
            .await?;
        // The audit log's actor filter matches users and API keys.
        db.execute_unprepared(
            "CREATE INDEX ix_audit_org_key_id ON audit_events (organization_id, actor_api_key_id, id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_audit_org_key_id")
                    .table("audit_events")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("audit_events")
                    .drop_column("actor_label")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("api_keys").if_exists().to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("projects").if_exists().to_owned())
            .await
    }
}
