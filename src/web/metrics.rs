//! `GET /metrics` in Prometheus text, and the per-request counters behind it.
//!
//! | metric | what |
//! |---|---|
//! | `pilane_tasks{status}` | tasks in the database by status (read at scrape time) |
//! | `pilane_queue_depth` | queued tasks |
//! | `pilane_running_tasks` | computations running in this process |
//! | `pilane_sse_clients` | open live streams on this process |
//! | `pilane_task_duration_seconds{size}` | from claim to stored, by n's order of magnitude |
//! | `pilane_digits_computed_total` | decimals the engine computed (stored prefixes not counted) |
//! | `pilane_http_requests_total{method,route,status}` | answered requests |
//! | `pilane_http_request_duration_seconds{method,route}` | their latency to the response head |

use std::time::Instant;

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};

use super::AppState;
use crate::{domain::Status, telemetry};

pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape))
}

/// The task gauges are read from the database at scrape time; when it cannot answer they keep
/// their last values and everything else is still served (that is when the rest matters most).
async fn scrape(State(state): State<AppState>) -> Response {
    match state.queries.status_counts().await {
        Ok(counts) => set_task_gauges(&counts),
        Err(err) => tracing::warn!(error = %err, "no task counts for /metrics"),
    }
    metrics::gauge!("pilane_running_tasks").set(state.queries.running_here() as f64);
    metrics::gauge!("pilane_sse_clients").set(state.lifecycle.sse_streams() as f64);
    let body = telemetry::metrics().map_or_else(String::new, |handle| {
        handle.run_upkeep();
        handle.render()
    });
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

fn set_task_gauges(counts: &[(Status, u64)]) {
    for &status in Status::ALL {
        let count = counts
            .iter()
            .find(|(counted, _)| *counted == status)
            .map_or(0, |(_, count)| *count);
        metrics::gauge!("pilane_tasks", "status" => status.as_str()).set(count as f64);
        if status == Status::Queued {
            metrics::gauge!("pilane_queue_depth").set(count as f64);
        }
    }
}

/// Counts every request by its route pattern (never the raw path: ids would make a series each)
/// and times it to the response head.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Only the methods we know: any token is a valid method, and each would be a new series.
    let method = match *request.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("pilane_http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("pilane_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
