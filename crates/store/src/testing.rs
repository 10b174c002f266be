//! Test support: one suite, both databases.
//!
//! [`test_stores`] gives a fresh SQLite store always, plus a fresh PostgreSQL
//! store (its own schema) when `AMIABLE_TEST_DATABASE_URL` is set. Tests loop
//! over what it returns, so every storage test runs on both backends.

use crate::db::{DatabaseConfig, Store};

/// The environment variable naming a PostgreSQL database for tests.
pub const TEST_DATABASE_URL: &str = "AMIABLE_TEST_DATABASE_URL";

/// A store for one test, and what keeps its data alive.
pub struct TestStore {
    pub store: Store,
    pub name: &'static str,
    pub config: DatabaseConfig,
    _dir: Option<tempfile::TempDir>,
}

/// The PostgreSQL URL for tests, if configured. Panics on a non-PostgreSQL
/// value so a typo cannot silently skip the PostgreSQL half of the suite.
pub fn postgres_url() -> Option<String> {
    let url = std::env::var(TEST_DATABASE_URL)
        .ok()
        .filter(|u| !u.is_empty())?;
    assert!(
        url.starts_with("postgres://") || url.starts_with("postgresql://"),
        "{TEST_DATABASE_URL} must be a postgres:// URL"
    );
    Some(url)
}

/// A fresh SQLite configuration in a temporary directory.
pub fn sqlite_config() -> (DatabaseConfig, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = DatabaseConfig::new(dir.path().join("amiable.db").to_string_lossy().into_owned());
    (config, dir)
}

/// A fresh PostgreSQL configuration: a new schema in the test database.
pub async fn postgres_config(url: &str) -> DatabaseConfig {
    let schema = format!("t_{}", uuid_like());
    let mut bootstrap = DatabaseConfig::new(url);
    bootstrap.migrate = false;
    let admin = Store::connect(&bootstrap)
        .await
        .expect("connect to the PostgreSQL test database");
    let create = format!("CREATE SCHEMA {schema}");
    admin.raw_execute(create).await.expect("create test schema");
    admin.close().await;
    let mut config = DatabaseConfig::new(url);
    config.pg_schema = Some(schema);
    config
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{:x}{:x}{:x}", nanos, std::process::id(), n)
}

/// Every backend this run tests: SQLite, and PostgreSQL when configured.
pub async fn test_stores() -> Vec<TestStore> {
    let mut stores = Vec::new();
    let (config, dir) = sqlite_config();
    let store = Store::connect(&config)
        .await
        .expect("open SQLite test store");
    stores.push(TestStore {
        store,
        name: "sqlite",
        config,
        _dir: Some(dir),
    });
    if let Some(url) = postgres_url() {
        let config = postgres_config(&url).await;
        let store = Store::connect(&config)
            .await
            .expect("open PostgreSQL test store");
        stores.push(TestStore {
            store,
            name: "postgres",
            config,
            _dir: None,
        });
    }
    stores
}

impl Store {
    /// Runs a statement built at run time. For tests and administration only:
    /// never pass user input.
    pub async fn raw_execute(&self, sql: String) -> Result<u64, crate::StoreError> {
        let done = crate::db::with_pool!(&self.db, pool => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(pool).await?.rows_affected());
        Ok(done)
    }
}
