use crate::AppState;
use crate::problem::Problem;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, Problem> {
    match state.store().ping().await {
        Ok(()) => Ok(Json(json!({
            "status": "ready",
            "database": match state.store().backend() {
                amiable_store::Backend::Sqlite => "sqlite",
                amiable_store::Backend::Postgres => "postgres",
            }
        }))),
        Err(error) => {
            tracing::warn!(%error, "database not reachable");
            Err(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database.unavailable",
                "the database does not answer",
            ))
        }
    }
}
