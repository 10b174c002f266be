//! Staff users, login sessions, API keys and shared secrets.
//!
//! Secrets never reach the database in the clear: sessions and API keys are
//! stored as the SHA-256 of their random token (they carry 256 bits of
//! entropy, so a slow hash adds nothing), passwords as argon2id hashes made
//! by the caller.

use crate::db::{Store, with_pool};
use crate::error::StoreError;
use crate::rows::{RowExt, instant};
use amiable_domain::access::Role;
use amiable_domain::ids::{MerchantId, OperatorId};
use jiff::Timestamp;
use serde::Serialize;

/// A staff user.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    pub operator_id: OperatorId,
    pub merchant_id: Option<MerchantId>,
    /// Lower-case; unique across the installation (it is the login).
    pub email: String,
    pub name: String,
    pub role: Role,
    pub locale: String,
    #[serde(skip)]
    pub password_hash: String,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: String,
    pub operator_id: OperatorId,
    pub merchant_id: Option<MerchantId>,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub locale: String,
    pub password_hash: String,
}

/// A login session (the token itself only ever lives in the cookie).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub token_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// An API key as stored: everything but the secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: String,
    pub operator_id: OperatorId,
    pub merchant_id: Option<MerchantId>,
    pub name: String,
    #[serde(skip)]
    pub secret_hash: String,
    pub created_by: Option<String>,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

fn opt_instant(value: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    value.map(instant).transpose()
}

fn user_from(row: &impl RowExt) -> Result<User, StoreError> {
    Ok(User {
        id: row.text("id")?,
        operator_id: OperatorId::parse(&row.text("operator_id")?).map_err(StoreError::corrupt)?,
        merchant_id: row
            .opt_text("merchant_id")?
            .map(|m| MerchantId::parse(&m).map_err(StoreError::corrupt))
            .transpose()?,
        email: row.text("email")?,
        name: row.text("name")?,
        role: Role::parse(&row.text("role")?)
            .ok_or_else(|| StoreError::corrupt("unknown role in users.role"))?,
        locale: row.text("locale")?,
        password_hash: row.text("password_hash")?,
        created_at: instant(row.int("created_at")?)?,
        disabled_at: opt_instant(row.opt_int("disabled_at")?)?,
    })
}

fn api_key_from(row: &impl RowExt) -> Result<ApiKey, StoreError> {
    Ok(ApiKey {
        id: row.text("id")?,
        operator_id: OperatorId::parse(&row.text("operator_id")?).map_err(StoreError::corrupt)?,
        merchant_id: row
            .opt_text("merchant_id")?
            .map(|m| MerchantId::parse(&m).map_err(StoreError::corrupt))
            .transpose()?,
        name: row.text("name")?,
        secret_hash: row.text("secret_hash")?,
        created_by: row.opt_text("created_by")?,
        created_at: instant(row.int("created_at")?)?,
        revoked_at: opt_instant(row.opt_int("revoked_at")?)?,
    })
}

impl Store {
    /// Creates a staff user; `Duplicate("user")` when the email is taken.
    pub async fn create_user(&self, user: &NewUser) -> Result<User, StoreError> {
        let now = amiable_domain::timeline::truncate_to_micros(Timestamp::now());
        let email = user.email.trim().to_lowercase();
        with_pool!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO users (id, operator_id, merchant_id, email, name, role, locale, password_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&user.id)
            .bind(user.operator_id.to_string())
            .bind(user.merchant_id.map(|m| m.to_string()))
            .bind(&email)
            .bind(&user.name)
            .bind(user.role.code())
            .bind(&user.locale)
            .bind(&user.password_hash)
            .bind(crate::to_micros(now))
            .execute(pool)
            .await
            .map_err(|e| {
                if StoreError::is_unique_violation(&e) {
                    StoreError::Duplicate("user")
                } else {
                    StoreError::Database(e)
                }
            })?;
        });
        self.user(&user.id)
            .await?
            .ok_or_else(|| StoreError::corrupt("user vanished after insert"))
    }

    pub async fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, operator_id, merchant_id, email, name, role, locale, password_hash, created_at, disabled_at FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(user_from)
                .transpose()
        })
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let email = email.trim().to_lowercase();
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, operator_id, merchant_id, email, name, role, locale, password_hash, created_at, disabled_at FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(user_from)
                .transpose()
        })
    }

    /// Users of an operator, or of one of its merchants.
    pub async fn users(
        &self,
        operator_id: OperatorId,
        merchant_id: Option<MerchantId>,
    ) -> Result<Vec<User>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(
                "SELECT id, operator_id, merchant_id, email, name, role, locale, password_hash, created_at, disabled_at FROM users WHERE operator_id = $1 AND ($2 IS NULL OR merchant_id = $2) ORDER BY email",
            )
            .bind(operator_id.to_string())
            .bind(merchant_id.map(|m| m.to_string()))
            .fetch_all(pool)
            .await?
            .iter()
            .map(user_from)
            .collect()
        })
    }

    pub async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let now = crate::to_micros(Timestamp::now());
        with_pool!(&self.db, pool => {
            // Expired sessions of anyone are swept on the way (indexed by key; cheap).
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(now)
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&session.token_hash)
            .bind(&session.user_id)
            .bind(&session.csrf_token)
            .bind(now)
            .bind(crate::to_micros(session.expires_at))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The live session with this token hash and its (enabled) user.
    pub async fn session(&self, token_hash: &str) -> Result<Option<(Session, User)>, StoreError> {
        let now = crate::to_micros(Timestamp::now());
        let row = with_pool!(&self.db, pool => {
            sqlx::query(
                "SELECT s.token_hash, s.csrf_token, s.expires_at, u.id, u.operator_id, u.merchant_id, u.email, u.name, u.role, u.locale, u.password_hash, u.created_at, u.disabled_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?
            .map(|row| -> Result<(Session, User), StoreError> {
                let user = user_from(&row)?;
                Ok((
                    Session {
                        token_hash: row.text("token_hash")?,
                        user_id: user.id.clone(),
                        csrf_token: row.text("csrf_token")?,
                        expires_at: instant(row.int("expires_at")?)?,
                    },
                    user,
                ))
            })
        });
        row.transpose()
    }

    /// Deletes expired sessions; returns how many.
    pub async fn purge_sessions(&self) -> Result<u64, StoreError> {
        let now = crate::to_micros(Timestamp::now());
        Ok(with_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO api_keys (id, operator_id, merchant_id, name, secret_hash, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&key.id)
            .bind(key.operator_id.to_string())
            .bind(key.merchant_id.map(|m| m.to_string()))
            .bind(&key.name)
            .bind(&key.secret_hash)
            .bind(key.created_by.as_deref())
            .bind(crate::to_micros(key.created_at))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn api_key(&self, id: &str) -> Result<Option<ApiKey>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, operator_id, merchant_id, name, secret_hash, created_by, created_at, revoked_at FROM api_keys WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(api_key_from)
                .transpose()
        })
    }

    /// Keys of an operator, or of one of its merchants; newest first.
    pub async fn api_keys(
        &self,
        operator_id: OperatorId,
        merchant_id: Option<MerchantId>,
    ) -> Result<Vec<ApiKey>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(
                "SELECT id, operator_id, merchant_id, name, secret_hash, created_by, created_at, revoked_at FROM api_keys WHERE operator_id = $1 AND ($2 IS NULL OR merchant_id = $2)
                 ORDER BY created_at DESC, id",
            )
            .bind(operator_id.to_string())
            .bind(merchant_id.map(|m| m.to_string()))
            .fetch_all(pool)
            .await?
            .iter()
            .map(api_key_from)
            .collect()
        })
    }

    /// Revokes a key; `false` when it does not exist or was already revoked.
    pub async fn revoke_api_key(&self, id: &str) -> Result<bool, StoreError> {
        let now = crate::to_micros(Timestamp::now());
        let changed = with_pool!(&self.db, pool => {
            sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(changed == 1)
    }

    /// The shared secret `name`, created from `generate` by the first node that asks.
    pub async fn secret(
        &self,
        name: &str,
        generate: impl FnOnce() -> String,
    ) -> Result<String, StoreError> {
        let now = crate::to_micros(Timestamp::now());
        let candidate = generate();
        with_pool!(&self.db, pool => {
            sqlx::query("INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(&candidate)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1")
                .bind(name)
                .fetch_one(pool)
                .await?)
        })
    }
}
