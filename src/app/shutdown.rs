//! SIGTERM and SIGINT: the first cancels the shutdown token, which starts the drain
//! ([`super::drain`]; docs/ARCHITECTURE.md, "Lifecycle", has the whole sequence), and progress is
//! logged every second until the background loops have ended. A second signal exits at once; a
//! watchdog exits at the grace deadline even if something hangs. Either way nothing acknowledged
//! is lost: the next start requeues whatever was left running.

use std::time::{Duration, Instant};

use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::{error, info, warn};

use crate::{tasks::Queries, web::Lifecycle};

/// Installs the signal handlers now, before the app says it is ready, so an early SIGTERM is
/// handled rather than killing the process; then waits for the signals in the background.
pub(super) fn on_signals(
    shutdown: CancellationToken,
    grace: Duration,
    lifecycle: Lifecycle,
    queries: Queries,
    background: TaskTracker,
) {
    let mut signals = Signals::install();
    // The watchdog itself is not tracked: it is what ends the process if the tracked work hangs.
    tokio::spawn(async move {
        let first = signals.next().await;
        info!(signal = first, grace_s = grace.as_secs(), "shutting down");
        shutdown.cancel();
        tokio::spawn(report_progress(grace, lifecycle, queries, background));
        tokio::select! {
            second = signals.next() => {
                warn!(signal = second, "second signal: exiting now");
                std::process::exit(130);
            }
            () = tokio::time::sleep(grace) => {
                error!(grace_s = grace.as_secs(), "the grace period ran out before shutdown finished: exiting now");
                std::process::exit(1);
            }
        }
    });
}

/// Logs the drain's progress every second, until every background loop has ended.
async fn report_progress(
    grace: Duration,
    lifecycle: Lifecycle,
    queries: Queries,
    background: TaskTracker,
) {
    let deadline = Instant::now() + grace;
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = background.wait() => return,
        }
        info!(
            open_streams = lifecycle.sse_streams(),
            running_tasks = queries.running_here(),
            seconds_left = deadline.saturating_duration_since(Instant::now()).as_secs(),
            "shutdown in progress"
        );
    }
}

/// SIGTERM and SIGINT, listened to from the moment they are installed.
struct Signals {
    #[cfg(unix)]
    unix: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(term), Ok(int)) => Self {
                    unix: Some((term, int)),
                },
                _ => {
                    error!("could not listen for SIGTERM; only Ctrl-C will stop the server");
                    Self { unix: None }
                }
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Waits for the next signal and names it.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        if let Some((term, int)) = &mut self.unix {
            return tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}
