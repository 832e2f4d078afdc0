//! The installation record on a real database (SQLite, or PostgreSQL when
//! HAVEN_TEST_DATABASE_URL is set).

use haven_domain::installation::{InstallationRepository, StoreHealth};
use haven_persistence::testing::TestDatabase;

#[tokio::test]
async fn get_or_create_returns_the_same_installation_every_time() {
    let test_db = TestDatabase::new().await;

    let first = test_db.db.get_or_create().await.expect("first call");
    let second = test_db.db.get_or_create().await.expect("second call");

    assert_eq!(first, second, "on {}", test_db.backend_name());
}

#[tokio::test]
async fn concurrent_first_starts_agree_on_one_installation() {
    let test_db = TestDatabase::new().await;

    let calls = (0..8).map(|_| test_db.db.get_or_create());
    let results = futures_util::future::join_all(calls).await;

    let ids: std::collections::HashSet<_> = results
        .into_iter()
        .map(|r| r.expect("get_or_create").id)
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "one installation on {}",
        test_db.backend_name()
    );
}

#[tokio::test]
async fn a_migrated_database_answers_a_ping() {
    let test_db = TestDatabase::new().await;

    test_db.db.ping().await.expect("ping");
}

#[tokio::test]
async fn connecting_with_an_unknown_url_scheme_fails_clearly() {
    let err = haven_persistence::Database::connect("mysql://localhost/x", 1)
        .await
        .expect_err("mysql is not supported");

    assert!(
        err.to_string().contains("unsupported database URL scheme"),
        "{err}"
    );
}
