//! The JSON API under `/api/v1`.
//!
//! This is the case engine's minimal API: orders in, cases opened, commands
//! applied, a case read back with its verifiable timeline. Until
//! authentication lands, the acting party is named in the request body
//! (`actor`) and the server listens on loopback by default.

mod cases;
mod orders;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders", post(orders::upsert))
        .route("/orders/{order_id}", get(orders::get))
        .route("/cases", post(cases::open).get(cases::list))
        .route("/cases/{case_id}", get(cases::get))
        .route("/cases/{case_id}/commands", post(cases::command))
}
