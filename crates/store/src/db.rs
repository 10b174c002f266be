//! Connecting, migrating, and running one statement on either backend.

use crate::error::StoreError;
use crate::writer::Writer;
use amiable_domain::case::automation::Automation;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Page cache of each pooled SQLite connection (KiB, negative as SQLite wants it).
const READER_CACHE: &str = "-8192";

/// Runs `$body` with `$pool` bound to the SQLite or PostgreSQL pool.
macro_rules! with_pool {
    ($db:expr, $pool:ident, $d:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => {
                #[allow(dead_code)]
                type $d = sqlx::Sqlite;
                $body
            }
            $crate::db::Db::Postgres($pool) => {
                #[allow(dead_code)]
                type $d = sqlx::Postgres;
                $body
            }
        }
    };
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection (and,
/// in the three-argument form, `$db` naming the backend's `Database` type).
macro_rules! with_tx {
    ($tx:expr, $conn:ident, $db:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                #[allow(dead_code)]
                type $db = sqlx::Sqlite;
                let $conn = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                #[allow(dead_code)]
                type $db = sqlx::Postgres;
                let $conn = &mut **t;
                $body
            }
        }
    };
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

pub(crate) use {with_pool, with_tx};

#[derive(Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A write transaction on either backend; `'c` is the borrowed connection's
/// lifetime (`'static` when the connection comes from the pool).
pub(crate) enum Tx<'c> {
    Sqlite(sqlx::Transaction<'c, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'c, sqlx::Postgres>),
}

impl Db {
    /// Begins a write transaction. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes
    /// fails with SQLITE_BUSY when another writer committed in between,
    /// whereas an immediate one simply waits its turn (busy timeout).
    pub(crate) async fn begin(&self) -> Result<Tx<'static>, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Begins a read transaction (deferred on SQLite: no write lock).
    pub(crate) async fn begin_read(&self) -> Result<Tx<'static>, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }
}

impl Tx<'_> {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Postgres(t) => t.rollback().await,
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How hard SQLite works to keep a commit across power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// `synchronous=FULL`: every commit is on disk before it is acknowledged.
    #[default]
    Full,
    /// `synchronous=NORMAL` in WAL mode: a power cut may lose the last
    /// commits (never corrupt the database); a process crash loses nothing.
    Normal,
}

/// Where the data lives and how to reach it.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `postgres://…` for PostgreSQL; otherwise a SQLite path or `sqlite://path`.
    pub url: String,
    pub durability: Durability,
    /// PostgreSQL only: the schema to use (tests isolate themselves this way).
    pub pg_schema: Option<String>,
    pub max_connections: u32,
    pub automation: Automation,
    /// Apply pending migrations when connecting.
    pub migrate: bool,
    /// SQLite: the WAL size beyond which the writer empties it between two batches.
    pub sqlite_wal_limit: u64,
}

impl DatabaseConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            durability: Durability::Full,
            pg_schema: None,
            max_connections: 8,
            automation: Automation::default(),
            migrate: true,
            sqlite_wal_limit: crate::writer::WAL_LIMIT,
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres://") || self.url.starts_with("postgresql://")
    }

    /// The SQLite file this configuration points at.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.is_postgres() {
            return None;
        }
        let path = self
            .url
            .strip_prefix("sqlite://")
            .or_else(|| self.url.strip_prefix("sqlite:"))
            .unwrap_or(&self.url);
        Some(PathBuf::from(path.split('?').next().unwrap_or(path)))
    }
}

/// The store: a pool for reads and a group-commit writer for case commands.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: Db,
    pub(crate) writer: Arc<Writer>,
    pub(crate) automation: Automation,
    pub(crate) events_appended: Arc<std::sync::atomic::AtomicU64>,
    /// Each operator's rules pack, shared with the writer lanes.
    pub(crate) packs: Arc<crate::writer::RulesPacks>,
    /// Up to how many matches a search gathers, then lists, before walking the inbox
    /// ([`crate::search::GATHER_AT_MOST`], [`crate::search::LIST_AT_MOST`]).
    pub(crate) search_limits: (i64, i64),
}

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Every schema change, in order. Never edit a released migration: add one.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "case_engine",
        sqlite: include_str!("../migrations/sqlite/0001_case_engine.sql"),
        postgres: include_str!("../migrations/postgres/0001_case_engine.sql"),
    },
    Migration {
        version: 2,
        name: "access",
        sqlite: include_str!("../migrations/sqlite/0002_access.sql"),
        postgres: include_str!("../migrations/postgres/0002_access.sql"),
    },
    Migration {
        version: 3,
        name: "inbox_indexes",
        sqlite: include_str!("../migrations/sqlite/0003_inbox_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0003_inbox_indexes.sql"),
    },
    Migration {
        version: 4,
        name: "job_leases",
        sqlite: include_str!("../migrations/sqlite/0004_job_leases.sql"),
        postgres: include_str!("../migrations/postgres/0004_job_leases.sql"),
    },
    Migration {
        version: 5,
        name: "returns",
        sqlite: include_str!("../migrations/sqlite/0005_returns.sql"),
        postgres: include_str!("../migrations/postgres/0005_returns.sql"),
    },
    Migration {
        version: 6,
        name: "console",
        sqlite: include_str!("../migrations/sqlite/0006_console.sql"),
        postgres: include_str!("../migrations/postgres/0006_console.sql"),
    },
    Migration {
        version: 7,
        name: "rules_and_snapshots",
        sqlite: include_str!("../migrations/sqlite/0007_rules_and_snapshots.sql"),
        postgres: include_str!("../migrations/postgres/0007_rules_and_snapshots.sql"),
    },
    Migration {
        version: 8,
        name: "search",
        sqlite: include_str!("../migrations/sqlite/0008_search.sql"),
        postgres: include_str!("../migrations/postgres/0008_search.sql"),
    },
    Migration {
        version: 9,
        name: "search_by_case",
        sqlite: include_str!("../migrations/sqlite/0009_search_by_case.sql"),
        postgres: include_str!("../migrations/postgres/0009_search_by_case.sql"),
    },
    Migration {
        version: 10,
        name: "notifications",
        sqlite: include_str!("../migrations/sqlite/0010_notifications.sql"),
        postgres: include_str!("../migrations/postgres/0010_notifications.sql"),
    },
    Migration {
        version: 11,
        name: "feedback",
        sqlite: include_str!("../migrations/sqlite/0011_feedback.sql"),
        postgres: include_str!("../migrations/postgres/0011_feedback.sql"),
    },
    Migration {
        version: 12,
        name: "disputes",
        sqlite: include_str!("../migrations/sqlite/0012_disputes.sql"),
        postgres: include_str!("../migrations/postgres/0012_disputes.sql"),
    },
    Migration {
        version: 13,
        name: "sla",
        sqlite: include_str!("../migrations/sqlite/0013_sla.sql"),
        postgres: include_str!("../migrations/postgres/0013_sla.sql"),
    },
];

impl Store {
    /// Sets up to how many matches a search gathers, then lists, before it walks the
    /// inbox: the plans find the same cases; tests run each on small data.
    pub fn tune_search(&mut self, gather_at_most: i64, list_at_most: i64) {
        let gather = gather_at_most.max(0);
        self.search_limits = (gather, list_at_most.max(gather));
    }

    pub async fn connect(config: &DatabaseConfig) -> Result<Store, StoreError> {
        let db = if config.is_postgres() {
            let mut options = PgConnectOptions::from_str(&config.url)
                .map_err(|e| StoreError::Config(format!("database URL: {e}")))?;
            if let Some(schema) = &config.pg_schema {
                options = options.options([("search_path", schema.as_str())]);
            }
            // Each writer lane holds a connection during its batch; reads and the worker need some too.
            let pool = PgPoolOptions::new()
                .max_connections(
                    config
                        .max_connections
                        .max(crate::writer::POSTGRES_WRITERS as u32 + 4),
                )
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Db::Postgres(pool)
        } else {
            let path = config
                .sqlite_path()
                .ok_or_else(|| StoreError::Config("no SQLite path".into()))?;
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Config(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
            let options = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(match config.durability {
                    Durability::Full => SqliteSynchronous::Full,
                    Durability::Normal => SqliteSynchronous::Normal,
                })
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // Readers get a small page cache each (8 MiB; the OS page cache holds the rest);
                // the writer's own connection raises its own (writer.rs).
                .pragma("cache_size", READER_CACHE)
                // No checkpoint inside a commit: a checkpoint copies the WAL into the database
                // and fsyncs it, which would stall every command of the batch behind it. A
                // background task checkpoints instead (writer.rs, `checkpoint_loop`).
                .pragma("wal_autocheckpoint", "0")
                .pragma("temp_store", "memory");
            // Opening a new file switches it to WAL, which needs the database's exclusive
            // lock: several nodes (or tests) opening the same new file at once may find it
            // taken before the busy timeout applies, and SQLite answers "database is locked"
            // at once. That is transient: try again shortly, for up to about two seconds.
            let mut attempt = 0;
            let pool = loop {
                match SqlitePoolOptions::new()
                    .max_connections(config.max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options.clone())
                    .await
                {
                    Err(sqlx::Error::Database(e))
                        if attempt < 40 && e.code().as_deref() == Some("5") =>
                    {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    other => break other?,
                }
            };
            Db::Sqlite(pool)
        };
        if config.migrate {
            migrate(&db).await?;
        }
        let packs = Arc::new(crate::writer::RulesPacks::default());
        let writer = Writer::start(
            db.clone(),
            config.automation,
            packs.clone(),
            config.sqlite_wal_limit,
        );
        Ok(Store {
            db,
            writer: Arc::new(writer),
            automation: config.automation,
            events_appended: Arc::default(),
            search_limits: (crate::search::GATHER_AT_MOST, crate::search::LIST_AT_MOST),
            packs,
        })
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    pub fn automation(&self) -> Automation {
        self.automation
    }

    /// Applies pending migrations; returns how many were applied.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        migrate(&self.db).await
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => sqlx::query("SELECT 1").execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Waits for queued commands and closes the connections.
    pub async fn close(&self) {
        self.writer.stop().await;
        with_pool!(&self.db, pool => pool.close().await);
    }
}

/// The search terms of every case already stored (schema 8), a page at a time.
async fn backfill_search(tx: &mut Tx<'_>) -> Result<(), StoreError> {
    use crate::rows::RowExt;
    let mut after = String::new();
    let mut cases = 0usize;
    loop {
        let rows: Vec<(String, (String, String), Vec<String>)> = with_tx!(&mut *tx, conn => {
            sqlx::query(
                "SELECT c.id, c.operator_id, c.merchant_id, c.order_external_id, c.buyer_email, o.buyer_name, c.state
                 FROM cases c JOIN orders o ON o.id = c.order_id WHERE c.id > $1 ORDER BY c.id LIMIT 500",
            )
            .bind(&after)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|row| -> Result<_, StoreError> {
                let id = row.text("id")?;
                let case_id = amiable_domain::ids::CaseId::parse(&id).map_err(StoreError::corrupt)?;
                let mut terms = crate::search::case_terms(
                    case_id,
                    &row.text("order_external_id")?,
                    &row.text("buyer_email")?,
                    &row.text("buyer_name")?,
                );
                // The RMA, when the return was authorised, is in the state snapshot.
                let state: serde_json::Value =
                    serde_json::from_str(&row.text("state")?).unwrap_or_default();
                if let Some(rma) = state["returns"]["rma"].as_str() {
                    terms.extend(crate::search::rma_terms(rma));
                }
                Ok((id, (row.text("operator_id")?, row.text("merchant_id")?), terms))
            })
            .collect::<Result<_, _>>()?
        });
        let Some((last, _, _)) = rows.last() else {
            break;
        };
        after = last.clone();
        cases += rows.len();
        let flat: Vec<(&(String, String), &String, &String)> = rows
            .iter()
            .flat_map(|(id, operator, terms)| terms.iter().map(move |t| (operator, t, id)))
            .collect();
        for chunk in flat.chunks(64) {
            with_tx!(&mut *tx, conn, DB => {
                let mut insert = sqlx::QueryBuilder::<DB>::new("INSERT INTO case_search (operator_id, merchant_id, term, case_id) ");
                insert.push_values(chunk, |mut row, ((operator, merchant), term, id)| {
                    row.push_bind(operator.clone())
                        .push_bind(merchant.clone())
                        .push_bind((*term).clone())
                        .push_bind((*id).clone());
                });
                insert.push(" ON CONFLICT DO NOTHING");
                insert.build().execute(&mut *conn).await?;
            });
        }
    }
    if cases > 0 {
        tracing::info!(cases, "search terms written for the cases already stored");
    }
    Ok(())
}

async fn migrate(db: &Db) -> Result<usize, StoreError> {
    let create = "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
    let mut applied = 0;
    for migration in MIGRATIONS {
        let mut tx = db.begin().await?;
        // Several nodes may start at once: one migrates, the others wait and then see it done.
        // The lock comes first: even CREATE TABLE IF NOT EXISTS races on PostgreSQL.
        // (SQLite's BEGIN IMMEDIATE already holds the database's write lock.)
        if let Tx::Postgres(t) = &mut tx {
            sqlx::query("SELECT pg_advisory_xact_lock(7411926)")
                .execute(&mut **t)
                .await?;
        }
        let done: Option<i64> = with_tx!(&mut tx, conn => {
            sqlx::query(create).execute(&mut *conn).await?;
            sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(migration.version)
                .fetch_optional(&mut *conn)
                .await?
        });
        if done.is_some() {
            tx.rollback().await?;
            continue;
        }
        let sql = match tx.backend() {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        let now = crate::to_micros(jiff::Timestamp::now());
        with_tx!(&mut tx, conn => {
            sqlx::raw_sql(sql).execute(&mut *conn).await?;
        });
        if migration.name == "search" {
            // The table is new: the cases already stored get their terms in the same
            // transaction, so the schema is never there without them.
            backfill_search(&mut tx).await?;
        }
        with_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(migration.version)
                .bind(migration.name)
                .bind(now)
                .execute(&mut *conn)
                .await?;
        });
        tx.commit().await?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
        applied += 1;
    }
    Ok(applied)
}
