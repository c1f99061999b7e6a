use std::time::Duration;

use maud::{Markup, html};

use super::components::{actions, progress, status_badge, time};
use crate::domain::{Task, TaskId};

/// One page of the task table, and where the pages around it are.
pub struct TablePage<'a> {
    pub tasks: &'a [Task],
    /// The expected computing time of a task, for queued rows.
    pub estimate: &'a dyn Fn(&Task) -> Option<Duration>,
    /// The oldest task shown, if older ones exist: the next page starts below it.
    pub older: Option<TaskId>,
    /// The newest task shown, if newer ones exist: the previous page ends above it.
    pub newer: Option<TaskId>,
    /// The query that fetches this same page again (for a resync).
    pub self_query: String,
}

impl TablePage<'_> {
    /// Only the first page grows at the top when tasks are created.
    fn is_first(&self) -> bool {
        self.newer.is_none()
    }
}

pub fn task_table(page: &TablePage<'_>) -> Markup {
    html! {
        table #tasks {
            thead {
                tr {
                    th { "#" } th { "n" } th { "status" } th { "progress" }
                    th { "n-th digit" } th { "created" } th {}
                }
            }
            tbody #task-rows sse-swap=[page.is_first().then_some("created")] hx-swap="afterbegin" {
                (task_rows(page.tasks, page.estimate))
            }
        }
        // On a resync, fetch this page's rows again. A childless element of its own, because
        // htmx's hx-target is inherited: on the table it would retarget every row's swap.
        div.resync hidden hx-get={ "/" (page.self_query) } hx-trigger="sse:resync"
            hx-target="#task-rows" hx-swap="innerHTML" {}
        @if page.tasks.is_empty() {
            p.empty { "No tasks yet. Ask for some digits above." }
        }
        nav.pager {
            @if let Some(newer) = page.newer {
                a rel="prev" href={ "/?after=" (newer) } { "← newer" }
            }
            @if let Some(older) = page.older {
                a rel="next" href={ "/?before=" (older) } { "older →" }
            }
        }
    }
}

pub fn task_rows(tasks: &[Task], estimate: &dyn Fn(&Task) -> Option<Duration>) -> Markup {
    html! { @for task in tasks { (task_row(task, estimate(task))) } }
}

/// A row of the table. It carries its own SSE event name, so each change to a task swaps exactly
/// this row in every browser showing it.
pub fn task_row(task: &Task, estimate: Option<Duration>) -> Markup {
    let url = format!("/tasks/{}", task.id);
    html! {
        tr id={ "task-" (task.id) } class={ "task " (task.status.as_str()) }
            sse-swap={ "task-" (task.id) } hx-swap="outerHTML" {
            td.id { a href=(url) { "#" (task.id) } }
            td.n { a href=(url) { (task.n) } }
            td.status { (status_badge(task.status)) }
            td.progress { (progress(task, estimate)) }
            td.digit {
                @if let Some(digit) = task.digit { strong { (digit) } }
                @else if let Some(error) = &task.error { span.error title=(error) { "error" } }
            }
            td.created { (time(task.created_at)) }
            td.actions { (actions(task, Some("closest tr"))) }
        }
    }
}
