//! The web layer's one error type. Handlers return `Result<_, WebError>` and use `?` on the task
//! layer; [`IntoResponse`] picks the status, logs server faults with their cause, and shows the
//! person a plain message, never internals. [`ApiError`] is the same error rendered as JSON.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use maud::html;

use super::views::layout::{PageMeta, page};
use crate::tasks::TaskError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Task(#[from] TaskError),
    /// The request itself is malformed (a query parameter, a path id).
    #[error("{0}")]
    BadRequest(String),
    /// The input was understood but is not acceptable.
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    RangeNotSatisfiable(String),
    #[error("The server is shutting down; try again in a moment.")]
    ShuttingDown,
    /// Our fault, found by the web layer itself; logged, never shown.
    #[error("{0}")]
    Internal(String),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Task(TaskError::InvalidCount(_)) | WebError::Unprocessable(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            WebError::Task(TaskError::NotFound(_)) | WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Task(
                TaskError::NotCancellable { .. }
                | TaskError::NotRetryable { .. }
                | TaskError::NotDone { .. },
            ) => StatusCode::CONFLICT,
            WebError::Task(TaskError::Storage(_)) | WebError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            WebError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// What the person is told: the error itself for their mistakes, a generic line for ours.
    pub fn message(&self) -> String {
        if self.status().is_server_error() && !matches!(self, WebError::ShuttingDown) {
            "Something went wrong on our side; it has been logged. Please try again.".to_owned()
        } else {
            self.to_string()
        }
    }

    fn log(&self) {
        if self.status().is_server_error() && !matches!(self, WebError::ShuttingDown) {
            tracing::error!(error = %self, cause = ?std::error::Error::source(self), "request failed");
        }
    }

    fn decorate(&self, mut response: Response) -> Response {
        if matches!(self, WebError::ShuttingDown) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let message = self.message();
        let title = status.canonical_reason().unwrap_or("Error");
        let meta = PageMeta {
            title,
            live_url: None,
        };
        let body = html! {
            h1 { (title) }
            p.error role="alert" { (message) }
            p { a href="/" { "Back to all tasks" } }
        };
        self.decorate((status, page(&meta, body)).into_response())
    }
}

/// A [`WebError`] for the JSON API: `{"error": "..."}` with the same status.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let body = Json(serde_json::json!({ "error": self.0.message() }));
        self.0.decorate((self.0.status(), body).into_response())
    }
}
