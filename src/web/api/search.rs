//! `GET /api/search?q=DIGITS[&task=ID][&limit=K]`: what the search page finds, as data.

use axum::{
    Json,
    extract::{Query, State, rejection::QueryRejection},
};

use super::{ErrorJson, bad_query};
use crate::{
    domain::DigitQuery,
    web::{
        AppState, WebError,
        error::ApiError,
        params::{parse_cursor, parse_number},
    },
};

/// Positions an answer lists by default, and at most.
const DEFAULT_LIMIT: u64 = 20;
const MAX_LIMIT: u64 = 1_000;

#[derive(Debug, serde::Deserialize)]
pub(super) struct SearchParams {
    q: Option<String>,
    task: Option<String>,
    limit: Option<String>,
}

/// Where a string of digits occurs.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({ "query": "14159", "searched": 1000, "count": 1, "positions": [1] }))]
pub(super) struct SearchJson {
    /// The digits searched for, without separators.
    #[schema(pattern = "^[0-9]{1,50}$")]
    query: String,
    /// How many decimals were searched.
    searched: u64,
    /// How many times the digits occur in them.
    count: u64,
    /// The first `limit` positions, ascending, 1-based after the point.
    positions: Vec<u64>,
}

#[utoipa::path(
    get,
    path = "/api/search",
    tag = "search",
    summary = "Find a string of digits in pi",
    description = "Searches the verified store, or one done task's decimals.",
    params(
        ("q" = String, Query, pattern = "^[ ./-]*([0-9][ ./-]*){1,50}$", example = "14159",
            description = "1 to 50 digits; spaces, `-`, `.` and `/` between them are ignored, \
            so a date can be written as one."),
        ("task" = Option<i64>, Query, minimum = 1,
            description = "Search this task's decimals instead of the whole store."),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 1000,
            description = "List at most this many positions; 20 when absent."),
    ),
    responses(
        (status = 200, description = "Where the digits occur.", body = SearchJson),
        (status = 400, description = "The query string cannot be read.", body = ErrorJson),
        (status = 404, description = "There is no such task.", body = ErrorJson),
        (status = 409, description = "The task is not done: its decimals are not there to \
            search yet.", body = ErrorJson),
        (status = 422, description = "`q`, `task` or `limit` is not one this search takes.",
            body = ErrorJson),
    )
)]
pub(super) async fn search(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<SearchJson>, ApiError> {
    let Query(params) = params.map_err(bad_query)?;
    let query = DigitQuery::parse(params.q.as_deref().unwrap_or_default())
        .map_err(|error| WebError::Unprocessable(error.to_string()))?
        .ok_or_else(|| {
            WebError::Unprocessable("q must be 1 to 50 digits, like q=14159.".to_owned())
        })?;
    let limit = parse_number("limit", params.limit.as_deref(), DEFAULT_LIMIT)?;
    if limit > MAX_LIMIT {
        return Err(WebError::Unprocessable(format!("limit can be at most {MAX_LIMIT}.")).into());
    }
    let task = parse_cursor("task", params.task.as_deref())
        .map_err(|error| WebError::Unprocessable(error.to_string()))?;
    let task = match task {
        Some(id) => Some(state.queries.task(id).await?),
        None => None,
    };
    let found = state
        .queries
        .search(query, task.as_ref(), limit as usize)
        .await?;
    Ok(Json(SearchJson {
        query: found.query.as_str().to_owned(),
        searched: found.searched,
        count: found.count,
        positions: found.hits.iter().map(|hit| hit.position).collect(),
    }))
}
