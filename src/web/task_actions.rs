//! The forms: submit a task, cancel it, retry it. Each works as a plain form post (answered with
//! a redirect) and, enhanced by htmx, answers with the fragment it replaces.

use axum::{
    Form, Router,
    extract::{Path, State, rejection::FormRejection},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::post,
};

use super::{
    AppState, WebError,
    client_ip::ClientIp,
    estimate::form_hints,
    htmx::{HxRequest, vary_on_htmx},
    pages::{TableQuery, index_page, load_table},
    params::parse_task_id,
    views::{
        task_form::{Notice, task_form},
        task_table::task_row,
    },
};
use crate::tasks::{SubmitOutcome, TaskError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", post(create))
        .route("/tasks/{id}/cancel", post(cancel))
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
    client: ClientIp,
    form: Result<Form<NewTask>, FormRejection>,
) -> Result<Response, WebError> {
    if state.lifecycle.is_shutting_down() {
        return Err(WebError::ShuttingDown);
    }
    state.submissions.check(client)?;
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
    let submission = state.tasks.submit(n).await?;
    if !htmx {
        return Ok(Redirect::to(&format!("/tasks/{}", submission.task.id)).into_response());
    }
    let notice = match submission.outcome {
        SubmitOutcome::Created => Notice::Created(&submission.task),
        SubmitOutcome::Existing => Notice::Existing(&submission.task),
        SubmitOutcome::Retried => Notice::Retried(&submission.task),
    };
    let status = if submission.outcome == SubmitOutcome::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(vary_on_htmx((
        status,
        task_form(&form_hints(&state.tasks), &notice),
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
        task_form(&form_hints(&state.tasks), &notice)
    } else {
        let table = load_table(&state.tasks, &TableQuery::default()).await?;
        index_page(&state.tasks, &table, &notice).await?
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
    client: ClientIp,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    if state.lifecycle.is_shutting_down() {
        return Err(WebError::ShuttingDown);
    }
    // A retry queues work as a submission does, and shares its allowance.
    state.submissions.check(client)?;
    let task = state.tasks.retry(parse_task_id(&id)?).await?;
    Ok(answer(&state, htmx, &task))
}

/// htmx gets the task's row as it is now; a plain form post goes to the task's page.
fn answer(state: &AppState, htmx: bool, task: &crate::domain::Task) -> Response {
    if htmx {
        vary_on_htmx(task_row(task, state.tasks.estimate_task(task)))
    } else {
        Redirect::to(&format!("/tasks/{}", task.id)).into_response()
    }
}
