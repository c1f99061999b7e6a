//! HTTP: routes, handlers, views. Handlers parse input into domain types, call the task service,
//! and render; nothing here knows SQL or computes digits. Nothing imports `web`.
//!
//! | path | what |
//! |---|---|
//! | `GET /` | the task table (`?before=`/`?after=` pages); with `HX-Request`, just its rows |
//! | `POST /tasks` | form `n`: 303 to the task, or for htmx the form with a notice; 422 with the message |
//! | `GET /tasks/{id}` | the task page (`?page=` of digits); with `HX-Request`, just its live detail |
//! | `GET /tasks/{id}/digits` | one page of digits as a fragment |
//! | `GET /tasks/{id}/digits.txt` | `3.` and the n decimals, streamed |
//! | `GET /estimate?n=` | the expected computing time of n on this machine, as the form's hint line |
//! | `POST /tasks/{id}/cancel`, `/retry` | 303 to the task, or for htmx its row |
//! | `GET /events` | the SSE stream (`?task={id}` for a task page) |
//! | `/api/...` | the JSON API ([`api`]) |
//! | `GET /livez`, `GET /readyz` | health |

mod api;
mod assets;
mod error;
mod estimate;
mod health;
mod htmx;
pub mod live;
mod pages;
mod params;
mod state;
mod task_actions;
pub mod views;

use axum::{Router, extract::MatchedPath, http::Request};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use error::{ApiError, WebError};
pub use state::{AppState, Lifecycle};

/// The whole HTTP surface. A plain function, so tests can drive it without a server.
pub fn router(state: AppState) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), route)
        })
        .on_request(())
        .on_response(DefaultOnResponse::new().level(Level::INFO));
    Router::new()
        .merge(pages::routes())
        .merge(task_actions::routes())
        .merge(estimate::routes())
        .merge(api::routes())
        .merge(live::routes())
        .merge(health::routes())
        .merge(assets::routes())
        .layer(trace)
        .with_state(state)
}
