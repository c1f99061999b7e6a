//! The web layer's one error type. Handlers return `Result<_, WebError>` and use `?` on the task
//! layer; [`IntoResponse`] picks the status, logs server faults with their cause, and shows the
//! person a plain message, never internals. [`ApiError`] is the same error rendered as JSON.

use std::time::Duration;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use maud::html;

use super::views::layout::{PageMeta, page};
use crate::{domain::Unavailable, tasks::TaskError};

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
    /// The address exists, but not for this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    RangeNotSatisfiable(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// A body in a format the route does not read.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A cross-site form post, or anything else refused on principle.
    #[error("{0}")]
    Forbidden(String),
    #[error(
        "You are {action} faster than this server accepts; try again in {} s.",
        whole_seconds(*retry_after)
    )]
    TooManyRequests {
        retry_after: Duration,
        /// What was limited: "submitting", "searching".
        action: &'static str,
    },
    #[error("The server is shutting down; try again in a moment.")]
    ShuttingDown,
    #[error("Too many live pages are open on this server; this one will reconnect shortly.")]
    TooManyStreams,
    #[error("The server took too long to answer; please try again.")]
    TimedOut,
    /// Our fault, found by the web layer itself; logged, never shown.
    #[error("{0}")]
    Internal(String),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Task(TaskError::InvalidCount(_) | TaskError::NeedsMoreMemory { .. })
            | WebError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Task(TaskError::NotFound(_)) | WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Task(
                TaskError::NotCancellable { .. }
                | TaskError::NotRetryable { .. }
                | TaskError::NotDone { .. },
            ) => StatusCode::CONFLICT,
            WebError::Internal(_) | WebError::Task(TaskError::Index(_)) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            WebError::Task(TaskError::Storage(_)) if self.unavailable().is_none() => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            WebError::Task(
                TaskError::Storage(_)
                | TaskError::QueueFull { .. }
                | TaskError::IndexBuilding { .. },
            )
            | WebError::ShuttingDown
            | WebError::TooManyStreams
            | WebError::TimedOut => StatusCode::SERVICE_UNAVAILABLE,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            WebError::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            WebError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn unavailable(&self) -> Option<Unavailable> {
        match self {
            WebError::Task(err) => err.unavailable(),
            _ => None,
        }
    }

    /// How long a client should wait before trying again, for the refusals that pass.
    pub fn retry_after(&self) -> Option<Duration> {
        let seconds = match self {
            WebError::TooManyRequests { retry_after, .. } => return Some(*retry_after),
            WebError::ShuttingDown | WebError::TimedOut => 5,
            WebError::TooManyStreams => 10,
            WebError::Task(TaskError::QueueFull { .. }) => 30,
            WebError::Task(TaskError::IndexBuilding { .. }) => 5,
            WebError::Task(err) => match err.unavailable()? {
                Unavailable::Busy | Unavailable::Unreachable => 5,
                Unavailable::Full => 60,
            },
            _ => return None,
        };
        Some(Duration::from_secs(seconds))
    }

    /// Whether this is our fault rather than the client's or a passing condition: such errors
    /// are logged with their cause and shown as a generic line.
    fn is_fault(&self) -> bool {
        self.status() == StatusCode::INTERNAL_SERVER_ERROR
    }

    /// What the person is told: the error itself for their mistakes, a generic line for ours.
    pub fn message(&self) -> String {
        match self.unavailable() {
            Some(Unavailable::Busy) => {
                "The database is busy right now; nothing was lost. Please try again in a few seconds."
                    .to_owned()
            }
            Some(Unavailable::Full) => {
                "The server's storage is full; nothing was lost, but nothing new can be saved until space is freed. Please try again later."
                    .to_owned()
            }
            Some(Unavailable::Unreachable) => {
                "The database cannot be reached right now; nothing was lost. Please try again in a few seconds."
                    .to_owned()
            }
            None if self.is_fault() => {
                "Something went wrong on our side; it has been logged. Please try again.".to_owned()
            }
            None => self.to_string(),
        }
    }

    fn log(&self) {
        if self.is_fault() {
            tracing::error!(error = %self, cause = ?std::error::Error::source(self), "request failed");
        } else if let Some(why) = self.unavailable() {
            tracing::warn!(error = %self, ?why, "database unavailable; answered 503");
        }
    }

    fn decorate(&self, mut response: Response) -> Response {
        if let Some(after) = self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(whole_seconds(after)));
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
            alert: Some(&message),
        };
        let body = html! {
            h1 { (title) }
            p { a href="/" { "Back to all tasks" } }
        };
        self.decorate((status, page(&meta, body)).into_response())
    }
}

/// A wait in whole seconds, rounded up and at least 1 ("0" would invite an immediate retry), as
/// both the message and `Retry-After` give it.
fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
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
