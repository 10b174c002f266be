//! Staff users, API keys and sessions: who may use the console and the API.

use crate::access::{allow, allow_role, own_scope};
use crate::auth::{
    MIN_PASSWORD_LENGTH, SESSION_TTL, hash_password, issue_api_key, random_token, sha256_hex,
    verify_password,
};
use crate::{App, Error, Kind};
use amiable_domain::access::{Action, Principal, Resource, Role};
use amiable_domain::contact::{Email, Locale};
use amiable_domain::ids::{MerchantId, OperatorId};
use amiable_domain::text::Label;
use amiable_domain::validation::{FieldError, ValidationErrors};
use amiable_store::{NewUser, Session, StoreError, User};
use jiff::Timestamp;

/// Who is signed in, and the token to send back in `X-CSRF-Token`.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: Option<Timestamp>,
}

/// A hash of nothing, verified when the email is unknown so that a wrong
/// email costs the same time as a wrong password.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub email: String,
    pub name: Label,
    pub role: Role,
    /// Required for merchant roles; must be absent for operator roles.
    #[serde(default)]
    pub merchant_id: Option<MerchantId>,
    pub password: String,
    #[serde(default)]
    pub locale: Option<Locale>,
}

/// Checks a new user's fields; shared with the CLI.
pub fn check_new_user(
    principal_merchant: Option<MerchantId>,
    body: &CreateUser,
) -> Result<Email, Error> {
    let mut errors = ValidationErrors::default();
    let email = errors.check(Email::parse(&body.email).map_err(|e| e.at("email")));
    if body.password.chars().count() < MIN_PASSWORD_LENGTH || body.password.len() > 1024 {
        errors.push(
            FieldError::new(
                "password",
                "password.too_short",
                format!("use at least {MIN_PASSWORD_LENGTH} characters"),
            )
            .with("min", MIN_PASSWORD_LENGTH as i64),
        );
    }
    match (body.role.is_merchant_side(), body.merchant_id) {
        (true, None) => errors.push(FieldError::new(
            "merchant_id",
            "field.required",
            "a merchant role needs its merchant",
        )),
        (false, Some(_)) => errors.push(FieldError::new(
            "merchant_id",
            "user.operator_role_has_no_merchant",
            "operator roles are not bound to a merchant",
        )),
        _ => {}
    }
    if principal_merchant.is_some() && !body.role.is_merchant_side() {
        errors.push(FieldError::new(
            "role",
            "user.role_out_of_reach",
            "a merchant can only create merchant users",
        ));
    }
    match email {
        Some(email) if errors.is_empty() => Ok(email),
        _ => Err(Error::validation(errors)),
    }
}

#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    pub name: Label,
    /// A key for one merchant; absent for an operator-wide key.
    #[serde(default)]
    pub merchant_id: Option<MerchantId>,
}

#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedKey {
    #[serde(flatten)]
    pub record: amiable_store::ApiKey,
    /// The key itself: shown this once, never again.
    pub key: String,
}

pub fn scope_resource(principal: &Principal, merchant_id: Option<MerchantId>) -> Resource {
    match merchant_id {
        Some(m) => Resource::merchant(principal.operator_id(), m),
        None => own_scope(principal),
    }
}

impl App {
    /// Checks an email and password (rate-limited per IP) and opens a session:
    /// the session and its token (the adapter carries it, in a cookie). A wrong
    /// email costs the same time as a wrong password. The web console's sign-in
    /// form and `POST /auth/login` both come here.
    pub async fn sign_in(
        &self,
        ip: std::net::IpAddr,
        email: &str,
        password: String,
    ) -> Result<(SessionView, String), Error> {
        self.inner
            .login_limiter
            .check(ip, std::time::Instant::now())
            .map_err(|retry| Error::rate_limited(retry.0))?;
        let user = self.store().user_by_email(email).await?;
        let hash = user
            .as_ref()
            .filter(|u| u.disabled_at.is_none())
            .map(|u| u.password_hash.clone());
        let ok = tokio::task::spawn_blocking(move || match hash {
            Some(hash) => verify_password(&password, &hash),
            None => {
                let dummy = DUMMY_HASH
                    .get_or_init(|| hash_password("not a password of anyone").unwrap_or_default());
                let _ = verify_password(&password, dummy);
                false
            }
        })
        .await
        .unwrap_or(false);
        let Some(user) = user.filter(|_| ok) else {
            return Err(Error::unauthenticated(
                "auth.invalid_credentials",
                "this email and password do not match an account",
            ));
        };
        let token = random_token();
        let session = Session {
            token_hash: sha256_hex(&token),
            user_id: user.id.clone(),
            csrf_token: random_token(),
            expires_at: Timestamp::now()
                .checked_add(SESSION_TTL)
                .unwrap_or(Timestamp::MAX),
        };
        self.store().create_session(&session).await?;
        tracing::info!(user_id = %user.id, "signed in");
        let view = SessionView {
            user,
            csrf_token: session.csrf_token,
            expires_at: Some(session.expires_at),
        };
        Ok((view, token))
    }

    /// Checks and creates a user of `operator_id`. `creator_merchant` is the
    /// merchant the creator is bound to: such a creator may only add users of
    /// that same merchant.
    pub async fn create_user(
        &self,
        operator_id: OperatorId,
        creator_merchant: Option<MerchantId>,
        body: CreateUser,
    ) -> Result<User, Error> {
        let email = check_new_user(creator_merchant, &body)?;
        if let Some(merchant_id) = body.merchant_id {
            let found = self.store().merchant(merchant_id).await?;
            let in_reach = found.is_some_and(|m| {
                m.operator_id == operator_id && creator_merchant.is_none_or(|own| own == m.id)
            });
            if !in_reach {
                return Err(Error::invalid_field(
                    "merchant_id",
                    "merchant.not_found",
                    "no such merchant",
                ));
            }
        }
        let password = body.password;
        let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|_| Error::internal())?
            .map_err(|error| Error::internal_because("cannot hash a password", error))?;
        let duplicate = || {
            Error::new(
                Kind::Conflict,
                "user.duplicate",
                "a user with this email already exists",
            )
            .with_fields([FieldError::new(
                "email",
                "user.duplicate",
                "a user with this email already exists",
            )])
        };
        self.store()
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

    /// Creates an API key in the caller's scope (the console's form and `POST /api-keys`).
    pub async fn issue_key(
        &self,
        principal: &Principal,
        name: Label,
        merchant_id: Option<MerchantId>,
    ) -> Result<IssuedKey, Error> {
        allow_role(principal, Action::ManageApiKeys)?;
        let merchant_id = merchant_id.or(principal.merchant_id());
        let resource = scope_resource(principal, merchant_id);
        allow(principal, Action::ManageApiKeys, &resource, "merchant")?;
        if let Some(m) = merchant_id
            && self
                .store()
                .merchant(m)
                .await?
                .is_none_or(|m| m.operator_id != principal.operator_id())
        {
            return Err(Error::invalid_field(
                "merchant_id",
                "merchant.not_found",
                "no such merchant",
            ));
        }
        let issued = issue_api_key(
            principal.operator_id(),
            merchant_id,
            name.as_str(),
            Some(principal.key()),
        );
        self.store().create_api_key(&issued.record).await?;
        Ok(IssuedKey {
            record: issued.record,
            key: issued.key,
        })
    }

    /// Revokes a key of the caller's scope (not found otherwise).
    pub async fn revoke_key(
        &self,
        principal: &Principal,
        key_id: &str,
    ) -> Result<amiable_store::ApiKey, Error> {
        allow_role(principal, Action::ManageApiKeys)?;
        let key = self
            .store()
            .api_key(key_id)
            .await?
            .ok_or_else(|| Error::not_found("apikey"))?;
        let resource = match key.merchant_id {
            Some(m) => Resource::merchant(key.operator_id, m),
            None => Resource::operator(key.operator_id),
        };
        allow(principal, Action::ManageApiKeys, &resource, "apikey")?;
        self.store().revoke_api_key(&key.id).await?;
        self.api_keys().forget(&key.id);
        self.store()
            .api_key(&key.id)
            .await?
            .ok_or_else(|| Error::not_found("apikey"))
    }
}
