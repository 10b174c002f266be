//! The OpenAPI document and the browsable API reference.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

/// `GET /api/v1/openapi.json`.
pub async fn document(State(_state): State<AppState>) -> Response {
    Json(serde_json::json!({"openapi": "3.1.0"})).into_response()
}

/// `GET /api/docs`.
pub async fn reference_page() -> Response {
    Html("<!doctype html><title>amiable API</title>").into_response()
}
