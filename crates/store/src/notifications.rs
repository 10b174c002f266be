//! The notification outbox and its deliveries.
//!
//! The writer adds one `outbox` row per case event in the event's own
//! transaction. The dispatcher claims rows under a lease, plans their
//! deliveries and deletes the row in one transaction: a delivery's
//! `idem_key` is unique, so a row planned twice (a dispatcher that died after
//! planning, another node) plans nothing new. Deliveries are then claimed
//! under a lease by the delivery worker, sent, and marked sent, retried
//! later, or dead after their last attempt; "send again" puts a dead (or sent)
//! one back in the queue.

use crate::db::{Backend, Store, with_pool, with_tx};
use crate::error::StoreError;
use crate::events::StoredEvent;
use crate::rows::{RowExt, instant};
use amiable_domain::ids::{CaseId, OperatorId};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// An event owed to its audience.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub case_id: CaseId,
    pub seq: i64,
    pub operator_id: String,
    pub merchant_id: String,
    pub created_at: Timestamp,
}

/// A delivery to plan.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    /// Unique per (event or occasion, channel, recipient).
    pub idem_key: String,
    pub operator_id: String,
    pub merchant_id: Option<String>,
    pub case_id: Option<CaseId>,
    pub seq: Option<i64>,
    pub channel: String,
    pub topic: String,
    pub audience: String,
    /// The address: an email address, a phone number in E.164, an endpoint's URL.
    pub recipient: String,
    /// Who, stably: `buyer`, a user's id, an endpoint's id.
    pub recipient_key: String,
    pub language: String,
    pub sender_name: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub message_id: String,
    pub max_attempts: i64,
    pub due_at: Timestamp,
}

/// A planned delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: i64,
    #[serde(skip)]
    pub idem_key: String,
    pub operator_id: String,
    pub merchant_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub case_id: Option<CaseId>,
    pub seq: Option<i64>,
    pub channel: String,
    pub topic: String,
    pub audience: String,
    pub recipient: String,
    pub recipient_key: String,
    pub language: String,
    pub sender_name: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub message_id: String,
    /// `pending`, `sent`, `dead` or `cancelled`.
    pub status: String,
    /// How it left: `smtp`, `mailbox` (no SMTP server configured: kept here), `http`, …
    pub transport: Option<String>,
    pub attempts: i64,
    pub max_attempts: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub due_at: Timestamp,
    pub last_error: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub sent_at: Option<Timestamp>,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attempt {
    pub delivery_id: i64,
    pub attempt: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub at: Timestamp,
    pub ok: bool,
    pub status_code: Option<i64>,
    pub detail: Option<String>,
    pub duration_ms: i64,
}

/// Which deliveries to list.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub operator_id: Option<OperatorId>,
    pub merchant_id: Option<String>,
    pub case_id: Option<CaseId>,
    pub channel: Option<String>,
    pub status: Option<String>,
    /// Webhook deliveries of one endpoint.
    pub recipient_key: Option<String>,
    /// Only ids below this one (the next page).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// One attempt of a delivery, to record.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptOutcome {
    pub attempt: Attempt,
    pub result: AttemptResult,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AttemptResult {
    /// Accepted by `transport` (`smtp`, `mailbox`, `twilio`, `http`…).
    Sent { transport: String },
    /// Failed: tried again at `retry_at`, or a dead letter.
    Failed { retry_at: Timestamp, dead: bool },
}

/// What an attempt came to once recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Sent,
    Retry,
    Dead,
    /// Another worker holds the delivery now: nothing was written.
    LeaseLost,
}

fn delivery_from(row: &impl RowExt) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: row.int("id")?,
        idem_key: row.text("idem_key")?,
        operator_id: row.text("operator_id")?,
        merchant_id: row.opt_text("merchant_id")?,
        case_id: row
            .opt_text("case_id")?
            .map(|id| CaseId::parse(&id).map_err(StoreError::corrupt))
            .transpose()?,
        seq: row.opt_int("seq")?,
        channel: row.text("channel")?,
        topic: row.text("topic")?,
        audience: row.text("audience")?,
        recipient: row.text("recipient")?,
        recipient_key: row.text("recipient_key")?,
        language: row.text("language")?,
        sender_name: row.text("sender_name")?,
        subject: row.text("subject")?,
        body_text: row.text("body_text")?,
        body_html: row.opt_text("body_html")?,
        message_id: row.text("message_id")?,
        status: row.text("status")?,
        transport: row.opt_text("transport")?,
        attempts: row.int("attempts")?,
        max_attempts: row.int("max_attempts")?,
        due_at: instant(row.int("due_at")?)?,
        last_error: row.opt_text("last_error")?,
        created_at: instant(row.int("created_at")?)?,
        sent_at: row.opt_int("sent_at")?.map(instant).transpose()?,
    })
}

const DELIVERY_COLUMNS: &str = "id, idem_key, operator_id, merchant_id, case_id, seq, channel, topic, audience, recipient, recipient_key, language, sender_name, subject, body_text, body_html, message_id, status, transport, attempts, max_attempts, due_at, last_error, created_at, sent_at";

impl Store {
    /// Claims up to `limit` outbox rows for `worker` until `now + lease`, oldest first.
    pub async fn claim_outbox(
        &self,
        worker: &str,
        limit: i64,
        lease: SignedDuration,
        now: Timestamp,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let sql = match self.db.backend() {
            Backend::Sqlite => {
                "UPDATE outbox SET lease_owner = $1, lease_until = $2
                 WHERE id IN (SELECT id FROM outbox WHERE lease_until IS NULL OR lease_until < $3 ORDER BY id LIMIT $4)
                 RETURNING id, case_id, seq, operator_id, merchant_id, created_at"
            }
            Backend::Postgres => {
                "UPDATE outbox SET lease_owner = $1, lease_until = $2
                 WHERE id IN (SELECT id FROM outbox WHERE lease_until IS NULL OR lease_until < $3 ORDER BY id LIMIT $4
                              FOR UPDATE SKIP LOCKED)
                 RETURNING id, case_id, seq, operator_id, merchant_id, created_at"
            }
        };
        let until = now.saturating_add(lease).unwrap_or(now);
        let mut rows: Vec<OutboxRow> = with_pool!(&self.db, pool => {
            sqlx::query(sql)
                .bind(worker)
                .bind(crate::to_micros(until))
                .bind(crate::to_micros(now))
                .bind(limit.clamp(1, 1000))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| -> Result<OutboxRow, StoreError> {
                    Ok(OutboxRow {
                        id: row.int("id")?,
                        case_id: CaseId::parse(&row.text("case_id")?).map_err(StoreError::corrupt)?,
                        seq: row.int("seq")?,
                        operator_id: row.text("operator_id")?,
                        merchant_id: row.text("merchant_id")?,
                        created_at: instant(row.int("created_at")?)?,
                    })
                })
                .collect::<Result<_, _>>()?
        });
        rows.sort_by_key(|row| row.id);
        Ok(rows)
    }

    /// How many events still wait for the dispatcher.
    pub async fn outbox_backlog(&self) -> Result<i64, StoreError> {
        Ok(with_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(pool).await?
        }))
    }

    /// One event of a case.
    pub async fn event(
        &self,
        case_id: CaseId,
        seq: i64,
    ) -> Result<Option<StoredEvent>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT case_id, seq, operator_id, merchant_id, event_type, schema_version, actor, recorded_at, payload, prev_hash, hash FROM case_events WHERE case_id = $1 AND seq = $2")
                .bind(case_id.to_string())
                .bind(seq)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(crate::events::event_from)
                .transpose()
        })
    }

    /// Plans `deliveries` outside the outbox (an occasion of its own: an endpoint
    /// disabled, a digest). Deliveries already planned (same key) are left as they
    /// are. Returns how many were new.
    pub async fn plan_deliveries(&self, deliveries: &[NewDelivery]) -> Result<u64, StoreError> {
        let mut tx = self.db.begin().await?;
        let planned = insert_deliveries(&mut tx, deliveries).await?;
        tx.commit().await?;
        Ok(planned)
    }

    /// Plans the deliveries of several outbox rows and deletes each row that `worker`
    /// still holds, in one transaction: a row whose lease was lost is skipped with
    /// its deliveries. Returns how many rows were planned.
    pub async fn plan_outbox(
        &self,
        worker: &str,
        rows: &[(i64, Vec<NewDelivery>)],
    ) -> Result<usize, StoreError> {
        let mut tx = self.db.begin().await?;
        let mut planned = 0;
        for (id, deliveries) in rows {
            let deleted = with_tx!(&mut tx, conn => {
                sqlx::query("DELETE FROM outbox WHERE id = $1 AND lease_owner = $2")
                    .bind(id)
                    .bind(worker)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected()
            });
            if deleted > 0 {
                insert_deliveries(&mut tx, deliveries).await?;
                planned += 1;
            }
        }
        tx.commit().await?;
        Ok(planned)
    }

    /// Claims up to `limit` due deliveries for `worker` until `now + lease`, counting the attempt.
    pub async fn claim_deliveries(
        &self,
        worker: &str,
        limit: i64,
        lease: SignedDuration,
        now: Timestamp,
    ) -> Result<Vec<Delivery>, StoreError> {
        // A delivery whose worker died during its last attempt is dead once its lease expires.
        with_pool!(&self.db, pool => {
            sqlx::query(
                "UPDATE deliveries SET status = 'dead', lease_owner = NULL, lease_until = NULL,
                        last_error = COALESCE(last_error, 'the lease expired on the last attempt')
                 WHERE status = 'pending' AND lease_until IS NOT NULL AND lease_until < $1 AND attempts >= max_attempts",
            )
            .bind(crate::to_micros(now))
            .execute(pool)
            .await?;
        });
        let sql = match self.db.backend() {
            Backend::Sqlite => format!(
                "UPDATE deliveries SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM deliveries
                              WHERE status = 'pending' AND due_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
                                AND attempts < max_attempts AND channel <> 'digest'
                              ORDER BY due_at, id LIMIT $4)
                 RETURNING {DELIVERY_COLUMNS}"
            ),
            Backend::Postgres => format!(
                "UPDATE deliveries SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM deliveries
                              WHERE status = 'pending' AND due_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
                                AND attempts < max_attempts AND channel <> 'digest'
                              ORDER BY due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
                 RETURNING {DELIVERY_COLUMNS}"
            ),
        };
        let until = now.saturating_add(lease).unwrap_or(now);
        let mut deliveries: Vec<Delivery> = with_pool!(&self.db, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(worker)
                .bind(crate::to_micros(until))
                .bind(crate::to_micros(now))
                .bind(limit.clamp(1, 1000))
                .fetch_all(pool)
                .await?
                .iter()
                .map(delivery_from)
                .collect::<Result<_, _>>()?
        });
        deliveries.sort_by_key(|d| (d.due_at, d.id));
        Ok(deliveries)
    }

    /// The notifications held for daily digests whose hour has come, oldest first.
    pub async fn due_digest_items(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries
             WHERE status = 'pending' AND channel = 'digest' AND due_at <= $1
             ORDER BY id LIMIT $2"
        );
        with_pool!(&self.db, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(crate::to_micros(now))
                .bind(limit.clamp(1, 10_000))
                .fetch_all(pool)
                .await?
                .iter()
                .map(delivery_from)
                .collect()
        })
    }

    /// Plans the digest `email` and marks the held `items` it gathers as sent by it,
    /// in one transaction; false (nothing written) when another worker took any of them.
    pub async fn plan_digest(
        &self,
        email: &NewDelivery,
        items: &[i64],
    ) -> Result<bool, StoreError> {
        let mut tx = self.db.begin().await?;
        if insert_deliveries(&mut tx, std::slice::from_ref(email)).await? == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        let now = crate::to_micros(Timestamp::now());
        let mut marked = 0;
        with_tx!(&mut tx, conn => {
            for id in items {
                marked += sqlx::query(
                    "UPDATE deliveries SET status = 'sent', transport = 'digest', sent_at = $2
                     WHERE id = $1 AND status = 'pending' AND channel = 'digest'",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            }
        });
        if marked != items.len() as u64 {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Records the attempts of several deliveries in one transaction: each sent, tried
    /// again at its `retry_at`, or dead after its last attempt (or at once when it gives
    /// up). An outcome whose lease was lost (another worker has the delivery) changes
    /// nothing and says so.
    pub async fn record_attempts(
        &self,
        worker: &str,
        outcomes: &[AttemptOutcome],
    ) -> Result<Vec<Recorded>, StoreError> {
        let mut tx = self.db.begin().await?;
        let mut recorded = Vec::with_capacity(outcomes.len());
        for outcome in outcomes {
            let attempt = &outcome.attempt;
            let (status, updated) = match &outcome.result {
                AttemptResult::Sent { transport } => {
                    let updated = with_tx!(&mut tx, conn => {
                        sqlx::query(
                            "UPDATE deliveries SET status = 'sent', transport = $3, sent_at = $4, lease_owner = NULL, lease_until = NULL, last_error = NULL
                             WHERE id = $1 AND lease_owner = $2 AND status = 'pending'",
                        )
                        .bind(attempt.delivery_id)
                        .bind(worker)
                        .bind(transport)
                        .bind(crate::to_micros(attempt.at))
                        .execute(&mut *conn)
                        .await?
                        .rows_affected()
                    });
                    (Recorded::Sent, updated)
                }
                AttemptResult::Failed { retry_at, dead } => {
                    let error = attempt.detail.clone().unwrap_or_default();
                    let updated = with_tx!(&mut tx, conn => {
                        sqlx::query(
                            "UPDATE deliveries SET status = $3, due_at = $4, last_error = $5, lease_owner = NULL, lease_until = NULL
                             WHERE id = $1 AND lease_owner = $2 AND status = 'pending'",
                        )
                        .bind(attempt.delivery_id)
                        .bind(worker)
                        .bind(if *dead { "dead" } else { "pending" })
                        .bind(crate::to_micros(*retry_at))
                        .bind(truncate(&error, 2000))
                        .execute(&mut *conn)
                        .await?
                        .rows_affected()
                    });
                    (
                        if *dead {
                            Recorded::Dead
                        } else {
                            Recorded::Retry
                        },
                        updated,
                    )
                }
            };
            if updated == 0 {
                recorded.push(Recorded::LeaseLost);
            } else {
                insert_attempt(&mut tx, attempt).await?;
                recorded.push(status);
            }
        }
        tx.commit().await?;
        Ok(recorded)
    }

    /// Puts a delivery back in the queue with `attempts` more attempts ("send again");
    /// a pending one is left as it is. Returns false when there is no such delivery.
    pub async fn resend_delivery(
        &self,
        id: i64,
        attempts: i64,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let updated = with_pool!(&self.db, pool => {
            sqlx::query(
                "UPDATE deliveries SET status = 'pending', max_attempts = attempts + $3, due_at = $2, lease_owner = NULL, lease_until = NULL
                 WHERE id = $1 AND status IN ('dead', 'sent', 'cancelled')",
            )
            .bind(id)
            .bind(crate::to_micros(now))
            .bind(attempts.max(1))
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(updated == 1 || self.delivery(id).await?.is_some())
    }

    /// Cancels the pending deliveries to one recipient (an endpoint disabled).
    pub async fn cancel_deliveries_to(
        &self,
        recipient_key: &str,
        why: &str,
    ) -> Result<u64, StoreError> {
        Ok(with_pool!(&self.db, pool => {
            sqlx::query("UPDATE deliveries SET status = 'cancelled', last_error = $2 WHERE recipient_key = $1 AND status = 'pending'")
                .bind(recipient_key)
                .bind(why)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    pub async fn delivery(&self, id: i64) -> Result<Option<Delivery>, StoreError> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1");
        with_pool!(&self.db, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?.as_ref().map(delivery_from).transpose()
        })
    }

    /// The delivery an email with this `Message-ID` was.
    pub async fn delivery_by_message_id(
        &self,
        message_id: &str,
    ) -> Result<Option<Delivery>, StoreError> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE message_id = $1 AND channel = 'email' ORDER BY id LIMIT 1"
        );
        with_pool!(&self.db, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(message_id).fetch_optional(pool).await?.as_ref().map(delivery_from).transpose()
        })
    }

    /// Deliveries, newest first.
    pub async fn deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<Delivery>, StoreError> {
        let mut sql = format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE 1 = 1");
        let mut binds: Vec<String> = Vec::new();
        let mut condition = |sql: &mut String, column: &str, value: Option<String>| {
            if let Some(value) = value {
                binds.push(value);
                sql.push_str(&format!(" AND {column} = ${}", binds.len()));
            }
        };
        condition(
            &mut sql,
            "operator_id",
            filter.operator_id.map(|id| id.to_string()),
        );
        condition(&mut sql, "merchant_id", filter.merchant_id.clone());
        condition(&mut sql, "case_id", filter.case_id.map(|id| id.to_string()));
        condition(&mut sql, "channel", filter.channel.clone());
        condition(&mut sql, "status", filter.status.clone());
        condition(&mut sql, "recipient_key", filter.recipient_key.clone());
        let before = filter.before_id.unwrap_or(i64::MAX);
        sql.push_str(&format!(
            " AND id < ${} ORDER BY id DESC LIMIT ${}",
            binds.len() + 1,
            binds.len() + 2
        ));
        with_pool!(&self.db, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for value in &binds {
                query = query.bind(value);
            }
            query
                .bind(before)
                .bind(filter.limit.clamp(1, 500))
                .fetch_all(pool)
                .await?
                .iter()
                .map(delivery_from)
                .collect()
        })
    }

    /// How many deliveries of an operator are in each status.
    pub async fn delivery_counts(
        &self,
        operator_id: OperatorId,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT status, COUNT(*) AS n FROM deliveries WHERE operator_id = $1 GROUP BY status ORDER BY status")
                .bind(operator_id.to_string())
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| Ok((row.text("status")?, row.int("n")?)))
                .collect()
        })
    }

    /// A delivery's attempts, in order.
    pub async fn delivery_attempts(&self, delivery_id: i64) -> Result<Vec<Attempt>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT delivery_id, attempt, at, ok, status_code, detail, duration_ms FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt")
                .bind(delivery_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| -> Result<Attempt, StoreError> {
                    Ok(Attempt {
                        delivery_id: row.int("delivery_id")?,
                        attempt: row.int("attempt")?,
                        at: instant(row.int("at")?)?,
                        ok: row.int("ok")? != 0,
                        status_code: row.opt_int("status_code")?,
                        detail: row.opt_text("detail")?,
                        duration_ms: row.int("duration_ms")?,
                    })
                })
                .collect()
        })
    }

    /// What someone chose to receive, and the phone number they gave for text messages.
    pub async fn notification_preferences(
        &self,
        subject: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT preferences, phone FROM notification_preferences WHERE subject = $1")
                .bind(subject)
                .fetch_optional(pool)
                .await?
                .map(|row| Ok((row.text("preferences")?, row.opt_text("phone")?)))
                .transpose()
        })
    }

    pub async fn set_notification_preferences(
        &self,
        subject: &str,
        preferences: &str,
        phone: Option<&str>,
    ) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO notification_preferences (subject, preferences, phone, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (subject) DO UPDATE SET preferences = excluded.preferences, phone = excluded.phone, updated_at = excluded.updated_at",
            )
            .bind(subject)
            .bind(preferences)
            .bind(phone)
            .bind(crate::to_micros(Timestamp::now()))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Records what became of an inbound email; false when a message with the same
    /// `Message-ID` was already posted (a retried delivery of the same mail).
    pub async fn record_inbound_mail(&self, mail: &InboundRecord) -> Result<bool, StoreError> {
        let inserted = with_pool!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO inbound_mail (received_at, message_id, sender, subject, outcome, detail, case_id, delivery_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            )
            .bind(crate::to_micros(mail.received_at))
            .bind(&mail.message_id)
            .bind(&mail.sender)
            .bind(mail.subject.as_deref().map(|s| truncate(s, 500)))
            .bind(&mail.outcome)
            .bind(mail.detail.as_deref().map(|s| truncate(s, 2000)))
            .bind(mail.case_id.map(|id| id.to_string()))
            .bind(mail.delivery_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(inserted == 1)
    }

    /// Whether an email with this `Message-ID` already became a message.
    pub async fn inbound_mail_posted(&self, message_id: &str) -> Result<bool, StoreError> {
        let count: i64 = with_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM inbound_mail WHERE message_id = $1 AND outcome = 'posted'")
                .bind(message_id)
                .fetch_one(pool)
                .await?
        });
        Ok(count > 0)
    }

    /// The latest inbound emails.
    pub async fn inbound_mails(&self, limit: i64) -> Result<Vec<InboundRecord>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT received_at, message_id, sender, subject, outcome, detail, case_id, delivery_id FROM inbound_mail ORDER BY id DESC LIMIT $1")
                .bind(limit.clamp(1, 500))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| -> Result<InboundRecord, StoreError> {
                    Ok(InboundRecord {
                        received_at: instant(row.int("received_at")?)?,
                        message_id: row.opt_text("message_id")?,
                        sender: row.opt_text("sender")?,
                        subject: row.opt_text("subject")?,
                        outcome: row.text("outcome")?,
                        detail: row.opt_text("detail")?,
                        case_id: row.opt_text("case_id")?.map(|id| CaseId::parse(&id).map_err(StoreError::corrupt)).transpose()?,
                        delivery_id: row.opt_int("delivery_id")?,
                    })
                })
                .collect()
        })
    }
}

/// An inbound email and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboundRecord {
    pub received_at: Timestamp,
    pub message_id: Option<String>,
    pub sender: Option<String>,
    pub subject: Option<String>,
    /// `posted`, or why it was dropped (`no_token`, `forged_token`, `expired_token`,
    /// `wrong_sender`, `automatic`, `duplicate`, `refused`, `unreadable`).
    pub outcome: String,
    pub detail: Option<String>,
    pub case_id: Option<CaseId>,
    pub delivery_id: Option<i64>,
}

async fn insert_deliveries(
    tx: &mut crate::db::Tx<'_>,
    deliveries: &[NewDelivery],
) -> Result<u64, StoreError> {
    let now = crate::to_micros(Timestamp::now());
    let mut planned = 0;
    with_tx!(tx, conn => {
        for delivery in deliveries {
            planned += sqlx::query(
                "INSERT INTO deliveries (idem_key, operator_id, merchant_id, case_id, seq, channel, topic, audience, recipient, recipient_key,
                                         language, sender_name, subject, body_text, body_html, message_id, max_attempts, due_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
                 ON CONFLICT (idem_key) DO NOTHING",
            )
            .bind(&delivery.idem_key)
            .bind(&delivery.operator_id)
            .bind(&delivery.merchant_id)
            .bind(delivery.case_id.map(|id| id.to_string()))
            .bind(delivery.seq)
            .bind(&delivery.channel)
            .bind(&delivery.topic)
            .bind(&delivery.audience)
            .bind(&delivery.recipient)
            .bind(&delivery.recipient_key)
            .bind(&delivery.language)
            .bind(&delivery.sender_name)
            .bind(&delivery.subject)
            .bind(&delivery.body_text)
            .bind(&delivery.body_html)
            .bind(&delivery.message_id)
            .bind(delivery.max_attempts.max(1))
            .bind(crate::to_micros(delivery.due_at))
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        }
    });
    Ok(planned)
}

async fn insert_attempt(tx: &mut crate::db::Tx<'_>, attempt: &Attempt) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO delivery_attempts (delivery_id, attempt, at, ok, status_code, detail, duration_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (delivery_id, attempt) DO NOTHING",
        )
        .bind(attempt.delivery_id)
        .bind(attempt.attempt)
        .bind(crate::to_micros(attempt.at))
        .bind(i64::from(attempt.ok))
        .bind(attempt.status_code)
        .bind(attempt.detail.as_deref().map(|d| truncate(d, 2000)))
        .bind(attempt.duration_ms)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}
