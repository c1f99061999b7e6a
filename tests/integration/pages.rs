//! The pages a person reads: the table, a task's page, its digits and its download.

use crate::helpers::{BUSY, TestApp, busy_one_worker, fixture_decimals, fixture_pi, stage_names};

#[tokio::test]
async fn the_table_lists_tasks_newest_first_with_the_form_and_a_live_connection() {
    let app = TestApp::spawn().await;
    let older = app.submit(100).await;
    let newer = app.submit(200).await;
    let page = app.text("/").await;
    assert!(
        page.contains("<form id=\"new-task\""),
        "the page has the form"
    );
    assert!(
        page.contains("sse-connect=\"/events?since="),
        "the page holds one live connection"
    );
    let newer_at = page.find(&format!("id=\"task-{newer}\""));
    let older_at = page.find(&format!("id=\"task-{older}\""));
    assert!(newer_at.is_some() && newer_at < older_at, "newest first");
}

#[tokio::test]
async fn the_table_shows_fifty_tasks_a_page_with_links_to_older_and_newer() {
    let app = TestApp::spawn_with(|config| config.workers = 1).await;
    for n in 1..=55 {
        app.submit(n).await;
    }
    let first = app.text("/").await;
    assert_eq!(first.matches("<tr id=\"task-").count(), 50);
    assert!(
        first.contains("href=\"/?before=6\""),
        "a link to the older tasks"
    );
    assert!(
        !first.contains("rel=\"prev\""),
        "no newer page before the first"
    );

    let second = app.text("/?before=6").await;
    assert_eq!(second.matches("<tr id=\"task-").count(), 5);
    assert!(
        second.contains("href=\"/?after=5\""),
        "a link back to newer tasks"
    );
    assert!(
        !second.contains("sse-swap=\"created\""),
        "only the first page grows with new tasks"
    );

    let back = app.text("/?after=5").await;
    assert_eq!(back.matches("<tr id=\"task-").count(), 50);
    assert!(back.contains("id=\"task-55\""));

    assert_eq!(
        app.get("/?before=abc").await.status(),
        400,
        "a bad cursor is refused"
    );
}

#[tokio::test]
async fn the_task_page_shows_the_timeline_the_nth_digit_and_grouped_digits() {
    let app = TestApp::spawn().await;
    let id = app.submit(1000).await;
    app.wait_for(id, "done").await;
    let page = app.text(&format!("/tasks/{id}")).await;
    for stage in ["registered", "scheduled", "taken", "calculated", "stored"] {
        assert!(
            page.contains(&format!("<td>{stage}</td>")),
            "the timeline has {stage}"
        );
    }
    let digits = fixture_decimals(1000);
    assert!(
        page.contains("Digit 1,000 after the point is <mark class=\"digit\">9</mark>"),
        "the n-th digit is highlighted"
    );
    assert!(page.contains("<code>3.</code>"));
    assert!(
        page.contains(&format!("{} {}", &digits[0..10], &digits[10..20])),
        "blocks of ten"
    );
    assert!(
        page.contains("<span class=\"pos\">101</span>"),
        "lines of a hundred, numbered"
    );
    assert!(
        page.contains("<mark class=\"digit\" title=\"digit 1,000\">9</mark>"),
        "the n-th digit is marked in place"
    );
}

#[tokio::test]
async fn digits_come_ten_thousand_to_a_page() {
    let app = TestApp::spawn().await;
    let id = app.submit(25_000).await;
    app.wait_for(id, "done").await;
    let last = app.text(&format!("/tasks/{id}?page=3")).await;
    assert!(
        last.contains("value=\"3\""),
        "the pager says which page this is"
    );
    assert!(last.contains(" of 3 "), "and how many there are");
    assert!(last.contains("<span class=\"pos\">20,001</span>"));
    assert!(
        !last.contains("<span class=\"pos\">25,001</span>"),
        "no line past n"
    );
    let fragment = app.text(&format!("/tasks/{id}/digits?page=2")).await;
    assert!(fragment.starts_with("<section id=\"digits\">"));
    assert!(fragment.contains(&fixture_decimals(10_100)[10_000..10_010]));
    assert_eq!(app.get(&format!("/tasks/{id}?page=4")).await.status(), 404);
    assert_eq!(
        app.get(&format!("/tasks/{id}?page=zero")).await.status(),
        422
    );
}

#[tokio::test]
async fn the_download_is_three_point_and_exactly_n_digits_as_plain_text() {
    let app = TestApp::spawn().await;
    let id = app.submit(23_456).await;
    app.wait_for(id, "done").await;
    let response = app.get(&format!("/tasks/{id}/digits.txt")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    let text = response.text().await.unwrap_or_default();
    assert_eq!(text, &fixture_pi()[..2 + 23_456]);
}

#[tokio::test]
async fn a_broken_off_download_resumes_where_it_stopped_with_a_range() {
    let app = TestApp::spawn().await;
    let id = app.submit(23_456).await;
    app.wait_for(id, "done").await;
    let url = app.url(&format!("/tasks/{id}/digits.txt"));
    let client = reqwest::Client::new();
    let whole = client.get(&url).send().await.expect("an answer");
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.headers()["content-length"], "23458");
    let tag = whole.headers()["etag"].clone();

    let pi = &fixture_pi()[..2 + 23_456];
    for (range, expected) in [
        ("bytes=10000-", &pi[10_000..]),
        ("bytes=0-0", &pi[..1]),
        ("bytes=1-4", &pi[1..5]),
        ("bytes=-5", &pi[pi.len() - 5..]),
        ("bytes=9999-20001", &pi[9_999..20_002]),
    ] {
        let part = client
            .get(&url)
            .header("range", range)
            .header("if-range", tag.clone())
            .send()
            .await
            .expect("an answer");
        assert_eq!(part.status(), 206, "{range}");
        let content_range = part.headers()["content-range"]
            .to_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_range.ends_with("/23458"),
            "{range}: {content_range}"
        );
        assert_eq!(
            part.headers()["content-length"],
            expected.len().to_string().as_str()
        );
        assert_eq!(part.text().await.unwrap_or_default(), expected, "{range}");
    }

    let past = client
        .get(&url)
        .header("range", "bytes=23458-")
        .send()
        .await
        .expect("an answer");
    assert_eq!(past.status(), 416);
    assert_eq!(past.headers()["content-range"], "bytes */23458");
    assert!(
        past.text()
            .await
            .unwrap_or_default()
            .contains("23,458 bytes long")
    );

    let stale = client
        .get(&url)
        .header("range", "bytes=10-20")
        .header("if-range", "\"pi-5\"")
        .send()
        .await
        .expect("an answer");
    assert_eq!(stale.status(), 200, "a range of another file is not served");
    assert_eq!(stale.text().await.unwrap_or_default(), pi);
}

#[tokio::test]
async fn a_task_that_is_not_done_has_no_digits_yet() {
    let app = TestApp::spawn_with(busy_one_worker).await;
    app.submit(BUSY).await;
    let id = app.submit(3000).await;
    assert_eq!(
        app.get(&format!("/tasks/{id}/digits.txt")).await.status(),
        409
    );
    let page = app.text(&format!("/tasks/{id}")).await;
    assert!(page.contains("The digits appear here when the task is done."));
}

#[tokio::test]
async fn an_unknown_task_is_a_404_with_a_message() {
    let app = TestApp::spawn().await;
    for path in [
        "/tasks/99",
        "/tasks/abc",
        "/tasks/-1",
        "/tasks/99/digits.txt",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(
            response
                .text()
                .await
                .unwrap_or_default()
                .contains("There is no task"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_task_within_the_stored_digits_completes_at_once_through_every_stage() {
    let app = TestApp::spawn().await;
    let long = app.submit(5000).await;
    app.wait_for(long, "done").await;
    let short = app.submit(1234).await;
    let task = app.wait_for(short, "done").await;
    assert_eq!(
        task["digit"].as_u64(),
        fixture_decimals(1234)[1233..].parse().ok()
    );
    let stages = stage_names(&task);
    assert_eq!(
        stages,
        ["registered", "scheduled", "taken", "calculated", "stored"]
    );
}

#[tokio::test]
async fn cancelling_a_running_task_stops_it_and_retry_queues_it_again() {
    let app = TestApp::spawn_with(busy_one_worker).await;
    let id = app.submit(BUSY).await;
    app.wait_for(id, "running").await;
    let response = app.post_form_htmx(&format!("/tasks/{id}/cancel"), "").await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap_or_default()
            .contains("badge cancelled"),
        "htmx gets the row as it is now"
    );
    // The worker is free again: a small task behind it completes.
    let small = app.submit(100).await;
    app.wait_for(small, "done").await;
    assert_eq!(
        app.task(id).await["status"],
        "cancelled",
        "a cancelled run never completes"
    );

    let retried = app.post_form(&format!("/tasks/{id}/retry"), "").await;
    assert_eq!(retried.status(), 303);
    let task = app.task(id).await;
    assert!(
        task["status"] == "queued" || task["status"] == "running",
        "{task}"
    );
    assert_eq!(
        app.post_form(&format!("/tasks/{small}/cancel"), "")
            .await
            .status(),
        409,
        "a done task cannot be cancelled"
    );
}

#[tokio::test]
async fn static_files_are_served_with_their_types() {
    let app = TestApp::spawn().await;
    let css = app.get("/public/pilane.css").await;
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    let htmx = app.get("/public/htmx-2.0.11.min.js").await;
    assert_eq!(htmx.status(), 200);
    assert!(
        htmx.headers()["cache-control"]
            .to_str()
            .unwrap_or_default()
            .contains("immutable")
    );
    assert_eq!(app.get("/public/nope.js").await.status(), 404);
}

#[tokio::test]
async fn with_htmx_the_table_answers_only_its_rows_and_a_task_only_its_live_detail() {
    let app = TestApp::spawn().await;
    let id = app.submit(300).await;
    app.wait_for(id, "done").await;
    let rows = app.get_htmx("/").await;
    assert_eq!(rows.headers()["vary"], "HX-Request");
    let rows = rows.text().await.unwrap_or_default();
    assert!(rows.starts_with(&format!("<tr id=\"task-{id}\"")), "{rows}");
    let detail = app
        .get_htmx(&format!("/tasks/{id}"))
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(
        detail.starts_with("<section id=\"task-detail\""),
        "{detail}"
    );
    assert!(!detail.contains("<html"), "a fragment, not a page");
}
