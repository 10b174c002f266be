//! Creating staff users: shared by the API and `amiable user add`.

use crate::api::access::{CreateUser, check_new_user};
use crate::auth::hash_password;
use crate::problem::Problem;
use amiable_domain::contact::Locale;
use amiable_domain::ids::{MerchantId, OperatorId};
use amiable_domain::validation::FieldError;
use amiable_store::{NewUser, Store, StoreError, User};
use axum::http::StatusCode;

/// Checks and creates a user of `operator_id`. `creator_merchant` is the
/// merchant the creator is bound to: such a creator may only add users of
/// that same merchant.
pub async fn create(
    store: &Store,
    operator_id: OperatorId,
    creator_merchant: Option<MerchantId>,
    body: CreateUser,
) -> Result<User, Problem> {
    let email = check_new_user(creator_merchant, &body)?;
    if let Some(merchant_id) = body.merchant_id {
        let found = store.merchant(merchant_id).await?;
        let in_reach = found.is_some_and(|m| {
            m.operator_id == operator_id && creator_merchant.is_none_or(|own| own == m.id)
        });
        if !in_reach {
            return Err(Problem::field(
                "merchant_id",
                "merchant.not_found",
                "no such merchant",
            ));
        }
    }
    let password = body.password;
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| Problem::internal())?
        .map_err(|error| {
            tracing::error!(%error, "cannot hash a password");
            Problem::internal()
        })?;
    let duplicate = || {
        Problem::new(
            StatusCode::CONFLICT,
            "user.duplicate",
            "a user with this email already exists",
        )
        .with_fields([FieldError::new(
            "email",
            "user.duplicate",
            "a user with this email already exists",
        )])
    };
    store
        .create_user(&NewUser {
            id: uuid::Uuid::new_v4().to_string(),
            operator_id,
            merchant_id: body.merchant_id,
            email: email.as_str().to_owned(),
            name: body.name.as_str().to_owned(),
            role: body.role,
            locale: body.locale.unwrap_or(Locale::Fr).code().to_owned(),
            password_hash,
        })
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => duplicate(),
            other => other.into(),
        })
}
