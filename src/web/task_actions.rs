//! The forms: submit a task, cancel it, retry it. Each works as a plain form post (answered with
//! a redirect) and, enhanced by htmx, answers with the fragment it replaces. Submitting and
//! retrying pass the submission gate first ([`super::gates`]).

use axum::{
    Form, Router,
    extract::{Path, State, rejection::FormRejection},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::post,
};

use super::{
    AppState, WebError,
    estimate::form_hints,
    gates::answer_status,
    htmx::{HxRequest, vary_on_htmx},
    params::parse_task_id,
    table_page::{TableQuery, index_page, load_table},
    views::{
        task_form::{Notice, task_form},
        task_table::task_row,
    },
};
use crate::{domain::SubmitOutcome, tasks::TaskError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/tasks/{id}/cancel", post(cancel))
}

/// The routes that queue work (a retry queues it as a submission does, and shares its
/// allowance); `web::router` puts them behind the submission gate.
pub fn submitting_routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", post(create))
        .route("/tasks/{id}/retry", post(retry))
}

#[derive(Debug, serde::Deserialize)]
struct NewTask {
    #[serde(default)]
    n: String,
}

async fn create(
    State(state): State<AppState>,
    HxRequest(htmx): HxRequest,
    form: Result<Form<NewTask>, FormRejection>,
) -> Result<Response, WebError> {
    let input = match form {
        Ok(Form(form)) => form.n,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(WebError::PayloadTooLarge(
                "The form is too large: send one field n with a whole number.".to_owned(),
            ));
        }
        Err(rejection) => {
            tracing::debug!(%rejection, "unreadable task form");
            let message = "The form could not be read: send one field n with a whole number.";
            return invalid(&state, htmx, "", message).await;
        }
    };
    let n = match state.tasks.parse_count(&input) {
        Ok(n) => n,
        Err(TaskError::InvalidCount(error)) => {
            return invalid(&state, htmx, &input, &error.to_string()).await;
        }
        Err(other) => return Err(other.into()),
    };
    let submission = match state.tasks.submit(n).await {
        Ok(submission) => submission,
        Err(too_big @ TaskError::NeedsMoreMemory { .. }) => {
            return invalid(&state, htmx, &input, &too_big.to_string()).await;
        }
        Err(other) => return Err(other.into()),
    };
    if !htmx {
        return Ok(Redirect::to(&format!("/tasks/{}", submission.task.id)).into_response());
    }
    let notice = match submission.outcome {
        SubmitOutcome::Created => Notice::Created(&submission.task),
        SubmitOutcome::Existing => Notice::Existing(&submission.task),
        SubmitOutcome::Retried => Notice::Retried(&submission.task),
    };
    Ok(vary_on_htmx((
        answer_status(submission.outcome),
        task_form(&form_hints(&state.queries), &notice),
    )))
}

/// 422 with the message next to the field: the form alone for htmx, the whole page otherwise.
/// Nothing was written.
async fn invalid(
    state: &AppState,
    htmx: bool,
    input: &str,
    message: &str,
) -> Result<Response, WebError> {
    let notice = Notice::Invalid { input, message };
    let body = if htmx {
        task_form(&form_hints(&state.queries), &notice)
    } else {
        let table = load_table(&state.queries, &TableQuery::default()).await?;
        index_page(&state.queries, &table, &notice).await?
    };
    Ok(vary_on_htmx((StatusCode::UNPROCESSABLE_ENTITY, body)))
}

async fn cancel(
    State(state): State<AppState>,
    HxRequest(htmx): HxRequest,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let task = state.tasks.cancel(parse_task_id(&id)?).await?;
    Ok(answer(&state, htmx, &task))
}

async fn retry(
    State(state): State<AppState>,
    HxRequest(htmx): HxRequest,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let task = state.tasks.retry(parse_task_id(&id)?).await?;
    Ok(answer(&state, htmx, &task))
}

/// htmx gets the task's row as it is now; a plain form post goes to the task's page.
fn answer(state: &AppState, htmx: bool, task: &crate::domain::Task) -> Response {
    if htmx {
        vary_on_htmx(task_row(task, state.queries.estimate_task(task)))
    } else {
        Redirect::to(&format!("/tasks/{}", task.id)).into_response()
    }
}
