//! Authentication: who is calling. Three kinds of credentials, one
//! [`Principal`] out:
//!
//! - `Authorization: Bearer amk_<id>_<secret>` — an API key. The key's id
//!   finds the record; the SHA-256 of the secret must match.
//! - `Authorization: Bearer amb_<claims>.<mac>` — a buyer access token,
//!   HMAC-SHA256-signed, scoped to one order, short-lived. Stateless.
//! - The `amiable_session` cookie — a staff session; requests that change
//!   something must also carry the session's CSRF token in `X-CSRF-Token`.
//!
//! What a principal may then do is decided by `amiable_domain::access`.

use crate::AppState;
use crate::problem::Problem;
use amiable_domain::access::Principal;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};

pub use amiable_app::auth::{
    API_KEY_PREFIX, BUYER_LINK_TTL, BUYER_LOOKUP_TTL, BUYER_TOKEN_PREFIX, BuyerClaims,
    MIN_PASSWORD_LENGTH, SESSION_TTL, constant_time_eq, hash_password, issue_api_key, random_bytes,
    random_token, sha256_hex, verify_password,
};

pub const SESSION_COOKIE: &str = "amiable_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The authenticated caller. Extracting it answers 401 when there is no
/// valid credential, and 403 on a session request without its CSRF token.
pub struct Auth(pub Principal);

/// A session, for the routes that manage it (logout, me).
pub struct SessionAuth {
    pub token_hash: String,
    pub csrf_token: String,
    pub user: amiable_store::User,
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The staff session named by the request's cookie, if any.
pub async fn session_of(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SessionAuth>, Problem> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let token_hash = sha256_hex(token);
    Ok(state
        .store()
        .session(&token_hash)
        .await?
        .map(|(session, user)| SessionAuth {
            token_hash,
            csrf_token: session.csrf_token,
            user,
        }))
}

/// Unsafe methods under a cookie must prove they come from our own pages.
pub fn check_csrf(method: &Method, headers: &HeaderMap, expected: &str) -> Result<(), Problem> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let given = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            "auth.csrf_failed",
            "this request needs the session's CSRF token in the X-CSRF-Token header",
        ))
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        if let Some(auth) = parts.extensions.get::<Principal>() {
            return Ok(Auth(auth.clone()));
        }
        let principal = authenticate(state, &parts.method, &parts.headers).await?;
        parts.extensions.insert(principal.clone());
        Ok(Auth(principal))
    }
}

/// Resolves the request's credentials to a principal.
pub async fn authenticate(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Principal, Problem> {
    if let Some(token) = bearer(headers) {
        return if token.starts_with(API_KEY_PREFIX) {
            Ok(amiable_app::auth::api_key_principal(state.app(), token).await?)
        } else if token.starts_with(BUYER_TOKEN_PREFIX) {
            Ok(amiable_app::auth::buyer_principal(state.app(), token)?)
        } else {
            Err(Problem::unauthorized(
                "auth.invalid_token",
                "the bearer token is neither an API key nor a buyer access token",
            ))
        };
    }
    if let Some(session) = session_of(state, headers).await? {
        check_csrf(method, headers, &session.csrf_token)?;
        let user = session.user;
        return Ok(Principal::Staff {
            user_id: user.id,
            operator_id: user.operator_id,
            merchant_id: user.merchant_id,
            role: user.role,
        });
    }
    Err(Problem::unauthorized(
        "auth.required",
        "sign in, or send an API key or a buyer access token as a bearer token",
    ))
}
