//! Connecting, migrating and closing the database.

use std::time::Duration;

use anyhow::Context;
use haven_domain::{installation::StoreHealth, DomainResult};
use haven_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::error::map_db_err;

/// Which engine is behind the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a connection URL asks for.
    ///
    /// # Errors
    /// When the URL is neither `sqlite:` nor `postgres:`/`postgresql:`.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!("unsupported database URL scheme: expected sqlite:// or postgres://")
        }
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A pool of connections with the schema migrated to the latest version.
#[derive(Clone, Debug)]
pub struct Database {
    conn: DatabaseConnection,
    /// SQLite only: the one connection write transactions run on. See [`Database::begin_write`].
    writer: Option<DatabaseConnection>,
    backend: Backend,
    /// Set by [`Database::with_group_commit`]: outgoing documents are stored in batches.
    pub(crate) outgoing: Option<crate::repositories::GroupCommit>,
    /// Set by [`Database::with_group_commit`] too: concurrent look-ups share a query.
    pub(crate) reads: Option<crate::repositories::BatchedReads>,
}

impl Database {
    /// Connects, prepares the engine and applies every pending migration.
    ///
    /// # Errors
    /// When the database cannot be reached or a migration fails.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let backend = Backend::from_url(url)?;
        let conn = pool(url, max_connections).await?;
        let writer = if backend == Backend::Sqlite {
            // WAL lets readers proceed while one writer commits; busy_timeout makes a write
            // outside the writer connection wait instead of failing with SQLITE_BUSY.
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA busy_timeout = 5000"] {
                conn.execute(Statement::from_string(DbBackend::Sqlite, pragma))
                    .await
                    .context("could not configure SQLite")?;
            }
            Some(pool(url, 1).await?)
        } else {
            None
        };
        Migrator::up(&conn, None)
            .await
            .context("could not apply database migrations")?;
        Ok(Self {
            conn,
            writer,
            backend,
            outgoing: None,
            reads: None,
        })
    }

    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Where a write outside a transaction goes: on SQLite the writer connection, so that it
    /// takes its turn with the write transactions (see [`Database::begin_write`]).
    pub(crate) fn write_conn(&self) -> &DatabaseConnection {
        self.writer.as_ref().unwrap_or(&self.conn)
    }

    /// Starts a transaction that will write. PostgreSQL needs nothing special.
    ///
    /// On SQLite every such transaction runs on the one writer connection, so they queue for
    /// it in the order they asked (the pool hands it out first come, first served). Left to
    /// SQLite's own lock, concurrent writers poll with growing sleeps (up to 100 ms each) and
    /// a newcomer can take the lock ahead of one that has waited for a second: under load
    /// that gave seconds-long stalls. SQLite also begins transactions as readers and fails at
    /// once (SQLITE_BUSY_SNAPSHOT, no busy wait) when such a transaction later wants to write
    /// after another connection committed, so the write lock is taken first.
    pub(crate) async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
        use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
        let txn = self.write_conn().begin().await?;
        if self.backend == Backend::Sqlite {
            // An UPDATE that matches no row still takes SQLite's write lock.
            crate::entities::installation::Entity::update_many()
                .col_expr(
                    crate::entities::installation::Column::Singleton,
                    Expr::col(crate::entities::installation::Column::Singleton).into(),
                )
                .filter(crate::entities::installation::Column::Singleton.eq(-1))
                .exec(&txn)
                .await?;
        }
        Ok(txn)
    }

    /// Closes every pooled connection; used on shutdown.
    ///
    /// # Errors
    /// When the pool reports a failure while closing.
    pub async fn close(self) -> anyhow::Result<()> {
        if let Some(writer) = self.writer {
            writer
                .close()
                .await
                .context("could not close the database writer")?;
        }
        self.conn
            .close()
            .await
            .context("could not close the database pool")
    }
}

/// A pool of at most `max_connections` to `url`.
async fn pool(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // The pool already pings every connection when it is given back after use; a
        // second ping each time one is taken doubled the round trips of every query (and
        // on SQLite a ping is a hop to the connection's thread and back). A connection
        // that breaks while idle now fails the one query that finds it broken, and is
        // then dropped.
        .test_before_acquire(false)
        .sqlx_logging(false);
    sea_orm::Database::connect(options)
        .await
        .context("could not connect to the database")
}

impl StoreHealth for Database {
    #[tracing::instrument(name = "Pinging the database", skip(self), level = "debug", err)]
    async fn ping(&self) -> DomainResult<()> {
        self.conn
            .ping()
            .await
            .map_err(|e| map_db_err(e, "pinging the database"))
    }
}
