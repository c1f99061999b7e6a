//! The pages a person reads: the task table (`table_page`), a task's page, and its digits.

use axum::{
    Router,
    body::Bytes,
    extract::{Path, Query, State},
    response::{Html, Response},
    routing::get,
};
use maud::{Markup, html};

use super::{
    AppState, WebError,
    htmx::{HxRequest, vary_on_htmx},
    params::{parse_number, parse_task_id},
    table_page::{TableQuery, index_page, load_table},
    views::{
        digits::{DigitsPage, PAGE_DIGITS, digits_section, page_count, page_of},
        layout::{PageMeta, page},
        task_form::Notice,
        task_page::{digits_placeholder, task_detail},
        task_table::task_rows,
    },
};
use crate::{
    domain::{Status, Task, group_thousands},
    tasks::Queries,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/tasks/{id}", get(task_page))
        .route("/tasks/{id}/digits", get(digits_fragment))
}

/// The table page, or for htmx its rows; the first page comes from what is kept of it
/// ([`super::first_page`]).
async fn index(
    State(state): State<AppState>,
    HxRequest(htmx): HxRequest,
    Query(query): Query<TableQuery>,
) -> Result<Response, WebError> {
    let queries = &state.queries;
    let make = || async {
        let table = load_table(queries, &query).await?;
        let markup = if htmx {
            let estimate = |task: &Task| queries.estimate_task(task);
            task_rows(&table.page.tasks, &estimate)
        } else {
            index_page(queries, &table, &Notice::None).await?
        };
        Ok::<_, WebError>(Bytes::from(markup.into_string()))
    };
    let body = match (query.is_first_page(), htmx) {
        (false, _) => make().await?,
        (true, false) => state.first_page.page.get_or_make(queries, make).await?,
        (true, true) => state.first_page.rows.get_or_make(queries, make).await?,
    };
    Ok(vary_on_htmx(Html(body)))
}

#[derive(Debug, serde::Deserialize)]
struct PageQuery {
    page: Option<String>,
    /// A decimal to open the viewer at, marked (a search hit, or "go to decimal").
    at: Option<String>,
    /// How many decimals from `at` to mark (a hit's length; 1 by default).
    len: Option<String>,
}

async fn task_page(
    State(state): State<AppState>,
    HxRequest(htmx): HxRequest,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    let id = parse_task_id(&id)?;
    let queries = &state.queries;
    let since = queries.latest_event_id().await?;
    let task = queries.task(id).await?;
    let stages = queries.stages(id).await?;
    if htmx {
        return Ok(vary_on_htmx(task_detail(
            &task,
            &stages,
            queries.estimate_task(&task),
        )));
    }
    let digits = digits_view(queries, &task, &query).await?;
    let title = format!("Task #{} · π to {} digits", task.id, task.n);
    let meta = PageMeta {
        title: &title,
        live_url: Some(format!("/events?task={id}&since={since}")),
        alert: None,
    };
    let body = html! {
        nav.crumbs { a href="/" { "← all tasks" } }
        h1 { "Task #" (task.id) ": π to " (group_thousands(task.n.get())) " decimal places" }
        (task_detail(&task, &stages, queries.estimate_task(&task)))
        (digits)
    };
    Ok(vary_on_htmx(page(&meta, body)))
}

async fn digits_fragment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Markup, WebError> {
    let task = state.queries.task(parse_task_id(&id)?).await?;
    digits_view(&state.queries, &task, &query).await
}

/// The digits section: a page of digits once the task is done, a placeholder before. `at` opens
/// the page that holds that decimal, with it (and `len` decimals from it) marked.
async fn digits_view(
    queries: &Queries,
    task: &Task,
    query: &PageQuery,
) -> Result<Markup, WebError> {
    let n = task.n.get();
    let pages = page_count(n);
    let marked = match query.at.as_deref().filter(|at| !at.is_empty()) {
        None => None,
        Some(at) => {
            let at = parse_number("at", Some(at), 1)?;
            let length = parse_number("len", query.len.as_deref(), 1)?;
            if at > n {
                return Err(WebError::NotFound(format!(
                    "There is no decimal {}: this task has {}.",
                    group_thousands(at),
                    group_thousands(n)
                )));
            }
            Some(at..at.saturating_add(length).min(n + 1))
        }
    };
    let page = match &marked {
        Some(marked) => page_of(marked.start),
        None => parse_number("page", query.page.as_deref(), 1)?,
    };
    if page > pages {
        return Err(WebError::NotFound(format!(
            "There is no page {page}: π to {} digits fills {pages} page{}.",
            task.n,
            if pages == 1 { "" } else { "s" }
        )));
    }
    if task.status != Status::Done {
        return Ok(digits_placeholder(task));
    }
    let decimals = queries
        .task_digits(task, (page - 1) * PAGE_DIGITS + 1, PAGE_DIGITS)
        .await?;
    Ok(digits_section(&DigitsPage {
        task,
        page,
        decimals: &decimals,
        marked,
    }))
}
