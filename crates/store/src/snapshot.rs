//! Case state snapshots. The `cases.state` column holds the decider's state as
//! of the case's version, so a command never replays the log; the log is the
//! source of truth. A snapshot written under another snapshot version
//! (`CaseState::SNAPSHOT_VERSION`), or one that does not read, is rebuilt by
//! replaying the case's events — never reported as corruption to the caller —
//! and the next command on the case writes it back in the current shape.

use crate::db::{Store, Tx, with_pool, with_tx};
use crate::error::StoreError;
use crate::events::{StoredEvent, event_from};
use amiable_domain::case::{CaseState, RecordedEvent};
use amiable_domain::ids::CaseId;

/// The snapshot as stored, if it can be trusted: the current version, and readable.
pub(crate) fn parse(text: &str, snapshot_version: i64) -> Option<CaseState> {
    if snapshot_version != CaseState::SNAPSHOT_VERSION {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// Replays stored events into a state.
pub(crate) fn replay(case_id: CaseId, events: &[StoredEvent]) -> Result<CaseState, StoreError> {
    let recorded: Vec<RecordedEvent> = events
        .iter()
        .map(|e| RecordedEvent {
            seq: e.seq,
            actor: e.actor.clone(),
            recorded_at: e.recorded_at,
            event: e.event.clone(),
        })
        .collect();
    CaseState::replay(case_id, &recorded)
        .ok_or_else(|| StoreError::corrupt(format!("case {case_id}: its log has no opening")))
}

fn rebuilt(case_id: CaseId, snapshot_version: i64) {
    tracing::warn!(
        %case_id,
        snapshot_version,
        current = CaseState::SNAPSHOT_VERSION,
        "case snapshot rebuilt from its log"
    );
}

/// A case's state from its row: the snapshot, or the replay of its log (in `tx`).
pub(crate) async fn read_in(
    tx: &mut Tx<'_>,
    case_id: CaseId,
    text: &str,
    snapshot_version: i64,
) -> Result<CaseState, StoreError> {
    match parse(text, snapshot_version) {
        Some(state) => Ok(state),
        None => rebuild_in(tx, case_id, snapshot_version).await,
    }
}

/// A case's state replayed from its log (in `tx`), its snapshot being unusable.
pub(crate) async fn rebuild_in(
    tx: &mut Tx<'_>,
    case_id: CaseId,
    snapshot_version: i64,
) -> Result<CaseState, StoreError> {
    rebuilt(case_id, snapshot_version);
    let events: Vec<StoredEvent> = with_tx!(tx, conn => {
        sqlx::query("SELECT case_id, seq, operator_id, merchant_id, event_type, schema_version, actor, recorded_at, payload, prev_hash, hash FROM case_events WHERE case_id = $1 ORDER BY seq")
            .bind(case_id.to_string())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(event_from)
            .collect::<Result<_, _>>()?
    });
    replay(case_id, &events)
}

impl Store {
    /// A case's state from its row: the snapshot, or the replay of its log.
    pub(crate) async fn read_snapshot(
        &self,
        case_id: CaseId,
        text: &str,
        snapshot_version: i64,
    ) -> Result<CaseState, StoreError> {
        if let Some(state) = parse(text, snapshot_version) {
            return Ok(state);
        }
        rebuilt(case_id, snapshot_version);
        let events: Vec<StoredEvent> = with_pool!(&self.db, pool => {
            sqlx::query("SELECT case_id, seq, operator_id, merchant_id, event_type, schema_version, actor, recorded_at, payload, prev_hash, hash FROM case_events WHERE case_id = $1 ORDER BY seq")
                .bind(case_id.to_string())
                .fetch_all(pool)
                .await?
                .iter()
                .map(event_from)
                .collect::<Result<_, _>>()?
        });
        replay(case_id, &events)
    }
}
