//! `Database`: the handle every use case runs its statements through.
//!
//! A transaction (`begin_write`) runs on sea-orm's pool. A statement outside a transaction
//! runs on this module's own pool, which differs from sqlx's in one thing: a connection
//! goes back without a round trip. sqlx's pool pings every connection it gets back (on
//! PostgreSQL `Sync`, then a wait for `ReadyForQuery`; on SQLite a message to the
//! connection's thread and its answer), from a task it spawns, so every statement cost two
//! round trips; over TCP and TLS, dropping that ping took a PostgreSQL point lookup's server
//! CPU from 0.081 to 0.051 ms (README "Performance"). What the ping guarded against is handled here:
//! - a statement whose future is dropped halfway (a client that hung up) may leave its
//!   connection in the middle of a reply: that connection is closed, never reused;
//! - an error of the connection itself (I/O, TLS, protocol) closes it too; an error the
//!   database reports (a constraint, bad SQL) leaves it usable, as it does in sqlx;
//! - a connection idle for more than a second is pinged before use, as sea-orm's pool's
//!   are (`db::pool_options`), so one that a restart or an idle timeout ended is replaced
//!   before a statement reaches it;
//! - a connection idle for longer than the idle timeout (`db::IDLE_TIMEOUT`, as sea-orm's
//!   pool) is closed by a task that looks every half timeout, so after a burst the pool
//!   shrinks back on the database server even when no statement comes.
//!
//! Every statement is counted and traced as sea-orm's pool counts and traces its own
//! (`db::observe_statement`).

use std::str::FromStr as _;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection, Postgres};
use sea_orm::sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{self, ConnectOptions as _, Connection as _, IntoArguments};
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, ExecResult,
    QueryResult, RuntimeErr, Statement, Values,
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::db::{ACQUIRE_TIMEOUT, CONNECT_TIMEOUT, IDLE_BEFORE_PING, observe_statement};

/// The database: sea-orm's pool for transactions and migrations, and a pool of the same
/// size for single statements. Cheap to clone.
#[derive(Clone)]
pub struct Database {
    orm: DatabaseConnection,
    statements: Arc<StatementPool>,
}

impl Database {
    /// Wraps sea-orm's pool `orm`, opened on `url`, with a statement pool of up to
    /// `max_connections` connections, opened as statements need them.
    ///
    /// # Errors
    /// `DbErr::Conn` when `url` is not a database URL sqlx can read.
    pub(crate) fn new(
        orm: DatabaseConnection,
        url: &str,
        max_connections: u32,
        idle_timeout: Duration,
    ) -> Result<Database, DbErr> {
        let options = match orm.get_database_backend() {
            DatabaseBackend::Sqlite => Options::Sqlite(crate::db::sqlite_settings(
                SqliteConnectOptions::from_str(url)
                    .map_err(connection_error)?
                    .disable_statement_logging(),
            )),
            _ => Options::Postgres(
                PgConnectOptions::from_str(url)
                    .map_err(connection_error)?
                    .disable_statement_logging(),
            ),
        };
        let size = usize::try_from(max_connections).unwrap_or(1).max(1);
        let statements = Arc::new(StatementPool {
            options,
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Semaphore::new(size),
        });
        tokio::spawn(close_idle(Arc::downgrade(&statements), idle_timeout));
        Ok(Database { orm, statements })
    }

    /// sea-orm's pool, for what needs it: transactions and the migrator.
    #[must_use]
    pub fn orm(&self) -> &DatabaseConnection {
        &self.orm
    }

    /// Closes every connection: idle ones at once, busy ones as their statements finish.
    pub async fn close(self) {
        self.statements.permits.close();
        let idle = std::mem::take(&mut *self.statements.lock_idle());
        close_all(idle).await;
        self.orm.close().await.ok();
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Database {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.orm.get_database_backend()
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        match self.statements.run(&statement, Expect::Nothing).await? {
            Reply::Done(done) => Ok(done),
            _ => Err(mismatch()),
        }
    }

    /// Unprepared text (several statements, or none with values) is rare and not on any
    /// request's path: it goes to sea-orm's pool.
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.orm.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self.statements.run(&statement, Expect::Row).await? {
            Reply::Row(row) => Ok(row),
            _ => Err(mismatch()),
        }
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self.statements.run(&statement, Expect::Rows).await? {
            Reply::Rows(rows) => Ok(rows),
            _ => Err(mismatch()),
        }
    }
}

/// How to open a connection of the statement pool.
enum Options {
    Postgres(PgConnectOptions),
    Sqlite(SqliteConnectOptions),
}

/// One open connection of the statement pool.
enum Connection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// What a statement is run for.
#[derive(Clone, Copy)]
enum Expect {
    Nothing,
    Row,
    Rows,
}

/// What it gave back.
enum Reply {
    Done(ExecResult),
    Row(Option<QueryResult>),
    Rows(Vec<QueryResult>),
}

/// The statement pool: at most as many open connections as `permits` had at the start.
struct StatementPool {
    options: Options,
    /// Open connections not running a statement, the most recently used last, each with
    /// the time it came back.
    idle: Mutex<Vec<(Connection, Instant)>>,
    /// One permit per connection that may be open.
    permits: Semaphore,
}

/// Every half `idle_timeout`, closes the pool's connections idle for longer than
/// `idle_timeout`, until the pool is dropped or closed.
async fn close_idle(pool: Weak<StatementPool>, idle_timeout: Duration) {
    let period = (idle_timeout / 2).max(Duration::from_millis(10));
    loop {
        tokio::time::sleep(period).await;
        let Some(pool) = pool.upgrade().filter(|pool| !pool.permits.is_closed()) else {
            return;
        };
        let stale: Vec<_> = {
            let mut idle = pool.lock_idle();
            // Oldest first: connections go back to the end and are taken from the end.
            let stale = idle.partition_point(|(_, since)| since.elapsed() > idle_timeout);
            idle.drain(..stale).collect()
        };
        drop(pool);
        close_all(stale).await;
    }
}

/// Closes idle connections one by one, each with a goodbye to the server.
async fn close_all(idle: Vec<(Connection, Instant)>) {
    for (connection, _) in idle {
        connection.close().await;
    }
}

impl StatementPool {
    /// Runs `statement` on a connection of the pool, counted and traced; a failure of the
    /// statement itself is a `DbErr::Exec` when it was run for nothing, else `DbErr::Query`
    /// (as sea-orm reports them).
    async fn run(&self, statement: &Statement, expect: Expect) -> Result<Reply, DbErr> {
        let mut checkout = self.checkout().await?;
        let started = Instant::now();
        let values = SqlxValues(statement.values.clone().unwrap_or(Values(Vec::new())));
        let reply = match checkout.connection() {
            Connection::Postgres(connection) => {
                run_on::<Postgres>(connection, &statement.sql, values, expect).await
            }
            Connection::Sqlite(connection) => {
                run_on::<Sqlite>(connection, &statement.sql, values, expect).await
            }
        };
        observe_statement(&sea_orm::metric::Info {
            elapsed: started.elapsed(),
            statement,
            failed: reply.is_err(),
        });
        checkout.give_back(&reply);
        reply.map_err(|err| {
            let err = RuntimeErr::SqlxError(Arc::new(err));
            match expect {
                Expect::Nothing => DbErr::Exec(err),
                Expect::Row | Expect::Rows => DbErr::Query(err),
            }
        })
    }

    /// A connection for one statement: the most recently used idle one (pinged first if it
    /// sat idle for long), or a new one.
    async fn checkout(&self) -> Result<Checkout<'_>, DbErr> {
        let permit = match tokio::time::timeout(ACQUIRE_TIMEOUT, self.permits.acquire()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_closed)) => {
                return Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed));
            }
            Err(_elapsed) => return Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
        };
        loop {
            let idle = self.lock_idle().pop();
            let Some((mut connection, since)) = idle else {
                break;
            };
            if since.elapsed() < IDLE_BEFORE_PING || connection.ping().await.is_ok() {
                return Ok(Checkout {
                    pool: self,
                    connection: Some(connection),
                    _permit: permit,
                });
            }
            // A connection that does not answer is dropped, which closes it.
        }
        let connection = match tokio::time::timeout(CONNECT_TIMEOUT, self.options.connect()).await {
            Ok(Ok(connection)) => connection,
            Ok(Err(err)) => return Err(connection_error(err)),
            Err(_elapsed) => return Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
        };
        Ok(Checkout {
            pool: self,
            connection: Some(connection),
            _permit: permit,
        })
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<(Connection, Instant)>> {
        // The list is consistent between any two statements on it, so a panic elsewhere
        // while it was locked leaves nothing to repair.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A connection checked out for one statement. Dropped without `give_back` (the
/// statement's future was dropped halfway), it closes the connection.
struct Checkout<'a> {
    pool: &'a StatementPool,
    connection: Option<Connection>,
    _permit: SemaphorePermit<'a>,
}

impl Checkout<'_> {
    fn connection(&mut self) -> &mut Connection {
        self.connection
            .as_mut()
            .unwrap_or_else(|| unreachable!("a checkout holds its connection until given back"))
    }

    /// Returns the connection to the idle list unless `reply` shows the connection itself
    /// failed; an error the database reported leaves it ready for the next statement.
    fn give_back<T>(mut self, reply: &Result<T, sqlx::Error>) {
        let usable = match reply {
            Ok(_) => true,
            Err(err) => matches!(err, sqlx::Error::Database(_)),
        };
        let open = !self.pool.permits.is_closed();
        if let Some(connection) = self.connection.take().filter(|_| usable && open) {
            self.pool.lock_idle().push((connection, Instant::now()));
        }
    }
}

impl Options {
    async fn connect(&self) -> Result<Connection, sqlx::Error> {
        Ok(match self {
            Options::Postgres(options) => Connection::Postgres(options.connect().await?),
            Options::Sqlite(options) => Connection::Sqlite(options.connect().await?),
        })
    }
}

impl Connection {
    async fn ping(&mut self) -> Result<(), sqlx::Error> {
        match self {
            Connection::Postgres(connection) => connection.ping().await,
            Connection::Sqlite(connection) => connection.ping().await,
        }
    }

    /// Says goodbye to the server (or stops the SQLite thread) before closing; a connection
    /// that failed is simply dropped instead.
    async fn close(self) {
        let closed = match self {
            Connection::Postgres(connection) => connection.close().await,
            Connection::Sqlite(connection) => connection.close().await,
        };
        if let Err(err) = closed {
            tracing::debug!("closing a database connection failed: {err}");
        }
    }
}

/// Runs `sql` with `values` on one backend's connection: prepared and cached by the
/// connection, as sea-orm runs statements.
async fn run_on<DB>(
    connection: &mut DB::Connection,
    sql: &str,
    values: SqlxValues,
    expect: Expect,
) -> Result<Reply, sqlx::Error>
where
    DB: sqlx::Database,
    SqlxValues: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    QueryResult: From<DB::Row>,
    ExecResult: From<DB::QueryResult>,
{
    let query = sqlx::query_with::<DB, _>(sqlx::AssertSqlSafe(sql), values);
    Ok(match expect {
        Expect::Nothing => Reply::Done(query.execute(connection).await?.into()),
        Expect::Row => Reply::Row(query.fetch_optional(connection).await?.map(Into::into)),
        Expect::Rows => Reply::Rows(
            query
                .fetch_all(connection)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ),
    })
}

fn connection_error(err: sqlx::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::SqlxError(Arc::new(err)))
}

/// `run` answers in the kind `Expect` asks for; this is the error if it ever did not.
fn mismatch() -> DbErr {
    DbErr::Custom("the statement pool answered with the wrong kind of reply".to_owned())
}
