//! The helpdesk in the store: teams of a shop (or of the marketplace) and their
//! round-robin, canned replies (macros) in French and English, and who has a
//! case open right now (presence heartbeats).
//!
//! None of it is part of a case's story: who handles a case is, and it is on the
//! timeline (`case_assigned`), with `cases.assignee_id`/`cases.team_id` as its
//! projection; a team, a macro or a heartbeat is the helpdesk's furniture.

use crate::db::{Backend, Store, with_pool, with_tx};
use crate::error::StoreError;
use crate::rows::{RowExt, instant};
use amiable_domain::ids::{MerchantId, OperatorId};
use jiff::Timestamp;
use serde::Serialize;

/// Whose cases the inbox lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// Those handled by this staff user.
    Mine(String),
    /// Those nobody in particular handles (a team's queue included).
    Unassigned,
    /// Those of these teams (a member's or the queue's).
    Teams(Vec<String>),
}

/// A team: a shop's (`merchant_id`) or the marketplace's (`None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    pub id: String,
    pub operator_id: OperatorId,
    pub merchant_id: Option<MerchantId>,
    pub name: String,
    /// Staff user ids, in round-robin order.
    pub members: Vec<String>,
    pub created_at: Timestamp,
}

/// A canned reply. A language left empty (title and body) falls back to the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Macro {
    pub id: String,
    pub operator_id: OperatorId,
    pub merchant_id: Option<MerchantId>,
    pub title_fr: String,
    pub title_en: String,
    pub body_fr: String,
    pub body_en: String,
    pub updated_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Someone who has a case open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Presence {
    pub user_id: String,
    pub name: String,
    /// Writing a reply, as of their last heartbeat.
    pub typing: bool,
    pub seen_at: Timestamp,
}

/// The settings key that says a shop's (or the marketplace's) default macros were
/// written once: deleting them all must not bring them back.
pub const MACROS_SEEDED: &str = "default_macros_seeded";

fn team_from(row: &impl RowExt) -> Result<Team, StoreError> {
    let members: Vec<String> = serde_json::from_str(&row.text("members")?)
        .map_err(|e| StoreError::corrupt(format!("teams.members: {e}")))?;
    Ok(Team {
        id: row.text("id")?,
        operator_id: OperatorId::parse(&row.text("operator_id")?).map_err(StoreError::corrupt)?,
        merchant_id: row
            .opt_text("merchant_id")?
            .map(|m| MerchantId::parse(&m))
            .transpose()
            .map_err(StoreError::corrupt)?,
        name: row.text("name")?,
        members,
        created_at: instant(row.int("created_at")?)?,
    })
}

fn macro_from(row: &impl RowExt) -> Result<Macro, StoreError> {
    Ok(Macro {
        id: row.text("id")?,
        operator_id: OperatorId::parse(&row.text("operator_id")?).map_err(StoreError::corrupt)?,
        merchant_id: row
            .opt_text("merchant_id")?
            .map(|m| MerchantId::parse(&m))
            .transpose()
            .map_err(StoreError::corrupt)?,
        title_fr: row.text("title_fr")?,
        title_en: row.text("title_en")?,
        body_fr: row.text("body_fr")?,
        body_en: row.text("body_en")?,
        updated_by: row.text("updated_by")?,
        created_at: instant(row.int("created_at")?)?,
        updated_at: instant(row.int("updated_at")?)?,
    })
}

/// A statement reading teams: their columns, then `$rest` (static SQL only).
macro_rules! select_teams {
    ($rest:literal) => {
        concat!(
            "SELECT id, operator_id, merchant_id, name, members, created_at FROM teams ",
            $rest
        )
    };
}

/// A statement reading macros: their columns, then `$rest`.
macro_rules! select_macros {
    ($rest:literal) => {
        concat!(
            "SELECT id, operator_id, merchant_id, title_fr, title_en, body_fr, body_en, updated_by, created_at, updated_at FROM macros ",
            $rest
        )
    };
}

/// Inserts a macro, then `$rest`.
macro_rules! insert_macro {
    ($rest:literal) => {
        concat!(
            "INSERT INTO macros (id, operator_id, merchant_id, title_fr, title_en, body_fr, body_en, updated_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            $rest
        )
    };
}

/// Binds a macro's columns in `insert_macro!`'s order.
macro_rules! bind_macro {
    ($query:expr, $item:expr) => {
        $query
            .bind(&$item.id)
            .bind($item.operator_id.to_string())
            .bind($item.merchant_id.map(|m| m.to_string()))
            .bind(&$item.title_fr)
            .bind(&$item.title_en)
            .bind(&$item.body_fr)
            .bind(&$item.body_en)
            .bind(&$item.updated_by)
            .bind(crate::to_micros($item.created_at))
            .bind(crate::to_micros($item.updated_at))
    };
}

fn members_json(members: &[String]) -> String {
    serde_json::to_string(members).unwrap_or_else(|_| "[]".to_owned())
}

impl Store {
    // ------------------------------------------------------------------ teams

    /// The teams of a shop, or the marketplace's own (`merchant_id: None`), by name.
    pub async fn teams(
        &self,
        operator_id: OperatorId,
        merchant_id: Option<MerchantId>,
    ) -> Result<Vec<Team>, StoreError> {
        with_pool!(&self.db, pool => {
            let rows = match merchant_id {
                Some(merchant) => sqlx::query(select_teams!(
                    "WHERE operator_id = $1 AND merchant_id = $2 ORDER BY name, id"
                ))
                .bind(operator_id.to_string())
                .bind(merchant.to_string())
                .fetch_all(pool)
                .await?,
                None => sqlx::query(select_teams!(
                    "WHERE operator_id = $1 AND merchant_id IS NULL ORDER BY name, id"
                ))
                .bind(operator_id.to_string())
                .fetch_all(pool)
                .await?,
            };
            rows.iter().map(team_from).collect()
        })
    }

    /// Every team of an operator, its shops' and its own (to name them in the inbox).
    pub async fn all_teams(&self, operator_id: OperatorId) -> Result<Vec<Team>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(select_teams!("WHERE operator_id = $1 ORDER BY name, id"))
                .bind(operator_id.to_string())
                .fetch_all(pool)
                .await?
                .iter()
                .map(team_from)
                .collect()
        })
    }

    pub async fn team(&self, id: &str) -> Result<Option<Team>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(select_teams!("WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|row| team_from(&row))
                .transpose()
        })
    }

    pub async fn create_team(&self, team: &Team) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO teams (id, operator_id, merchant_id, name, members, next_member, created_at)
                 VALUES ($1, $2, $3, $4, $5, 0, $6)",
            )
            .bind(&team.id)
            .bind(team.operator_id.to_string())
            .bind(team.merchant_id.map(|m| m.to_string()))
            .bind(&team.name)
            .bind(members_json(&team.members))
            .bind(crate::to_micros(team.created_at))
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// Renames a team and replaces its members; `false` when there is no such team.
    pub async fn update_team(
        &self,
        id: &str,
        name: &str,
        members: &[String],
    ) -> Result<bool, StoreError> {
        let updated = with_pool!(&self.db, pool => {
            sqlx::query("UPDATE teams SET name = $2, members = $3 WHERE id = $1")
                .bind(id)
                .bind(name)
                .bind(members_json(members))
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(updated == 1)
    }

    /// Deletes a team; the cases it had keep its id on their timeline and row.
    pub async fn delete_team(&self, id: &str) -> Result<bool, StoreError> {
        let deleted = with_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM teams WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(deleted == 1)
    }

    // The round-robin turn is taken by `Store::team_pick` (sla.rs): one atomic
    // `UPDATE … RETURNING`, so two nodes assigning at once never pick the same turn.

    // ----------------------------------------------------------------- macros

    /// The macros of a shop, or the marketplace's own (`merchant_id: None`), oldest first.
    pub async fn macros(
        &self,
        operator_id: OperatorId,
        merchant_id: Option<MerchantId>,
    ) -> Result<Vec<Macro>, StoreError> {
        with_pool!(&self.db, pool => {
            let rows = match merchant_id {
                Some(merchant) => sqlx::query(select_macros!(
                    "WHERE operator_id = $1 AND merchant_id = $2 ORDER BY created_at, id"
                ))
                .bind(operator_id.to_string())
                .bind(merchant.to_string())
                .fetch_all(pool)
                .await?,
                None => sqlx::query(select_macros!(
                    "WHERE operator_id = $1 AND merchant_id IS NULL ORDER BY created_at, id"
                ))
                .bind(operator_id.to_string())
                .fetch_all(pool)
                .await?,
            };
            rows.iter().map(macro_from).collect()
        })
    }

    pub async fn macro_by_id(&self, id: &str) -> Result<Option<Macro>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(select_macros!("WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|row| macro_from(&row))
                .transpose()
        })
    }

    pub async fn create_macro(&self, item: &Macro) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => {
            bind_macro!(sqlx::query(insert_macro!("")), item)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Replaces a macro's words; `false` when there is no such macro.
    pub async fn update_macro(&self, item: &Macro) -> Result<bool, StoreError> {
        let updated = with_pool!(&self.db, pool => {
            sqlx::query(
                "UPDATE macros SET title_fr = $2, title_en = $3, body_fr = $4, body_en = $5, updated_by = $6, updated_at = $7
                 WHERE id = $1",
            )
            .bind(&item.id)
            .bind(&item.title_fr)
            .bind(&item.title_en)
            .bind(&item.body_fr)
            .bind(&item.body_en)
            .bind(&item.updated_by)
            .bind(crate::to_micros(item.updated_at))
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(updated == 1)
    }

    pub async fn delete_macro(&self, id: &str) -> Result<bool, StoreError> {
        let deleted = with_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM macros WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(deleted == 1)
    }

    /// Writes a shop's (or the marketplace's) default macros, once in its life: the
    /// owner's settings remember it ([`MACROS_SEEDED`]), so macros an admin deleted
    /// never come back. In one transaction under the owner's row (`FOR UPDATE` on
    /// PostgreSQL, the write lock on SQLite); the defaults' ids are fixed by the
    /// caller, so a race writes them once. Says whether they were written now.
    pub async fn seed_macros(
        &self,
        operator_id: OperatorId,
        merchant_id: Option<MerchantId>,
        defaults: &[Macro],
    ) -> Result<bool, StoreError> {
        let postgres = self.db.backend() == Backend::Postgres;
        let (select, update, owner) = match merchant_id {
            Some(merchant) => (
                if postgres {
                    "SELECT settings FROM merchants WHERE id = $1 FOR UPDATE"
                } else {
                    "SELECT settings FROM merchants WHERE id = $1"
                },
                "UPDATE merchants SET settings = $2 WHERE id = $1",
                merchant.to_string(),
            ),
            None => (
                if postgres {
                    "SELECT settings FROM operators WHERE id = $1 FOR UPDATE"
                } else {
                    "SELECT settings FROM operators WHERE id = $1"
                },
                "UPDATE operators SET settings = $2 WHERE id = $1",
                operator_id.to_string(),
            ),
        };
        let mut tx = self.db.begin().await?;
        let seeded = with_tx!(&mut tx, conn => {
            let settings: Option<String> = sqlx::query_scalar(select)
                .bind(&owner)
                .fetch_optional(&mut *conn)
                .await?;
            let Some(settings) = settings else {
                return Err(StoreError::NotFound(if merchant_id.is_some() { "merchant" } else { "operator" }));
            };
            let mut settings: serde_json::Value =
                serde_json::from_str(&settings).unwrap_or_else(|_| serde_json::json!({}));
            if settings.get(MACROS_SEEDED).and_then(serde_json::Value::as_bool) == Some(true) {
                false
            } else {
                for item in defaults {
                    bind_macro!(sqlx::query(insert_macro!(" ON CONFLICT (id) DO NOTHING")), item)
                        .execute(&mut *conn)
                        .await?;
                }
                if let Some(map) = settings.as_object_mut() {
                    map.insert(MACROS_SEEDED.to_owned(), serde_json::Value::Bool(true));
                } else {
                    settings = serde_json::json!({ MACROS_SEEDED: true });
                }
                sqlx::query(update)
                    .bind(&owner)
                    .bind(settings.to_string())
                    .execute(&mut *conn)
                    .await?;
                true
            }
        });
        tx.commit().await?;
        Ok(seeded)
    }

    // --------------------------------------------------------------- presence

    /// Records that `user_id` has the case open (and whether they are writing), and
    /// forgets whoever on this case has not been seen since `stale_before`.
    pub async fn heartbeat(
        &self,
        case_id: &str,
        user_id: &str,
        name: &str,
        typing: bool,
        now: Timestamp,
        stale_before: Timestamp,
    ) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO case_presence (case_id, user_id, name, typing, seen_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (case_id, user_id) DO UPDATE SET name = excluded.name, typing = excluded.typing, seen_at = excluded.seen_at",
            )
            .bind(case_id)
            .bind(user_id)
            .bind(name)
            .bind(i64::from(typing))
            .bind(crate::to_micros(now))
            .execute(pool)
            .await?;
            sqlx::query("DELETE FROM case_presence WHERE case_id = $1 AND seen_at < $2")
                .bind(case_id)
                .bind(crate::to_micros(stale_before))
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Who has the case open, seen since `since`, most recently seen first.
    pub async fn present(
        &self,
        case_id: &str,
        since: Timestamp,
    ) -> Result<Vec<Presence>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(
                "SELECT user_id, name, typing, seen_at FROM case_presence
                 WHERE case_id = $1 AND seen_at >= $2 ORDER BY seen_at DESC, user_id",
            )
            .bind(case_id)
            .bind(crate::to_micros(since))
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| {
                Ok(Presence {
                    user_id: row.text("user_id")?,
                    name: row.text("name")?,
                    typing: row.int("typing")? != 0,
                    seen_at: instant(row.int("seen_at")?)?,
                })
            })
            .collect()
        })
    }

    /// Forgets every heartbeat older than `before` (the periodic sweep).
    pub async fn purge_presence(&self, before: Timestamp) -> Result<u64, StoreError> {
        Ok(with_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM case_presence WHERE seen_at < $1")
                .bind(crate::to_micros(before))
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
