//! Fixtures: a migrated database per test, and organizations, users and memberships
//! inserted through the repositories themselves.

use chrono::{DateTime, Utc};
use roster_domain::{Membership, Organization, OrganizationKind, Role, User};
use roster_persistence::{Database, memberships, organizations, users};
use sea_orm::{ConnectionTrait as _, DatabaseBackend};
use test_support::TestDb;
use uuid::Uuid;

/// A migrated database and the pool the tests use.
pub struct Db {
    pub conn: Database,
    // Dropped after the pool: the database outlives its connections.
    _test_db: TestDb,
}

impl Db {
    /// The database's URL.
    pub fn url(&self) -> &str {
        &self._test_db.url
    }

    /// Whether a test for `backend` only runs here; when not, says so (`why_not`).
    pub fn runs_on(&self, backend: DatabaseBackend, why_not: &str) -> bool {
        let runs = self.conn.get_database_backend() == backend;
        if !runs {
            eprintln!("skipped: {why_not}");
        }
        runs
    }
}

/// A fresh database with the schema from the migrations.
pub async fn migrated() -> Db {
    let test_db = TestDb::new().await.unwrap();
    let conn = roster_persistence::connect(&test_db.url).await.unwrap();
    roster_persistence::migrate(&conn).await.unwrap();
    Db {
        conn,
        _test_db: test_db,
    }
}

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A team organization with no members yet.
pub async fn team(db: &Database, slug: &str) -> Organization {
    organizations::insert(
        db,
        organizations::NewOrganization {
            id: Uuid::now_v7(),
            slug,
            name: slug,
            kind: OrganizationKind::Team,
            now: now(),
        },
    )
    .await
    .unwrap()
}

/// A user, owning the personal organization every user has (as a first sign-in leaves
/// them).
pub async fn user(db: &Database, email: &str) -> User {
    let personal = organizations::insert(
        db,
        organizations::NewOrganization {
            id: Uuid::now_v7(),
            slug: &format!("personal-{}", Uuid::now_v7().simple()),
            name: "Personal",
            kind: OrganizationKind::Personal,
            now: now(),
        },
    )
    .await
    .unwrap();
    let user = users::insert(
        db,
        users::NewUser {
            id: Uuid::now_v7(),
            email,
            personal_organization_id: personal.id,
            now: now(),
        },
    )
    .await
    .unwrap();
    join(db, &personal, &user, Role::Owner).await;
    user
}

/// Adds `user` to `org` with `role`.
pub async fn join(db: &Database, org: &Organization, user: &User, role: Role) -> Membership {
    memberships::insert(db, org.id, user.id, role, now())
        .await
        .unwrap()
}

/// The organization as stored now (for its counter).
pub async fn reload(db: &Database, org: &Organization) -> Organization {
    organizations::find(db, organizations::OrganizationKey::Id(org.id))
        .await
        .unwrap()
        .unwrap()
}
