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
use crate::rows::RowExt;
use amiable_domain::canonical::to_canonical_json;
use amiable_domain::case::automation::{Automation, ScheduledJob, scheduled_jobs};
use amiable_domain::case::{
    Actor, CaseEvent, CaseState, CaseStatus, Command, EVENT_SCHEMA_VERSION, LifecycleEvent,
    RecordedEvent, ReturnEvent, decide, ledger_entries,
};
use amiable_domain::ids::{CaseId, OrderId};
use amiable_domain::law::LawPack;
use amiable_domain::ledger::{LedgerEntry, OrderLedger};
use amiable_domain::timeline::{ChainedEvent, GENESIS_HASH, from_hex, to_hex, truncate_to_micros};
use jiff::Timestamp;
use sqlx::{Connection, SqliteConnection};
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use tokio::sync::{Mutex, Notify, mpsc, oneshot};

mod context;
mod flush;

pub(crate) use context::RulesPacks;
use context::pack_of;

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
    pub(crate) fn start(
        db: Db,
        automation: Automation,
        packs: Arc<RulesPacks>,
        wal_limit: u64,
    ) -> Writer {
        let count = match db.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => POSTGRES_WRITERS,
        };
        let mut lanes = Vec::with_capacity(count);
        let mut tasks = Vec::with_capacity(count);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        // SQLite's one lane empties the WAL when the checkpoint loop says it is too large.
        let wal_full = Arc::new(Notify::new());
        for _ in 0..count {
            let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
            lanes.push(sender);
            tasks.push(tokio::spawn(run_lane(
                db.clone(),
                automation,
                packs.clone(),
                receiver,
                wal_full.clone(),
                stopped.clone(),
            )));
        }
        if let Db::Sqlite(pool) = &db {
            tasks.push(tokio::spawn(checkpoint_loop(
                pool.clone(),
                wal_limit,
                wal_full.clone(),
                stopped.clone(),
            )));
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

/// How much of the WAL may be in use before the writer starts it over (by default).
pub(crate) const WAL_LIMIT: u64 = 1024 * 1024 * 1024;

/// SQLite: checkpoints the WAL outside the writer's commits (they never run one
/// themselves, `wal_autocheckpoint = 0`). PASSIVE never waits for readers or the
/// writer; whatever it cannot copy now, it copies next time. But SQLite only starts
/// the WAL over from its beginning when a write begins just after a checkpoint copied
/// *everything*, which a writer that never pauses never leaves time for: the file grew
/// without end (200 MB/s under the HTTP benchmark's posts, 2.2 GB in 15 s). So once the
/// frames in use pass the limit, this loop asks the writer (`wal_full`), which runs a
/// RESTART checkpoint between two of its batches, on its own connection: the frames
/// written since the last PASSIVE are copied, and the next commit writes the WAL from
/// its beginning again. The file keeps its size and is reused (a TRUNCATE would free
/// and grow it again: three times the pause, 180 ms against 60 ms under the benchmark),
/// so the WAL stays at about the limit. A final TRUNCATE on stop leaves it empty.
async fn checkpoint_loop(
    pool: sqlx::SqlitePool,
    wal_limit: u64,
    wal_full: Arc<Notify>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let Ok(mut conn) = SqliteConnection::connect_with(&pool.connect_options()).await else {
        tracing::warn!("no checkpoint connection; the WAL grows until the next start");
        return;
    };
    // A WAL frame is a page and its 24-byte header.
    let frame = sqlx::query_scalar::<_, i64>("PRAGMA page_size")
        .fetch_one(&mut conn)
        .await
        .map_or(4096 + 24, |page| page as u64 + 24);
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
        let Some(frames) = passive(&mut conn).await else {
            continue;
        };
        if frames * frame > wal_limit {
            wal_full.notify_one();
        }
    }
}

/// A PASSIVE checkpoint; the frames the WAL holds.
async fn passive(conn: &mut SqliteConnection) -> Option<u64> {
    // (busy, frames in the WAL, frames copied back)
    match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(conn)
        .await
    {
        Ok((_, frames, _)) => Some(frames.max(0) as u64),
        Err(error) => {
            tracing::warn!(%error, "checkpoint failed; retrying");
            None
        }
    }
}

/// SQLite: starts the WAL over between two batches, when [`checkpoint_loop`] asks.
async fn restart_wal(db: &Db, own: Option<&mut SqliteConnection>) {
    const RESTART: &str = "PRAGMA wal_checkpoint(RESTART)";
    let result = match (own, db) {
        (Some(conn), _) => sqlx::query(RESTART).execute(conn).await,
        (None, Db::Sqlite(pool)) => sqlx::query(RESTART).execute(pool).await,
        (None, Db::Postgres(_)) => return,
    };
    if let Err(error) = result {
        tracing::warn!(%error, "the WAL could not be started over; retrying at the next limit");
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
    /// Each operator's rules pack (shared by the lanes and the store's reads).
    packs: Arc<RulesPacks>,
}

async fn run_lane(
    db: Db,
    automation: Automation,
    packs: Arc<RulesPacks>,
    mut receiver: mpsc::Receiver<(CommandRequest, Reply)>,
    wal_full: Arc<Notify>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut cache = Cache {
        persistent: db.backend() == Backend::Sqlite,
        cases: HashMap::new(),
        packs,
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
            // Between two batches: nothing of the writer's is in flight.
            _ = wal_full.notified() => {
                restart_wal(&db, own.as_mut()).await;
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
    /// Search terms the batch's events bring: operator, merchant, term, case.
    search: Vec<(String, String, String, String)>,
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
    // Every touched case's service levels, assessed now with its settings (crate::sla).
    let assessed = match assess_touched(&mut tx, cache, &pending).await {
        Ok(assessed) => assessed,
        Err(error) => {
            cache.cases.clear();
            let _ = tx.rollback().await;
            return Err(error);
        }
    };
    if let Err(error) = flush::flush(&mut tx, cache, &pending, &assessed).await {
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

/// The service-level assessment of each case the batch touched.
async fn assess_touched(
    tx: &mut Tx<'_>,
    cache: &Cache,
    pending: &Pending,
) -> Result<HashMap<CaseId, crate::sla::Projected>, StoreError> {
    let states: Vec<&CaseState> = pending
        .touched
        .iter()
        .filter_map(|(id, _)| cache.cases.get(id).map(|l| &l.state))
        .collect();
    let configs = crate::sla::configs_in(
        tx,
        states
            .iter()
            .map(|s| (s.operator_id, s.merchant_id))
            .collect::<Vec<_>>(),
    )
    .await?;
    let now = Timestamp::now();
    Ok(states
        .into_iter()
        .filter_map(|state| {
            let config = configs.get(&(state.operator_id, state.merchant_id))?;
            Some((
                state.case_id,
                crate::sla::Projected {
                    assessment: amiable_domain::sla::assess(state, config, now),
                },
            ))
        })
        .collect())
}

async fn load(tx: &mut Tx<'_>, case_id: CaseId) -> Result<Option<Loaded>, StoreError> {
    let sql = match tx.backend() {
        Backend::Sqlite => {
            "SELECT version, last_hash, state, snapshot_version, order_external_id, buyer_email FROM cases WHERE id = $1"
        }
        Backend::Postgres => {
            "SELECT version, last_hash, state, snapshot_version, order_external_id, buyer_email FROM cases WHERE id = $1 FOR UPDATE"
        }
    };
    let row = with_tx!(tx, conn => {
        match sqlx::query(sql).bind(case_id.to_string()).fetch_optional(&mut *conn).await? {
            Some(row) => Some((
                row.int("version")?,
                row.text("last_hash")?,
                row.text("state")?,
                row.int("snapshot_version")?,
                row.text("order_external_id")?,
                row.text("buyer_email")?,
            )),
            None => None,
        }
    });
    let Some((version, last_hash, state, snapshot_version, order_external_id, buyer_email)) = row
    else {
        return Ok(None);
    };
    // A snapshot of another shape, unreadable or behind its row is rebuilt from the log.
    let state = match crate::snapshot::parse(&state, snapshot_version) {
        Some(parsed) if parsed.version == version => parsed,
        _ => crate::snapshot::rebuild_in(tx, case_id, snapshot_version).await?,
    };
    if state.version != version {
        return Err(StoreError::corrupt(format!(
            "case {case_id}: projection version {version} ≠ its log's version {}",
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
    if current.is_none() && !request.command.is_open() {
        return Err(CommandError::CaseNotFound);
    }
    let inputs = context::load(
        tx,
        context::Batch {
            cases: &cache.cases,
            pending,
            packs: &cache.packs,
        },
        case_id,
        &request.command,
        request.order_id,
        request.at.unwrap_or(now),
    )
    .await?;
    let current = cache.cases.get(&case_id);
    let at = match (request.at.map(truncate_to_micros), current) {
        (Some(at), Some(loaded)) => at.max(loaded.state.last_activity_at),
        (Some(at), None) => at,
        (None, Some(loaded)) => now.max(loaded.state.last_activity_at),
        (None, None) => now,
    };
    let ctx = inputs.context(at, &request.actor);
    let before = current.map(|l| &l.state);
    let events = decide(before, &request.command, &ctx).map_err(CommandError::Rejected)?;
    let entries = ledger_entries(before, &events);
    let mut entry_seqs = Vec::with_capacity(entries.len());
    if !entries.is_empty() {
        let Some((mut balance, money_order)) = inputs.ledger.clone() else {
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
    for job in scheduled_jobs(
        before,
        &state,
        automation,
        inputs.law,
        inputs.ladder.as_ref(),
    ) {
        pending.jobs.push((case_id, job));
    }
    if !pending.touched.iter().any(|(id, _)| *id == case_id) {
        pending.touched.push((case_id, current_version));
    }
    for event in &stored {
        pending.events.push(event.clone());
        pending.actors.push(actor_text.clone());
        // What the case will be found by (crate::search).
        let terms = match (&event.event, &inputs.order) {
            (CaseEvent::Lifecycle(LifecycleEvent::Opened { .. }), Some(order)) => {
                crate::search::case_terms(
                    case_id,
                    order.external_id.as_str(),
                    order.buyer.email.as_str(),
                    order.buyer.name.as_str(),
                )
            }
            (CaseEvent::Returns(ReturnEvent::ReturnAuthorised { rma, .. }), _) => {
                crate::search::rma_terms(rma)
            }
            _ => Vec::new(),
        };
        for term in terms {
            pending.search.push((
                state.operator_id.to_string(),
                state.merchant_id.to_string(),
                term,
                case_id.to_string(),
            ));
        }
    }
    for (position, (seq, entry)) in entry_seqs.into_iter().enumerate() {
        pending
            .ledger_rows
            .push((state.order_id, case_id, seq, position as i64, entry, at));
    }
    let (order_external_id, buyer_email) = match (&inputs.order, current) {
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

impl crate::Store {
    /// The rules pack an operator decides under (the law its deadlines are computed by).
    pub async fn rules_pack(
        &self,
        operator_id: amiable_domain::ids::OperatorId,
    ) -> Result<&'static LawPack, StoreError> {
        if let Some(law) = self.packs.get(operator_id) {
            return Ok(law);
        }
        let code: Option<String> = crate::db::with_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT rules_pack FROM operators WHERE id = $1")
                .bind(operator_id.to_string())
                .fetch_optional(pool)
                .await?
        });
        let law = pack_of(&code.ok_or(StoreError::NotFound("operator"))?)?;
        self.packs.remember(operator_id, law);
        Ok(law)
    }

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
