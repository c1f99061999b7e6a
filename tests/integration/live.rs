//! The SSE stream: rows change in every browser, reconnects miss nothing, shutdown ends streams.

use crate::helpers::{BUSY, TestApp, busy_one_worker, stage_names};

#[tokio::test]
async fn a_subscriber_sees_a_new_task_go_queued_running_done_with_increasing_ids() {
    // The only worker is busy, so the new task is certainly seen queued before it runs.
    let app = TestApp::spawn_with(busy_one_worker).await;
    let busy = app.submit(BUSY).await;
    app.wait_for(busy, "running").await;
    let mut events = app.events("/events", None).await;
    assert_eq!(
        events.next().await.map(|e| e.event),
        Some("live".to_owned()),
        "a heartbeat first"
    );
    let id = app.submit(3000).await;

    let created = events.next_named("created").await.expect("a created event");
    assert!(
        created.data.contains(&format!("id=\"task-{id}\""))
            && created.data.contains("badge queued"),
        "{}",
        created.data
    );
    let mut last_id: i64 = created.id.parse().expect("stage events carry ids");
    let cancelled = app.post_form(&format!("/tasks/{busy}/cancel"), "").await;
    assert_eq!(cancelled.status(), 303, "the busy task makes way");
    let mut saw_running = false;
    loop {
        let event = events
            .next_named(&format!("task-{id}"))
            .await
            .expect("the task's row keeps changing until done");
        if !event.id.is_empty() {
            let event_id: i64 = event.id.parse().expect("a numeric id");
            assert!(event_id >= last_id, "ids increase");
            last_id = event_id;
        }
        saw_running |= event.data.contains("badge running");
        if event.data.contains("badge done") {
            break;
        }
    }
    assert!(saw_running, "the row was seen running before done");
}

#[tokio::test]
async fn a_table_stream_announces_a_tasks_turns_to_screen_readers_but_never_its_progress_ticks() {
    let app = TestApp::spawn_with(busy_one_worker).await;
    let mut events = app.events("/events", None).await;
    let id = app.submit(BUSY).await;
    let words = |turn: &str| format!("Task #{id}, π to 5,000,000 digits: {turn}");
    let created = events.next_named("created").await.expect("a created event");
    assert!(
        created
            .data
            .contains(r#"<div id="announcements" hx-swap-oob="innerHTML">"#)
            && created.data.contains(&words("queued.")),
        "{}",
        created.data
    );
    let (mut started, mut ticks) = (false, 0);
    let mut last_id = created.id.clone();
    loop {
        let event = events
            .next_named(&format!("task-{id}"))
            .await
            .expect("the row keeps changing until done");
        // A tick has no id of its own: the stream's last id stays.
        if event.id == last_id {
            ticks += 1;
            assert!(
                !event.data.contains("announcements"),
                "a progress tick is not announced: {}",
                event.data
            );
        }
        last_id = event.id.clone();
        started |= event.data.contains(&words("started."));
        if event.data.contains("badge done") {
            assert!(
                event.data.contains(&words("done; digit 5,000,000 is 5.")),
                "{}",
                event.data
            );
            break;
        }
    }
    assert!(started, "the start was announced");
    assert!(ticks > 0, "progress ticked while it ran");
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_gets_each_changed_task_once_as_it_is_now() {
    let app = TestApp::spawn_with(busy_one_worker).await;
    let busy = app.submit(BUSY).await;
    app.wait_for(busy, "running").await;
    let waiting = app.submit(700).await;
    let seen = app.task(waiting).await["stages"][0]["id"]
        .as_i64()
        .expect("the registered stage has an id");
    // Missed while disconnected: the busy task is cancelled, the waiting one runs to the end.
    app.post_form(&format!("/tasks/{busy}/cancel"), "").await;
    let done = app.wait_for(waiting, "done").await;
    let stored = done["stages"][4]["id"]
        .as_i64()
        .expect("the stored stage has an id");

    let mut events = app.events("/events", Some(&seen.to_string())).await;
    let mut replayed = Vec::new();
    while let Some(event) = events.next().await {
        if event.event == "live" {
            if !replayed.is_empty() {
                break; // the replay is over once the heartbeat that follows it comes
            }
            continue;
        }
        replayed.push(event);
        if replayed.len() == 2 {
            break;
        }
    }
    let names: Vec<&str> = replayed.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        names,
        [format!("task-{busy}"), format!("task-{waiting}")],
        "each task once, oldest change first"
    );
    assert!(replayed[0].data.contains("badge cancelled"));
    assert!(replayed[1].data.contains("badge done"));
    assert_eq!(
        replayed[1].id,
        stored.to_string(),
        "the id of the task's last change"
    );
}

#[tokio::test]
async fn a_table_that_missed_a_new_task_is_told_to_resync_rather_than_add_it_twice() {
    let app = TestApp::spawn().await;
    let first = app.submit(100).await;
    let seen = app.task(first).await["stages"][0]["id"]
        .as_i64()
        .expect("the registered stage has an id");
    app.submit(200).await;
    let mut events = app.events("/events", Some(&seen.to_string())).await;
    let next = events.next_named("resync").await;
    assert!(
        next.is_some(),
        "a resync, not a created event that might duplicate a row"
    );
    let future = app
        .events("/events", Some("999999"))
        .await
        .next_named("resync")
        .await;
    assert!(future.is_some(), "an id from the future resyncs too");
}

#[tokio::test]
async fn a_connection_without_a_last_event_id_is_told_to_resync() {
    let app = TestApp::spawn().await;
    let mut events = app.events("/events", None).await;
    events.next().await; // heartbeat
    let resync = events.next().await.expect("a resync");
    assert_eq!(resync.event, "resync");
    assert_eq!(resync.id, "0", "the resync carries the newest event id");
}

#[tokio::test]
async fn a_task_page_stream_carries_only_that_tasks_detail_and_says_when_it_is_done() {
    let app = TestApp::spawn().await;
    let watched = app.submit(4000).await;
    let mut events = app
        .events(&format!("/events?task={watched}&since=0"), None)
        .await;
    let other = app.submit(50).await;
    let mut done = false;
    while let Some(event) = events.next().await {
        match event.event.as_str() {
            "detail" => assert!(
                event.data.contains("id=\"task-detail\"")
                    && !event.data.contains(&format!("task-{other}"))
            ),
            "done" => {
                done = true;
                break;
            }
            "live" => {}
            name => panic!("unexpected event {name} on a task page"),
        }
    }
    assert!(done, "the page is told the task is done");
    assert_eq!(app.get("/events?task=999").await.status(), 404);
}

#[tokio::test]
async fn at_shutdown_every_stream_gets_a_shutdown_event_with_a_retry_hint_and_ends() {
    // A short grace, so the running task is never one close enough to done to finish instead
    // (a quarter of the grace, 1 s here; on a fast machine 25 s would spare it).
    let app = TestApp::spawn_with(|config| {
        busy_one_worker(config);
        config.shutdown_grace = std::time::Duration::from_secs(4);
    })
    .await;
    let busy = app.submit(BUSY).await;
    app.wait_for(busy, "running").await;
    let mut table = app.events("/events", None).await;
    let mut page = app.events(&format!("/events?task={busy}"), None).await;
    let token = app.shutdown_token();
    token.cancel();
    for stream in [&mut table, &mut page] {
        let shutdown = stream
            .next_named("shutdown")
            .await
            .expect("a shutdown event");
        assert!(
            shutdown
                .retry
                .is_some_and(|retry| retry.as_millis() >= 1000),
            "a retry hint"
        );
        assert!(
            stream.next().await.is_none(),
            "the stream ends after shutdown"
        );
    }
    let (dir, url) = app.stop().await;
    // The task that was running went back to the queue, and the next start finishes it.
    let restarted = TestApp::spawn_on(dir, url, |config| config.max_digits = 10_000_000).await;
    let task = restarted.task(busy).await;
    let stages = stage_names(&task);
    assert!(
        stages.iter().any(|s| s == "requeued"),
        "the running task was handed back: {stages:?}"
    );
}
