use std::time::Duration;

use maud::{Markup, html};

use super::components::{actions, duration, progress, status_badge, time};
use super::verification::checks;
use crate::domain::{Stage, StageEvent, Status, Task, group_thousands};

/// The live part of a task's page: status, progress, the n-th digit, any error, and the stage
/// timeline. The server re-sends it whenever the task changes.
pub fn task_detail(task: &Task, stages: &[StageEvent], estimate: Option<Duration>) -> Markup {
    html! {
        section #task-detail sse-swap="detail" hx-swap="outerHTML"
            hx-get={ "/tasks/" (task.id) } hx-trigger="sse:resync" {
            div.summary {
                (status_badge(task.status))
                (progress(task, estimate))
                (actions(task, None))
            }
            @if let Some(digit) = task.digit {
                p.nth-digit {
                    "Digit " (group_thousands(task.n.get())) " after the point is "
                    mark.digit { (digit) }
                }
            }
            @if let Some(error) = &task.error {
                p.error role="alert" { (error) }
            }
            (checks(task))
            (timeline(stages))
        }
    }
}

/// The stage log as a table: when each stage happened and how long after the one before.
pub fn timeline(stages: &[StageEvent]) -> Markup {
    html! {
        table.timeline {
            thead { tr { th { "stage" } th { "at" } th { "after previous" } th { "since registered" } th {} } }
            tbody {
                @for (i, event) in stages.iter().enumerate() {
                    tr class=(event.stage.as_str()) {
                        td { (event.stage.as_str()) }
                        td { (time(event.at)) }
                        td { @if i > 0 { (duration(stages[i - 1].at, event.at)) } }
                        td { @if let Some(first) = stages.iter().find(|e| e.stage == Stage::Registered) { (duration(first.at, event.at)) } }
                        td.message { @if let Some(message) = &event.message { (message) } }
                    }
                }
            }
        }
    }
}

/// Where the digits go: the page of digits once done, or a placeholder that fetches them the
/// moment the live connection says the task is done.
pub fn digits_placeholder(task: &Task) -> Markup {
    html! {
        section #digits hx-get={ "/tasks/" (task.id) "/digits" } hx-trigger="sse:done, sse:resync"
            hx-swap="outerHTML" {
            p.pending {
                @match task.status {
                    Status::Failed | Status::Cancelled => { "No digits: the task is " (task.status.as_str()) ". Retry it to compute them." }
                    _ => { "The digits appear here when the task is done." }
                }
            }
        }
    }
}
