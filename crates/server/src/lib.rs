//! The HTTP server of amiable: the JSON API, health endpoints and the
//! background worker that runs due jobs.

// `Problem` is the error of every handler; it is built once per failed request and
// returned straight to axum, so boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod auth;
mod health;
pub use amiable_i18n as i18n;
pub mod idempotency;
pub mod json;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod web;

use crate::problem::Problem;
use amiable_app::{App, AppConfig, Ports};
use amiable_store::Store;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;
use std::sync::Arc;
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
    /// How notifications leave (sender, reply domain, webhook targets).
    pub notify: amiable_app::notifications::NotifyConfig,
}

impl ServerConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let app = AppConfig::new(data_dir);
        ServerConfig {
            attachments_dir: app.attachments_dir,
            public_url: app.public_url,
            max_upload_bytes: app.max_upload_bytes,
            login_rate: app.login_rate,
            lookup_rate: app.lookup_rate,
            notify: app.notify,
        }
    }

    /// What the use cases need of it.
    pub fn app_config(&self) -> AppConfig {
        AppConfig {
            attachments_dir: self.attachments_dir.clone(),
            public_url: self.public_url.clone(),
            max_upload_bytes: self.max_upload_bytes,
            login_rate: self.login_rate,
            lookup_rate: self.lookup_rate,
            notify: self.notify.clone(),
        }
    }
}

pub struct Inner {
    /// The use cases: every adapter goes through them.
    pub app: App,
    pub config: ServerConfig,
    pub metrics: Arc<metrics::Metrics>,
}

/// What every handler can reach; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub inner: Arc<Inner>,
}

impl AppState {
    /// Builds the state with the local stand-ins of the ports (the demo's and the tests').
    pub async fn new(
        store: Store,
        config: ServerConfig,
    ) -> Result<Self, amiable_store::StoreError> {
        AppState::with_ports(store, config, Ports::default()).await
    }

    /// Builds the state with these adapters of the ports.
    pub async fn with_ports(
        store: Store,
        config: ServerConfig,
        ports: Ports,
    ) -> Result<Self, amiable_store::StoreError> {
        let app = App::new(store, config.app_config(), ports).await?;
        Ok(AppState {
            inner: Arc::new(Inner {
                app,
                metrics: Arc::new(metrics::Metrics::new()),
                config,
            }),
        })
    }

    pub fn app(&self) -> &App {
        &self.inner.app
    }

    pub fn store(&self) -> &Store {
        self.inner.app.store()
    }

    /// The public base URL without a trailing slash ("" when not configured).
    pub fn public_url(&self) -> &str {
        self.inner.app.public_url()
    }

    /// Cookies are `Secure` when the public URL is HTTPS or a proxy says the request came over HTTPS.
    pub fn secure_cookies(&self, headers: &HeaderMap) -> bool {
        self.public_url().starts_with("https://")
            || headers
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
    }
}

/// The request's language (`Accept-Language`), for the problem documents made while
/// answering it: each is written once, in it (see `problem::LANG`).
async fn localise(request: Request, next: Next) -> Response {
    let lang = i18n::negotiate(
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    problem::LANG.scope(lang, next.run(request)).await
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
    let api = Router::from(api::routes(upload_limit))
        .layer(from_fn_with_state(state.clone(), idempotency::middleware));
    Router::new()
        .route("/healthz", axum::routing::get(health::healthz))
        .route("/readyz", axum::routing::get(health::readyz))
        .route("/metrics", axum::routing::get(metrics_endpoint))
        .route("/api/docs", axum::routing::get(openapi::reference_page))
        .merge(api)
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
