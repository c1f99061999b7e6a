//! HTTP: routes, handlers, views. Handlers parse input into domain types, call the task service,
//! and render; nothing here knows SQL or computes digits. Nothing imports `web`.
//!
//! | path | what |
//! |---|---|
//! | `GET /` | the task table (`?before=`/`?after=` pages); with `HX-Request`, just its rows; the first page kept while nothing changes ([`first_page`]) |
//! | `POST /tasks` | form `n`: 303 to the task, or for htmx the form with a notice; 422 with the message |
//! | `GET /tasks/{id}` | the task page (`?page=` of digits); with `HX-Request`, just its live detail |
//! | `GET /tasks/{id}/digits` | one page of digits as a fragment |
//! | `GET /tasks/{id}/digits.txt` | `3.` and the n decimals, streamed; a `Range` is answered 206 ([`digits_txt`]); in the API's document |
//! | `GET /search?q=` | searching the digits (`&task=` for one task's); with `HX-Request`, just the results |
//! | `GET /estimate?n=` | the expected computing time of n on this machine, as the form's hint line |
//! | `POST /tasks/{id}/cancel`, `/retry` | 303 to the task, or for htmx its row |
//! | `GET /events` | the SSE stream (`?task={id}` for a task page) |
//! | `/api/...` | the JSON API ([`api`]); its OpenAPI document at `/api/openapi.json`, read by the reference page `GET /api` |
//! | `GET /v1/pi` | pi.delivery's API in its shape, open to other sites (CORS `*`) |
//! | `GET /livez`, `GET /readyz` | health |
//! | `GET /metrics` | Prometheus text ([`metrics`]) |
//!
//! Around every route: request logs and metrics, the security headers and the cross-site check
//! ([`security`]), a body limit (413), and, for all but the live stream, a request timeout (503).
//! Every route that queues work sits behind one gate ([`gates`]): 503 while shutting down, then
//! the per-client rate limit ([`rate_limit`]; behind trusted proxies the client is read from
//! `X-Forwarded-For`, [`client_ip`]); every search behind another, with its own allowance. [`server`] serves it all with a
//! header-read timeout and a graceful drain.

mod api;
mod assets;
mod body_limit;
mod client_ip;
mod digits_txt;
mod error;
mod estimate;
mod first_page;
mod gates;
mod health;
mod htmx;
pub mod live;
mod metrics;
mod pages;
pub mod params;
mod rate_limit;
mod search;
mod security;
pub mod server;
mod state;
mod table_page;
mod task_actions;
pub mod views;

use axum::{
    BoxError, Router,
    error_handling::HandleErrorLayer,
    extract::{DefaultBodyLimit, MatchedPath, State},
    http::Request,
    middleware,
    response::{IntoResponse, Response},
};
use tower::ServiceBuilder;
use tower_http::{
    cors::{Any, CorsLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

pub use client_ip::TrustedProxies;
pub use error::{ApiError, WebError};
pub use rate_limit::ClientLimiter;
pub use security::CONTENT_SECURITY_POLICY;
pub use state::{AppState, Lifecycle};

/// The whole HTTP surface. A plain function, so tests can drive it without a server
/// (`tower::ServiceExt::oneshot`).
pub fn router(state: AppState) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), route)
        })
        .on_request(())
        .on_response(DefaultOnResponse::new().level(Level::INFO));
    let limits = state.limits;
    let api = api::routes();
    let submitting = Router::new()
        .merge(task_actions::submitting_routes())
        .merge(api.submitting.into_router())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            gates::submissions,
        ));
    let searching = Router::new()
        .merge(search::routes())
        .merge(api.searching.into_router())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            gates::searches,
        ));
    let ordinary = Router::new()
        .merge(submitting)
        .merge(searching)
        .merge(pages::routes())
        .merge(task_actions::routes())
        .merge(estimate::routes())
        .merge(api.open.into_router())
        .merge(api::reference_routes())
        // pi.delivery's shape is for pages of any site: CORS `*`, on this route alone.
        // Its own method fallback goes inside the CORS layer, so a preflight reaches the layer.
        .merge(
            api.cross_origin
                .into_router()
                .method_not_allowed_fallback(wrong_method)
                .layer(
                    CorsLayer::new()
                        .allow_origin(Any)
                        .allow_methods([axum::http::Method::GET]),
                ),
        )
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(assets::routes())
        .fallback(no_such_page)
        .method_not_allowed_fallback(wrong_method)
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(timed_out))
                .timeout(limits.request_timeout),
        );
    let [csp, nosniff, referrer] = security::headers();
    Router::new()
        .merge(ordinary)
        // A live stream is open for as long as the page is: never timed out.
        .merge(live::routes())
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            limits.max_body_bytes,
            body_limit::refuse_large_bodies,
        ))
        .layer(middleware::from_fn(security::refuse_cross_site))
        .layer(csp)
        .layer(nosniff)
        .layer(referrer)
        .layer(middleware::from_fn(metrics::track))
        .layer(middleware::from_fn_with_state(
            state.lifecycle.clone(),
            close_when_draining,
        ))
        .layer(trace)
        .with_state(state)
}

/// Once shutdown has begun, every answer closes its connection: clients open a new one for their
/// next request (answered while the socket still accepts, refused after, which any client
/// retries elsewhere) instead of sending it down a kept-alive connection just as it is closed.
async fn close_when_draining(
    State(lifecycle): State<Lifecycle>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    if lifecycle.is_shutting_down() {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}

/// Any other path: a 404 that says so, in the page or as JSON under `/api/` and `/v1/`.
async fn no_such_page(uri: axum::http::Uri) -> Response {
    refusal(
        &uri,
        WebError::NotFound("There is no page at this address.".to_owned()),
    )
}

/// An address asked with a method it does not take (a GET of a form's target, say) is told so
/// in words, like every other refusal.
async fn wrong_method(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let error =
        WebError::MethodNotAllowed(format!("This address does not take a {method} request."));
    refusal(&uri, error)
}

/// A refusal no handler made: JSON under `/api/` and `/v1/`, where clients read JSON, and the
/// error page elsewhere.
pub(crate) fn refusal(uri: &axum::http::Uri, error: WebError) -> Response {
    if api::answers_in_json(uri.path()) {
        ApiError(error).into_response()
    } else {
        error.into_response()
    }
}

/// A handler that takes longer than the request timeout (a database that does not answer, say)
/// is answered 503 with a message instead of holding the client for as long as it waits.
async fn timed_out(uri: axum::http::Uri, error: BoxError) -> Response {
    if error.is::<tower::timeout::error::Elapsed>() {
        refusal(&uri, WebError::TimedOut)
    } else {
        refusal(
            &uri,
            WebError::Internal(format!("a middleware failed: {error}")),
        )
    }
}

#[cfg(test)]
mod tests;
