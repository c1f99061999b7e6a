use std::sync::Arc;

use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::warn;

use crate::{
    domain::{Change, ChangeKind, EventId, Message, Status, TaskId},
    tasks::{Queries, TaskError, TaskResult},
    web::views::{task_page::task_detail, task_table::task_row},
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

async fn render_change(queries: &Queries, change: Change) -> TaskResult<Option<Rendered>> {
    render(
        queries,
        change.task_id,
        change.event_id,
        change.kind == ChangeKind::Created,
    )
    .await
}

/// Renders a task as it is now, for a change or for a replay. `None` if it no longer exists.
pub async fn render(
    queries: &Queries,
    task_id: TaskId,
    event_id: Option<EventId>,
    created: bool,
) -> TaskResult<Option<Rendered>> {
    let task = match queries.task(task_id).await {
        Ok(task) => task,
        Err(TaskError::NotFound(_)) => return Ok(None),
        Err(err) => return Err(err),
    };
    let stages = queries.stages(task_id).await?;
    let estimate = queries.estimate_task(&task);
    Ok(Some(Rendered {
        task_id,
        event_id,
        created,
        status: task.status,
        row: task_row(&task, estimate).into_string(),
        detail: task_detail(&task, &stages, estimate).into_string(),
    }))
}
