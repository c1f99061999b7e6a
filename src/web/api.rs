//! The JSON API for scripts: the same tasks and digits as the pages, as data.

use axum::{
    Json, Router,
    extract::{
        Path, Query, State,
        rejection::{JsonRejection, QueryRejection},
    },
    http::StatusCode,
    routing::get,
};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{
    AppState, WebError,
    client_ip::ClientIp,
    error::ApiError,
    params::{parse_cursor, parse_number, parse_task_id},
};
use crate::{
    domain::{DigitCountError, StageEvent, Status, Task, TaskId},
    tasks::{ListQuery, SubmitOutcome, TaskError},
};

/// At most this many tasks per list, and digits per `/api/pi` answer.
const MAX_LIST: u64 = 200;
const MAX_DIGITS_PER_CALL: u64 = 10_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/tasks", get(list).post(create))
        .route("/api/tasks/{id}", get(show))
        .route("/api/pi", get(pi))
}

/// A task as the API shows it.
#[derive(Debug, serde::Serialize)]
pub struct TaskJson {
    id: TaskId,
    n: u64,
    status: Status,
    /// 0.0 to 1.0.
    progress: f64,
    phase: Option<&'static str>,
    /// The n-th decimal, once done.
    digit: Option<u8>,
    error: Option<String>,
    attempt: i32,
    lost_runs: i32,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    stages: Vec<StageJson>,
}

#[derive(Debug, serde::Serialize)]
struct StageJson {
    id: i64,
    stage: &'static str,
    at: DateTime<Utc>,
    /// The run it belongs to: `scheduled` starts one, and each later stage names it.
    attempt: i32,
    message: Option<String>,
}

impl TaskJson {
    fn new(task: Task, stages: &[StageEvent]) -> Self {
        Self {
            id: task.id,
            n: task.n.get(),
            status: task.status,
            progress: task.progress,
            phase: task.phase.map(|phase| phase.as_str()),
            digit: task.digit,
            error: task.error,
            attempt: task.attempt,
            lost_runs: task.lost_runs,
            created_at: task.created_at,
            started_at: task.started_at,
            finished_at: task.finished_at,
            stages: stages
                .iter()
                .filter(|event| event.task_id == task.id)
                .map(|event| StageJson {
                    id: event.id.0,
                    stage: event.stage.as_str(),
                    at: event.at,
                    attempt: event.attempt,
                    message: event.message.clone(),
                })
                .collect(),
        }
    }
}

/// `{"n": ...}`. `n` is taken as any JSON value so that each wrong kind gets its own message.
/// Only an object is one (not an array, as a derived struct would allow), and `n` given twice is
/// refused rather than silently taking the last.
#[derive(Debug)]
struct NewTask {
    n: Option<Value>,
}

impl<'de> serde::Deserialize<'de> for NewTask {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = NewTask;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(r#"an object like {"n": 1000}"#)
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<NewTask, A::Error> {
                let mut n = None;
                while let Some(key) = map.next_key::<String>()? {
                    let value: Value = map.next_value()?;
                    if key == "n" && n.replace(value).is_some() {
                        return Err(serde::de::Error::duplicate_field("n"));
                    }
                }
                Ok(NewTask { n })
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

async fn create(
    State(state): State<AppState>,
    client: ClientIp,
    body: Result<Json<NewTask>, JsonRejection>,
) -> Result<(StatusCode, Json<TaskJson>), ApiError> {
    if state.lifecycle.is_shutting_down() {
        return Err(WebError::ShuttingDown.into());
    }
    state.submissions.check(client)?;
    let Json(body) = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return WebError::PayloadTooLarge(
                "The body is too large: send JSON like {\"n\": 1000}.".to_owned(),
            );
        }
        WebError::Unprocessable(format!(
            "The body must be JSON like {{\"n\": 1000}}: {}",
            rejection.body_text()
        ))
    })?;
    let n = match body.n {
        None => {
            return Err(WebError::Unprocessable(
                "The body must have a field n, like {\"n\": 1000}.".into(),
            )
            .into());
        }
        Some(Value::Number(number)) => match (number.as_u64(), number.as_i64()) {
            (Some(n), _) => state.tasks.check_count(n)?,
            (None, Some(_)) => {
                return Err(TaskError::InvalidCount(DigitCountError::Negative).into());
            }
            (None, None) if number.as_f64().is_some_and(|n| n >= u64::MAX as f64) => {
                return Err(TaskError::InvalidCount(DigitCountError::TooLarge {
                    max: state.tasks.max_digits(),
                })
                .into());
            }
            (None, None) => {
                return Err(TaskError::InvalidCount(DigitCountError::NotAWholeNumber).into());
            }
        },
        Some(_) => {
            return Err(WebError::Unprocessable(
                "n must be a JSON number, like {\"n\": 1000}.".into(),
            )
            .into());
        }
    };
    let submission = state.tasks.submit(n).await?;
    let stages = state.tasks.stages(submission.task.id).await?;
    let status = if submission.outcome == SubmitOutcome::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(TaskJson::new(submission.task, &stages))))
}

async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TaskJson>, ApiError> {
    let id = parse_task_id(&id)?;
    let task = state.tasks.task(id).await?;
    let stages = state.tasks.stages(id).await?;
    Ok(Json(TaskJson::new(task, &stages)))
}

#[derive(Debug, serde::Deserialize)]
struct ListParams {
    status: Option<String>,
    limit: Option<String>,
    before: Option<String>,
}

/// Tasks newest first; page on with `before` = the last id of the previous answer.
async fn list(
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Vec<TaskJson>>, ApiError> {
    let Query(params) = params.map_err(bad_query)?;
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
        return Err(WebError::Unprocessable(format!("limit can be at most {MAX_LIST}.")).into());
    }
    let before = parse_cursor("before", params.before.as_deref())?;
    let (tasks, _) = state
        .tasks
        .list(&ListQuery {
            status,
            before,
            after: None,
            limit,
        })
        .await?;
    let ids: Vec<TaskId> = tasks.iter().map(|task| task.id).collect();
    let stages = state.tasks.stages_of(&ids).await?;
    Ok(Json(
        tasks
            .into_iter()
            .map(|task| TaskJson::new(task, &stages))
            .collect(),
    ))
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
    let stored = state.tasks.stored_len().await?;
    let end = start.saturating_add(count - 1);
    if end > stored {
        return Err(WebError::RangeNotSatisfiable(format!(
            "The store holds {stored} decimals; decimals {start} to {end} are not all there yet. Submit a task for n = {end} first."
        ))
        .into());
    }
    let digits = state.tasks.read_digits(start, count).await?;
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
fn bad_query(rejection: QueryRejection) -> ApiError {
    WebError::BadRequest(format!(
        "The query string could not be read: {}",
        rejection.body_text()
    ))
    .into()
}
