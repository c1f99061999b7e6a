//! `GET /livez` (the process answers) and `GET /readyz` (it can do its job: database reachable,
//! started, not draining).

use std::time::Duration;

use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use serde_json::{Value, json};

use super::AppState;

/// How long readiness waits for the database: probes time out after a second or so (Kubernetes'
/// default is 1 s), and an unreachable database would otherwise hold the answer for the pool's
/// whole acquire timeout.
const DATABASE_CHECK: Duration = Duration::from_millis(800);

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
    let database = match tokio::time::timeout(DATABASE_CHECK, state.queries.check_database()).await
    {
        Ok(checked) => checked.map_err(|err| err.to_string()),
        Err(_) => Err(format!(
            "the database did not answer within {} ms",
            DATABASE_CHECK.as_millis()
        )),
    };
    let counts = match database {
        Ok(()) => tokio::time::timeout(DATABASE_CHECK, state.queries.counts())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default(),
        Err(_) => Default::default(),
    };
    let ready = lifecycle.is_ready() && database.is_ok();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "ready": ready,
        "database": match &database { Ok(()) => "ok", Err(err) => err.as_str() },
        "shutting_down": lifecycle.is_shutting_down(),
        "sse_streams": lifecycle.sse_streams(),
        "queue_depth": counts.queued,
        "running": counts.running,
    });
    (status, Json(body))
}
