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
        let conn = sea_orm::Database::connect(options)
            .await
            .context("could not connect to the database")?;
        if backend == Backend::Sqlite {
            // WAL lets readers proceed while one writer commits; busy_timeout makes concurrent
            // writers wait instead of failing with SQLITE_BUSY.
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA busy_timeout = 5000"] {
                conn.execute(Statement::from_string(DbBackend::Sqlite, pragma))
                    .await
                    .context("could not configure SQLite")?;
            }
        }
        Migrator::up(&conn, None)
            .await
            .context("could not apply database migrations")?;
        Ok(Self {
            conn,
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

    /// Starts a transaction that will write. SQLite begins transactions as readers and fails
    /// at once (SQLITE_BUSY_SNAPSHOT, no busy wait) when such a transaction later wants to
    /// write after another connection committed; taking the write lock first makes it wait its
    /// turn instead. PostgreSQL needs nothing special.
    pub(crate) async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
        use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
        let txn = self.conn.begin().await?;
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
        self.conn
            .close()
            .await
            .context("could not close the database pool")
    }
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
