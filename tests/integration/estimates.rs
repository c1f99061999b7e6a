//! How long a task will take: measured on this machine, kept in the database, shown next to the
//! form and on queued rows.

use std::time::Duration;

use crate::helpers::{BUSY, TestApp, busy_one_worker};

/// The estimate line for `n`, once the app has measured its engine.
async fn estimate_line(app: &TestApp, n: &str) -> String {
    for _ in 0..200 {
        let line = app.text(&format!("/estimate?n={n}")).await;
        if line.contains("about") || line.contains("under a second") || line.contains("already") {
            return line;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no estimate for n = {n} after 10 s");
}

#[tokio::test]
async fn typing_a_number_gives_its_expected_time_on_this_machine() {
    let app = TestApp::spawn().await;
    let line = estimate_line(&app, "1000000").await;
    assert!(
        line.starts_with("<p class=\"estimate\" id=\"n-estimate\""),
        "{line}"
    );
    assert!(line.contains("1,000,000 digits:"), "{line}");
    assert!(line.contains("on this machine"), "{line}");
}

#[tokio::test]
async fn half_typed_or_invalid_input_gets_the_general_scale_not_an_error() {
    let app = TestApp::spawn().await;
    estimate_line(&app, "1000000").await;
    for typed in ["", "abc", "-5", "1e3", "99999999999999999999999", "%ZZ"] {
        let response = app.get(&format!("/estimate?n={typed}")).await;
        assert_eq!(response.status(), 200, "{typed:?}");
        let line = response.text().await.unwrap_or_default();
        assert!(
            line.contains("On this machine: 1,000,000 digits take"),
            "{typed:?}: {line}"
        );
        assert!(
            !line.contains(typed) || typed.is_empty(),
            "{typed:?} is not echoed"
        );
    }
}

#[tokio::test]
async fn digits_already_stored_are_promised_at_once() {
    let app = TestApp::spawn().await;
    let id = app.submit(2000).await;
    app.wait_for(id, "done").await;
    let line = app.text("/estimate?n=1500").await;
    assert!(line.contains("1,500 digits are already computed"), "{line}");
}

#[tokio::test]
async fn the_form_quotes_times_for_the_sizes_it_accepts() {
    let app = TestApp::spawn().await;
    estimate_line(&app, "1000").await;
    let page = app.text("/").await;
    assert!(
        page.contains("hx-get=\"/estimate\""),
        "the field asks for estimates as it is typed"
    );
    assert!(
        page.contains("On this machine: 1,000,000 digits take"),
        "{page}"
    );
    // The test server accepts up to a million digits: no promise about sizes it refuses.
    assert!(!page.contains("10,000,000 digits take"));
}

#[tokio::test]
async fn a_queued_row_shows_its_expected_time() {
    let app = TestApp::spawn_with(busy_one_worker).await;
    estimate_line(&app, "1000").await;
    app.submit(BUSY).await;
    let queued = app.submit(BUSY + 1).await;
    let page = app.text("/").await;
    let row_start = page
        .find(&format!("id=\"task-{queued}\""))
        .expect("the queued task has a row");
    let row = &page[row_start..];
    let row = &row[..row.find("</tr>").unwrap_or(row.len())];
    assert!(row.contains("class=\"estimate\""), "{row}");
    assert!(row.contains("about"), "{row}");
}

#[tokio::test]
async fn the_measured_speed_survives_a_restart() {
    let app = TestApp::spawn_with(|config| config.max_digits = 10_000_000).await;
    let id = app.submit(200_000).await;
    app.wait_for(id, "done").await;
    // Large enough to take seconds on any machine, so the line gives a figure.
    let before = estimate_line(&app, "9000000").await;
    assert!(before.contains("9,000,000 digits: about"), "{before}");
    let (dir, url) = app.stop().await;
    let restarted = TestApp::spawn_on(dir, url, |config| config.max_digits = 10_000_000).await;
    // Read back from the database, not measured again: the same runs give the same estimate.
    assert_eq!(estimate_line(&restarted, "9000000").await, before);
}
