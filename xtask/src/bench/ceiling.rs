//! The ceiling: the statements Roster ran for one request of a scenario (captured from its
//! `roster_sql` log), replayed through the pool Roster runs them on (`Database`'s statement
//! pool), as large as the load's concurrency, each task running one request's statements
//! in order, for as long as the scenario was measured. The same text every time, so the
//! driver's prepared-statement cache works as it does in Roster. Roster's reads run
//! outside transactions, as here.
//!
//! The log inlines values the way sea-query prints them; on SQLite that is not how sqlx
//! binds them, so `replayable` turns UUID strings into the 16-byte blobs Roster stores and
//! timestamps into the RFC 3339 text it stores.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use roster_gateway::app::Database;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

/// Opens the replay pool: `size` connections, set up as Roster sets up its own.
pub(crate) async fn connect(url: &str, size: u32) -> anyhow::Result<Database> {
    Ok(roster_gateway::app::open_database(url, size).await?)
}

/// Requests per second when each of `concurrency` tasks runs `requests` (each a list of
/// statements) round robin: a warm-up, then `seconds` counted. Fails if any statement
/// fails; warns when a request's statements return no row at all (a replay that misses).
pub(crate) async fn replay(
    db: &Database,
    requests: &[Vec<String>],
    concurrency: usize,
    warmup: Duration,
    seconds: Duration,
) -> anyhow::Result<f64> {
    let backend = db.get_database_backend();
    let requests: Arc<Vec<Vec<Statement>>> = Arc::new(
        requests
            .iter()
            .map(|statements| {
                statements
                    .iter()
                    .map(|sql| Statement::from_string(backend, replayable(backend, sql)))
                    .collect()
            })
            .collect(),
    );
    anyhow::ensure!(
        requests.iter().all(|statements| !statements.is_empty()),
        "a scenario ran no statement to replay"
    );
    for statements in requests.iter() {
        let mut rows = 0;
        for statement in statements {
            rows += db
                .query_all_raw(statement.clone())
                .await
                .with_context(|| format!("the replay of {statement} failed"))?
                .len();
        }
        if rows == 0 {
            eprintln!("warning: a replayed request returned no rows: {statements:?}");
        }
    }
    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..concurrency.max(1))
        .map(|task| {
            let (db, requests) = (db.clone(), Arc::clone(&requests));
            let (counting, stop, done) =
                (Arc::clone(&counting), Arc::clone(&stop), Arc::clone(&done));
            tokio::spawn(async move {
                let mut next = task;
                while !stop.load(Ordering::Relaxed) {
                    for statement in &requests[next % requests.len()] {
                        db.query_all_raw(statement.clone()).await?;
                    }
                    next += 1;
                    if counting.load(Ordering::Relaxed) && !stop.load(Ordering::Relaxed) {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
                anyhow::Ok(())
            })
        })
        .collect();
    tokio::time::sleep(warmup).await;
    counting.store(true, Ordering::Relaxed);
    tokio::time::sleep(seconds).await;
    stop.store(true, Ordering::Relaxed);
    let counted = done.load(Ordering::Relaxed);
    for task in tasks {
        task.await??;
    }
    Ok(counted as f64 / seconds.as_secs_f64())
}

/// `sql` with its literals in the form the driver binds on `backend` (see the module docs).
pub(crate) fn replayable(backend: DatabaseBackend, sql: &str) -> String {
    if backend != DatabaseBackend::Sqlite {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(start) = rest.find('\'') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        // A literal ends at a quote not doubled.
        let mut end = 0;
        let bytes = after.as_bytes();
        loop {
            match after[end..].find('\'') {
                Some(at) if bytes.get(end + at + 1) == Some(&b'\'') => end += at + 2,
                Some(at) => {
                    end += at;
                    break;
                }
                None => {
                    end = after.len();
                    break;
                }
            }
        }
        let literal = &after[..end];
        out.push_str(&rewrite_literal(literal).unwrap_or_else(|| format!("'{literal}'")));
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// A UUID as a blob literal, or sea-query's timestamp (`2026-12-03 18:00:00.250000 +00:00`)
/// as the RFC 3339 text sqlx writes (`2026-12-03T18:00:00.250+00:00`).
fn rewrite_literal(literal: &str) -> Option<String> {
    if literal.len() == 36
        && let Ok(id) = uuid::Uuid::parse_str(literal)
    {
        return Some(format!("X'{}'", id.simple()));
    }
    let at = chrono::DateTime::parse_from_str(literal, "%Y-%m-%d %H:%M:%S%.f %:z").ok()?;
    Some(format!(
        "'{}'",
        at.with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_replays_bind_uuids_as_blobs_and_times_as_rfc3339() {
        let logged = "SELECT \"m\".\"id\" FROM \"memberships\" AS \"m\" WHERE \"m\".\"organization_id\" = '0193a000-0000-7000-8000-000000000001' AND \"x\" = 'it''s' AND \"expires_at\" > '2026-12-03 18:00:00.250000 +00:00' AND \"e\" = 'a@b.c' LIMIT 51";
        let sqlite = replayable(DatabaseBackend::Sqlite, logged);
        assert_eq!(
            sqlite,
            "SELECT \"m\".\"id\" FROM \"memberships\" AS \"m\" WHERE \"m\".\"organization_id\" = X'0193a000000070008000000000000001' AND \"x\" = 'it''s' AND \"expires_at\" > '2026-12-03T18:00:00.250+00:00' AND \"e\" = 'a@b.c' LIMIT 51"
        );
        assert_eq!(replayable(DatabaseBackend::Postgres, logged), logged);
        assert_eq!(
            replayable(DatabaseBackend::Sqlite, "SELECT '' , 'x"),
            "SELECT '' , 'x'"
        );
        assert_eq!(
            replayable(
                DatabaseBackend::Sqlite,
                "SELECT '2026-12-03 18:00:00.000000 +00:00'"
            ),
            "SELECT '2026-12-03T18:00:00+00:00'"
        );
    }
}
