//! Sessions, the buyer's order lookup, and the administration of users and
//! API keys.

use super::allow;
use crate::AppState;
use crate::auth::{Auth, SESSION_COOKIE, SESSION_TTL, session_of};
use crate::json::JsonBody;
use crate::problem::Problem;
use amiable_domain::access::{Action, Principal};
use amiable_domain::ids::{MerchantId, Slug};
use amiable_store::User;
use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// The client's address (the peer of the connection; unspecified when the
/// server was started without connection info, as in some tests).
pub struct ClientIp(pub std::net::IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip())
                .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub email: String,
    pub password: String,
}

/// Who is signed in, and the token to send back in `X-CSRF-Token`.
pub use amiable_app::users::SessionView;

/// `POST /api/v1/auth/login`: email + password → session cookie. Rate-limited per IP.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    summary = "Sign in",
    description = "Checks a staff user's email and password and opens a session: the answer sets the `amiable_session` cookie (HttpOnly, valid 12 hours) and gives the CSRF token to send in `X-CSRF-Token` with every POST. Rate-limited per IP address.",
    request_body = Login,
    responses(
        (status = 200, description = "Signed in.", body = SessionView, headers(("Set-Cookie" = String, description = "The session cookie `amiable_session`."))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, description = "The email and password do not match an active account (`auth.invalid_credentials`).", body = crate::openapi::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
        (status = 429, response = crate::openapi::TooManyRequests),
    ),
)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Login>,
) -> Result<Response, Problem> {
    let secure = state.secure_cookies(&headers);
    let (view, cookie) = sign_in(&state, ip, &body.email, body.password, secure).await?;
    let mut response = Json(view).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|_| Problem::internal())?,
    );
    Ok(response)
}

/// Checks an email and password (rate-limited per IP) and opens a session:
/// the session and the `Set-Cookie` value that carries it. The web console's
/// sign-in form and `POST /auth/login` both come here.
pub async fn sign_in(
    state: &AppState,
    ip: std::net::IpAddr,
    email: &str,
    password: String,
    secure: bool,
) -> Result<(SessionView, String), Problem> {
    let (view, token) = state.app().sign_in(ip, email, password).await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_TTL.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    Ok((view, cookie))
}

/// `POST /api/v1/auth/logout`: ends the session (its CSRF token is required).
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    summary = "Sign out",
    description = "Ends the session named by the cookie and clears the cookie; the session's CSRF token is required in `X-CSRF-Token`. Without a session, nothing happens.",
    security((), ("session" = [])),
    responses(
        (status = 204, description = "Signed out; the cookie is cleared.", headers(("Set-Cookie" = String, description = "Clears `amiable_session`."))),
        (status = 403, description = "The session's CSRF token is missing or wrong (`auth.csrf_failed`).", body = crate::openapi::ProblemDocument, content_type = "application/problem+json"),
    ),
)]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    if let Some(session) = session_of(&state, &headers).await? {
        crate::auth::check_csrf(&axum::http::Method::POST, &headers, &session.csrf_token)?;
        state.app().sign_out(&session.token_hash).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("amiable_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(response)
}

/// What `GET /api/v1/auth/me` answers for any kind of caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// `operator_admin`, `mediator`, `merchant_admin`, `merchant_agent`,
    /// `operator_api_key`, `merchant_api_key` or `buyer`.
    pub kind: &'static str,
    pub operator_id: amiable_domain::ids::OperatorId,
    pub merchant_id: Option<MerchantId>,
    pub order_id: Option<amiable_domain::ids::OrderId>,
    pub user: Option<User>,
    /// For sessions: the token to send in `X-CSRF-Token`.
    pub csrf_token: Option<String>,
}

/// `GET /api/v1/auth/me`: who the credentials belong to.
#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "auth",
    summary = "Who am I",
    description = "Who the credentials belong to: the kind of caller, its marketplace, merchant and order; for a session, the user and the CSRF token.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    responses(
        (status = 200, description = "The caller.", body = Me),
        (status = 401, response = crate::openapi::Unauthorized),
    ),
)]
pub async fn me(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let (user, csrf_token) = match &principal {
        Principal::Staff { .. } => match session_of(&state, &headers).await? {
            Some(session) => (Some(session.user), Some(session.csrf_token)),
            None => (None, None),
        },
        _ => (None, None),
    };
    Ok(Json(Me {
        kind: principal.label(),
        operator_id: principal.operator_id(),
        merchant_id: principal.merchant_id(),
        order_id: match principal {
            Principal::Buyer { order_id, .. } => Some(order_id),
            _ => None,
        },
        user,
        csrf_token,
    })
    .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyerLookup {
    /// The marketplace's slug; optional when the installation has one operator.
    #[serde(default)]
    pub operator: Option<String>,
    /// The order number as on the confirmation email.
    pub order_number: String,
    pub email: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BuyerLookupResult {
    /// One entry per matching order (several merchants may use the same number).
    pub orders: Vec<amiable_app::buyers::BuyerAccess>,
}

/// `POST /api/v1/buyer/access`: order number + email → a short-lived token
/// scoped to that order. A wrong number and a wrong email get the same
/// answer, in the same time; rate-limited per IP.
#[utoipa::path(
    post,
    path = "/api/v1/buyer/access",
    tag = "buyer",
    summary = "Reach an order as its buyer",
    description = "The order number and the buyer's email give a token scoped to that order, valid 2 hours: one per matching order, as several merchants may use the same number. A wrong number and a wrong email get the same answer, in the same time. Rate-limited per IP address.",
    request_body = BuyerLookup,
    responses(
        (status = 200, description = "The orders this number and email match, each with its token.", body = BuyerLookupResult),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, description = "No order matches this number and email (`buyer.lookup_failed`).", body = crate::openapi::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
        (status = 429, response = crate::openapi::TooManyRequests),
    ),
)]
pub async fn buyer_access(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<BuyerLookup>,
) -> Result<Response, Problem> {
    let orders = state
        .app()
        .lookup_orders(
            ip,
            body.operator.as_deref(),
            &body.order_number,
            &body.email,
        )
        .await?;
    Ok(Json(BuyerLookupResult { orders }).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MerchantView {
    pub id: MerchantId,
    pub slug: Slug,
    pub name: String,
}

/// `GET /api/v1/merchants`: the merchants in the caller's reach.
#[utoipa::path(
    get,
    path = "/api/v1/merchants",
    tag = "admin",
    summary = "List merchants",
    description = "The merchants in the caller's reach: all of the marketplace's for operator staff and keys, its own for a merchant's.",
    security(("apiKey" = []), ("session" = [])),
    responses(
        (status = 200, description = "The merchants.", body = crate::openapi::MerchantList),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
)]
pub async fn merchants(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Response, Problem> {
    let operator_id = principal.operator_id();
    super::allow_role(&principal, Action::ListMerchants)?;
    let items: Vec<MerchantView> = state
        .store()
        .merchants(operator_id)
        .await?
        .into_iter()
        .filter(|m| principal.merchant_id().is_none_or(|own| own == m.id))
        .map(|m| MerchantView {
            id: m.id,
            slug: m.slug,
            name: m.name,
        })
        .collect();
    Ok(Json(serde_json::json!({ "items": items })).into_response())
}

pub(crate) use amiable_app::users::scope_resource;

/// `GET /api/v1/users`: staff of the caller's scope.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "admin",
    summary = "List staff users",
    description = "The staff users of the caller's scope: the marketplace, or one merchant. For administrators (`operator_admin`, `merchant_admin`).",
    security(("session" = [])),
    responses(
        (status = 200, description = "The users.", body = crate::openapi::UserList),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
)]
pub async fn list_users(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Response, Problem> {
    let resource = scope_resource(&principal, None);
    allow(&principal, Action::ManageUsers, &resource, "merchant")?;
    let users = state
        .store()
        .users(principal.operator_id(), principal.merchant_id())
        .await?;
    Ok(Json(serde_json::json!({ "items": users })).into_response())
}

pub use amiable_app::users::{CreateUser, check_new_user};

/// `POST /api/v1/users`: create a staff user (admins, within their scope).
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "admin",
    summary = "Create a staff user",
    description = "A staff user in the caller's scope. Merchant roles need `merchant_id` and operator roles must not have one; a merchant administrator creates users of its own merchant only. The password needs at least 10 characters. For administrators.",
    security(("session" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created.", body = amiable_store::User),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "A user with this email exists (`user.duplicate`).", body = crate::openapi::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn create_user(
    State(state): State<AppState>,
    Auth(principal): Auth,
    JsonBody(body): JsonBody<CreateUser>,
) -> Result<Response, Problem> {
    allow(
        &principal,
        Action::ManageUsers,
        &scope_resource(&principal, None),
        "merchant",
    )?;
    let user = state
        .app()
        .create_user(principal.operator_id(), principal.merchant_id(), body)
        .await?;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

/// `GET /api/v1/api-keys`: keys of the caller's scope (never their secrets).
#[utoipa::path(
    get,
    path = "/api/v1/api-keys",
    tag = "admin",
    summary = "List API keys",
    description = "The API keys of the caller's scope, revoked ones included; never their secrets. For administrators.",
    security(("session" = [])),
    responses(
        (status = 200, description = "The keys.", body = crate::openapi::ApiKeyList),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
)]
pub async fn list_api_keys(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Response, Problem> {
    allow(
        &principal,
        Action::ManageApiKeys,
        &scope_resource(&principal, None),
        "merchant",
    )?;
    let keys = state
        .store()
        .api_keys(principal.operator_id(), principal.merchant_id())
        .await?;
    Ok(Json(serde_json::json!({ "items": keys })).into_response())
}

pub use amiable_app::users::{CreateApiKey, IssuedKey};

/// `POST /api/v1/api-keys`: a new key, shown once.
#[utoipa::path(
    post,
    path = "/api/v1/api-keys",
    tag = "admin",
    summary = "Create an API key",
    description = "A key for the whole marketplace, or for one merchant with `merchant_id` (a merchant administrator's keys are always its merchant's). The key itself is in the answer and is never shown again. For administrators.",
    security(("session" = [])),
    request_body = CreateApiKey,
    responses(
        (status = 201, description = "Created: the record and, this once, the key.", body = IssuedKey),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn create_api_key(
    State(state): State<AppState>,
    Auth(principal): Auth,
    JsonBody(body): JsonBody<CreateApiKey>,
) -> Result<Response, Problem> {
    let issued = state
        .app()
        .issue_key(&principal, body.name, body.merchant_id)
        .await?;
    Ok((StatusCode::CREATED, Json(issued)).into_response())
}

/// `POST /api/v1/api-keys/{key_id}/revoke`.
#[utoipa::path(
    post,
    path = "/api/v1/api-keys/{key_id}/revoke",
    tag = "admin",
    summary = "Revoke an API key",
    description = "The key stops working at once (within seconds on other nodes). Revoking a revoked key changes nothing. For administrators.",
    security(("session" = [])),
    params(
        ("key_id" = String, Path, description = "The key's id (`id` in the key list; the part after `amk_`)."),
    ),
    responses(
        (status = 200, description = "The key, with `revoked_at`.", body = amiable_store::ApiKey),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(key_id): Path<String>,
) -> Result<Response, Problem> {
    Ok(Json(state.app().revoke_key(&principal, &key_id).await?).into_response())
}
