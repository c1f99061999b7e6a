//! Shutdown on SIGTERM or SIGINT.
//!
//! The first signal cancels the shutdown token: readiness turns 503 at once, new tasks and new
//! streams are refused with 503, every SSE stream sends `shutdown` and ends, the runner stops
//! claiming and hands running tasks back to the queue, HTTP drains, the pool closes. Progress
//! is logged every second. A second signal exits at once; a watchdog exits at the grace deadline
//! even if something hangs. Either way nothing acknowledged is lost: the next start requeues
//! whatever was left running.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::web::Lifecycle;

pub(super) fn on_signals(shutdown: CancellationToken, grace: Duration, lifecycle: Lifecycle) {
    tokio::spawn(async move {
        let first = signal().await;
        info!(signal = first, grace_s = grace.as_secs(), "shutting down");
        shutdown.cancel();
        tokio::spawn(report_progress(grace, lifecycle));
        tokio::select! {
            second = signal() => {
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

async fn report_progress(grace: Duration, lifecycle: Lifecycle) {
    let deadline = Instant::now() + grace;
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    loop {
        ticks.tick().await;
        info!(
            open_streams = lifecycle.sse_streams(),
            seconds_left = deadline.saturating_duration_since(Instant::now()).as_secs(),
            "shutdown in progress"
        );
    }
}

/// Waits for SIGTERM or SIGINT and names it.
async fn signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            },
            _ => {
                error!("could not listen for signals; only Ctrl-C will stop the server");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
