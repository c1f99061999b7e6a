use maud::{Markup, html};

use crate::domain::{Task, group_thousands};

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
pub fn task_form(max_digits: u64, notice: &Notice<'_>) -> Markup {
    let (value, error) = match notice {
        Notice::Invalid { input, message } => (*input, Some(*message)),
        _ => ("", None),
    };
    html! {
        form #new-task method="post" action="/tasks" hx-post="/tasks" hx-target="this" hx-swap="outerHTML" {
            label for="n" { "Digits of pi after the point" }
            div.field {
                input #n name="n" type="text" inputmode="numeric" autocomplete="off"
                    placeholder="e.g. 1000" value=(value) required
                    aria-invalid=[error.map(|_| "true")] aria-describedby="n-help";
                button type="submit" { "Compute" }
            }
            @if let Some(message) = error {
                p.error #n-help role="alert" { (message) }
            } @else {
                p.help #n-help { "A whole number from 1 to " (group_thousands(max_digits)) "." }
            }
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
