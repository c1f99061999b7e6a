//! What a screen reader hears as the live views change: a polite status line, outside the table,
//! that names each task's turns (queued, started, done, failed, cancelled, queued again) and
//! never its progress ticks, which would talk over everything else.
//!
//! The line is one element in every live page ([`region`]); a change carries its new words as an
//! htmx out-of-band swap inside the same SSE event that carries the row ([`announcement`]), so
//! there is no event of its own to keep in order.

use maud::{Markup, html};

use crate::domain::{Stage, Task, group_thousands};

const ID: &str = "announcements";

/// The empty status line a live page holds.
pub fn region() -> Markup {
    html! { div #(ID) .visually-hidden role="status" aria-live="polite" {} }
}

/// The words for `task` having just reached `stage`, as an out-of-band swap of the status
/// line's content; `None` for the stages a person need not hear.
pub fn announcement(task: &Task, stage: Stage) -> Option<Markup> {
    let what = format!(
        "Task #{}, π to {} digits",
        task.id,
        group_thousands(task.n.get())
    );
    let words = match stage {
        Stage::Registered => format!("{what}: queued."),
        Stage::Taken => format!("{what}: started."),
        Stage::Stored => match task.digit {
            Some(digit) => format!(
                "{what}: done; digit {} is {digit}.",
                group_thousands(task.n.get())
            ),
            None => format!("{what}: done."),
        },
        Stage::Failed => match &task.error {
            Some(error) => format!("{what}: failed: {error}"),
            None => format!("{what}: failed."),
        },
        Stage::Cancelled => format!("{what}: cancelled."),
        Stage::Requeued | Stage::Retried => format!("{what}: queued again."),
        Stage::Scheduled | Stage::Calculated => return None,
    };
    Some(html! { div #(ID) hx-swap-oob="innerHTML" { (words) } })
}
