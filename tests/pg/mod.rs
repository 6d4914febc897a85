//! Shared helpers of the PostgreSQL tests: the server comes from
//! `HSQB_TEST_DATABASE_URL` (`.ci/postgres.sh` starts one and prints it).
//! Without it the tests are skipped with a notice — except in CI (`CI` set),
//! where a missing database is an error, so CI can never pass by skipping.
#![allow(dead_code)]

use hsqb::secret::Secret;
use hsqb::state::{PostgresOptions, PostgresStore};

/// The test database URL, or `None` (after printing a notice) to skip.
pub fn url() -> Option<String> {
    match std::env::var("HSQB_TEST_DATABASE_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "HSQB_TEST_DATABASE_URL is not set in CI; .ci/run must start PostgreSQL with .ci/postgres.sh"
                );
            }
            eprintln!(
                "notice: skipping a PostgreSQL test: HSQB_TEST_DATABASE_URL is not set (run `export HSQB_TEST_DATABASE_URL=\"$(.ci/postgres.sh)\"` first)"
            );
            None
        }
    }
}

/// A unique state key, so tests running in parallel never share state.
pub fn unique_key(label: &str) -> String {
    format!("test-{label}-{}", uuid::Uuid::new_v4())
}

/// Options for a fresh state key.
pub fn options(label: &str) -> Option<PostgresOptions> {
    Some(PostgresOptions::new(Secret::new(url()?), unique_key(label)))
}

/// A store on a fresh state key.
pub async fn store(label: &str) -> Option<PostgresStore> {
    let opts = options(label)?;
    Some(
        PostgresStore::connect(opts)
            .await
            .expect("connect to the test database"),
    )
}

/// A raw client (for test setup and inspection).
pub async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test database");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// `url` with its `search_path` set to `schema` (an isolated set of tables).
pub fn with_schema(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}
