//! Organization logos: a save replaces the earlier logo byte for byte, the entity tag is
//! read without the image, deleting says whether there was one, every organization keeps
//! its own, the database refuses types and sizes the domain would refuse too, and deleting
//! an organization takes its logo with it.

use roster_domain::{LogoType, NewLogo};
use roster_persistence::{organization_logos, organizations};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::support::{migrated, now, team};

fn png(tail: u8, len: usize) -> NewLogo {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(len, tail);
    NewLogo::parse(bytes).unwrap()
}

#[tokio::test]
async fn a_logo_is_saved_replaced_read_and_removed() {
    let db = migrated().await;
    let acme = team(&db.conn, "acme").await;
    let other = team(&db.conn, "other").await;
    assert_eq!(
        organization_logos::find(&db.conn, acme.id).await.unwrap(),
        None
    );
    assert_eq!(
        organization_logos::etag(&db.conn, acme.id).await.unwrap(),
        None
    );

    let first = png(1, 300);
    organization_logos::save(&db.conn, acme.id, &first, now())
        .await
        .unwrap();
    let stored = organization_logos::find(&db.conn, acme.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.image_type, LogoType::Png);
    assert_eq!(stored.bytes, first.bytes());
    assert_eq!(stored.etag, first.etag());
    assert_eq!(
        organization_logos::etag(&db.conn, acme.id).await.unwrap(),
        Some(first.etag().to_owned())
    );

    let mut jpeg = b"\xff\xd8\xff\xe0".to_vec();
    jpeg.resize(roster_domain::logo::MAX_LOGO_BYTES, 7);
    let second = NewLogo::parse(jpeg).unwrap();
    organization_logos::save(&db.conn, acme.id, &second, now())
        .await
        .unwrap();
    let stored = organization_logos::find(&db.conn, acme.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.image_type, LogoType::Jpeg);
    assert_eq!(stored.bytes.len(), roster_domain::logo::MAX_LOGO_BYTES);
    assert_eq!(stored.bytes, second.bytes());
    assert_eq!(stored.etag, second.etag());
    assert_eq!(
        organization_logos::etag(&db.conn, other.id).await.unwrap(),
        None
    );

    assert!(organization_logos::delete(&db.conn, acme.id).await.unwrap());
    assert!(!organization_logos::delete(&db.conn, acme.id).await.unwrap());
    assert_eq!(
        organization_logos::find(&db.conn, acme.id).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn the_database_refuses_other_types_and_oversized_images() {
    let db = migrated().await;
    let acme = team(&db.conn, "acme").await;
    let backend = db.conn.get_database_backend();
    let insert = |content_type: &str, len: usize| {
        let sql = if backend == DatabaseBackend::Postgres {
            "INSERT INTO organization_logos (organization_id, content_type, bytes, etag, updated_at) VALUES ($1, $2, $3, 'x', CURRENT_TIMESTAMP)"
        } else {
            "INSERT INTO organization_logos (organization_id, content_type, bytes, etag, updated_at) VALUES (?, ?, ?, 'x', CURRENT_TIMESTAMP)"
        };
        Statement::from_sql_and_values(
            backend,
            sql,
            [acme.id.into(), content_type.into(), vec![0_u8; len].into()],
        )
    };
    for (content_type, len) in [
        ("image/svg+xml", 10),
        ("image/png", 0),
        ("image/png", roster_domain::logo::MAX_LOGO_BYTES + 1),
    ] {
        let refused = db.conn.execute_raw(insert(content_type, len)).await;
        assert!(refused.is_err(), "{content_type} of {len} bytes was stored");
    }
    db.conn
        .execute_raw(insert("image/png", roster_domain::logo::MAX_LOGO_BYTES))
        .await
        .unwrap();
}

#[tokio::test]
async fn deleting_an_organization_deletes_its_logo() {
    let db = migrated().await;
    let acme = team(&db.conn, "acme").await;
    organization_logos::save(&db.conn, acme.id, &png(2, 64), now())
        .await
        .unwrap();
    organizations::delete(&db.conn, acme.id).await.unwrap();
    let backend = db.conn.get_database_backend();
    let left = db
        .conn
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM organization_logos",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(left.try_get::<i64>("", "n").unwrap(), 0);
}
