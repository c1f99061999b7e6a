//! The vendored scripts, the stylesheet and the icon, compiled into the binary so it runs from
//! anywhere.
//! Their names carry their versions, so browsers may cache them for good.

use axum::{
    Router,
    extract::Path,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

use super::AppState;

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../public/htmx-2.0.11.min.js"),
    ),
    (
        "htmx-ext-sse-2.2.4.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../public/htmx-ext-sse-2.2.4.min.js"),
    ),
    (
        "pilane.css",
        "text/css; charset=utf-8",
        include_bytes!("../../public/pilane.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../public/favicon.svg"),
    ),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public/{file}", get(serve))
        // Browsers ask for it before they read a page's icon link; the same icon answers.
        .route(
            "/favicon.ico",
            get(|| serve(Path("favicon.svg".to_owned()))),
        )
}

async fn serve(Path(file): Path<String>) -> Response {
    let Some((_, content_type, bytes)) = FILES.iter().find(|(name, _, _)| *name == file) else {
        return (StatusCode::NOT_FOUND, "No such file.").into_response();
    };
    // The stylesheet has no version in its name, so it is revalidated; the scripts never change.
    let cache = if file.ends_with(".js") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        *bytes,
    )
        .into_response()
}
