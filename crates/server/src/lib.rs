//! The HTTP server of amiable: the JSON API, health endpoints and the
//! background worker that runs due jobs.

// `Problem` is the error of every handler; it is built once per failed request and
// returned straight to axum, so boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

mod api;
mod health;
pub mod json;
pub mod problem;
pub mod worker;

use amiable_store::Store;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest JSON body accepted (1 MiB): an order of 500 lines fits comfortably.
pub const MAX_JSON_BODY: usize = 1024 * 1024;
/// A request that takes longer than this is cut off with a 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// 16 random bytes for a new id.
    pub fn random_id(&self) -> [u8; 16] {
        *uuid::Uuid::new_v4().as_bytes()
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", axum::routing::get(health::healthz))
        .route("/readyz", axum::routing::get(health::readyz))
        .nest("/api/v1", api::routes())
        .fallback(|| async { problem::Problem::new(StatusCode::NOT_FOUND, "route.not_found", "no such route") })
        .method_not_allowed_fallback(|| async {
            problem::Problem::new(StatusCode::METHOD_NOT_ALLOWED, "route.method_not_allowed", "this route does not accept that method")
        })
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
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
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
