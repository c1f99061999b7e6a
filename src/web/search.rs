//! `GET /search?q=DIGITS[&task=ID]`: where a digit string occurs in the verified digits, as a
//! page, or for htmx (as a person types) just the results box. Behind the search gate.

use axum::{
    Router,
    extract::{Query, State, rejection::QueryRejection},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use maud::html;

use super::{
    AppState, WebError,
    htmx::{HxRequest, vary_on_htmx},
    params::parse_task_id,
    views::{
        layout::{PageMeta, page},
        search::{SearchView, search_form, search_results},
    },
};
use crate::{
    domain::{DigitQuery, Task, group_thousands},
    tasks::TaskError,
};

/// Hits a page lists.
const HITS: usize = 20;

pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

#[derive(Debug, serde::Deserialize)]
struct SearchParams {
    q: Option<String>,
    task: Option<String>,
}

async fn search(
    State(state): State<AppState>,
    HxRequest(htmx): HxRequest,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Response, WebError> {
    let Query(params) = params.map_err(|rejection| {
        WebError::BadRequest(format!(
            "The query string could not be read: {}",
            rejection.body_text()
        ))
    })?;
    let task = match params.task.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => Some(state.queries.task(parse_task_id(id)?).await?),
        None => None,
    };
    let typed = params.q.unwrap_or_default();
    let viewer;
    let result;
    let unavailable;
    let invalid;
    let (status, view) = match DigitQuery::parse(&typed) {
        Err(error) => {
            invalid = error.to_string();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                SearchView::Invalid(&invalid),
            )
        }
        Ok(None) => (StatusCode::OK, SearchView::Hint),
        Ok(Some(query)) => {
            let searched = state.queries.search(query, task.as_ref(), HITS).await;
            match searched {
                Ok(found) => {
                    viewer = match &task {
                        Some(task) => Some(task.clone()),
                        None => state.queries.largest_done().await?,
                    };
                    result = found;
                    let view = SearchView::Found {
                        result: &result,
                        viewer: viewer.as_ref(),
                    };
                    (StatusCode::OK, view)
                }
                Err(error @ TaskError::IndexBuilding { .. }) => {
                    unavailable = error.to_string();
                    // htmx swaps only successes into the box: it gets the message with a 200.
                    let status = if htmx {
                        StatusCode::OK
                    } else {
                        StatusCode::SERVICE_UNAVAILABLE
                    };
                    (status, SearchView::Unavailable(&unavailable))
                }
                Err(other) => return Err(other.into()),
            }
        }
    };
    if htmx {
        return Ok(vary_on_htmx((status, search_results(&view))));
    }
    let mut response = vary_on_htmx((status, search_page(task.as_ref(), &typed, &view)));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    Ok(response)
}

fn search_page(task: Option<&Task>, typed: &str, view: &SearchView<'_>) -> impl IntoResponse {
    let title = match task {
        Some(task) => format!("Search task #{}", task.id),
        None => "Search the digits".to_owned(),
    };
    let meta = PageMeta {
        title: &title,
        live_url: None,
        alert: None,
    };
    page(
        &meta,
        html! {
            nav.crumbs {
                a href="/" { "← all tasks" }
                @if let Some(task) = task {
                    " · " a href={ "/tasks/" (task.id) } { "task #" (task.id) " (n = " (group_thousands(task.n.get())) ")" }
                }
            }
            h1 { (title) }
            (search_form(task, typed, view))
        },
    )
}
