//! `GET /estimate?n=`: how long a task for n would take on this machine, as the line under the
//! form's field. htmx asks for it while a person types.

use axum::{
    Router,
    extract::{Query, State, rejection::QueryRejection},
    response::{IntoResponse, Response},
    routing::get,
};

use super::{
    AppState, WebError,
    htmx::vary_on_htmx,
    views::task_form::{Estimate, FormHints, estimate},
};
use crate::tasks::Queries;

pub fn routes() -> Router<AppState> {
    Router::new().route("/estimate", get(estimate_line))
}

/// The sizes the form quotes times for, as far as the limit allows.
const SCALE: [u64; 3] = [1_000_000, 10_000_000, 100_000_000];

/// What the form says before anything is typed.
pub fn form_hints(queries: &Queries) -> FormHints {
    let max_digits = queries.max_digits();
    let scale = SCALE
        .into_iter()
        .filter(|&n| n <= max_digits)
        .filter_map(|n| Some((n, queries.estimate(n)?)))
        .collect();
    FormHints { max_digits, scale }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct EstimateQuery {
    n: Option<String>,
}

/// Anything that is not a valid n gets the general scale: the form's own check says what is
/// wrong when it is sent, and half-typed input is not an error.
async fn estimate_line(
    State(state): State<AppState>,
    query: Result<Query<EstimateQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let queries = &state.queries;
    let typed = query
        .ok()
        .and_then(|Query(query)| query.n)
        .unwrap_or_default();
    let line = match state.tasks.parse_count(&typed) {
        Err(_) => Estimate::Scale,
        Ok(n) if n.get() <= queries.stored_len().await? => Estimate::Stored(n.get()),
        Ok(n) => match queries.estimate(n.get()) {
            Some(expected) => Estimate::Expected(n.get(), expected),
            None => Estimate::Unknown(n.get()),
        },
    };
    Ok(vary_on_htmx(estimate(&form_hints(queries), &line)).into_response())
}
