//! The JSON API for scripts: the same tasks and digits as the pages, as data.

mod new_task;
mod search;
mod task_json;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};

use super::{
    AppState, WebError,
    error::ApiError,
    gates::answer_status,
    params::{none_given, parse_cursor, parse_number, parse_task_id},
};
use crate::domain::{ListQuery, Status, TaskId};
use new_task::NewTask;
use task_json::TaskJson;

/// At most this many tasks per list, and digits per `/api/pi` answer.
const MAX_LIST: u64 = 200;
const MAX_DIGITS_PER_CALL: u64 = 10_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/tasks", get(list))
        .route("/api/tasks/{id}", get(show))
        .route("/api/pi", get(pi))
}

/// The searches; `web::router` puts them behind the search gate.
pub fn searching_routes() -> Router<AppState> {
    Router::new().route("/api/search", get(search::search))
}

/// The routes that queue work; `web::router` puts them behind the submission gate.
pub fn submitting_routes() -> Router<AppState> {
    Router::new().route("/api/tasks", post(create))
}

async fn create(
    State(state): State<AppState>,
    body: NewTask,
) -> Result<(StatusCode, Json<TaskJson>), ApiError> {
    let n = body.count(state.tasks.max_digits())?;
    let submission = state.tasks.submit(n).await?;
    let stages = state.queries.stages(submission.task.id).await?;
    let status = answer_status(submission.outcome);
    Ok((status, Json(TaskJson::new(submission.task, &stages))))
}

async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TaskJson>, ApiError> {
    let id = parse_task_id(&id)?;
    let task = state.queries.task(id).await?;
    let stages = state.queries.stages(id).await?;
    Ok(Json(TaskJson::new(task, &stages)))
}

#[derive(Debug, serde::Deserialize)]
struct ListParams {
    status: Option<String>,
    limit: Option<String>,
    before: Option<String>,
}

/// Tasks newest first; page on with `before` = the last id of the previous answer. The default
/// list (no parameter) comes from what is kept of it ([`crate::web::first_page`]).
async fn list(
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(bad_query)?;
    let make = || async {
        let tasks = list_tasks(&state, &params).await?;
        serde_json::to_vec(&tasks)
            .map(Bytes::from)
            .map_err(|err| WebError::Internal(format!("a task list did not serialise: {err}")))
    };
    let body = if params.is_default() {
        state
            .first_page
            .api_list
            .get_or_make(&state.queries, make)
            .await
    } else {
        make().await
    }?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

impl ListParams {
    fn is_default(&self) -> bool {
        none_given(&[&self.status, &self.limit, &self.before])
    }
}

async fn list_tasks(state: &AppState, params: &ListParams) -> Result<Vec<TaskJson>, WebError> {
    let status = params
        .status
        .as_deref()
        .filter(|status| !status.is_empty())
        .map(|status| {
            Status::parse(status).map_err(|_| {
                WebError::Unprocessable(
                    "status must be one of queued, running, done, failed, cancelled.".into(),
                )
            })
        })
        .transpose()?;
    let limit = parse_number("limit", params.limit.as_deref(), 50)?;
    if limit > MAX_LIST {
        return Err(WebError::Unprocessable(format!(
            "limit can be at most {MAX_LIST}."
        )));
    }
    let before = parse_cursor("before", params.before.as_deref())?;
    let query = ListQuery {
        status,
        before,
        after: None,
        limit,
    };
    let tasks = state.queries.list(&query).await?.tasks;
    let ids: Vec<TaskId> = tasks.iter().map(|task| task.id).collect();
    let stages = state.queries.stages_of(&ids).await?;
    Ok(tasks
        .into_iter()
        .map(|task| TaskJson::new(task, &stages))
        .collect())
}

#[derive(Debug, serde::Deserialize)]
struct PiParams {
    start: Option<String>,
    count: Option<String>,
}

#[derive(Debug, serde::Serialize)]
struct PiJson {
    start: u64,
    count: u64,
    digits: String,
}

/// Decimals straight from the verified store; `start` is 1-based after the point.
async fn pi(
    State(state): State<AppState>,
    params: Result<Query<PiParams>, QueryRejection>,
) -> Result<Json<PiJson>, ApiError> {
    let Query(params) = params.map_err(bad_query)?;
    let start = parse_number("start", params.start.as_deref(), 1)?;
    let count = parse_number("count", params.count.as_deref(), 100)?;
    if count > MAX_DIGITS_PER_CALL {
        return Err(WebError::Unprocessable(format!(
            "count can be at most {MAX_DIGITS_PER_CALL}."
        ))
        .into());
    }
    let stored = state.queries.stored_len().await?;
    let end = start.saturating_add(count - 1);
    if end > stored {
        return Err(WebError::RangeNotSatisfiable(format!(
            "The store holds {stored} decimals; decimals {start} to {end} are not all there yet. Submit a task for n = {end} first."
        ))
        .into());
    }
    let digits = state.queries.read_digits(start, count).await?;
    let digits = String::from_utf8(digits).map_err(|_| {
        WebError::Internal("the digit store holds bytes that are not digits".into())
    })?;
    Ok(Json(PiJson {
        start,
        count,
        digits,
    }))
}

/// A query string that does not even parse (a repeated field, say), answered as JSON.
pub(super) fn bad_query(rejection: QueryRejection) -> ApiError {
    WebError::BadRequest(format!(
        "The query string could not be read: {}",
        rejection.body_text()
    ))
    .into()
}
