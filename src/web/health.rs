//! `GET /livez` (the process answers) and `GET /readyz` (it can do its job: database reachable,
//! started, not draining).

use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use serde_json::{Value, json};

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
}

async fn livez() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let lifecycle = &state.lifecycle;
    let database = state.tasks.check_database().await;
    let counts = state.tasks.counts().await.unwrap_or_default();
    let ready = lifecycle.is_ready() && database.is_ok();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "ready": ready,
        "database": match &database { Ok(()) => "ok".to_owned(), Err(err) => err.to_string() },
        "shutting_down": lifecycle.is_shutting_down(),
        "sse_streams": lifecycle.sse_streams(),
        "queue_depth": counts.queued,
        "running": counts.running,
    });
    (status, Json(body))
}
