//! The HTTP server of amiable: the JSON API, health endpoints and the
//! background worker that runs due jobs.

// `Problem` is the error of every handler; it is built once per failed request and
// returned straight to axum, so boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod auth;
mod health;
pub mod i18n;
pub mod idempotency;
pub mod json;
pub mod labels;
pub mod metrics;
pub mod openapi;
pub mod payments;
pub mod problem;
pub mod rate_limit;
pub mod users;
pub mod web;
pub mod worker;

use crate::problem::Problem;
use amiable_domain::access::Resource;
use amiable_domain::ids::CaseId;
use amiable_store::Store;
use amiable_store::blobs::BlobStore;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Largest JSON body accepted (1 MiB): an order of 500 lines fits comfortably.
pub const MAX_JSON_BODY: usize = 1024 * 1024;
/// A request that takes longer than this is cut off with a 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What the server needs besides the database.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where attachments are stored (`<data dir>/attachments`).
    pub attachments_dir: PathBuf,
    /// The address buyers and staff reach (e.g. `https://litiges.example.fr`);
    /// links are built on it and cookies are `Secure` when it is HTTPS.
    pub public_url: Option<String>,
    /// Largest upload (default 10 MiB).
    pub max_upload_bytes: usize,
    /// Login attempts per IP: burst, then per minute.
    pub login_rate: (u32, u32),
    /// Buyer order lookups per IP: burst, then per minute.
    pub lookup_rate: (u32, u32),
}

impl ServerConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        ServerConfig {
            attachments_dir: data_dir.into().join("attachments"),
            public_url: None,
            max_upload_bytes: api::attachments::DEFAULT_MAX_UPLOAD,
            login_rate: (10, 10),
            lookup_rate: (10, 10),
        }
    }
}

/// Which case belongs to whom: immutable, so cached without expiry (bounded).
#[derive(Default)]
pub struct OwnerCache {
    entries: Mutex<HashMap<CaseId, Resource>>,
}

const OWNER_CACHE_LIMIT: usize = 200_000;

impl OwnerCache {
    pub fn get(&self, case_id: CaseId) -> Option<Resource> {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&case_id)
            .copied()
    }

    pub fn put(&self, case_id: CaseId, resource: Resource) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= OWNER_CACHE_LIMIT {
            entries.clear();
        }
        entries.insert(case_id, resource);
    }
}

pub struct Inner {
    pub store: Store,
    pub config: ServerConfig,
    pub buyer_tokens: auth::BuyerTokens,
    pub api_keys: auth::ApiKeyCache,
    pub owners: OwnerCache,
    /// Which operator each merchant belongs to (never changes).
    pub merchant_operators:
        Mutex<HashMap<amiable_domain::ids::MerchantId, amiable_domain::ids::OperatorId>>,
    pub blobs: BlobStore,
    pub metrics: Arc<metrics::Metrics>,
    pub login_limiter: rate_limit::RateLimiter,
    pub lookup_limiter: rate_limit::RateLimiter,
    /// Books prepaid return shipments.
    pub carrier: Arc<dyn amiable_labels::carrier::Carrier>,
    /// Executes refunds.
    pub gateway: Arc<dyn payments::PaymentGateway>,
}

/// What every handler can reach; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub inner: Arc<Inner>,
}

impl AppState {
    /// Builds the state; reads (or creates) the shared signing key.
    pub async fn new(
        store: Store,
        config: ServerConfig,
    ) -> Result<Self, amiable_store::StoreError> {
        use base64::Engine;
        let encoded = store
            .secret("buyer_token_key", || {
                base64::engine::general_purpose::STANDARD.encode(auth::random_bytes())
            })
            .await?;
        let key: [u8; 32] = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| {
                amiable_store::StoreError::corrupt("secrets.buyer_token_key is not 32 bytes")
            })?;
        Ok(AppState {
            inner: Arc::new(Inner {
                buyer_tokens: auth::BuyerTokens::new(key),
                api_keys: auth::ApiKeyCache::default(),
                owners: OwnerCache::default(),
                merchant_operators: Mutex::default(),
                blobs: BlobStore::new(config.attachments_dir.clone()),
                metrics: Arc::new(metrics::Metrics::new()),
                login_limiter: rate_limit::RateLimiter::new(
                    "login",
                    config.login_rate.0,
                    config.login_rate.1,
                ),
                lookup_limiter: rate_limit::RateLimiter::new(
                    "buyer_lookup",
                    config.lookup_rate.0,
                    config.lookup_rate.1,
                ),
                carrier: Arc::new(amiable_labels::carrier::LocalCarrier),
                gateway: Arc::new(payments::RecordingGateway::default()),
                store,
                config,
            }),
        })
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn buyer_tokens(&self) -> &auth::BuyerTokens {
        &self.inner.buyer_tokens
    }

    /// The public base URL without a trailing slash ("" when not configured).
    pub fn public_url(&self) -> &str {
        self.inner
            .config
            .public_url
            .as_deref()
            .unwrap_or("")
            .trim_end_matches('/')
    }

    /// Cookies are `Secure` when the public URL is HTTPS or a proxy says the request came over HTTPS.
    pub fn secure_cookies(&self, headers: &HeaderMap) -> bool {
        self.public_url().starts_with("https://")
            || headers
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
    }

    /// 16 random bytes for a new id.
    pub fn random_id(&self) -> [u8; 16] {
        *uuid::Uuid::new_v4().as_bytes()
    }
}

/// Problem documents in the requester's language (`Accept-Language`).
async fn localise(request: Request, next: Next) -> Response {
    let lang = i18n::negotiate(
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let response = next.run(request).await;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == problem::PROBLEM_JSON);
    if !is_problem {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return Problem::internal().into_response();
    };
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    i18n::translate_problem(&mut value, lang);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.as_str()),
    );
    let body = serde_json::to_vec(&value).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// Cuts a request off after [`REQUEST_TIMEOUT`] with a 503 problem document.
async fn time_limit(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "request.timeout",
            "the request took too long and was stopped",
        )
        .into_response(),
    }
}

/// `GET /metrics`: Prometheus text format 0.0.4 (see [`metrics`]).
async fn metrics_endpoint(State(state): State<AppState>) -> Response {
    match state.inner.metrics.scrape(state.store()).await {
        Ok(text) => ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response(),
        Err(_) => Problem::internal().into_response(),
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.inner.config.max_upload_bytes + api::attachments::DRAIN_ALLOWANCE;
    let api =
        api::routes(upload_limit).layer(from_fn_with_state(state.clone(), idempotency::middleware));
    Router::new()
        .route("/healthz", axum::routing::get(health::healthz))
        .route("/readyz", axum::routing::get(health::readyz))
        .route("/metrics", axum::routing::get(metrics_endpoint))
        .route("/api/docs", axum::routing::get(openapi::reference_page))
        .nest("/api/v1", api)
        .merge(web::routes(upload_limit))
        .route_layer(from_fn_with_state(state.inner.metrics.clone(), metrics::track))
        .fallback(|request: Request| async move {
            if web::wants_html(request.headers()) && !request.uri().path().starts_with("/api/") {
                return web::not_found_page(request.headers(), request.uri().path());
            }
            Problem::new(StatusCode::NOT_FOUND, "route.not_found", "no such route").into_response()
        })
        .method_not_allowed_fallback(|| async {
            Problem::new(StatusCode::METHOD_NOT_ALLOWED, "route.method_not_allowed", "this route does not accept that method")
        })
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .layer(axum::middleware::from_fn(time_limit))
        .layer(axum::middleware::from_fn(localise))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let request_id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned();
            // The path may hold ids but never personal data (no emails in URLs).
            tracing::info_span!("http", method = %request.method(), path = %request.uri().path(), request_id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
