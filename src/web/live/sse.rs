//! `GET /events`: the one SSE stream a page holds open.
//!
//! - Each change arrives already rendered ([`super::LiveFeed`]); this stream only picks what its
//!   page shows: every row for a table (`created`, `task-{id}`), or one task's `detail` (and
//!   `done`) for a task page. Event names equal the `sse-swap` names in the views.
//! - Stage changes carry their stage-log id. A reconnecting browser sends `Last-Event-ID` (a
//!   page's first connection passes `?since=`, the id it read before rendering) and gets each
//!   task it missed, as it is now. No id, an unknown id, a missed new task on a table, too much
//!   missed, or a lagging receiver: `resync`, and the page fetches its state again.
//! - A `live` heartbeat keeps the page's indicator green; at shutdown every stream gets a final
//!   `shutdown` event with a jittered `retry:` and ends, so no stream holds the process open.

use std::{
    collections::HashMap,
    convert::Infallible,
    hash::{BuildHasher, RandomState},
    time::Duration,
};

use axum::{
    Router,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, header},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::get,
};
use tokio::sync::broadcast::error::RecvError;

use super::{LiveMessage, Occasion, Rendered, render};
use crate::{
    domain::{EventId, Stage, Status, TaskId},
    tasks::Queries,
    web::{AppState, WebError, params::parse_task_id, views::components::live_indicator},
};

/// How often the indicator is refreshed; the page shows "reconnecting" after about three misses.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// More missed stage events than this and a full resync is cheaper than a replay.
const REPLAY_LIMIT: u64 = 500;

pub fn routes() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

#[derive(Debug, serde::Deserialize)]
struct LiveQuery {
    task: Option<String>,
    since: Option<String>,
}

/// What a connecting browser needs before the live changes.
enum Backlog {
    Resync,
    Missed(Vec<Rendered>),
}

async fn events(
    State(state): State<AppState>,
    Query(query): Query<LiveQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if state.lifecycle.is_shutting_down() {
        return Err(WebError::ShuttingDown);
    }
    // Counted from here, so the cap also bounds the database reads below.
    let guard = state
        .lifecycle
        .track_stream(state.limits.max_streams)
        .ok_or(WebError::TooManyStreams)?;
    let only = query.task.as_deref().map(parse_task_id).transpose()?;
    if let Some(id) = only {
        state.queries.task(id).await?;
    }
    let last_seen = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .or(query.since.as_deref())
        .and_then(|id| id.trim().parse::<i64>().ok())
        .filter(|id| *id >= 0)
        .map(EventId);

    // Subscribe before reading the backlog, so no change falls between the two.
    let mut live = state.live.subscribe();
    let latest = state.queries.latest_event_id().await?;
    let backlog = match last_seen {
        // An id from the future (a reset database, an old tab): nothing it says can be trusted.
        Some(seen) if seen <= latest => replay(&state.queries, seen, only).await?,
        _ => Backlog::Resync,
    };
    let queries = state.queries.clone();
    let shutdown = state.lifecycle.shutdown().clone();

    let stream = async_stream::stream! {
        let _guard = guard;
        let heartbeat = Event::default().event("live").data(live_indicator(true).into_string());
        yield Ok::<_, Infallible>(heartbeat.clone());
        // Live changes up to here are already on the page, rendered or replayed. The line stays
        // put: changes are published after commit, not in id order, so a later message may
        // carry a lower id that nobody has seen.
        let mut replayed_upto = latest;
        match backlog {
            Backlog::Resync => yield Ok(resync(latest)),
            Backlog::Missed(missed) => {
                for rendered in &missed {
                    replayed_upto = replayed_upto.max(rendered.event_id.unwrap_or(latest));
                    for event in events_for(rendered, only) {
                        yield Ok(event);
                    }
                }
            }
        }
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        loop {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => {
                    yield Ok(shutdown_event());
                    break;
                }
                message = live.recv() => match message {
                    Ok(LiveMessage::Change(rendered)) => {
                        if rendered.event_id.is_some_and(|id| id <= replayed_upto) {
                            continue;
                        }
                        for event in events_for(&rendered, only) {
                            yield Ok(event);
                        }
                    }
                    Ok(LiveMessage::Resync) | Err(RecvError::Lagged(_)) => {
                        let latest = queries.latest_event_id().await.unwrap_or(replayed_upto);
                        yield Ok(resync(latest));
                    }
                    Err(RecvError::Closed) => break,
                },
                _ = ticks.tick() => yield Ok(heartbeat.clone()),
            }
        }
    };
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    // A stream ends only at shutdown (or when the page goes); its connection is not worth
    // keeping then, and an idle one left behind would race with the final drain.
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    Ok(response)
}

/// Each task that changed after `seen`, rendered once as it is now, in the order of its last
/// change. A table that missed a new task resyncs instead: its connection may be a fresh one that
/// re-sends the page's old `?since=` (htmx's SSE extension opens one after an error), and rows
/// already added live must not be added twice.
async fn replay(
    queries: &Queries,
    seen: EventId,
    only: Option<TaskId>,
) -> Result<Backlog, WebError> {
    let missed = queries.events_after(seen, REPLAY_LIMIT).await?;
    let missed_a_new_task =
        only.is_none() && missed.iter().any(|event| event.stage == Stage::Registered);
    if missed.len() as u64 >= REPLAY_LIMIT || missed_a_new_task {
        return Ok(Backlog::Resync);
    }
    let mut latest: HashMap<TaskId, EventId> = HashMap::new();
    for event in missed
        .iter()
        .filter(|event| only.is_none_or(|id| id == event.task_id))
    {
        latest.insert(event.task_id, event.id);
    }
    let mut order: Vec<_> = latest.into_iter().collect();
    order.sort_by_key(|(_, id)| *id);
    let mut rendered = Vec::with_capacity(order.len());
    for (task_id, event_id) in order {
        if let Some(row) = render(queries, task_id, Some(event_id), Occasion::Replay).await? {
            rendered.push(row);
        }
    }
    Ok(Backlog::Missed(rendered))
}

/// The SSE events one change makes on a page: a table row, or a task page's detail.
fn events_for(rendered: &Rendered, only: Option<TaskId>) -> Vec<Event> {
    let with_id = |event: Event| match rendered.event_id {
        Some(id) => event.id(id.to_string()),
        None => event,
    };
    match only {
        None => {
            let name = if rendered.created {
                "created".to_owned()
            } else {
                format!("task-{}", rendered.task_id)
            };
            vec![with_id(
                Event::default()
                    .event(name)
                    .data(announced(&rendered.row, rendered)),
            )]
        }
        Some(id) if id == rendered.task_id => {
            let mut events = vec![with_id(
                Event::default()
                    .event("detail")
                    .data(announced(&rendered.detail, rendered)),
            )];
            if rendered.status == Status::Done {
                events.push(
                    Event::default()
                        .event("done")
                        .data(rendered.task_id.to_string()),
                );
            }
            events
        }
        Some(_) => Vec::new(),
    }
}

/// `html` followed by the change's words for screen readers, if it has any.
fn announced(html: &str, rendered: &Rendered) -> String {
    match &rendered.announcement {
        Some(words) => format!("{html}{words}"),
        None => html.to_owned(),
    }
}

fn resync(latest: EventId) -> Event {
    Event::default()
        .event("resync")
        .id(latest.to_string())
        .data(latest.to_string())
}

/// The last event of every stream at shutdown. The `retry:` is jittered between 1 and 4 seconds so
/// a fleet of browsers does not come back in one burst.
fn shutdown_event() -> Event {
    let jitter = RandomState::new().hash_one(std::time::SystemTime::now()) % 3000;
    Event::default()
        .event("shutdown")
        .retry(Duration::from_millis(1000 + jitter))
        .data(live_indicator(false).into_string())
}
