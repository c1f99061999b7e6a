use std::sync::Arc;

use maud::Markup;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::warn;

use crate::{
    domain::{Change, ChangeKind, EventId, Message, Stage, Status, TaskId},
    tasks::{Queries, TaskError, TaskResult},
    web::views::{announcements::announcement, task_page::task_detail, task_table::task_row},
};

/// Room for bursts; a browser that falls further behind gets a resync instead of a backlog.
const CAPACITY: usize = 256;

/// A change, rendered once for every kind of page that shows it.
#[derive(Debug)]
pub struct Rendered {
    pub task_id: TaskId,
    pub event_id: Option<EventId>,
    /// The task is new: tables add the row rather than replace it.
    pub created: bool,
    pub status: Status,
    /// The row, for task tables.
    pub row: String,
    /// The detail section, for the task's own page.
    pub detail: String,
    /// What a screen reader says of a live change of stage (an out-of-band swap of the page's
    /// status line), sent with the row or the detail; never for progress, or for a replay.
    pub announcement: Option<String>,
}

#[derive(Debug, Clone)]
pub enum LiveMessage {
    Change(Arc<Rendered>),
    /// The feed missed changes: every page must fetch its state again.
    Resync,
}

/// A cheap handle to the rendered change feed.
#[derive(Clone)]
pub struct LiveFeed {
    sender: broadcast::Sender<LiveMessage>,
}

impl LiveFeed {
    /// Starts the renderer on `background`: it follows the bus until `shutdown`.
    pub fn start(queries: Queries, shutdown: CancellationToken, background: &TaskTracker) -> Self {
        let sender = broadcast::channel(CAPACITY).0;
        let feed = Self {
            sender: sender.clone(),
        };
        let mut changes = queries.changes();
        background.spawn(async move {
            loop {
                let change = tokio::select! {
                    () = shutdown.cancelled() => break,
                    change = changes.recv() => change,
                };
                // Nobody is watching: rendering would only cost database reads, and with several
                // instances each one hears every instance's changes.
                if sender.receiver_count() == 0 {
                    continue;
                }
                let message = match change {
                    Ok(Message::Resync) => LiveMessage::Resync,
                    Ok(Message::Change(change)) => match render_change(&queries, change).await {
                        Ok(Some(rendered)) => LiveMessage::Change(Arc::new(rendered)),
                        Ok(None) => continue,
                        Err(err) => {
                            warn!(error = %err, task_id = %change.task_id, "could not render a change; asking pages to resync");
                            LiveMessage::Resync
                        }
                    },
                    Err(RecvError::Lagged(missed)) => {
                        warn!(
                            missed,
                            "the live feed fell behind the bus; asking pages to resync"
                        );
                        LiveMessage::Resync
                    }
                    Err(RecvError::Closed) => break,
                };
                let _ = sender.send(message);
            }
        });
        feed
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveMessage> {
        self.sender.subscribe()
    }
}

/// Why a task is rendered: what the row does in a table, and whether a screen reader hears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    /// A new task: tables add the row; its queueing is announced.
    Created,
    /// It reached the stage of the change's event; announced where that stage is one a person
    /// wants to hear.
    Stage,
    /// Its progress moved: never announced.
    Progress,
    /// A reconnecting page missed it: shown as it is now, not announced.
    Replay,
}

async fn render_change(queries: &Queries, change: Change) -> TaskResult<Option<Rendered>> {
    let occasion = match change.kind {
        ChangeKind::Created => Occasion::Created,
        ChangeKind::Stage => Occasion::Stage,
        ChangeKind::Progress => Occasion::Progress,
    };
    render(queries, change.task_id, change.event_id, occasion).await
}

/// Renders a task as it is now, for `occasion`. `None` if it no longer exists.
pub async fn render(
    queries: &Queries,
    task_id: TaskId,
    event_id: Option<EventId>,
    occasion: Occasion,
) -> TaskResult<Option<Rendered>> {
    let task = match queries.task(task_id).await {
        Ok(task) => task,
        Err(TaskError::NotFound(_)) => return Ok(None),
        Err(err) => return Err(err),
    };
    let stages = queries.stages(task_id).await?;
    let estimate = queries.estimate_task(&task);
    // The turn this change records, not the latest: the task may have moved on since.
    let turn = match occasion {
        Occasion::Created => Some(Stage::Registered),
        Occasion::Stage => stages
            .iter()
            .find(|event| Some(event.id) == event_id)
            .map(|event| event.stage),
        Occasion::Progress | Occasion::Replay => None,
    };
    let announcement = turn
        .and_then(|stage| announcement(&task, stage))
        .map(Markup::into_string);
    Ok(Some(Rendered {
        task_id,
        event_id,
        created: occasion == Occasion::Created,
        status: task.status,
        row: task_row(&task, estimate).into_string(),
        detail: task_detail(&task, &stages, estimate).into_string(),
        announcement,
    }))
}
