//! Recognising htmx requests, so one route can answer a page or just the fragment it replaces.

use std::convert::Infallible;

use axum::{
    extract::FromRequestParts,
    http::{HeaderValue, header::VARY, request::Parts},
    response::{IntoResponse, Response},
};

/// Whether the request came from htmx (`HX-Request: true`).
#[derive(Debug, Clone, Copy)]
pub struct HxRequest(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for HxRequest {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let is_htmx = parts
            .headers
            .get("hx-request")
            .is_some_and(|value| value == "true");
        Ok(Self(is_htmx))
    }
}

/// Marks a response whose body depends on `HX-Request`, so caches keep both versions apart.
pub fn vary_on_htmx(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response
        .headers_mut()
        .append(VARY, HeaderValue::from_static("HX-Request"));
    response
}
