//! The task table's page, loaded and rendered whole: what `GET /` shows, and what a refused
//! form post shows around its message.

use maud::{Markup, html};

use super::{
    WebError,
    estimate::form_hints,
    params::{none_given, parse_cursor},
    views::{
        charts::{MeasuredRun, runs_plot},
        layout::{PageMeta, page},
        search::{SearchView, search_form},
        task_form::{Notice, task_form},
        task_table::{TablePage, task_table},
    },
};
use crate::{
    domain::{EventId, ListQuery, Task, TaskPage},
    tasks::Queries,
};

/// Rows on one page of the table.
pub const TABLE_PAGE: u64 = 50;

#[derive(Debug, Default, serde::Deserialize)]
pub struct TableQuery {
    before: Option<String>,
    after: Option<String>,
}

impl TableQuery {
    /// Whether this asks for the newest tasks, the page every visitor loads.
    pub fn is_first_page(&self) -> bool {
        none_given(&[&self.before, &self.after])
    }
}

/// A page of the table, loaded.
pub struct LoadedTable {
    /// The newest event id, read before the rows: the live stream replays anything after it.
    since: EventId,
    pub page: TaskPage,
    /// The query that fetches this same page again (for a resync).
    self_query: String,
}

pub async fn load_table(queries: &Queries, query: &TableQuery) -> Result<LoadedTable, WebError> {
    let since = queries.latest_event_id().await?;
    let list = ListQuery {
        before: parse_cursor("before", query.before.as_deref())?,
        after: parse_cursor("after", query.after.as_deref())?,
        limit: TABLE_PAGE,
        status: None,
    };
    let self_query = match (list.before, list.after) {
        (Some(id), _) => format!("?before={id}"),
        (None, Some(id)) => format!("?after={id}"),
        _ => String::new(),
    };
    Ok(LoadedTable {
        since,
        page: queries.list(&list).await?,
        self_query,
    })
}

/// The whole table page, with the form showing `notice`, the search box and this machine's
/// computing times (read here: the rows alone, for htmx, do not need them).
pub async fn index_page(
    queries: &Queries,
    table: &LoadedTable,
    notice: &Notice<'_>,
) -> Result<Markup, WebError> {
    let runs: Vec<MeasuredRun> = queries
        .measured_runs()
        .await?
        .into_iter()
        .map(|(digits, threads, seconds)| MeasuredRun {
            digits,
            threads,
            seconds,
        })
        .collect();
    let meta = PageMeta {
        title: "Tasks",
        live_url: Some(format!("/events?since={}", table.since)),
        alert: None,
    };
    let estimate = |task: &Task| queries.estimate_task(task);
    let view = TablePage {
        tasks: &table.page.tasks,
        estimate: &estimate,
        older: table.page.older,
        newer: table.page.newer,
        self_query: table.self_query.clone(),
    };
    Ok(page(
        &meta,
        html! {
            section.intro {
                h1 { "Digits of π, on demand" }
                p { "Ask for n digits: your task joins the table below and updates live as it runs." }
                (task_form(&form_hints(queries), notice))
            }
            section.explore {
                (search_form(None, "", &SearchView::Hint))
                (speed(queries, &runs))
            }
            (task_table(&view))
        },
    ))
}

/// This machine's computing times, measured and estimated, from 1,000 digits to the limit.
fn speed(queries: &Queries, runs: &[MeasuredRun]) -> Markup {
    let max_digits = queries.max_digits();
    // Four points a decade: the estimate is a smooth curve on log-log axes.
    let estimates: Vec<(u64, f64)> = (12..=36)
        .map(|quarter| 10f64.powf(f64::from(quarter) / 4.0) as u64)
        .take_while(|&n| n <= max_digits)
        .filter_map(|n| Some((n, queries.estimate(n)?.as_secs_f64())))
        .collect();
    if runs.is_empty() && estimates.is_empty() {
        return html! {};
    }
    html! {
        div.speed {
            h2 { "How long π takes on this machine" }
            (runs_plot(runs, &estimates))
        }
    }
}
