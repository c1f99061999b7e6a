//! The gates in front of groups of routes, each a layer on the router that holds its group
//! (`web::router`), so a route cannot join a group without passing its gate:
//!
//! - every route that queues work (a submission from the form or the API, a retry): while the
//!   server shuts down it answers 503, then it spends one of the client's submission allowance
//!   or answers 429 ([`super::rate_limit`]);
//! - every search: one of the client's search allowance, or 429.

use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::Response,
};

use super::{AppState, WebError, client_ip::ClientIp, refusal};
use crate::domain::SubmitOutcome;

pub async fn submissions(
    State(state): State<AppState>,
    client: ClientIp,
    request: Request,
    next: Next,
) -> Response {
    let refused = if state.lifecycle.is_shutting_down() {
        Err(WebError::ShuttingDown)
    } else {
        state.submissions.check(client)
    };
    match refused {
        Ok(()) => next.run(request).await,
        Err(error) => refusal(request.uri(), error),
    }
}

pub async fn searches(
    State(state): State<AppState>,
    client: ClientIp,
    request: Request,
    next: Next,
) -> Response {
    match state.searches.check(client) {
        Ok(()) => next.run(request).await,
        Err(error) => refusal(request.uri(), error),
    }
}

/// 201 for a task created by this request, 200 for one that existed (or was queued again).
pub fn answer_status(outcome: SubmitOutcome) -> StatusCode {
    if outcome == SubmitOutcome::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}
