//! Request bodies larger than the limit are refused with 413 before any handler runs.
//!
//! Axum's `DefaultBodyLimit` stays as the backstop for bodies without a `Content-Length`. This
//! layer exists for the common case, a declared length over the limit: answering while the client
//! is still sending and then closing makes the kernel reset the connection, and the client loses
//! the 413 with its message. So a body of moderate size is read (and dropped) first, and the
//! answer arrives whole.

use std::time::Duration;

use axum::{
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{ApiError, WebError};

/// Bodies up to this size are read before the 413; bigger ones are refused at once.
const DRAIN_LIMIT: usize = 1024 * 1024;
/// A client that sends its refused body slowly does not hold the connection for long.
const DRAIN_TIME: Duration = Duration::from_secs(5);

pub async fn refuse_large_bodies(
    State(max): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let Some(declared) = declared.filter(|length| *length > max as u64) else {
        return next.run(request).await;
    };
    let is_api = super::api::answers_in_json(request.uri().path());
    if declared <= DRAIN_LIMIT as u64 {
        let body = request.into_body();
        let _ = tokio::time::timeout(DRAIN_TIME, axum::body::to_bytes(body, DRAIN_LIMIT)).await;
    }
    let error = WebError::PayloadTooLarge(format!(
        "The request is too large: at most {max} bytes are accepted. Send one field n with a whole number."
    ));
    if is_api {
        ApiError(error).into_response()
    } else {
        error.into_response()
    }
}
