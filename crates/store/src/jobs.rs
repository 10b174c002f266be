//! Jobs and timers: delayed work with leases.
//!
//! A worker claims due jobs by setting a lease (owner + expiry) and bumping
//! the attempt count in one statement. On PostgreSQL the claim skips rows
//! another node holds (`FOR UPDATE SKIP LOCKED`), so several nodes never take
//! the same job; on SQLite the single statement runs under the database's
//! one write lock. A job whose lease expires (its worker died) becomes
//! claimable again; a job that keeps failing stops at `max_attempts` as `dead`.

use crate::db::{Backend, Store, with_pool};
use crate::error::StoreError;
use crate::rows::{RowExt, instant, parse_json};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: String,
    pub payload: Value,
    pub case_id: Option<String>,
    pub due_at: Timestamp,
    pub max_attempts: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: Value,
    pub case_id: Option<String>,
    pub due_at: Timestamp,
    /// Attempts including this one.
    pub attempts: i64,
    pub max_attempts: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobFailure {
    /// It will be tried again at the given instant.
    Retry,
    /// It used all its attempts.
    Dead,
    /// The lease was lost (expired and taken by another worker): nothing recorded.
    LeaseLost,
}

fn job_from(row: &impl RowExt) -> Result<Job, StoreError> {
    Ok(Job {
        id: row.int("id")?,
        kind: row.text("kind")?,
        payload: parse_json(&row.text("payload")?, "job payload")?,
        case_id: row.opt_text("case_id")?,
        due_at: instant(row.int("due_at")?)?,
        attempts: row.int("attempts")?,
        max_attempts: row.int("max_attempts")?,
    })
}

impl Store {
    pub async fn enqueue_job(&self, job: &NewJob) -> Result<i64, StoreError> {
        let now = crate::to_micros(Timestamp::now());
        Ok(with_pool!(&self.db, pool => {
            sqlx::query_scalar(
                "INSERT INTO jobs (kind, payload, case_id, due_at, max_attempts, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&job.kind)
            .bind(job.payload.to_string())
            .bind(&job.case_id)
            .bind(crate::to_micros(job.due_at))
            .bind(job.max_attempts.max(1))
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Claims up to `limit` due jobs for `worker` until `now + lease`.
    pub async fn claim_jobs(
        &self,
        worker: &str,
        limit: i64,
        lease: SignedDuration,
        now: Timestamp,
    ) -> Result<Vec<Job>, StoreError> {
        let sql = match self.db.backend() {
            Backend::Sqlite => {
                "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM jobs
                              WHERE status = 'pending' AND due_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
                                AND attempts < max_attempts
                              ORDER BY due_at, id LIMIT $4)
                 RETURNING *"
            }
            Backend::Postgres => {
                "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM jobs
                              WHERE status = 'pending' AND due_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
                                AND attempts < max_attempts
                              ORDER BY due_at, id LIMIT $4
                              FOR UPDATE SKIP LOCKED)
                 RETURNING *"
            }
        };
        // A job whose worker died on its last attempt would otherwise wait forever:
        // once its lease expires it is dead, and says why.
        // Through the partial index `jobs_leased` (migration 4): only jobs under a lease are
        // looked at. SQLite, without statistics, would prefer `jobs_due (status)` and walk
        // every pending timer while holding the write lock, hence INDEXED BY.
        let dead = match self.db.backend() {
            Backend::Sqlite => {
                "UPDATE jobs INDEXED BY jobs_leased
                 SET status = 'dead', finished_at = $1, lease_owner = NULL, lease_until = NULL,
                     last_error = COALESCE(last_error, 'the lease expired on the last attempt')
                 WHERE status = 'pending' AND lease_until IS NOT NULL AND lease_until < $1 AND attempts >= max_attempts"
            }
            Backend::Postgres => {
                "UPDATE jobs SET status = 'dead', finished_at = $1, lease_owner = NULL, lease_until = NULL,
                                 last_error = COALESCE(last_error, 'the lease expired on the last attempt')
                 WHERE status = 'pending' AND lease_until IS NOT NULL AND lease_until < $1 AND attempts >= max_attempts"
            }
        };
        with_pool!(&self.db, pool => {
            sqlx::query(dead)
            .bind(crate::to_micros(now))
            .execute(pool)
            .await?
            .rows_affected()
        });
        let until = now.saturating_add(lease).unwrap_or(now);
        let mut jobs: Vec<Job> = with_pool!(&self.db, pool => {
            sqlx::query(sql)
                .bind(worker)
                .bind(crate::to_micros(until))
                .bind(crate::to_micros(now))
                .bind(limit.clamp(1, 1000))
                .fetch_all(pool)
                .await?
                .iter()
                .map(job_from)
                .collect::<Result<_, _>>()?
        });
        jobs.sort_by_key(|j| (j.due_at, j.id));
        Ok(jobs)
    }

    /// Marks a job done; `false` if `worker` no longer holds its lease.
    pub async fn complete_job(
        &self,
        id: i64,
        worker: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = with_pool!(&self.db, pool => {
            sqlx::query(
                "UPDATE jobs SET status = 'done', finished_at = $3, lease_owner = NULL, lease_until = NULL
                 WHERE id = $1 AND lease_owner = $2 AND status = 'pending'",
            )
            .bind(id)
            .bind(worker)
            .bind(crate::to_micros(now))
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Records a failure: retried at `retry_at`, or dead after its last attempt.
    pub async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Timestamp,
        now: Timestamp,
    ) -> Result<JobFailure, StoreError> {
        let error: String = error.chars().take(2000).collect();
        let row = with_pool!(&self.db, pool => {
            sqlx::query(
                "UPDATE jobs SET
                    status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
                    finished_at = CASE WHEN attempts >= max_attempts THEN $5 ELSE NULL END,
                    due_at = $4, last_error = $3, lease_owner = NULL, lease_until = NULL
                 WHERE id = $1 AND lease_owner = $2 AND status = 'pending'
                 RETURNING status",
            )
            .bind(id)
            .bind(worker)
            .bind(&error)
            .bind(crate::to_micros(retry_at))
            .bind(crate::to_micros(now))
            .fetch_optional(pool)
            .await?
            .map(|row| row.text("status"))
            .transpose()?
        });
        Ok(match row.as_deref() {
            Some("dead") => JobFailure::Dead,
            Some(_) => JobFailure::Retry,
            None => JobFailure::LeaseLost,
        })
    }

    /// Moves a job this worker holds to a later instant, as a fresh job (attempts reset);
    /// `false` if the lease was lost meanwhile.
    pub async fn reschedule_job(
        &self,
        id: i64,
        worker: &str,
        due_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let moved = with_pool!(&self.db, pool => {
            sqlx::query(
                "UPDATE jobs SET due_at = $3, attempts = 0, lease_owner = NULL, lease_until = NULL
                 WHERE id = $1 AND lease_owner = $2 AND status = 'pending'",
            )
            .bind(id)
            .bind(worker)
            .bind(crate::to_micros(due_at))
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(moved == 1)
    }

    /// Jobs waiting to run (due or not).
    pub async fn pending_jobs(&self) -> Result<i64, StoreError> {
        Ok(with_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE status = 'pending'").fetch_one(pool).await?
        }))
    }

    /// A job by id, whatever its status (for tests and the operations CLI).
    pub async fn job_status(
        &self,
        id: i64,
    ) -> Result<Option<(String, i64, Option<String>)>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT status, attempts, lease_owner FROM jobs WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|row| Ok((row.text("status")?, row.int("attempts")?, row.opt_text("lease_owner")?)))
                .transpose()
        })
    }

    /// Jobs of one case, for the timeline and tests: (kind, due_at, status).
    pub async fn case_jobs(
        &self,
        case_id: &str,
    ) -> Result<Vec<(String, Timestamp, String)>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT kind, due_at, status FROM jobs WHERE case_id = $1 ORDER BY id")
                .bind(case_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| Ok((row.text("kind")?, instant(row.int("due_at")?)?, row.text("status")?)))
                .collect()
        })
    }
}
