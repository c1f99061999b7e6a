use std::time::Duration;

use maud::{Markup, html};

use super::components::about;
use crate::domain::{Task, group_thousands};

/// What the form tells before anything is typed: the limit, and how long sizes take here.
pub struct FormHints {
    pub max_digits: u64,
    /// Expected computing times of a few sizes on this machine; empty until its speed is known.
    pub scale: Vec<(u64, Duration)>,
}

/// What the estimate under the field says.
pub enum Estimate {
    /// Nothing valid typed: the scale of sizes and times.
    Scale,
    /// Already in the digit store: done at once.
    Stored(u64),
    /// Expected computing time for n.
    Expected(u64, Duration),
    /// This machine's speed is not measured yet.
    Unknown(u64),
}

/// What the form says after a submission.
pub enum Notice<'a> {
    None,
    /// The input was refused; keep what was typed and say why.
    Invalid {
        input: &'a str,
        message: &'a str,
    },
    Created(&'a Task),
    Existing(&'a Task),
    Retried(&'a Task),
}

/// The form to ask for a task. htmx replaces the whole form with the server's answer, so an error
/// appears right under the field and a success clears it; the new row itself arrives over the
/// live connection, like every other browser sees it.
pub fn task_form(hints: &FormHints, notice: &Notice<'_>) -> Markup {
    let max_digits = hints.max_digits;
    let (value, error) = match notice {
        Notice::Invalid { input, message } => (*input, Some(*message)),
        _ => ("", None),
    };
    html! {
        form #new-task method="post" action="/tasks" hx-post="/tasks" hx-target="this" hx-swap="outerHTML" {
            label for="n" { "Digits of pi after the point" }
            div.field {
                // As the number is typed, htmx asks for its estimate; a plain form still works.
                input #n name="n" type="text" inputmode="numeric" autocomplete="off"
                    placeholder="e.g. 1000" value=(value) required
                    aria-invalid=[error.map(|_| "true")] aria-describedby="n-help n-estimate"
                    hx-get="/estimate" hx-trigger="input changed delay:300ms"
                    hx-target="#n-estimate" hx-swap="outerHTML" hx-sync="this:replace";
                button type="submit" { "Compute" }
            }
            @if let Some(message) = error {
                p.error #n-help role="alert" { (message) }
            } @else {
                p.help #n-help { "A whole number from 1 to " (group_thousands(max_digits)) "." }
            }
            (estimate(hints, &Estimate::Scale))
            @match notice {
                Notice::Created(task) => p.notice { "Queued " (task_link(task)) "." }
                Notice::Existing(task) => p.notice { "That n already has " (task_link(task)) ", " (task.status.as_str()) "." }
                Notice::Retried(task) => p.notice { "Queued " (task_link(task)) " again." }
                _ => {}
            }
        }
    }
}

fn task_link(task: &Task) -> Markup {
    html! { a href={ "/tasks/" (task.id) } { "task #" (task.id) " (n = " (task.n) ")" } }
}

/// The line under the field that says how long a task will take on this machine.
pub fn estimate(hints: &FormHints, estimate: &Estimate) -> Markup {
    html! {
        p.estimate #n-estimate aria-live="polite" {
            @match estimate {
                Estimate::Stored(n) => {
                    (group_thousands(*n)) " digits are already computed: ready at once."
                }
                Estimate::Expected(n, expected) => {
                    (group_thousands(*n)) " digits: " (about(*expected)) " on this machine."
                }
                Estimate::Unknown(n) => {
                    (group_thousands(*n)) " digits: no estimate until this machine's speed is measured."
                }
                Estimate::Scale => {
                    @if !hints.scale.is_empty() {
                        "On this machine: "
                        @for (i, (n, expected)) in hints.scale.iter().enumerate() {
                            @if i > 0 { "; " }
                            (group_thousands(*n)) " digits take " (about(*expected))
                        }
                        "."
                    }
                }
            }
        }
    }
}
