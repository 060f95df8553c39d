//! Organization-token signing keys: the first insert of a generation wins (so processes
//! creating or rotating at once agree), the highest generation is current, retiring marks
//! only older live keys, and the published set drops keys retired before the cut-off.

use chrono::{Duration, Utc};
use roster_persistence::signing_keys::{self, SigningKey};

use crate::support::migrated;

fn key(generation: i32, kid: &str) -> SigningKey {
    SigningKey {
        generation,
        kid: kid.to_owned(),
        private_key: format!("private-{kid}"),
        public_key: format!("public-{kid}"),
        created_at: Utc::now(),
        retired_at: None,
    }
}

#[tokio::test]
async fn the_first_key_of_a_generation_wins_and_the_highest_is_current() {
    let db = migrated().await;
    assert_eq!(signing_keys::current(&db.conn).await.unwrap(), None);
    signing_keys::insert_if_absent(&db.conn, &key(1, "a"))
        .await
        .unwrap();
    signing_keys::insert_if_absent(&db.conn, &key(1, "b"))
        .await
        .unwrap();
    let current = signing_keys::current(&db.conn).await.unwrap().unwrap();
    assert_eq!((current.generation, current.kid.as_str()), (1, "a"));
    assert_eq!(current.private_key, "private-a");

    signing_keys::insert_if_absent(&db.conn, &key(2, "c"))
        .await
        .unwrap();
    assert_eq!(
        signing_keys::current(&db.conn).await.unwrap().unwrap().kid,
        "c"
    );
    let found = signing_keys::find_by_kid(&db.conn, "a").await.unwrap();
    assert_eq!(found.map(|key| key.generation), Some(1));
    assert_eq!(
        signing_keys::find_by_kid(&db.conn, "b").await.unwrap(),
        None
    );
}

#[tokio::test]
async fn retired_keys_stay_published_until_the_cut_off() {
    let db = migrated().await;
    for (generation, kid) in [(1, "a"), (2, "b"), (3, "c")] {
        signing_keys::insert_if_absent(&db.conn, &key(generation, kid))
            .await
            .unwrap();
    }
    let now = Utc::now();
    assert_eq!(
        signing_keys::retire_before(&db.conn, 3, now).await.unwrap(),
        2
    );
    assert_eq!(
        signing_keys::retire_before(&db.conn, 3, now).await.unwrap(),
        0,
        "retired keys keep their first retirement time"
    );
    let kids = |keys: Vec<SigningKey>| keys.into_iter().map(|key| key.kid).collect::<Vec<_>>();
    let published = signing_keys::published(&db.conn, now - Duration::seconds(65)).await;
    assert_eq!(kids(published.unwrap()), ["c", "b", "a"]);
    let published = signing_keys::published(&db.conn, now + Duration::seconds(1)).await;
    assert_eq!(kids(published.unwrap()), ["c"]);
}
