//! The pages a person reads: the task table, a task's page, and its digits.

use axum::{
    Router,
    body::Body,
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use maud::{Markup, html};

use super::{
    AppState, WebError,
    estimate::form_hints,
    htmx::{HxRequest, vary_on_htmx},
    params::{parse_cursor, parse_number, parse_task_id},
    views::{
        digits::{DigitsPage, PAGE_DIGITS, digits_section, page_count},
        layout::{PageMeta, page},
        task_form::{Notice, task_form},
        task_page::{digits_placeholder, task_detail},
        task_table::{TablePage, task_rows, task_table},
    },
};
use crate::{
    domain::{EventId, Status, Task, group_thousands},
    tasks::{CHUNK_DIGITS, ListQuery, TaskError, Tasks},
};

/// Rows on one page of the table.
pub const TABLE_PAGE: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/tasks/{id}", get(task_page))
        .route("/tasks/{id}/digits", get(digits_fragment))
        .route("/tasks/{id}/digits.txt", get(digits_txt))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct TableQuery {
    before: Option<String>,
    after: Option<String>,
}

async fn index(
    State(state): State<AppState>,
    HxRequest(htmx): HxRequest,
    Query(query): Query<TableQuery>,
) -> Result<Response, WebError> {
    let table = load_table(&state.tasks, &query).await?;
    if htmx {
        let estimate = |task: &Task| state.tasks.estimate_task(task);
        return Ok(vary_on_htmx(task_rows(&table.tasks, &estimate)));
    }
    Ok(vary_on_htmx(
        index_page(&state.tasks, &table, &Notice::None).await?,
    ))
}

/// A page of the table, loaded.
pub struct LoadedTable {
    /// The newest event id, read before the rows: the live stream replays anything after it.
    since: EventId,
    tasks: Vec<Task>,
    older: Option<crate::domain::TaskId>,
    newer: Option<crate::domain::TaskId>,
    self_query: String,
}

pub async fn load_table(tasks: &Tasks, query: &TableQuery) -> Result<LoadedTable, WebError> {
    let since = tasks.latest_event_id().await?;
    let before = parse_cursor("before", query.before.as_deref())?;
    let after = parse_cursor("after", query.after.as_deref())?;
    let list = ListQuery {
        before,
        after: if before.is_some() { None } else { after },
        limit: TABLE_PAGE,
        status: None,
    };
    let (rows, more) = tasks.list(&list).await?;
    let paging_back = list.after.is_some();
    // `more` is about the direction we read in; the other direction exists iff we had a cursor.
    let (has_older, has_newer) = if paging_back {
        (true, more)
    } else {
        (more, before.is_some())
    };
    let self_query = match (before, list.after) {
        (Some(id), _) => format!("?before={id}"),
        (None, Some(id)) => format!("?after={id}"),
        _ => String::new(),
    };
    Ok(LoadedTable {
        since,
        older: if has_older {
            rows.last().map(|t| t.id)
        } else {
            None
        },
        newer: if has_newer {
            rows.first().map(|t| t.id)
        } else {
            None
        },
        tasks: rows,
        self_query,
    })
}

/// The whole table page, with the form showing `notice`.
pub async fn index_page(
    tasks: &Tasks,
    table: &LoadedTable,
    notice: &Notice<'_>,
) -> Result<Markup, WebError> {
    let meta = PageMeta {
        title: "Tasks",
        live_url: Some(format!("/events?since={}", table.since)),
        alert: None,
    };
    let estimate = |task: &Task| tasks.estimate_task(task);
    let view = TablePage {
        tasks: &table.tasks,
        estimate: &estimate,
        older: table.older,
        newer: table.newer,
        self_query: table.self_query.clone(),
    };
    Ok(page(
        &meta,
        html! {
            section.intro {
                h1 { "Digits of π, on demand" }
                p { "Ask for n digits: your task joins the table below and updates live as it runs." }
                (task_form(&form_hints(tasks), notice))
            }
            (task_table(&view))
        },
    ))
}

#[derive(Debug, serde::Deserialize)]
struct PageQuery {
    page: Option<String>,
}

async fn task_page(
    State(state): State<AppState>,
    HxRequest(htmx): HxRequest,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    let id = parse_task_id(&id)?;
    let since = state.tasks.latest_event_id().await?;
    let task = state.tasks.task(id).await?;
    let stages = state.tasks.stages(id).await?;
    if htmx {
        return Ok(vary_on_htmx(task_detail(
            &task,
            &stages,
            state.tasks.estimate_task(&task),
        )));
    }
    let digits = digits_view(&state.tasks, &task, query.page.as_deref()).await?;
    let title = format!("Task #{} · π to {} digits", task.id, task.n);
    let meta = PageMeta {
        title: &title,
        live_url: Some(format!("/events?task={id}&since={since}")),
        alert: None,
    };
    let body = html! {
        nav.crumbs { a href="/" { "← all tasks" } }
        h1 { "Task #" (task.id) ": π to " (group_thousands(task.n.get())) " decimal places" }
        (task_detail(&task, &stages, state.tasks.estimate_task(&task)))
        (digits)
    };
    Ok(vary_on_htmx(page(&meta, body)))
}

async fn digits_fragment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Markup, WebError> {
    let task = state.tasks.task(parse_task_id(&id)?).await?;
    digits_view(&state.tasks, &task, query.page.as_deref()).await
}

/// The digits section: a page of digits once the task is done, a placeholder before.
async fn digits_view(tasks: &Tasks, task: &Task, page: Option<&str>) -> Result<Markup, WebError> {
    let pages = page_count(task.n.get());
    let page = parse_number("page", page, 1)?;
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
    let decimals = tasks
        .task_digits(task, (page - 1) * PAGE_DIGITS + 1, PAGE_DIGITS)
        .await?;
    Ok(digits_section(&DigitsPage {
        task,
        page,
        decimals: &decimals,
    }))
}

/// `3.` and the n decimals as plain text, streamed one stored chunk at a time.
async fn digits_txt(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let task = state.tasks.task(parse_task_id(&id)?).await?;
    if task.status != Status::Done {
        return Err(TaskError::NotDone {
            id: task.id,
            status: task.status,
        }
        .into());
    }
    let n = task.n.get();
    let tasks = state.tasks.clone();
    let prefix = futures_util::stream::iter([Ok(b"3.".to_vec())]);
    let chunks = futures_util::stream::unfold(0u64, move |index| {
        let tasks = tasks.clone();
        let task = task.clone();
        async move {
            if index * CHUNK_DIGITS >= n {
                return None;
            }
            let chunk: Result<Vec<u8>, TaskError> = match tasks
                .task_digits(&task, index * CHUNK_DIGITS + 1, CHUNK_DIGITS)
                .await
            {
                Ok(chunk) if chunk.is_empty() => Err(TaskError::NotDone {
                    id: task.id,
                    status: task.status,
                }),
                other => other,
            };
            Some((chunk, index + 1))
        }
    });
    let body = futures_util::StreamExt::chain(prefix, chunks);
    let body = Body::from_stream(body);
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (header::CONTENT_LENGTH, (n + 2).to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"pi-{n}.txt\""),
            ),
        ],
        body,
    )
        .into_response())
}
