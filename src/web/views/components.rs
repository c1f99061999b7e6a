use std::time::Duration;

use chrono::{DateTime, Utc};
use maud::{Markup, html};

use crate::domain::{Status, Task};

/// The status as a coloured word.
pub fn status_badge(status: Status) -> Markup {
    html! { span class={ "badge " (status.as_str()) } { (status.as_str()) } }
}

/// Progress bar and phase for running tasks, and the expected time for queued ones; a native
/// `<progress>` needs no inline style.
pub fn progress(task: &Task, estimate: Option<Duration>) -> Markup {
    let percent = task.percent();
    html! {
        @match task.status {
            Status::Running => {
                progress value=(percent) max="100" aria-label="progress" { (percent) "%" }
                span.percent { (percent) "%" }
                @if let Some(phase) = task.phase {
                    span.phase { (phase.label()) }
                } @else {
                    span.phase { "waiting for a compute slot" }
                }
            }
            Status::Done => { progress value="100" max="100" aria-label="progress" { "100%" } }
            Status::Queued => {
                @if let Some(estimate) = estimate {
                    span.estimate title="expected computing time on this machine" { (about(estimate)) }
                }
            }
            _ => {}
        }
    }
}

/// Says whether the page's live connection is up. The server re-sends it as a heartbeat; a CSS
/// animation turns it to "reconnecting" if no heartbeat replaces it in time, so the page shows a
/// dead connection without any script of ours.
pub fn live_indicator(live: bool) -> Markup {
    html! {
        span #live-indicator class={ "live-indicator " @if live { "live" } @else { "connecting" } }
            sse-swap="live,shutdown" hx-swap="outerHTML" role="status" {
            span.on { "● live" }
            span.off { "○ reconnecting…" }
        }
    }
}

/// A time as people read it, with the exact instant in the `datetime` attribute.
pub fn time(at: DateTime<Utc>) -> Markup {
    html! { time datetime=(at.to_rfc3339()) { (at.format("%Y-%m-%d %H:%M:%S UTC")) } }
}

/// An expected duration, as rounded as an estimate should be.
pub fn about(expected: Duration) -> String {
    let seconds = expected.as_secs_f64();
    if seconds < 1.0 {
        "under a second".to_owned()
    } else if seconds < 90.0 {
        format!("about {} s", seconds.round())
    } else if seconds < 90.0 * 60.0 {
        format!("about {} min", (seconds / 60.0).round())
    } else {
        format!("about {:.1} h", seconds / 3600.0)
    }
}

/// A probability as a percentage, never rounded to a certainty it is not.
pub fn percent(chance: f64) -> String {
    let percent = chance * 100.0;
    if chance >= 1.0 {
        "100%".to_owned()
    } else if percent >= 99.95 {
        "over 99.9%".to_owned()
    } else if chance > 0.0 && percent < 0.05 {
        "under 0.1%".to_owned()
    } else {
        format!("{percent:.1}%")
    }
}

/// A duration in the unit that reads best.
pub fn duration(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let ms = (to - from).num_milliseconds().max(0);
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.2} s", ms as f64 / 1000.0),
        _ => format!("{}m {:02}s", ms / 60_000, (ms / 1000) % 60),
    }
}

/// Cancel or retry, as a form that works without scripts and is enhanced by htmx. `target` is
/// where htmx puts the answer (`closest tr` in the table), or `None` to ignore it and wait for
/// the live update.
pub fn actions(task: &Task, target: Option<&str>) -> Markup {
    let action = if task.status.can_cancel() {
        Some(("cancel", "Cancel"))
    } else if task.status.can_retry() {
        Some(("retry", "Retry"))
    } else {
        None
    };
    html! {
        @if let Some((verb, label)) = action {
            @let url = format!("/tasks/{}/{verb}", task.id);
            form.action method="post" action=(url) hx-post=(url)
                hx-target=[target] hx-swap=(if target.is_some() { "outerHTML" } else { "none" }) {
                button type="submit" class=(verb) { (label) }
            }
        }
    }
}
