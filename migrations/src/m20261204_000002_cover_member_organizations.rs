//! The viewer's organizations page reads only the membership's own five columns, like the
//! members pages (`m20261204_000001`), so the index that serves it now holds all five and
//! SQLite reads the page's memberships from the index alone. It replaces the narrower
//! `(user_id, id)` index.
//!
//! A migration of its own rather than an edit of the previous one: test databases are
//! copied from a template named after the migrations, and an edited migration keeps its name.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COVERING: &str = "ix_memberships_user_id_covering";
const NARROW: &str = "ix_memberships_user_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = ["user_id", "id", "organization_id", "role", "created_at"];
        manager.create_index(index(COVERING, &columns)).await?;
        manager.drop_index(drop(NARROW)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(NARROW, &["user_id", "id"]))
            .await?;
        manager.drop_index(drop(COVERING)).await
    }
}

fn index(name: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut statement = Index::create();
    statement.name(name).table("memberships");
    for column in columns {
        statement.col(*column);
    }
    statement.to_owned()
}

fn drop(name: &'static str) -> IndexDropStatement {
    Index::drop().name(name).table("memberships").to_owned()
}
