//! Fresh, migrated databases for tests: one per test, never shared.
//!
//! By default each test gets its own SQLite file in a temporary directory. When
//! `HAVEN_TEST_DATABASE_URL` points at a PostgreSQL server, each test instead gets a newly
//! created database on that server, dropped again when the test ends.

use anyhow::Context;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::Database;

/// Environment variable naming the PostgreSQL server to create test databases on.
pub const TEST_DATABASE_URL_VAR: &str = "HAVEN_TEST_DATABASE_URL";

/// A database that lives as long as this value.
pub struct TestDatabase {
    pub db: Database,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// Creates and migrates a fresh database.
    ///
    /// # Panics
    /// When the database cannot be created: a test cannot run without one.
    pub async fn new() -> Self {
        match std::env::var(TEST_DATABASE_URL_VAR) {
            Ok(admin_url) if !admin_url.is_empty() => Self::postgres(admin_url)
                .await
                .expect("could not create a PostgreSQL test database"),
            _ => Self::sqlite()
                .await
                .expect("could not create a SQLite test database"),
        }
    }

    async fn sqlite() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("temporary directory")?;
        let url = format!("sqlite://{}/haven.db?mode=rwc", dir.path().display());
        let db = Database::connect(&url, 4).await?;
        Ok(Self {
            db,
            url,
            cleanup: Cleanup::Sqlite(dir),
        })
    }

    async fn postgres(admin_url: String) -> anyhow::Result<Self> {
        let name = format!("haven_test_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(&admin_url).await?;
        admin
            .execute(Statement::from_string(
                DbBackend::Postgres,
                format!("CREATE DATABASE \"{name}\""),
            ))
            .await?;
        admin.close().await?;
        let url = replace_database_name(&admin_url, &name);
        let db = Database::connect(&url, 4).await?;
        Ok(Self {
            db,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    #[must_use]
    pub fn backend_name(&self) -> &'static str {
        self.db.backend().name()
    }

    /// The underlying connection pool, for tests that open their own transactions.
    #[must_use]
    pub fn connection(&self) -> &sea_orm::DatabaseConnection {
        self.db.conn()
    }

    /// Makes every queued job of `kind` due now, as if its backoff had passed: for tests of
    /// retries whose real delays are minutes.
    ///
    /// # Panics
    /// When the database cannot be written.
    pub async fn make_jobs_due(&self, kind: &str) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

        use crate::entities::job;
        job::Entity::update_many()
            .col_expr(
                job::Column::RunAt,
                sea_orm::sea_query::Expr::value(chrono::Utc::now()),
            )
            .filter(job::Column::Status.eq("queued"))
            .filter(job::Column::Kind.eq(kind))
            .exec(self.db.conn())
            .await
            .expect("jobs made due");
    }

    /// Makes the queued jobs of `kind` due now, at their last attempt (as if every attempt
    /// before had failed).
    pub async fn make_jobs_due_for_the_last_time(&self, kind: &str) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

        use crate::entities::job;
        job::Entity::update_many()
            .col_expr(
                job::Column::MaxAttempts,
                sea_orm::sea_query::Expr::col(job::Column::Attempts).add(1),
            )
            .col_expr(
                job::Column::RunAt,
                sea_orm::sea_query::Expr::value(chrono::Utc::now()),
            )
            .filter(job::Column::Status.eq("queued"))
            .filter(job::Column::Kind.eq(kind))
            .exec(self.db.conn())
            .await
            .expect("jobs made due for the last time");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            // Drop runs inside the test's runtime, which cannot be blocked on: use a thread
            // with a runtime of its own. FORCE ends connections a server under test kept open.
            let (admin_url, name) = (admin_url.clone(), name.clone());
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async {
                    let admin = sea_orm::Database::connect(&admin_url).await?;
                    admin
                        .execute(Statement::from_string(
                            DbBackend::Postgres,
                            format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                        ))
                        .await?;
                    admin.close().await?;
                    anyhow::Ok(())
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("warning: could not drop test database {}", self.url);
            }
        }
    }
}

/// `postgres://user@host:5432/test?x=y` with the database name swapped.
fn replace_database_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_end..]
        .find('/')
        .map_or(base.len(), |i| authority_end + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::replace_database_name;

    #[test]
    fn swaps_the_database_name_and_keeps_the_query() {
        assert_eq!(
            replace_database_name(
                "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
                "x"
            ),
            "postgres://postgres@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(
            replace_database_name("postgres://postgres@127.0.0.1:5432", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
    }
}
