//! `Idempotency-Key` records: the first result of a POST, replayed to retries.
//!
//! A key belongs to one principal. The first request claims it (status NULL,
//! `locked_until` a lease); retries with the same request wait for the
//! result and get it replayed; a different request under the same key is
//! refused. A claim whose lease ran out (the node died mid-request) may be
//! taken over. Records are kept for [`RETENTION`] and then purged.

use crate::db::{Store, with_pool};
use crate::error::StoreError;
use crate::rows::RowExt;
use jiff::{SignedDuration, Timestamp};

/// How long a key and its result are kept: at least 24 hours, as promised.
pub const RETENTION: SignedDuration = SignedDuration::from_hours(25);

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The caller runs the request and must then `finish` or `release` the key.
    Claimed,
    /// The request already ran: replay this.
    Completed { status: u16, response: String },
    /// The key was used for a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

impl Store {
    /// Claims `key` for `principal` and the request with fingerprint `request_hash`.
    pub async fn claim_idempotency_key(
        &self,
        principal: &str,
        key: &str,
        request_hash: &str,
        lease: SignedDuration,
    ) -> Result<IdempotencyClaim, StoreError> {
        let now = Timestamp::now();
        let now_micros = crate::to_micros(now);
        let until = crate::to_micros(now.checked_add(lease).unwrap_or(now));
        let expired_before = crate::to_micros(now.checked_sub(RETENTION).unwrap_or(now));
        with_pool!(&self.db, pool => {
            // A record past retention is gone as far as clients are concerned.
            sqlx::query("DELETE FROM idempotency_keys WHERE principal = $1 AND idem_key = $2 AND created_at < $3")
                .bind(principal)
                .bind(key)
                .bind(expired_before)
                .execute(pool)
                .await?;
            let inserted = sqlx::query(
                "INSERT INTO idempotency_keys (principal, idem_key, request_hash, created_at, locked_until)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (principal, idem_key) DO NOTHING",
            )
            .bind(principal)
            .bind(key)
            .bind(request_hash)
            .bind(now_micros)
            .bind(until)
            .execute(pool)
            .await?
            .rows_affected();
            if inserted == 1 {
                return Ok(IdempotencyClaim::Claimed);
            }
            let Some(row) = sqlx::query(
                "SELECT request_hash, status, response, locked_until FROM idempotency_keys WHERE principal = $1 AND idem_key = $2",
            )
            .bind(principal)
            .bind(key)
            .fetch_optional(pool)
            .await?
            else {
                // Released between our insert and our read: the caller may try again.
                return Ok(IdempotencyClaim::InProgress);
            };
            if row.text("request_hash")? != request_hash {
                return Ok(IdempotencyClaim::Mismatch);
            }
            if let Some(status) = row.opt_int("status")? {
                return Ok(IdempotencyClaim::Completed {
                    status: u16::try_from(status).map_err(|_| StoreError::corrupt("idempotency status out of range"))?,
                    response: row.opt_text("response")?.unwrap_or_default(),
                });
            }
            let locked_until = row.int("locked_until")?;
            if locked_until < now_micros {
                // The first request's node died before recording a result: take over.
                let taken = sqlx::query(
                    "UPDATE idempotency_keys SET locked_until = $3
                     WHERE principal = $1 AND idem_key = $2 AND status IS NULL AND locked_until = $4",
                )
                .bind(principal)
                .bind(key)
                .bind(until)
                .bind(locked_until)
                .execute(pool)
                .await?
                .rows_affected();
                if taken == 1 {
                    return Ok(IdempotencyClaim::Claimed);
                }
            }
            Ok(IdempotencyClaim::InProgress)
        })
    }

    /// Records the result of a claimed key.
    pub async fn finish_idempotency_key(
        &self,
        principal: &str,
        key: &str,
        status: u16,
        response: &str,
    ) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("UPDATE idempotency_keys SET status = $3, response = $4 WHERE principal = $1 AND idem_key = $2")
                .bind(principal)
                .bind(key)
                .bind(i64::from(status))
                .bind(response)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Gives a claimed key up without a result (the request may be retried as new).
    pub async fn release_idempotency_key(
        &self,
        principal: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM idempotency_keys WHERE principal = $1 AND idem_key = $2 AND status IS NULL")
                .bind(principal)
                .bind(key)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Deletes records past retention; returns how many.
    pub async fn purge_idempotency_keys(&self) -> Result<u64, StoreError> {
        let now = Timestamp::now();
        let before = crate::to_micros(now.checked_sub(RETENTION).unwrap_or(now));
        Ok(with_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                .bind(before)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
