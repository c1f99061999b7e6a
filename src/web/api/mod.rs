//! The JSON API for scripts: the same tasks and digits as the pages, as data, and the OpenAPI
//! document that is its contract.
//!
//! Every route is added through [`ApiRoutes`], which takes a handler only with its
//! `#[utoipa::path]`: a route cannot be served without appearing in [`document`], which
//! `GET /api/openapi.json` serves and the reference page at `/api` ([`reference`]) renders.
//! Answers that layers around the handlers give (the gates' 429, a body's 413 and 403, a busy
//! database's or a timeout's 503) are added to the document where those layers sit
//! ([`openapi`]).
//!
//! `GET /v1/pi` answers in pi.delivery's shape ([`pi_delivery`]), so a client written for that
//! service can point here; it alone is open to pages of other sites (CORS `*`).

mod new_task;
mod openapi;
mod pi_delivery;
mod reference;
mod search;
mod task_json;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use utoipa_axum::{router::OpenApiRouter, router::UtoipaMethodRouter, routes};

use super::{
    AppState, WebError,
    error::ApiError,
    gates::answer_status,
    params::{none_given, parse_cursor, parse_number, parse_task_id},
};
use crate::domain::{ListQuery, Status, TaskId};
use new_task::{NewTask, NewTaskBody};
pub use openapi::{ErrorJson, document};
pub use reference::routes as reference_routes;
use task_json::TaskJson;

/// At most this many tasks per list, and digits per `/api/pi` answer.
const MAX_LIST: u64 = 200;
const MAX_DIGITS_PER_CALL: u64 = 10_000;

/// Routes of the API with their part of the OpenAPI document. A handler is added only with its
/// `#[utoipa::path]` (the `routes!` macro reads it), and there is no way to add a plain route.
pub struct ApiRoutes(OpenApiRouter<AppState>);

impl ApiRoutes {
    fn new() -> Self {
        Self(OpenApiRouter::new())
    }

    fn with(self, routes: UtoipaMethodRouter<AppState>) -> Self {
        Self(self.0.routes(routes))
    }

    pub fn into_router(self) -> Router<AppState> {
        self.0.split_for_parts().0
    }

    fn into_document(self) -> utoipa::openapi::OpenApi {
        self.0.into_openapi()
    }
}

/// The API's routes, by what stands in front of them: `web::router` puts `searching` behind
/// the search gate and `submitting` behind the submission gate, and opens `cross_origin` to
/// pages of any site.
pub struct Routes {
    pub open: ApiRoutes,
    pub searching: ApiRoutes,
    pub submitting: ApiRoutes,
    pub cross_origin: ApiRoutes,
}

pub fn routes() -> Routes {
    Routes {
        open: ApiRoutes::new()
            .with(routes!(list))
            .with(routes!(show))
            .with(routes!(pi))
            .with(routes!(super::digits_txt::digits_txt))
            .with(routes!(openapi::openapi_json)),
        searching: ApiRoutes::new().with(routes!(search::search)),
        submitting: ApiRoutes::new().with(routes!(create)),
        cross_origin: ApiRoutes::new().with(routes!(pi_delivery::pi)),
    }
}

/// Whether a refusal at `path` is answered as JSON: everything under `/api/` and `/v1/`.
pub fn answers_in_json(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/v1/")
}

/// Creates a task for n, or finds the one there is.
#[utoipa::path(
    post,
    path = "/api/tasks",
    tag = "tasks",
    summary = "Ask for pi to n decimals",
    description = "Creates the task for n, or answers the one there is: each n has one task. \
        The task is queued and computed in the background; read it again (or watch `/events`) \
        to see it run.",
    request_body(content = NewTaskBody, content_type = "application/json"),
    responses(
        (status = 201, description = "A new task for n, queued.", body = TaskJson,
            example = json!({
                "id": 1, "n": 1000, "status": "queued", "progress": 0.0, "phase": null,
                "digit": null, "digit_counts": null, "verification": null, "error": null,
                "attempt": 0, "lost_runs": 0, "created_at": "2026-12-03T18:00:00.000Z",
                "started_at": null, "finished_at": null,
                "stages": [{ "id": 1, "stage": "registered", "at": "2026-12-03T18:00:00.000Z",
                    "attempt": 0, "message": null }]
            })),
        (status = 200, description = "The task there already was for n.", body = TaskJson),
        (status = 415, description = "The body is not declared as JSON.", body = ErrorJson),
        (status = 422, description = "The body is not `{\"n\": ...}` with a whole n from 1 to \
            the server's limit, or n needs more memory than this server allows.", body = ErrorJson),
    )
)]
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

/// One task.
#[utoipa::path(
    get,
    path = "/api/tasks/{id}",
    tag = "tasks",
    summary = "Read one task",
    params(("id" = i64, Path, minimum = 1, description = "The task's id.", example = 1)),
    responses(
        (status = 200, description = "The task.", body = TaskJson),
        (status = 404, description = "There is no task with this id.", body = ErrorJson),
    )
)]
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
#[utoipa::path(
    get,
    path = "/api/tasks",
    tag = "tasks",
    summary = "List tasks, newest first",
    description = "Pages on with `before`: the last id of the previous answer.",
    params(
        ("status" = Option<Status>, Query, description = "Only the tasks with this status."),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 200,
            description = "At most this many tasks; 50 when absent.", example = 2),
        ("before" = Option<i64>, Query, minimum = 1,
            description = "Only the tasks older than this id."),
    ),
    responses(
        (status = 200, description = "The tasks, newest first.", body = [TaskJson]),
        (status = 400, description = "`before` is not a task id, or the query string cannot be \
            read.", body = ErrorJson),
        (status = 422, description = "`status` or `limit` is not one this list takes.",
            body = ErrorJson),
    )
)]
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

/// Decimals of pi from the verified store.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({ "start": 1, "count": 10, "digits": "1415926535" }))]
struct PiJson {
    /// The first decimal's position, counted from 1 after the point.
    #[schema(minimum = 1)]
    start: u64,
    #[schema(minimum = 1, maximum = 10_000)]
    count: u64,
    /// `count` decimals from `start` on.
    #[schema(pattern = "^[0-9]+$")]
    digits: String,
}

/// Decimals straight from the verified store; `start` is 1-based after the point.
#[utoipa::path(
    get,
    path = "/api/pi",
    tag = "digits",
    summary = "Read decimals of pi",
    description = "Straight from the verified store, which holds as many decimals as the \
        longest task done so far.",
    params(
        ("start" = Option<u64>, Query, minimum = 1, example = 1,
            description = "The first decimal's position, counted from 1 after the point; 1 when \
            absent."),
        ("count" = Option<u64>, Query, minimum = 1, maximum = 10_000, example = 10,
            description = "How many decimals; 100 when absent."),
    ),
    responses(
        (status = 200, description = "The decimals.", body = PiJson),
        (status = 400, description = "The query string cannot be read.", body = ErrorJson),
        (status = 416, description = "The store does not hold all of these decimals yet: a task \
            for n = start + count - 1 puts them there.", body = ErrorJson),
        (status = 422, description = "`start` or `count` is not a whole number in its range.",
            body = ErrorJson),
    )
)]
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
