//! The views rendered from fixed values: what a person sees for each kind of task, without a
//! server or a database.

use std::time::Duration;

use chrono::{TimeZone, Utc};

use super::{
    task_form::{Estimate, FormHints, Notice, estimate, task_form},
    task_page::task_detail,
    task_table::{TablePage, task_row, task_table},
};
use crate::domain::{
    DigitCount, EventId, HexDigits, Phase, Stage, StageEvent, Status, Task, TaskId, Verification,
};

fn task(id: i64, n: u64, status: Status) -> Task {
    let at = Utc
        .with_ymd_and_hms(2026, 3, 14, 15, 9, 26)
        .single()
        .unwrap_or_default();
    Task {
        id: TaskId(id),
        n: DigitCount::from_stored(n),
        status,
        progress: 0.0,
        phase: None,
        digit: None,
        error: None,
        attempt: 0,
        lost_runs: 0,
        digit_counts: None,
        verification: None,
        created_at: at,
        updated_at: at,
        started_at: None,
        finished_at: None,
    }
}

fn no_estimate(_: &Task) -> Option<Duration> {
    None
}

#[test]
fn a_running_row_shows_its_progress_and_phase_and_can_be_cancelled() {
    let mut running = task(7, 100_000, Status::Running);
    running.progress = 0.426;
    running.phase = Some(Phase::SquareRoot);
    let row = task_row(&running, None).into_string();
    assert!(row.contains(r#"id="task-7""#), "{row}");
    assert!(
        row.contains(r#"sse-swap="task-7""#),
        "each row swaps on its own event: {row}"
    );
    assert!(row.contains(r#"value="42""#), "{row}");
    assert!(row.contains("square root"), "{row}");
    assert!(row.contains(r#"action="/tasks/7/cancel""#), "{row}");
}

#[test]
fn a_queued_row_shows_its_expected_time() {
    let queued = task(3, 1_000_000, Status::Queued);
    let row = task_row(&queued, Some(Duration::from_secs(42))).into_string();
    assert!(row.contains("about 42 s"), "{row}");
}

#[test]
fn a_failed_row_keeps_its_error_and_offers_a_retry() {
    let mut failed = task(9, 500, Status::Failed);
    failed.error = Some("The computation crashed.".to_owned());
    let row = task_row(&failed, None).into_string();
    assert!(row.contains(r#"title="The computation crashed.""#), "{row}");
    assert!(row.contains(r#"action="/tasks/9/retry""#), "{row}");
    assert!(!row.contains("cancel"), "{row}");
}

#[test]
fn markup_in_an_error_comes_out_escaped() {
    let mut failed = task(1, 10, Status::Failed);
    failed.error = Some("<script>alert(1)</script>".to_owned());
    let detail = task_detail(&failed, &[], None).into_string();
    assert!(!detail.contains("<script>"), "{detail}");
    assert!(detail.contains("&lt;script&gt;"), "{detail}");
}

#[test]
fn a_done_task_shows_its_digit_and_its_timeline() {
    let mut done = task(5, 1_000, Status::Done);
    done.digit = Some(9);
    done.progress = 1.0;
    let at = done.created_at;
    let stages: Vec<StageEvent> = [Stage::Registered, Stage::Scheduled, Stage::Stored]
        .into_iter()
        .zip(1..)
        .map(|(stage, id)| StageEvent {
            id: EventId(id),
            task_id: done.id,
            stage,
            attempt: 1,
            message: None,
            at: at + chrono::TimeDelta::milliseconds(250 * id),
        })
        .collect();
    let detail = task_detail(&done, &stages, None).into_string();
    assert!(
        detail.contains("Digit 1,000 after the point is"),
        "{detail}"
    );
    assert!(
        detail.contains(r#"<mark class="digit">9</mark>"#),
        "{detail}"
    );
    for stage in ["registered", "scheduled", "stored"] {
        assert!(detail.contains(stage), "{stage} in {detail}");
    }
    assert!(
        detail.contains("250 ms"),
        "the time between stages: {detail}"
    );
}

#[test]
fn a_done_task_says_how_its_digits_were_checked_and_a_stored_one_where_they_came_from() {
    let mut computed = task(6, 200_000, Status::Done);
    computed.verification = Some(Verification {
        checksum_digits: 100_000,
        hex: vec![HexDigits {
            position: 160_001,
            digits: "0A1B2C3D".to_owned(),
        }],
        agreed_with_store: 20_000,
    });
    let detail = task_detail(&computed, &[], None).into_string();
    for sentence in [
        "How these digits were checked",
        "The first 100,000 match the published SHA-256 checksum",
        "<code>0A1B2C3D</code> from position 160,001, as Bellard's formula gives them on its own",
        "The first 20,000 agree with the digits already stored",
    ] {
        assert!(detail.contains(sentence), "{sentence} in {detail}");
    }

    let stored = task(7, 1_000, Status::Done);
    let detail = task_detail(&stored, &[], None).into_string();
    assert!(detail.contains("Read from the verified store"), "{detail}");

    let running = task(8, 1_000, Status::Running);
    let detail = task_detail(&running, &[], None).into_string();
    assert!(!detail.contains("checked"), "{detail}");
}

#[test]
fn only_the_first_page_of_the_table_takes_new_rows() {
    let tasks = [task(2, 20, Status::Queued), task(1, 10, Status::Done)];
    let first = TablePage {
        tasks: &tasks,
        estimate: &no_estimate,
        older: Some(TaskId(1)),
        newer: None,
        self_query: String::new(),
    };
    let first = task_table(&first).into_string();
    assert!(first.contains(r#"sse-swap="created""#), "{first}");
    assert!(first.contains(r#"href="/?before=1""#), "{first}");
    assert!(!first.contains("newer"), "{first}");

    let later = TablePage {
        tasks: &tasks,
        estimate: &no_estimate,
        older: None,
        newer: Some(TaskId(2)),
        self_query: "?after=0".to_owned(),
    };
    let later = task_table(&later).into_string();
    assert!(!later.contains(r#"sse-swap="created""#), "{later}");
    assert!(later.contains(r#"href="/?after=2""#), "{later}");
    assert!(
        later.contains(r#"hx-get="/?after=0""#),
        "a resync fetches this page: {later}"
    );
}

#[test]
fn a_refused_form_keeps_what_was_typed_beside_the_reason() {
    let hints = FormHints {
        max_digits: 1_000_000,
        scale: Vec::new(),
    };
    let notice = Notice::Invalid {
        input: "12x",
        message: "n must be a whole number.",
    };
    let form = task_form(&hints, &notice).into_string();
    assert!(form.contains(r#"value="12x""#), "{form}");
    assert!(form.contains(r#"aria-invalid="true""#), "{form}");
    assert!(form.contains("n must be a whole number."), "{form}");
}

#[test]
fn the_estimate_line_quotes_this_machines_times() {
    let hints = FormHints {
        max_digits: 100_000_000,
        scale: vec![(1_000_000, Duration::from_millis(600))],
    };
    let scale = estimate(&hints, &Estimate::Scale).into_string();
    assert!(
        scale.contains("1,000,000 digits take under a second"),
        "{scale}"
    );
    let stored = estimate(&hints, &Estimate::Stored(1_500)).into_string();
    assert!(
        stored.contains("1,500 digits are already computed"),
        "{stored}"
    );
}

#[test]
fn a_task_is_announced_at_its_turns_in_words_and_not_at_the_stages_between() {
    use super::announcements::announcement;

    let mut done = task(7, 1_000, Status::Done);
    done.digit = Some(9);
    let words = |task: &Task, stage| announcement(task, stage).map(maud::Markup::into_string);
    assert_eq!(
        words(&done, Stage::Stored).as_deref(),
        Some(
            r#"<div id="announcements" hx-swap-oob="innerHTML">Task #7, π to 1,000 digits: done; digit 1,000 is 9.</div>"#
        )
    );
    let mut failed = task(8, 50, Status::Failed);
    failed.error = Some("out of memory".into());
    assert!(
        words(&failed, Stage::Failed).is_some_and(|said| said.contains("failed: out of memory"))
    );
    let running = task(9, 50, Status::Running);
    assert_eq!(words(&running, Stage::Scheduled), None);
    assert_eq!(words(&running, Stage::Calculated), None);
}
