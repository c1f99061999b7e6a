//! Live views across instances: a task submitted on one shows on another, also after the
//! listening connection goes silent and between instances given the same id by mistake; a cancel
//! on one instance stops the computation on another.

use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::{Connection, PgConnection};

use super::{
    INSTANCE, LONG, TOO_LONG_TO_FINISH, a_computing_with_b_beside, count_stages, expected_digit,
    instance_with,
};
use crate::{
    binary::Binary,
    helpers::{Sse, open_events},
    pg_server::PgServer,
};

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn a_live_table_on_one_instance_shows_a_task_submitted_on_another_go_queued_running_done() {
    let url = PgServer::shared().create_database().await;
    let a = Binary::start(&url, &INSTANCE);
    let b = Binary::start(&url, &INSTANCE);
    // Both workers busy, so the new task is certainly seen queued before it runs.
    let busy = [a.submit(5_000_000).await, b.submit(5_000_001).await];
    for id in busy {
        a.wait_for(id, "running").await;
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let mut events = open_events(&client, &a.url("/events"), None).await;

    let id = b.submit(LONG).await;
    let created = events
        .next_named("created")
        .await
        .expect("a created event on A");
    assert!(
        created.data.contains(&format!("id=\"task-{id}\""))
            && created.data.contains("badge queued"),
        "{}",
        created.data
    );
    // Cancelled on A, whichever instance runs them: the new task gets a worker.
    for busy in busy {
        let cancelled = client
            .post(a.url(&format!("/tasks/{busy}/cancel")))
            .send()
            .await;
        assert!(cancelled.is_ok_and(|response| response.status().is_redirection()));
    }
    let mut saw_running = false;
    loop {
        let event = events
            .next_named(&format!("task-{id}"))
            .await
            .expect("the row keeps changing on A until done");
        saw_running |= event.data.contains("badge running");
        if event.data.contains("badge done") {
            break;
        }
    }
    assert!(saw_running, "A showed the row running before done");
    assert_eq!(a.task(id).await["digit"], expected_digit(LONG));
}

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn the_first_page_an_instance_keeps_shows_a_change_made_through_another_as_soon_as_its_live_table_does()
 {
    let url = PgServer::shared().create_database().await;
    let a = Binary::start(&url, &INSTANCE);
    let b = Binary::start(&url, &INSTANCE);
    let client = reqwest::Client::new();
    let page_on_a = || async {
        let response = client.get(a.url("/")).send().await.expect("A answers");
        assert_eq!(response.status(), 200);
        response.text().await.expect("a page")
    };
    let row = |id: i64| format!("id=\"task-{id}\"");
    let first = a.submit(1_000).await;
    a.wait_for(first, "done").await;
    for _ in 0..3 {
        assert!(page_on_a().await.contains(&row(first)));
    }
    let metrics = reqwest::get(a.url("/metrics"))
        .await
        .expect("A answers")
        .text()
        .await
        .expect("metrics");
    assert!(
        metrics.lines().any(|line| line
            .starts_with(r#"pilane_first_page_answers_total{kind="page",answer="kept"}"#)),
        "A served its first page kept at least once:\n{metrics}"
    );

    let mut events = open_events(&client, &a.url("/events"), None).await;
    let id = b.submit(20_000).await;
    events
        .next_named("created")
        .await
        .expect("A's live table gets the new task");
    let page = page_on_a().await;
    assert!(page.contains(&row(id)), "{page}");
    assert!(a.tasks("").await.iter().any(|task| task["id"] == id));

    loop {
        let event = events
            .next_named(&format!("task-{id}"))
            .await
            .expect("the row changes on A until done");
        if event.data.contains("badge done") {
            break;
        }
    }
    let page = page_on_a().await;
    let shown = page
        .split("<tr")
        .find(|tr| tr.contains(&row(id)))
        .expect("the row is on A's first page");
    assert!(shown.contains("badge done"), "{shown}");
    assert_eq!(
        a.tasks("")
            .await
            .iter()
            .find(|task| task["id"] == id)
            .map(|task| task["status"].clone()),
        Some(json!("done"))
    );
}

/// A Postgres backend process stopped with SIGSTOP: its connection stays open and says nothing,
/// as over a network that silently dropped it. Continued when dropped, so the server can stop.
struct FrozenBackend(i32);

impl FrozenBackend {
    /// The backend of the (only) connection listening for changes on `url`'s database.
    async fn listening_on(url: &str) -> Self {
        let mut connection = PgConnection::connect(url)
            .await
            .expect("a connection to look at the backends");
        let deadline = Instant::now() + Duration::from_secs(10);
        let pid = loop {
            let listening: Option<(i32,)> = sqlx::query_as(
                "SELECT pid FROM pg_stat_activity \
                 WHERE datname = current_database() AND query LIKE 'LISTEN%'",
            )
            .fetch_optional(&mut connection)
            .await
            .expect("pg_stat_activity can be read");
            if let Some((pid,)) = listening {
                break pid;
            }
            assert!(Instant::now() < deadline, "no connection started listening");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let frozen = Self(pid);
        frozen.signal("STOP");
        frozen
    }

    fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &self.0.to_string()])
            .status();
        assert!(sent.is_ok_and(|status| status.success()), "kill -{signal}");
    }
}

impl Drop for FrozenBackend {
    fn drop(&mut self) {
        self.signal("CONT");
    }
}

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn a_listening_connection_gone_silent_is_noticed_and_replaced_so_live_views_catch_up() {
    let url = PgServer::shared().create_database().await;
    let a = Binary::start(&url, &INSTANCE);
    let _frozen = FrozenBackend::listening_on(&url).await;
    let b = Binary::start(&url, &INSTANCE);
    let client = reqwest::Client::new();
    let mut events = open_events(&client, &a.url("/events"), None).await;
    // A stream opened without a last event id starts with a resync of its own.
    assert!(events.next_named("resync").await.is_some());

    // Submitted on B while A hears nothing: A's table learns of it by resyncing once A has
    // noticed (two probes of 5 s) and listens on a new connection.
    let missed = b.submit(1_000).await;
    let resync = tokio::time::timeout(Duration::from_secs(30), events.next_named("resync"))
        .await
        .ok()
        .flatten();
    assert!(resync.is_some(), "A's table was told to resync");
    assert_eq!(
        a.logged_times(
            "the connection listening for other instances' changes stopped hearing; reconnecting"
        ),
        1
    );
    assert_eq!(a.task(missed).await["n"], json!(1_000));

    // And A hears B again.
    let heard = b.submit(1_001).await;
    next_created_is(&mut events, heard).await;
}

/// Waits (up to 10 s) for the live table's next `created` event, which must add task `id`'s row.
async fn next_created_is(events: &mut Sse, id: i64) {
    let created = tokio::time::timeout(Duration::from_secs(10), events.next_named("created"))
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("a created event for task {id}"));
    assert!(
        created.data.contains(&format!("id=\"task-{id}\"")),
        "{}",
        created.data
    );
}

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn two_instances_given_the_same_id_by_mistake_still_hear_each_other_and_both_say_so() {
    let url = PgServer::shared().create_database().await;
    let args = instance_with(["--instance-id", "web"]);
    let a = Binary::start(&url, &args);
    let b = Binary::start(&url, &args);
    let client = reqwest::Client::new();
    let mut events = open_events(&client, &a.url("/events"), None).await;

    // A's table hears of the task submitted on B.
    next_created_is(&mut events, b.submit(1_000).await).await;
    // Each hears the other's announcements or, when idle, its probes within 5 s.
    let clash = "another running instance has this instance's id; give each instance its own (--instance-id, PILANE_INSTANCE_ID)";
    a.wait_for_log(clash).await;
    b.wait_for_log(clash).await;
    a.submit(1_001).await;
    b.submit(1_002).await;
    assert_eq!(
        a.logged_times(clash),
        1,
        "said once, not on every announcement"
    );
}

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn a_cancel_on_one_instance_stops_the_computation_on_another() {
    let url = PgServer::shared().create_database().await;
    let (a, id, b) = a_computing_with_b_beside(&url, &INSTANCE, TOO_LONG_TO_FINISH).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let cancelled = client
        .post(b.url(&format!("/tasks/{id}/cancel")))
        .send()
        .await;
    assert!(cancelled.is_ok_and(|response| response.status().is_redirection()));
    a.wait_for_log("run ended: the task was cancelled or taken over")
        .await;
    let task = a.task(id).await;
    assert_eq!(task["status"], "cancelled");
    assert_eq!(count_stages(&task, "stored"), 0, "nothing was stored");
}
