//! The end of a batch: its events, case projections, order counters, ledgers
//! and jobs written with multi-row statements, in one transaction.

use super::{Cache, Pending};
use crate::db::{Tx, with_tx};
use crate::error::StoreError;
use crate::events::StoredEvent;
use crate::sla::Projected;
use amiable_domain::case::{CaseState, ResponseTimes, next_deadline};
use amiable_domain::ids::CaseId;
use amiable_domain::timeline::to_hex;
use jiff::Timestamp;
use std::collections::HashMap;

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
pub(super) async fn flush(
    tx: &mut Tx<'_>,
    cache: &Cache,
    pending: &Pending,
    assessed: &HashMap<CaseId, Projected>,
) -> Result<(), StoreError> {
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
                                    next_deadline_at, first_response_at, snapshot_version, amount_minor,
                                    assignee_id, team_id, sla_due_at, sla_next_at) ",
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
                    .push_bind(state.merchant_first_response_at.map(crate::to_micros))
                    .push_bind(CaseState::SNAPSHOT_VERSION)
                    .push_bind(state.amount_at_stake().map(|m| m.amount_minor));
                let assignee = state.assignee.as_ref();
                let assessment = assessed.get(&state.case_id).map(|p| &p.assessment);
                row.push_bind(assignee.and_then(|a| a.user_id.clone()))
                    .push_bind(assignee.and_then(|a| a.team_id.clone()))
                    .push_bind(assessment.and_then(|a| a.nearest_due).map(crate::to_micros))
                    .push_bind(assessment.and_then(|a| a.next_alarm).map(crate::to_micros));
            });
            // Never move a projection backwards: a stale writer updates nothing and the count check fails.
            upsert.push(
                " ON CONFLICT (id) DO UPDATE SET status = excluded.status, stage = excluded.stage, waiting_on = excluded.waiting_on,
                   resolution_kind = excluded.resolution_kind, last_activity_at = excluded.last_activity_at, version = excluded.version,
                   last_hash = excluded.last_hash, state = excluded.state, next_deadline_at = excluded.next_deadline_at,
                   first_response_at = excluded.first_response_at, snapshot_version = excluded.snapshot_version,
                   amount_minor = excluded.amount_minor, assignee_id = excluded.assignee_id,
                   team_id = excluded.team_id, sla_due_at = excluded.sla_due_at, sla_next_at = excluded.sla_next_at
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
                        compensation_minor = $5, surcharge_minor = $6, due_from_buyer_minor = $7, updated_at = $8,
                        marketplace_paid_minor = $9, due_from_merchant_minor = $10, carrier_recovered_minor = $11
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
            .bind(ledger.marketplace_paid.amount_minor)
            .bind(ledger.due_from_merchant.amount_minor)
            .bind(ledger.carrier_recovered.amount_minor)
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
        // The transactional outbox: every event is owed to its audience (notifications,
        // webhooks); the dispatcher reads these rows after the commit.
        for chunk in pow2_chunks(&rows) {
            let mut insert = sqlx::QueryBuilder::<DB>::new("INSERT INTO outbox (case_id, seq, operator_id, merchant_id, created_at) ");
            insert.push_values(chunk, |mut row, (event, _)| {
                let state = &cache.cases[&event.case_id].state;
                row.push_bind(event.case_id.to_string())
                    .push_bind(event.seq)
                    .push_bind(state.operator_id.to_string())
                    .push_bind(state.merchant_id.to_string())
                    .push_bind(created_at);
            });
            insert.build().execute(&mut *conn).await?;
        }
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
        for chunk in pow2_chunks(&pending.search) {
            let mut insert = sqlx::QueryBuilder::<DB>::new("INSERT INTO case_search (operator_id, merchant_id, term, case_id) ");
            insert.push_values(chunk, |mut row, (operator_id, merchant_id, term, case_id)| {
                row.push_bind(operator_id.clone())
                    .push_bind(merchant_id.clone())
                    .push_bind(term.clone())
                    .push_bind(case_id.clone());
            });
            insert.push(" ON CONFLICT DO NOTHING");
            insert.build().execute(&mut *conn).await?;
        }
    });
    let targets: Vec<(&CaseState, &Projected)> = cases
        .iter()
        .filter_map(|(loaded, _)| {
            assessed
                .get(&loaded.state.case_id)
                .map(|p| (&loaded.state, p))
        })
        .collect();
    crate::sla::write_targets(tx, &targets).await?;
    Ok(())
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
