//! The case command pipeline with group commit.
//!
//! Commands are sent to a writer task. It drains what is queued (up to
//! [`MAX_BATCH`]) and runs the whole batch in one transaction: for each
//! command, load the case (from the batch's cache or the projection row),
//! decide, append the events with their hash chain, update the projections
//! and enqueue the jobs the transition schedules. One commit, one fsync, for
//! the whole batch. Rejections and conflicts write nothing and do not disturb
//! the batch; if the database fails mid-batch, the batch is rolled back and
//! every command is retried alone, so one bad command cannot sink the others.
//!
//! SQLite has one writer task (it has one writer anyway). PostgreSQL has
//! several, each owning a hash partition of case ids; rows are locked with
//! `FOR UPDATE` in case-id order, so several nodes can write safely too.

use crate::db::{Backend, Db, Tx, with_tx};
use crate::error::{CommandError, StoreError};
use crate::events::StoredEvent;
use crate::orders::order_in;
use crate::returns::{BatchCases, ledger_for_update, return_context};
use crate::rows::{RowExt, parse_json};
use crate::tenants::taxonomy_from_settings;
use amiable_domain::canonical::to_canonical_json;
use amiable_domain::case::automation::{Automation, ScheduledJob, scheduled_jobs};
use amiable_domain::case::{
    Actor, CaseKind, CaseState, CaseStatus, Command, Context, EVENT_SCHEMA_VERSION, RecordedEvent,
    decide, ledger_entries,
};
use amiable_domain::case::{ResponseTimes, next_deadline};
use amiable_domain::ids::{CaseId, OrderId};
use amiable_domain::law::LawPack;
use amiable_domain::ledger::{LedgerEntry, OrderLedger};
use amiable_domain::reason::ReasonTaxonomy;
use amiable_domain::timeline::{ChainedEvent, GENESIS_HASH, from_hex, to_hex, truncate_to_micros};
use jiff::Timestamp;
use sqlx::{Connection, SqliteConnection};
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use tokio::sync::{Mutex, mpsc, oneshot};

/// The most commands committed together.
const MAX_BATCH: usize = 512;
/// Commands waiting for a writer before senders wait too (back-pressure).
const QUEUE_DEPTH: usize = 8192;
pub(crate) const POSTGRES_WRITERS: usize = 4;

/// One command for one case.
#[derive(Debug, Clone)]
pub struct CommandRequest {
    pub case_id: CaseId,
    /// The version the client saw (0 for a case to open). `None` skips the
    /// check; only internal automations that re-decide on fresh state use it.
    pub expected_version: Option<i64>,
    pub command: Command,
    pub actor: Actor,
    /// Required to open a case: the order it is about.
    pub order_id: Option<OrderId>,
    /// When it happened; `None` is now. Imports and the demo pass historical
    /// instants; they are clamped so a case's timeline never goes backwards.
    pub at: Option<Timestamp>,
}

/// What a command appended.
#[derive(Debug, Clone)]
pub struct CommandOutcome {
    pub case_id: CaseId,
    pub version: i64,
    pub events: Vec<StoredEvent>,
    pub state: CaseState,
}

type Reply = oneshot::Sender<Result<CommandOutcome, CommandError>>;

pub(crate) struct Writer {
    lanes: Vec<mpsc::Sender<(CommandRequest, Reply)>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Writer {
    pub(crate) fn start(db: Db, automation: Automation) -> Writer {
        let count = match db.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => POSTGRES_WRITERS,
        };
        let mut lanes = Vec::with_capacity(count);
        let mut tasks = Vec::with_capacity(count);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        for _ in 0..count {
            let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
            lanes.push(sender);
            tasks.push(tokio::spawn(run_lane(
                db.clone(),
                automation,
                receiver,
                stopped.clone(),
            )));
        }
        if let Db::Sqlite(pool) = &db {
            tasks.push(tokio::spawn(checkpoint_loop(pool.clone(), stopped.clone())));
        }
        Writer {
            lanes,
            tasks: Mutex::new(tasks),
            stop,
        }
    }

    pub(crate) async fn submit(
        &self,
        request: CommandRequest,
    ) -> Result<CommandOutcome, CommandError> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        request.case_id.hash(&mut hasher);
        let lane = &self.lanes[(hasher.finish() as usize) % self.lanes.len()];
        let (reply, answer) = oneshot::channel();
        lane.send((request, reply))
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Refuses new commands, lets the lanes finish what is queued, and waits for them.
    pub(crate) async fn stop(&self) {
        let _ = self.stop.send(true);
        let tasks = std::mem::take(&mut *self.tasks.lock().await);
        for task in tasks {
            let _ = task.await;
        }
    }
}

/// How often the WAL is copied back into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
/// The writer's page cache (KiB, negative as SQLite wants it): it reads every case it writes.
const WRITER_CACHE: &str = "PRAGMA cache_size = -65536";

/// SQLite: checkpoints the WAL outside the writer's commits (they never run one
/// themselves, `wal_autocheckpoint = 0`). PASSIVE never waits for readers or the
/// writer; whatever it cannot copy now, it copies next time. A final TRUNCATE on
/// stop leaves a small WAL behind.
async fn checkpoint_loop(pool: sqlx::SqlitePool, mut stopped: tokio::sync::watch::Receiver<bool>) {
    let Ok(mut conn) = SqliteConnection::connect_with(&pool.connect_options()).await else {
        tracing::warn!("no checkpoint connection; the WAL grows until the next start");
        return;
    };
    loop {
        tokio::select! {
            _ = tokio::time::sleep(CHECKPOINT_EVERY) => {}
            _ = stopped.changed() => {
                if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await {
                    tracing::info!(%error, "final checkpoint skipped");
                }
                return;
            }
        }
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&mut conn)
            .await
        {
            tracing::warn!(%error, "checkpoint failed; retrying");
        }
    }
}

/// The most cases a SQLite writer keeps in memory between batches.
const CACHE_LIMIT: usize = 50_000;

/// A case as the writer knows it.
#[derive(Clone)]
struct Loaded {
    state: CaseState,
    last_hash: [u8; 32],
    order_external_id: String,
    buyer_email: String,
}

/// The writer's view of cases. On SQLite it survives between batches: this
/// process is the database's only writer of cases, and every flush re-checks
/// versions, so a stale entry fails the batch instead of overwriting. On
/// PostgreSQL other nodes write too, so each batch starts empty and locks
/// the rows it reads.
struct Cache {
    persistent: bool,
    cases: HashMap<CaseId, Loaded>,
}

async fn run_lane(
    db: Db,
    automation: Automation,
    mut receiver: mpsc::Receiver<(CommandRequest, Reply)>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut cache = Cache {
        persistent: db.backend() == Backend::Sqlite,
        cases: HashMap::new(),
    };
    let mut own: Option<SqliteConnection> = None;
    loop {
        let received = tokio::select! {
            received = receiver.recv_many(&mut batch, MAX_BATCH) => received,
            // On stop: accept nothing new, drain what is queued, then end.
            _ = stopped.changed(), if !receiver.is_closed() => {
                receiver.close();
                continue;
            }
        };
        if received == 0 {
            break;
        }
        // SQLite: the writer keeps one connection of its own, so its page cache stays warm
        // from batch to batch (pooled connections each have a cold cache of their own).
        if own.is_none()
            && let Db::Sqlite(pool) = &db
        {
            own = connect_writer(pool)
                .await
                .inspect_err(|error| {
                    tracing::warn!(%error, "no dedicated writer connection; using the pool")
                })
                .ok();
        }
        let batch = std::mem::take(&mut batch);
        if !run_batch(&db, own.as_mut(), &automation, &mut cache, batch).await {
            // After a database failure, start again from a fresh connection.
            own = None;
        }
    }
}

async fn connect_writer(pool: &sqlx::SqlitePool) -> Result<SqliteConnection, sqlx::Error> {
    let mut conn = SqliteConnection::connect_with(&pool.connect_options()).await?;
    sqlx::query(WRITER_CACHE).execute(&mut conn).await?;
    Ok(conn)
}

/// Begins the batch's transaction, on the writer's own connection when it has one.
async fn begin<'c>(db: &Db, own: Option<&'c mut SqliteConnection>) -> Result<Tx<'c>, sqlx::Error> {
    match own {
        Some(conn) => Ok(Tx::Sqlite(conn.begin_with("BEGIN IMMEDIATE").await?)),
        None => db.begin().await,
    }
}

/// Runs a batch and replies to every command; `false` if the database failed.
async fn run_batch(
    db: &Db,
    own: Option<&mut SqliteConnection>,
    automation: &Automation,
    cache: &mut Cache,
    mut batch: Vec<(CommandRequest, Reply)>,
) -> bool {
    // A caller that gave up (timeout, disconnect) must not have its command applied behind its back.
    batch.retain(|(_, reply)| !reply.is_closed());
    if batch.is_empty() {
        return true;
    }
    // Lock rows in one global order (a stable sort keeps each case's commands in arrival order).
    batch.sort_by_key(|(request, _)| request.case_id);
    if !cache.persistent || cache.cases.len() > CACHE_LIMIT {
        cache.cases.clear();
    }
    let requests: Vec<&CommandRequest> = batch.iter().map(|(request, _)| request).collect();
    let mut outcome = try_batch(db, own, automation, cache, &requests).await;
    // A deadlock or serialisation failure says nothing about the commands: run the batch again.
    for _ in 0..3 {
        match &outcome {
            Err(StoreError::Database(error)) if is_transient(error) => {
                tracing::info!(%error, "transient database conflict; retrying the batch");
                outcome = try_batch(db, None, automation, cache, &requests).await;
            }
            _ => break,
        }
    }
    drop(requests);
    match outcome {
        Ok(results) => {
            for ((_, reply), result) in batch.into_iter().zip(results) {
                let _ = reply.send(result);
            }
            true
        }
        Err(error) => {
            tracing::warn!(%error, size = batch.len(), "batch failed; retrying its commands one by one");
            for (request, reply) in batch {
                cache.cases.clear();
                let result = match try_batch(db, None, automation, cache, &[&request]).await {
                    Ok(mut results) => results
                        .pop()
                        .unwrap_or(Err(CommandError::Storage(StoreError::WriterStopped))),
                    Err(error) => Err(CommandError::Storage(error)),
                };
                let _ = reply.send(result);
            }
            cache.cases.clear();
            false
        }
    }
}

/// PostgreSQL deadlock (40P01) or serialisation failure (40001).
fn is_transient(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if matches!(e.code().as_deref(), Some("40P01") | Some("40001")))
}

/// What one batch will write, flushed with multi-row statements at its end.
#[derive(Default)]
struct Pending {
    events: Vec<StoredEvent>,
    actors: Vec<String>,
    /// Cases to upsert, in first-touch order, with the version they had in the database.
    touched: Vec<(CaseId, i64)>,
    /// Per order: (open cases delta, total cases delta). A BTreeMap, so rows are
    /// locked in one global order on PostgreSQL.
    order_deltas: BTreeMap<OrderId, (i64, i64)>,
    jobs: Vec<(CaseId, ScheduledJob)>,
    /// Order ledgers as the batch left them (each loaded, and locked, on first use).
    ledgers: BTreeMap<OrderId, OrderLedger>,
    /// Ledgers the batch changed.
    ledgers_changed: Vec<OrderId>,
    /// Ledger rows: order, case, seq, position, entry, recorded at.
    ledger_rows: Vec<(OrderId, CaseId, i64, i64, LedgerEntry, Timestamp)>,
}

/// The rules pack of this build: France, Europe/Paris.
pub(crate) static LAW: std::sync::LazyLock<LawPack> = std::sync::LazyLock::new(LawPack::france);

/// The order's ledger as the batch sees it, loaded and locked on first use.
async fn batch_ledger(
    tx: &mut Tx<'_>,
    pending: &mut Pending,
    order: &amiable_domain::order::Order,
) -> Result<OrderLedger, StoreError> {
    if let Some(ledger) = pending.ledgers.get(&order.id) {
        return Ok(*ledger);
    }
    let ledger = ledger_for_update(tx, order).await?;
    pending.ledgers.insert(order.id, ledger);
    Ok(ledger)
}

async fn try_batch(
    db: &Db,
    own: Option<&mut SqliteConnection>,
    automation: &Automation,
    cache: &mut Cache,
    batch: &[&CommandRequest],
) -> Result<Vec<Result<CommandOutcome, CommandError>>, StoreError> {
    let mut tx = begin(db, own).await?;
    let mut pending = Pending::default();
    let mut results = Vec::with_capacity(batch.len());
    let now = truncate_to_micros(Timestamp::now());
    for request in batch {
        match apply(&mut tx, cache, &mut pending, automation, request, now).await {
            Err(CommandError::Storage(error)) => {
                cache.cases.clear();
                let _ = tx.rollback().await;
                return Err(error);
            }
            result => results.push(result),
        }
    }
    if let Err(error) = flush(&mut tx, cache, &pending).await {
        cache.cases.clear();
        let _ = tx.rollback().await;
        return Err(error);
    }
    if let Err(error) = tx.commit().await {
        cache.cases.clear();
        return Err(error.into());
    }
    Ok(results)
}

async fn load(tx: &mut Tx<'_>, case_id: CaseId) -> Result<Option<Loaded>, StoreError> {
    let sql = match tx.backend() {
        Backend::Sqlite => {
            "SELECT version, last_hash, state, order_external_id, buyer_email FROM cases WHERE id = $1"
        }
        Backend::Postgres => {
            "SELECT version, last_hash, state, order_external_id, buyer_email FROM cases WHERE id = $1 FOR UPDATE"
        }
    };
    let row = with_tx!(tx, conn => {
        match sqlx::query(sql).bind(case_id.to_string()).fetch_optional(&mut *conn).await? {
            Some(row) => Some((
                row.int("version")?,
                row.text("last_hash")?,
                row.text("state")?,
                row.text("order_external_id")?,
                row.text("buyer_email")?,
            )),
            None => None,
        }
    });
    let Some((version, last_hash, state, order_external_id, buyer_email)) = row else {
        return Ok(None);
    };
    let state: CaseState = parse_json(&state, "case state")?;
    if state.version != version {
        return Err(StoreError::corrupt(format!(
            "case {case_id}: projection version {version} ≠ state version {}",
            state.version
        )));
    }
    let last_hash = from_hex(&last_hash)
        .ok_or_else(|| StoreError::corrupt(format!("case {case_id}: bad last hash")))?;
    Ok(Some(Loaded {
        state,
        last_hash,
        order_external_id,
        buyer_email,
    }))
}

/// Decides one command against the batch's view of its case and records what to write.
async fn apply(
    tx: &mut Tx<'_>,
    cache: &mut Cache,
    pending: &mut Pending,
    automation: &Automation,
    request: &CommandRequest,
    now: Timestamp,
) -> Result<CommandOutcome, CommandError> {
    let case_id = request.case_id;
    let mut fresh = false;
    if !cache.cases.contains_key(&case_id)
        && let Some(loaded) = load(tx, case_id).await?
    {
        cache.cases.insert(case_id, loaded);
        fresh = true;
    }
    let cached_version = cache.cases.get(&case_id).map_or(0, |l| l.state.version);
    if !fresh
        && request
            .expected_version
            .is_some_and(|expected| expected != cached_version)
        && let Some(loaded) = load(tx, case_id).await?
    {
        // Before answering "conflict" from memory, make sure memory is not the stale one.
        cache.cases.insert(case_id, loaded);
    }
    let current = cache.cases.get(&case_id);
    let current_version = current.map_or(0, |l| l.state.version);
    if let Some(expected) = request.expected_version
        && expected != current_version
    {
        return Err(if current.is_none() && expected > 0 {
            CommandError::CaseNotFound
        } else {
            CommandError::Conflict { current_version }
        });
    }
    let opening = matches!(request.command, Command::Open { .. });
    if current.is_none() && !opening {
        return Err(CommandError::CaseNotFound);
    }
    let opening_return = matches!(
        request.command,
        Command::Open {
            kind: CaseKind::Return,
            ..
        }
    );
    let order = match (current.is_none(), request.order_id) {
        (true, Some(order_id)) => Some(
            order_in(tx, order_id)
                .await?
                .ok_or(CommandError::OrderNotFound)?,
        ),
        (true, None) => return Err(CommandError::OrderNotFound),
        (false, _) => None,
    };
    // Money and new returns read the order's ledger row, which also serialises them per order.
    let mut ledger = None;
    let mut money_order = None;
    if request.command.moves_money() || (opening_return && current.is_none()) {
        let order_for_money = match (&order, current) {
            (Some(order), _) => order.clone(),
            (None, Some(loaded)) => order_in(tx, loaded.state.order_id)
                .await?
                .ok_or(CommandError::OrderNotFound)?,
            (None, None) => return Err(CommandError::OrderNotFound),
        };
        ledger = Some(batch_ledger(tx, pending, &order_for_money).await?);
        money_order = Some(order_for_money);
    }
    let returns = match (&order, opening_return, current.is_none()) {
        (Some(order), true, true) => {
            let batch = BatchCases {
                states: pending
                    .touched
                    .iter()
                    .filter_map(|(id, _)| cache.cases.get(id))
                    .map(|loaded| &loaded.state)
                    .collect(),
                opened: pending
                    .touched
                    .iter()
                    .filter(|(_, db_version)| *db_version == 0)
                    .filter_map(|(id, _)| {
                        cache
                            .cases
                            .get(id)
                            .map(|loaded| (*id, loaded.buyer_email.as_str()))
                    })
                    .collect(),
            };
            Some(return_context(tx, case_id, order, request.at.unwrap_or(now), &LAW, &batch).await?)
        }
        _ => None,
    };
    let current = cache.cases.get(&case_id);
    let taxonomy = match &order {
        Some(order) => operator_taxonomy(tx, order.operator_id).await?,
        None => ReasonTaxonomy::default(),
    };
    let at = match (request.at.map(truncate_to_micros), current) {
        (Some(at), Some(loaded)) => at.max(loaded.state.last_activity_at),
        (Some(at), None) => at,
        (None, Some(loaded)) => now.max(loaded.state.last_activity_at),
        (None, None) => now,
    };
    let ctx = Context {
        now: at,
        actor: &request.actor,
        order: order.as_ref(),
        taxonomy: &taxonomy,
        law: &LAW,
        ledger: ledger.as_ref(),
        returns: returns.as_ref(),
    };
    let before = current.map(|l| &l.state);
    let events = decide(before, &request.command, &ctx).map_err(CommandError::Rejected)?;
    let entries = ledger_entries(before, &events);
    let mut entry_seqs = Vec::with_capacity(entries.len());
    if !entries.is_empty() {
        let (Some(mut balance), Some(money_order)) = (ledger, money_order.as_ref()) else {
            return Err(StoreError::corrupt("money moved without the order's ledger").into());
        };
        // Which event made each entry, for the ledger rows.
        let base = before.map_or(0, |s| s.version);
        for (index, event) in events.iter().enumerate() {
            for entry in amiable_domain::ledger::entries(before, event) {
                balance
                    .apply(&entry)
                    .map_err(|e| StoreError::corrupt(format!("ledger: {e}")))?;
                entry_seqs.push((base + index as i64 + 1, entry));
            }
        }
        pending.ledgers.insert(money_order.id, balance);
        if !pending.ledgers_changed.contains(&money_order.id) {
            pending.ledgers_changed.push(money_order.id);
        }
    }

    let actor_json = serde_json::to_value(&request.actor).map_err(StoreError::corrupt)?;
    let actor_text = to_canonical_json(&actor_json).map_err(StoreError::corrupt)?;
    let mut state = before.cloned();
    let mut previous = current.map_or(GENESIS_HASH, |l| l.last_hash);
    let mut stored = Vec::with_capacity(events.len());
    for event in events {
        let seq = state.as_ref().map_or(0, |s| s.version) + 1;
        let recorded = RecordedEvent {
            seq,
            actor: request.actor.clone(),
            recorded_at: at,
            event,
        };
        state = CaseState::evolve(state, case_id, &recorded);
        let folded = state
            .as_ref()
            .ok_or_else(|| StoreError::corrupt("an event did not apply"))?;
        let payload = recorded.event.payload();
        let payload_text = to_canonical_json(&payload).map_err(StoreError::corrupt)?;
        let (case_text, operator_text, merchant_text) = (
            case_id.to_string(),
            folded.operator_id.to_string(),
            folded.merchant_id.to_string(),
        );
        let chained = ChainedEvent {
            case_id: &case_text,
            operator_id: &operator_text,
            merchant_id: &merchant_text,
            seq,
            event_type: recorded.event.event_type(),
            schema_version: EVENT_SCHEMA_VERSION,
            actor: &actor_json,
            recorded_at_micros: crate::to_micros(at),
            payload: &payload,
        };
        let hash = chained.hash_canonical(&previous, &actor_text, &payload_text);
        stored.push(StoredEvent {
            case_id,
            seq,
            event_type: recorded.event.event_type().to_owned(),
            schema_version: EVENT_SCHEMA_VERSION,
            actor: recorded.actor,
            recorded_at: at,
            event: recorded.event,
            payload_text,
            prev_hash: to_hex(&previous),
            hash: to_hex(&hash),
        });
        previous = hash;
    }
    let state = state.ok_or_else(|| StoreError::corrupt("no state after the command"))?;

    // Record the writes; nothing reaches the database before the batch flushes.
    let was_open = before.map(|s| s.status == CaseStatus::Open);
    let open_delta: i64 = match (was_open, state.status == CaseStatus::Open) {
        (None | Some(false), true) => 1,
        (Some(true), false) => -1,
        _ => 0,
    };
    if before.is_none() || open_delta != 0 {
        let delta = pending.order_deltas.entry(state.order_id).or_default();
        delta.0 += open_delta;
        delta.1 += i64::from(before.is_none());
    }
    for job in scheduled_jobs(before, &state, automation) {
        pending.jobs.push((case_id, job));
    }
    if !pending.touched.iter().any(|(id, _)| *id == case_id) {
        pending.touched.push((case_id, current_version));
    }
    for event in &stored {
        pending.events.push(event.clone());
        pending.actors.push(actor_text.clone());
    }
    for (position, (seq, entry)) in entry_seqs.into_iter().enumerate() {
        pending
            .ledger_rows
            .push((state.order_id, case_id, seq, position as i64, entry, at));
    }
    let (order_external_id, buyer_email) = match (&order, current) {
        (Some(order), _) => (order.external_id.to_string(), order.buyer.email.to_string()),
        (None, Some(loaded)) => (loaded.order_external_id.clone(), loaded.buyer_email.clone()),
        (None, None) => return Err(CommandError::CaseNotFound),
    };
    let version = state.version;
    cache.cases.insert(
        case_id,
        Loaded {
            state: state.clone(),
            last_hash: previous,
            order_external_id,
            buyer_email,
        },
    );
    Ok(CommandOutcome {
        case_id,
        version,
        events: stored,
        state,
    })
}

/// The largest multi-row statement, in rows (well under both databases' bind limits).
const MAX_CHUNK: usize = 64;

/// Splits `rows` into chunks whose sizes are powers of two (64, 32, …, 1), so
/// that a multi-row statement only ever has one of seven shapes: each shape is
/// prepared once per connection and reused, instead of parsing a new
/// statement for every batch size.
fn pow2_chunks<T>(mut rows: &[T]) -> Vec<&[T]> {
    let mut chunks = Vec::new();
    while !rows.is_empty() {
        let size = if rows.len() >= MAX_CHUNK {
            MAX_CHUNK
        } else {
            1 << rows.len().ilog2()
        };
        let (chunk, rest) = rows.split_at(size);
        chunks.push(chunk);
        rows = rest;
    }
    chunks
}

/// Writes a batch: events, case projections, order summaries and jobs.
async fn flush(tx: &mut Tx<'_>, cache: &Cache, pending: &Pending) -> Result<(), StoreError> {
    if pending.events.is_empty() {
        return Ok(());
    }
    let mut cases = Vec::with_capacity(pending.touched.len());
    for (case_id, _) in &pending.touched {
        let loaded = cache
            .cases
            .get(case_id)
            .ok_or_else(|| StoreError::corrupt("a touched case left the cache"))?;
        let state_text = serde_json::to_string(&loaded.state).map_err(StoreError::corrupt)?;
        cases.push((loaded, state_text));
    }
    let rows: Vec<(&StoredEvent, &String)> = pending.events.iter().zip(&pending.actors).collect();
    with_tx!(tx, conn, DB => {
        for chunk in pow2_chunks(&rows) {
            let mut insert = sqlx::QueryBuilder::<DB>::new(
                "INSERT INTO case_events (case_id, seq, operator_id, merchant_id, event_type, schema_version, actor, recorded_at, payload, prev_hash, hash) ",
            );
            insert.push_values(chunk, |mut row, (event, actor)| {
                let state = &cache.cases[&event.case_id].state;
                row.push_bind(event.case_id.to_string())
                    .push_bind(event.seq)
                    .push_bind(state.operator_id.to_string())
                    .push_bind(state.merchant_id.to_string())
                    .push_bind(event.event_type.clone())
                    .push_bind(event.schema_version)
                    .push_bind((*actor).clone())
                    .push_bind(crate::to_micros(event.recorded_at))
                    .push_bind(event.payload_text.clone())
                    .push_bind(event.prev_hash.clone())
                    .push_bind(event.hash.clone());
            });
            insert.build().execute(&mut *conn).await?;
        }
        for chunk in pow2_chunks(&cases) {
            let mut upsert = sqlx::QueryBuilder::<DB>::new(
                "INSERT INTO cases (id, operator_id, merchant_id, order_id, order_external_id, buyer_email, kind, status, stage, reason,
                                    claimed_minor, currency, waiting_on, resolution_kind, opened_at, last_activity_at, version, last_hash, state,
                                    next_deadline_at, first_response_at) ",
            );
            upsert.push_values(chunk, |mut row, (loaded, state_text)| {
                let state = &loaded.state;
                row.push_bind(state.case_id.to_string())
                    .push_bind(state.operator_id.to_string())
                    .push_bind(state.merchant_id.to_string())
                    .push_bind(state.order_id.to_string())
                    .push_bind(loaded.order_external_id.clone())
                    .push_bind(loaded.buyer_email.clone())
                    .push_bind(state.kind.code())
                    .push_bind(state.status.code())
                    .push_bind(state.stage.code())
                    .push_bind(state.reason.as_str().to_owned())
                    .push_bind(state.claimed.map(|m| m.amount_minor))
                    .push_bind(state.order_total.currency.code())
                    .push_bind(state.waiting_on.map(|p| p.code()))
                    .push_bind(state.resolution.as_ref().map(|r| r.kind.code()))
                    .push_bind(crate::to_micros(state.opened_at))
                    .push_bind(crate::to_micros(state.last_activity_at))
                    .push_bind(state.version)
                    .push_bind(to_hex(&loaded.last_hash))
                    .push_bind(state_text.clone())
                    .push_bind(next_deadline(state, &ResponseTimes::default()).map(crate::to_micros))
                    .push_bind(state.merchant_first_response_at.map(crate::to_micros));
            });
            // Never move a projection backwards: a stale writer updates nothing and the count check fails.
            upsert.push(
                " ON CONFLICT (id) DO UPDATE SET status = excluded.status, stage = excluded.stage, waiting_on = excluded.waiting_on,
                   resolution_kind = excluded.resolution_kind, last_activity_at = excluded.last_activity_at, version = excluded.version,
                   last_hash = excluded.last_hash, state = excluded.state, next_deadline_at = excluded.next_deadline_at,
                   first_response_at = excluded.first_response_at
                 WHERE cases.version < excluded.version",
            );
            let written = upsert.build().execute(&mut *conn).await?.rows_affected();
            if written != chunk.len() as u64 {
                return Err(StoreError::corrupt("a case changed under the writer; retrying"));
            }
        }
        for (order_id, (open_delta, total_delta)) in &pending.order_deltas {
            if *open_delta == 0 && *total_delta == 0 {
                continue;
            }
            sqlx::query("UPDATE orders SET open_cases = open_cases + $2, total_cases = total_cases + $3 WHERE id = $1")
                .bind(order_id.to_string())
                .bind(*open_delta)
                .bind(*total_delta)
                .execute(&mut *conn)
                .await?;
        }
        let updated_at = crate::to_micros(Timestamp::now());
        for order_id in &pending.ledgers_changed {
            let ledger = &pending.ledgers[order_id];
            let written = sqlx::query(
                "UPDATE order_ledgers SET refunded_minor = $2, store_credit_minor = $3, store_credit_bonus_minor = $4,
                        compensation_minor = $5, surcharge_minor = $6, due_from_buyer_minor = $7, updated_at = $8
                 WHERE order_id = $1 AND $2 + $3 <= captured_minor",
            )
            .bind(order_id.to_string())
            .bind(ledger.refunded.amount_minor)
            .bind(ledger.store_credit.amount_minor)
            .bind(ledger.store_credit_bonus.amount_minor)
            .bind(ledger.compensation.amount_minor)
            .bind(ledger.surcharge_due.amount_minor)
            .bind(ledger.due_from_buyer.amount_minor)
            .bind(updated_at)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if written != 1 {
                return Err(StoreError::corrupt("an order's ledger would go beyond what was captured"));
            }
        }
        for (order_id, case_id, seq, position, entry, at) in &pending.ledger_rows {
            sqlx::query(
                "INSERT INTO ledger_entries (order_id, case_id, seq, position, kind, amount_minor, currency, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(order_id.to_string())
            .bind(case_id.to_string())
            .bind(*seq)
            .bind(*position)
            .bind(entry.kind())
            .bind(entry.amount().amount_minor)
            .bind(entry.amount().currency.code())
            .bind(crate::to_micros(*at))
            .execute(&mut *conn)
            .await?;
        }
        let created_at = crate::to_micros(Timestamp::now());
        for chunk in pow2_chunks(&pending.jobs) {
            let mut insert = sqlx::QueryBuilder::<DB>::new("INSERT INTO jobs (kind, payload, case_id, due_at, created_at) ");
            insert.push_values(chunk, |mut row, (case_id, job)| {
                row.push_bind(job.kind)
                    .push_bind(job.payload.to_string())
                    .push_bind(case_id.to_string())
                    .push_bind(crate::to_micros(job.due_at))
                    .push_bind(created_at);
            });
            insert.build().execute(&mut *conn).await?;
        }
    });
    Ok(())
}

async fn operator_taxonomy(
    tx: &mut Tx<'_>,
    operator_id: amiable_domain::ids::OperatorId,
) -> Result<ReasonTaxonomy, StoreError> {
    let settings: Option<String> = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT settings FROM operators WHERE id = $1")
            .bind(operator_id.to_string())
            .fetch_optional(&mut *conn)
            .await?
    });
    match settings {
        Some(settings) => taxonomy_from_settings(&parse_json(&settings, "operator settings")?),
        None => Ok(ReasonTaxonomy::default()),
    }
}

impl crate::Store {
    /// Runs one case command through the group-commit writer.
    pub async fn execute(&self, request: CommandRequest) -> Result<CommandOutcome, CommandError> {
        let outcome = self.writer.submit(request).await?;
        self.events_appended.fetch_add(
            outcome.events.len() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        Ok(outcome)
    }

    /// Events this process appended since it started (for `/metrics`).
    pub fn events_appended(&self) -> u64 {
        self.events_appended
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::pow2_chunks;

    #[test]
    fn chunks_are_powers_of_two_and_cover_everything() {
        for len in 0..300usize {
            let rows: Vec<usize> = (0..len).collect();
            let chunks = pow2_chunks(&rows);
            assert_eq!(chunks.concat(), rows);
            assert!(
                chunks
                    .iter()
                    .all(|c| c.len().is_power_of_two() && c.len() <= super::MAX_CHUNK)
            );
        }
        assert_eq!(
            pow2_chunks(&[0; 100])
                .iter()
                .map(|c| c.len())
                .collect::<Vec<_>>(),
            vec![64, 32, 4]
        );
    }
}
