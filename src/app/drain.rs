//! Serving, and the drain once the shutdown token fires: the steps docs/ARCHITECTURE.md
//! ("Lifecycle") lists, each wait bounded, so a client that stops reading, or a run stuck on the
//! database, cannot keep the pool from closing before the watchdog's deadline. Whatever is left
//! running is requeued by the next start.

use std::time::Duration;

use anyhow::Context;
use tokio::{task::JoinHandle, time::Instant};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::{info, warn};

use super::startup::App;
use crate::web::{Lifecycle, router, server};

/// How often the drain looks whether every live stream has ended.
const STREAMS_POLL: Duration = Duration::from_millis(10);
/// How long the last announcements to other instances may take.
const ANNOUNCE_DRAIN: Duration = Duration::from_secs(1);

/// Where the drain stands against the grace period, from the moment the signal came.
struct Deadlines {
    signalled: Instant,
    /// The runner and the live streams get half the grace.
    halfway: Instant,
    /// HTTP connections and background loops get until two seconds before the watchdog.
    last_call: Instant,
}

impl Deadlines {
    fn from_now(grace: Duration) -> Self {
        let signalled = Instant::now();
        Self {
            signalled,
            halfway: signalled + grace / 2,
            last_call: signalled + grace.saturating_sub(Duration::from_secs(2)).max(grace / 2),
        }
    }
}

impl App {
    /// Serves until SIGTERM or SIGINT, then shuts down within the grace period.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        super::shutdown::on_signals(
            self.stops.shutdown.clone(),
            self.grace,
            self.state.lifecycle.clone(),
            self.state.queries.clone(),
            self.background.clone(),
        );
        self.serve().await
    }

    /// Serves until the shutdown token fires, then drains.
    pub async fn serve(self) -> anyhow::Result<()> {
        let lifecycle = self.state.lifecycle.clone();
        let stop_accepting = CancellationToken::new();
        // Ready before the first request is taken: a client that connected while startup ran
        // (its connection waits in the socket's queue) must not be told "not ready" by a race.
        lifecycle.set_ready();
        let server = tokio::spawn(server::serve(
            self.listener,
            router(self.state),
            self.header_timeout,
            stop_accepting.clone(),
        ));
        info!("ready");

        self.stops.shutdown.cancelled().await;
        let deadlines = Deadlines::from_now(self.grace);
        hand_tasks_back(self.runner, &deadlines).await?;
        // The hand-backs are announced before the others stop hearing from this instance.
        self.stops.cluster.cancel();
        last_announcements(self.announcer).await;
        close_streams(&lifecycle, &deadlines).await;
        info!("tasks handed back and live streams closed");
        tokio::time::sleep_until(deadlines.signalled + self.drain_linger).await;
        stop_accepting.cancel();
        match tokio::time::timeout_at(deadlines.last_call, server).await {
            Ok(joined) => joined.context("the server panicked")?,
            Err(_) => warn!("some connections were still busy at the deadline; closing anyway"),
        }
        info!("HTTP connections drained");
        wait_for_background(&self.background, &deadlines).await;
        self.storage
            .close()
            .await
            .context("could not close the database")?;
        drop(self.file_lock);
        info!("database closed; bye");
        Ok(())
    }
}

/// The runner stops claiming and hands running tasks back to the queue.
async fn hand_tasks_back(runner: JoinHandle<()>, deadlines: &Deadlines) -> anyhow::Result<()> {
    match tokio::time::timeout_at(deadlines.halfway, runner).await {
        Ok(joined) => joined.context("the runner panicked"),
        Err(_) => {
            warn!("running tasks did not stop in time; the next start requeues them");
            Ok(())
        }
    }
}

async fn last_announcements(announcer: Option<JoinHandle<()>>) {
    if let Some(announcer) = announcer
        && tokio::time::timeout(ANNOUNCE_DRAIN, announcer)
            .await
            .is_err()
    {
        warn!("could not announce the last changes to the other instances in time");
    }
}

/// Every live stream sends `shutdown` and ends on the token; this waits until they have.
async fn close_streams(lifecycle: &Lifecycle, deadlines: &Deadlines) {
    let closed = tokio::time::timeout_at(deadlines.halfway, async {
        while lifecycle.sse_streams() > 0 {
            tokio::time::sleep(STREAMS_POLL).await;
        }
    })
    .await;
    if closed.is_err() {
        warn!(
            open_streams = lifecycle.sse_streams(),
            "some live streams did not close in time"
        );
    }
}

/// Every loop the app spawned has seen its stop token by now; this proves they ended.
async fn wait_for_background(background: &TaskTracker, deadlines: &Deadlines) {
    background.close();
    if tokio::time::timeout_at(deadlines.last_call, background.wait())
        .await
        .is_err()
    {
        warn!(
            still_running = background.len(),
            "some background loops did not end in time"
        );
    }
}
