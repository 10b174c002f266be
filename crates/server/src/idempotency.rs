//! `Idempotency-Key` on every POST, with Stripe's semantics.
//!
//! The first request with a key runs; its status and body are stored and
//! replayed for every retry with the same key and the same request (same
//! method, path, query and body), marked `Idempotent-Replayed: true`. The
//! same key with a different request is a 422. A retry that arrives while
//! the first is still running waits for its result (up to
//! [`WAIT_FOR_FIRST`]), so concurrent retries execute once. Keys belong to
//! the authenticated caller and are kept at least 24 hours.
//!
//! Results that say nothing about the request are not stored, so the
//! request can be retried: 5xx, 401, 429 and 409 conflicts of versions.

use crate::AppState;
use crate::auth::authenticate;
use crate::problem::Problem;
use amiable_store::IdempotencyClaim;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

pub const HEADER: &str = "idempotency-key";
/// The longest key accepted.
pub const MAX_KEY_LENGTH: usize = 255;
/// How long a first request may hold its key before another node may take it over.
const LEASE: SignedDuration = SignedDuration::from_secs(60);
/// How long a concurrent retry waits for the first request's result.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);

/// The key of a request, if it sent one (validated by the middleware).
pub fn key_of(headers: &HeaderMap) -> Option<&str> {
    headers.get(HEADER).and_then(|v| v.to_str().ok())
}

pub use amiable_app::cases::derived_id;

/// POST routes without authentication: the header is accepted there and has no effect
/// (each call makes a new session or token, never stored for replay).
const PUBLIC_POSTS: &[&str] = &["/auth/login", "/auth/logout", "/buyer/access"];

#[derive(Serialize, Deserialize)]
struct Stored {
    content_type: Option<String>,
    location: Option<String>,
    etag: Option<String>,
    body: String,
}

fn fingerprint(method: &Method, uri: &axum::http::Uri, content_type: &str, body: &[u8]) -> String {
    // A multipart body is framed by a boundary the client picks anew for each
    // attempt: the same upload must fingerprint the same, so the boundary goes.
    let (content_type, body) = match multipart_boundary(content_type) {
        Some(boundary) => (
            "multipart/form-data".to_owned(),
            std::borrow::Cow::Owned(replace_all(body, boundary.as_bytes(), b"\0boundary\0")),
        ),
        None => (content_type.to_owned(), std::borrow::Cow::Borrowed(body)),
    };
    let digest = Sha256::new()
        .chain_update(method.as_str().as_bytes())
        .chain_update(b"\0")
        .chain_update(
            uri.path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("")
                .as_bytes(),
        )
        .chain_update(b"\0")
        .chain_update(content_type.as_bytes())
        .chain_update(b"\0")
        .chain_update(&*body)
        .finalize();
    let digest: [u8; 32] = digest.into();
    amiable_domain::timeline::to_hex(&digest)
}

fn multipart_boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .filter(|b| !b.is_empty())
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

fn replay(status: u16, stored: &str) -> Response {
    let Ok(stored) = serde_json::from_str::<Stored>(stored) else {
        return Problem::internal().into_response();
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, stored.content_type),
        (header::LOCATION, stored.location),
        (header::ETAG, stored.etag),
    ] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, value);
        }
    }
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

/// Whether a result is final for its request (stored and replayed) or
/// transient (the key is released and the request may run again).
fn is_final(status: StatusCode, body: &[u8]) -> bool {
    if status.is_server_error()
        || status == StatusCode::UNAUTHORIZED
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        return false;
    }
    // A version conflict depends on the moment, not on the request.
    !(status == StatusCode::CONFLICT
        && std::str::from_utf8(body).is_ok_and(|b| b.contains("\"case.version_conflict\"")))
}

/// The middleware: wraps every POST that carries an `Idempotency-Key`.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !request.headers().contains_key(HEADER) {
        return next.run(request).await;
    }
    let path = request.uri().path();
    if PUBLIC_POSTS.iter().any(|p| path.ends_with(p)) {
        return next.run(request).await;
    }
    match run(state, request, next).await {
        Ok(response) | Err(response) => response,
    }
}

async fn run(state: AppState, request: Request, next: Next) -> Result<Response, Response> {
    let key = key_of(request.headers())
        .filter(|k| {
            !k.is_empty()
                && k.len() <= MAX_KEY_LENGTH
                && k.bytes().all(|b| (0x21..=0x7e).contains(&b))
        })
        .map(str::to_owned)
        .ok_or_else(|| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "idempotency.key_invalid",
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            )
            .into_response()
        })?;
    // Keys belong to a caller. Without valid credentials there is nothing to key on:
    // the route answers its own 401.
    let Ok(principal) = authenticate(&state, request.method(), request.headers()).await else {
        return Ok(next.run(request).await);
    };
    let (mut parts, body) = request.into_parts();
    let limit = state.inner.config.max_upload_bytes + 1024 * 1024;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.too_large",
            "the request body is over the size limit",
        )
        .into_response()
    })?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let hash = fingerprint(&parts.method, &parts.uri, content_type, &bytes);
    let owner = principal.key();
    let store = state.store();
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        match store
            .claim_idempotency_key(&owner, &key, &hash, LEASE)
            .await
            .map_err(|e| Problem::from(e).into_response())?
        {
            IdempotencyClaim::Claimed => break,
            IdempotencyClaim::Completed { status, response } => {
                return Ok(replay(status, &response));
            }
            IdempotencyClaim::Mismatch => {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency.key_reused",
                    "this Idempotency-Key was used for a different request",
                )
                .into_response());
            }
            IdempotencyClaim::InProgress => {
                if started.elapsed() > WAIT_FOR_FIRST {
                    return Err(Problem::new(
                        StatusCode::CONFLICT,
                        "idempotency.in_progress",
                        "a request with this Idempotency-Key is still running; retry later",
                    )
                    .into_response());
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(100));
            }
        }
    }
    // The handler sees the principal already resolved, and the body as sent.
    parts.extensions.insert(principal);
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        let _ = store.release_idempotency_key(&owner, &key).await;
        return Err(Problem::internal().into_response());
    };
    if is_final(parts.status, &body) {
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let stored = Stored {
            content_type: header(header::CONTENT_TYPE),
            location: header(header::LOCATION),
            etag: header(header::ETAG),
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        let text = serde_json::to_string(&stored).unwrap_or_default();
        if let Err(error) = store
            .finish_idempotency_key(&owner, &key, parts.status.as_u16(), &text)
            .await
        {
            tracing::error!(%error, "cannot record an idempotent result");
        }
    } else if let Err(error) = store.release_idempotency_key(&owner, &key).await {
        tracing::error!(%error, "cannot release an idempotency key");
    }
    Ok(Response::from_parts(parts, Body::from(body)))
}
