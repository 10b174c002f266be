//! Operators (tenants) and their merchants.

use crate::db::{Store, with_pool, with_tx};
use crate::error::StoreError;
use crate::rows::{RowExt, instant, parse_json};
use amiable_domain::ids::{MerchantId, OperatorId, Slug};
use amiable_domain::reason::ReasonTaxonomy;
use jiff::Timestamp;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Operator {
    pub id: OperatorId,
    pub slug: Slug,
    pub name: String,
    pub settings: Value,
    /// The code of the rules pack its cases are decided under (`fr`), set at creation.
    pub rules_pack: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Merchant {
    pub id: MerchantId,
    pub operator_id: OperatorId,
    pub slug: Slug,
    pub name: String,
    pub settings: Value,
    pub created_at: Timestamp,
}

fn operator_from(row: &impl RowExt) -> Result<Operator, StoreError> {
    Ok(Operator {
        id: OperatorId::parse(&row.text("id")?).map_err(StoreError::corrupt)?,
        slug: Slug::parse(&row.text("slug")?).map_err(StoreError::corrupt)?,
        name: row.text("name")?,
        settings: parse_json(&row.text("settings")?, "operator settings")?,
        rules_pack: row.text("rules_pack")?,
        created_at: instant(row.int("created_at")?)?,
    })
}

fn merchant_from(row: &impl RowExt) -> Result<Merchant, StoreError> {
    Ok(Merchant {
        id: MerchantId::parse(&row.text("id")?).map_err(StoreError::corrupt)?,
        operator_id: OperatorId::parse(&row.text("operator_id")?).map_err(StoreError::corrupt)?,
        slug: Slug::parse(&row.text("slug")?).map_err(StoreError::corrupt)?,
        name: row.text("name")?,
        settings: parse_json(&row.text("settings")?, "merchant settings")?,
        created_at: instant(row.int("created_at")?)?,
    })
}

fn duplicate_as(what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Duplicate(what)
        } else {
            StoreError::Database(e)
        }
    }
}

/// Whose settings [`Store::edit_settings`] changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsOf {
    Operator(OperatorId),
    Merchant(MerchantId),
}

impl Store {
    /// Changes an operator's or a merchant's settings in one transaction: read
    /// (locked), `edit`, write back. Nothing another writer changed in between
    /// is lost (the row is locked for the read: `FOR UPDATE` on PostgreSQL,
    /// the write lock on SQLite). `edit` may refuse, and then nothing changes.
    pub async fn edit_settings<E>(
        &self,
        of: SettingsOf,
        edit: impl FnOnce(&mut Value) -> Result<(), E>,
    ) -> Result<Result<Value, E>, StoreError> {
        // Static statements (no SQL built from text): one per table and backend.
        let postgres = self.db.backend() == crate::db::Backend::Postgres;
        let (id, what, select, update) = match of {
            SettingsOf::Operator(id) => (
                id.to_string(),
                "operator",
                if postgres {
                    "SELECT settings FROM operators WHERE id = $1 FOR UPDATE"
                } else {
                    "SELECT settings FROM operators WHERE id = $1"
                },
                "UPDATE operators SET settings = $2 WHERE id = $1",
            ),
            SettingsOf::Merchant(id) => (
                id.to_string(),
                "merchant",
                if postgres {
                    "SELECT settings FROM merchants WHERE id = $1 FOR UPDATE"
                } else {
                    "SELECT settings FROM merchants WHERE id = $1"
                },
                "UPDATE merchants SET settings = $2 WHERE id = $1",
            ),
        };
        let mut tx = self.db.begin().await?;
        let current: Option<String> = with_tx!(&mut tx, conn => {
            sqlx::query_scalar(select).bind(&id).fetch_optional(&mut *conn).await?
        });
        let Some(current) = current else {
            tx.rollback().await?;
            return Err(StoreError::NotFound(what));
        };
        let mut settings = parse_json(&current, "settings")?;
        if let Err(refusal) = edit(&mut settings) {
            tx.rollback().await?;
            return Ok(Err(refusal));
        }
        with_tx!(&mut tx, conn => {
            sqlx::query(update).bind(&id).bind(settings.to_string()).execute(&mut *conn).await?;
        });
        tx.commit().await?;
        Ok(Ok(settings))
    }

    /// Creates an operator under the French rules pack.
    pub async fn create_operator(
        &self,
        id: OperatorId,
        slug: &Slug,
        name: &str,
        settings: &Value,
    ) -> Result<Operator, StoreError> {
        self.create_operator_under(id, slug, name, settings, "fr")
            .await
    }

    /// Creates an operator whose cases are decided under `rules_pack` (a code of
    /// `amiable_domain::law::RULES_PACKS`); it never changes afterwards.
    pub async fn create_operator_under(
        &self,
        id: OperatorId,
        slug: &Slug,
        name: &str,
        settings: &Value,
        rules_pack: &str,
    ) -> Result<Operator, StoreError> {
        let rules_pack = rules_pack.to_ascii_lowercase();
        if amiable_domain::law::LawPack::by_code(&rules_pack).is_none() {
            return Err(StoreError::Invalid(
                amiable_domain::validation::FieldError::new(
                    "rules_pack",
                    "operator.unknown_rules_pack",
                    format!(
                        "unknown rules pack; known: {}",
                        amiable_domain::law::RULES_PACKS.join(", ")
                    ),
                )
                .with("known", amiable_domain::law::RULES_PACKS.join(", "))
                .into(),
            ));
        }
        let now = Timestamp::now();
        with_pool!(&self.db, pool => {
            sqlx::query("INSERT INTO operators (id, slug, name, settings, rules_pack, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id.to_string())
                .bind(slug.as_str())
                .bind(name)
                .bind(settings.to_string())
                .bind(&rules_pack)
                .bind(crate::to_micros(now))
                .execute(pool)
                .await
                .map_err(duplicate_as("operator"))?
                .rows_affected()
        });
        self.operator(id)
            .await?
            .ok_or(StoreError::NotFound("operator"))
    }

    pub async fn operator(&self, id: OperatorId) -> Result<Option<Operator>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, slug, name, settings, rules_pack, created_at FROM operators WHERE id = $1").bind(id.to_string()).fetch_optional(pool).await?
                .map(|row| operator_from(&row)).transpose()
        })
    }

    pub async fn operator_by_slug(&self, slug: &str) -> Result<Option<Operator>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, slug, name, settings, rules_pack, created_at FROM operators WHERE slug = $1").bind(slug).fetch_optional(pool).await?
                .map(|row| operator_from(&row)).transpose()
        })
    }

    pub async fn operators(&self) -> Result<Vec<Operator>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, slug, name, settings, rules_pack, created_at FROM operators ORDER BY slug").fetch_all(pool).await?
                .iter().map(operator_from).collect()
        })
    }

    pub async fn create_merchant(
        &self,
        id: MerchantId,
        operator_id: OperatorId,
        slug: &Slug,
        name: &str,
        settings: &Value,
    ) -> Result<Merchant, StoreError> {
        let now = Timestamp::now();
        with_pool!(&self.db, pool => {
            sqlx::query("INSERT INTO merchants (id, operator_id, slug, name, settings, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id.to_string())
                .bind(operator_id.to_string())
                .bind(slug.as_str())
                .bind(name)
                .bind(settings.to_string())
                .bind(crate::to_micros(now))
                .execute(pool)
                .await
                .map_err(|e| match e {
                    sqlx::Error::Database(ref d) if d.is_foreign_key_violation() => StoreError::NotFound("operator"),
                    e => duplicate_as("merchant")(e),
                })?
                .rows_affected()
        });
        self.merchant(id)
            .await?
            .ok_or(StoreError::NotFound("merchant"))
    }

    pub async fn merchant(&self, id: MerchantId) -> Result<Option<Merchant>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, operator_id, slug, name, settings, created_at FROM merchants WHERE id = $1").bind(id.to_string()).fetch_optional(pool).await?
                .map(|row| merchant_from(&row)).transpose()
        })
    }

    pub async fn merchant_by_slug(
        &self,
        operator_id: OperatorId,
        slug: &str,
    ) -> Result<Option<Merchant>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, operator_id, slug, name, settings, created_at FROM merchants WHERE operator_id = $1 AND slug = $2")
                .bind(operator_id.to_string()).bind(slug).fetch_optional(pool).await?
                .map(|row| merchant_from(&row)).transpose()
        })
    }

    pub async fn merchants(&self, operator_id: OperatorId) -> Result<Vec<Merchant>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, operator_id, slug, name, settings, created_at FROM merchants WHERE operator_id = $1 ORDER BY slug")
                .bind(operator_id.to_string()).fetch_all(pool).await?
                .iter().map(merchant_from).collect()
        })
    }

    /// The reasons an operator accepts: the built-ins plus `settings.reasons`.
    pub async fn taxonomy(&self, operator_id: OperatorId) -> Result<ReasonTaxonomy, StoreError> {
        let operator = self
            .operator(operator_id)
            .await?
            .ok_or(StoreError::NotFound("operator"))?;
        taxonomy_from_settings(&operator.settings)
    }
}

pub(crate) fn taxonomy_from_settings(settings: &Value) -> Result<ReasonTaxonomy, StoreError> {
    match settings.get("reasons") {
        Some(reasons) => serde_json::from_value(serde_json::json!({ "custom": reasons }))
            .map_err(|e| StoreError::corrupt(format!("operator reasons: {e}"))),
        None => Ok(ReasonTaxonomy::default()),
    }
}
